// Stratified, seeded k-fold assignment of labelled rows (used by cross-validation and by estimators that
// need out-of-fold estimates).
import { Random } from "./random.js";

/**
 * Groups row indices by class with a counting sort: rows of class c are `order[start[c] .. start[c+1])`,
 * in row order. O(n + classes).
 */
export function groupByClass(y: Int32Array): { order: Int32Array; start: Int32Array; classCount: number } {
  let classCount = 0;
  for (let i = 0; i < y.length; i++) {
    const c = y[i]!;
    if (c < 0) throw new RangeError(`Pass class indices ≥ 0: row ${i} has class ${c}`);
    if (c + 1 > classCount) classCount = c + 1;
  }
  const start = new Int32Array(classCount + 1);
  for (let i = 0; i < y.length; i++) start[y[i]! + 1]!++;
  for (let c = 0; c < classCount; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, classCount);
  const order = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) order[fill[y[i]!]!++] = i;
  return { order, start, classCount };
}

/**
 * Assigns each row to one of `folds` folds, stratified by class (scikit-learn
 * `StratifiedKFold(shuffle=True)` in spirit): each class's rows are shuffled with a `Random(seed)`, then
 * dealt round-robin, the deal continuing from class to class. So every fold holds ⌊n_c/k⌋ or ⌈n_c/k⌉ rows
 * of each class c, and fold sizes differ by at most one. Same `y` and seed, same folds.
 *
 * Classes with fewer rows than folds are allowed (some folds then lack them); list them with
 * {@link smallClasses} and warn.
 * @param y class index per row (≥ 0)
 * @returns the fold index in [0, folds) of each row
 * @throws RangeError when `folds` is not an integer in [2, y.length], or a class index is negative.
 * @example
 * const fold = stratifiedKFold(y, 5, 42);
 * const testRowsOfFold0 = [...fold.keys()].filter((i) => fold[i] === 0);
 */
export function stratifiedKFold(y: Int32Array, folds: number, seed: number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2 || folds > y.length) {
    throw new RangeError(`Pass a whole number of folds from 2 to the row count ${y.length}: got ${folds}`);
  }
  const { order, start, classCount } = groupByClass(y);
  const rng = new Random(seed);
  const out = new Int32Array(y.length);
  // A random first fold, so fold 0 is not always the one that gets the leftovers.
  let next = rng.int(folds);
  for (let c = 0; c < classCount; c++) {
    const rows = order.subarray(start[c]!, start[c + 1]!);
    rng.shuffle(rows);
    for (let j = 0; j < rows.length; j++) {
      out[rows[j]!] = next;
      next = next + 1 === folds ? 0 : next + 1;
    }
  }
  return out;
}
