// Stratified, seeded splits of labelled rows: k folds for cross-validation and one train/test split.
import { Random } from "../core/random.js";
import { groupByClass, stratifiedKFold } from "../core/folds.js";

export { stratifiedKFold };

/**
 * The classes (ascending) that occur in `y` but have fewer than `folds` rows: in k-fold
 * cross-validation some folds will have none of them to test on. The caller decides whether to warn.
 * @example smallClasses(Int32Array.of(0, 0, 0, 1, 2, 2), 3) // → [1, 2]
 */
export function smallClasses(y: Int32Array, folds: number): number[] {
  const { start, classCount } = groupByClass(y);
  const out: number[] = [];
  for (let c = 0; c < classCount; c++) {
    const count = start[c + 1]! - start[c]!;
    if (count > 0 && count < folds) out.push(c);
  }
  return out;
}

/**
 * One stratified, seeded train/test split (scikit-learn `train_test_split(stratify=y)` in spirit).
 * The test set has ⌈testFraction · n⌉ rows (scikit-learn's rounding), shared among classes in proportion
 * to their size by largest remainder, so each class gets ⌊n_c · f⌋ or ⌈n_c · f⌉ test rows. Leftover test
 * rows go first to classes that keep at least one training row, so a class with a single row stays in
 * training where possible. Which rows are picked within a class is random (seeded).
 * @param y class index per row (≥ 0)
 * @param testFraction share of rows for the test set, in (0, 1)
 * @returns row indices of each side, ascending
 * @throws RangeError when `testFraction` is outside (0, 1) or leaves either side empty.
 * @example const { train, test } = stratifiedSplit(y, 0.2, 42);
 */
export function stratifiedSplit(
  y: Int32Array,
  testFraction: number,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`Pass a test fraction between 0 and 1 (exclusive): got ${testFraction}`);
  }
  const n = y.length;
  const nTest = Math.ceil(testFraction * n);
  if (nTest < 1 || nTest >= n) {
    throw new RangeError(`Cannot split ${n} rows with test fraction ${testFraction}: one side would be empty`);
  }
  const { order, start, classCount } = groupByClass(y);
  const rng = new Random(seed);

  // Largest-remainder allocation of nTest among classes; ties broken by a seeded random key.
  const take = new Int32Array(classCount);
  const remainder = new Float64Array(classCount);
  const tieBreak = new Float64Array(classCount);
  let given = 0;
  for (let c = 0; c < classCount; c++) {
    const exact = ((start[c + 1]! - start[c]!) * nTest) / n;
    take[c] = Math.floor(exact);
    remainder[c] = exact - take[c]!;
    tieBreak[c] = rng.float();
    given += take[c]!;
  }
  const byRemainder = Array.from({ length: classCount }, (_, c) => c).sort(
    (a, b) => remainder[b]! - remainder[a]! || tieBreak[b]! - tieBreak[a]!,
  );
  // Each class gets at most one extra row. Pass 1 tops up only classes that keep a training row;
  // pass 2 (rarely needed) any class with a remainder.
  const topped = new Uint8Array(classCount);
  for (let pass = 0; pass < 2 && given < nTest; pass++) {
    for (const c of byRemainder) {
      if (given === nTest) break;
      const size = start[c + 1]! - start[c]!;
      if (!topped[c] && remainder[c]! > 0 && take[c]! + (pass === 0 ? 1 : 0) < size) {
        topped[c] = 1;
        take[c]!++;
        given++;
      }
    }
  }
  // The classes with a remainder always cover the gap (remainders sum to it, each < 1); this sweep only
  // guards against floating-point rounding.
  for (let c = 0; c < classCount && given < nTest; c++) {
    const spare = start[c + 1]! - start[c]! - take[c]!;
    const add = Math.min(spare, nTest - given);
    take[c]! += add;
    given += add;
  }

  const isTest = new Uint8Array(n);
  for (let c = 0; c < classCount; c++) {
    const rows = order.subarray(start[c]!, start[c + 1]!);
    rng.shuffle(rows);
    for (let j = 0; j < take[c]!; j++) isTest[rows[j]!] = 1;
  }
  const test = new Int32Array(nTest);
  const train = new Int32Array(n - nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i]) test[a++] = i;
    else train[b++] = i;
  }
  return { train, test };
}
