// Classification metrics (accuracy, precision, recall, F1, confusion) defined exactly as scikit-learn's.

/** Precision, recall and F1 of one class, plus its support (number of true rows of the class). */
export interface ClassReport {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/**
 * Every figure of scikit-learn's `classification_report`, plus the confusion matrix.
 *
 * - `perClass` has one entry per label, in label order, including labels that occur in neither
 *   `yTrue` nor `yPred` (all zeros, support 0) so a table can list the whole taxonomy.
 * - Macro averages are unweighted means over the labels that occur in `yTrue` OR `yPred`, which is what
 *   scikit-learn does when `labels=` is not passed (`unique_labels(y_true, y_pred)`); labels with no
 *   support and no predictions are left out, so an unused category does not drag the average to 0.
 * - Weighted averages weight each label by its support; micro averages pool all counts, so for
 *   single-label data micro precision = micro recall = micro F1 = accuracy.
 * - Undefined ratios (0/0) are 0, as with scikit-learn's `zero_division=0`.
 */
export interface ClassificationReport {
  n: number;
  accuracy: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  microPrecision: number;
  microRecall: number;
  microF1: number;
  weightedPrecision: number;
  weightedRecall: number;
  weightedF1: number;
  /** One entry per label, in label order. */
  perClass: ClassReport[];
  labels: string[];
  /** `confusion[true][pred]`, rows and columns in label order. */
  confusion: number[][];
}

/**
 * Counts of (true, predicted) pairs: a row-major `classCount × classCount` matrix where entry
 * `t * classCount + p` counts rows of true class `t` predicted as `p` (scikit-learn's `confusion_matrix`).
 * O(n + classCount²).
 * @throws TypeError when the arrays differ in length; RangeError when a class index is outside [0, classCount).
 * @example confusionMatrix(Int32Array.of(0, 1, 1), Int32Array.of(0, 1, 0), 2) // → [1, 0, 1, 1]
 */
export function confusionMatrix(yTrue: Int32Array, yPred: Int32Array, classCount: number): Int32Array {
  if (yTrue.length !== yPred.length) {
    throw new TypeError(`Pass yTrue and yPred of equal length: got ${yTrue.length} and ${yPred.length}`);
  }
  if (!Number.isInteger(classCount) || classCount < 0) {
    throw new RangeError(`Pass a non-negative integer classCount: got ${classCount}`);
  }
  const out = new Int32Array(classCount * classCount);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t < 0 || t >= classCount || p < 0 || p >= classCount) {
      const [which, v] = t < 0 || t >= classCount ? ["yTrue", t] : ["yPred", p];
      throw new RangeError(`Cannot score row ${i}: ${which} class ${v} is outside [0, ${classCount})`);
    }
    out[t * classCount + p]!++;
  }
  return out;
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Accuracy, per-class and averaged precision/recall/F1 and the confusion matrix of single-label
 * predictions. `yTrue`/`yPred` hold indices into `labels`. See {@link ClassificationReport} for which
 * labels each average covers. An empty input gives n = 0 and all scores 0.
 * @throws TypeError when the arrays differ in length; RangeError when an index is outside `labels`.
 * @example
 * const r = classificationReport(Int32Array.of(0, 1, 2, 0, 1, 2), Int32Array.of(0, 2, 1, 0, 0, 1), ["a", "b", "c"]);
 * r.macroF1; // 0.2666…  (scikit-learn's f1_score docstring example)
 */
export function classificationReport(
  yTrue: Int32Array,
  yPred: Int32Array,
  labels: readonly string[],
): ClassificationReport {
  const k = labels.length;
  const cm = confusionMatrix(yTrue, yPred, k);
  const n = yTrue.length;

  // Per-class counts from the confusion matrix: tp on the diagonal, support = row sum, predicted = column sum.
  const tp = new Float64Array(k);
  const support = new Float64Array(k);
  const predicted = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      const c = cm[t * k + p]!;
      support[t]! += c;
      predicted[p]! += c;
    }
    tp[t] = cm[t * k + t]!;
  }

  let correct = 0;
  let present = 0;
  let sumP = 0;
  let sumR = 0;
  let sumF = 0;
  let wP = 0;
  let wR = 0;
  let wF = 0;
  const perClass: ClassReport[] = [];
  for (let c = 0; c < k; c++) {
    const precision = ratio(tp[c]!, predicted[c]!);
    const recall = ratio(tp[c]!, support[c]!);
    // 2tp / (2tp + fp + fn): equals 2PR/(P+R) where defined and 0 where P = R = 0 (scikit-learn ≥ 1.3).
    const f1 = ratio(2 * tp[c]!, support[c]! + predicted[c]!);
    perClass.push({ label: labels[c]!, precision, recall, f1, support: support[c]! });
    correct += tp[c]!;
    if (support[c]! > 0 || predicted[c]! > 0) {
      present++;
      sumP += precision;
      sumR += recall;
      sumF += f1;
    }
    wP += precision * support[c]!;
    wR += recall * support[c]!;
    wF += f1 * support[c]!;
  }

  const accuracy = ratio(correct, n);
  const confusion: number[][] = [];
  for (let t = 0; t < k; t++) confusion.push(Array.from(cm.subarray(t * k, (t + 1) * k)));

  return {
    n,
    accuracy,
    macroPrecision: ratio(sumP, present),
    macroRecall: ratio(sumR, present),
    macroF1: ratio(sumF, present),
    // Every row has exactly one true and one predicted label, so pooled tp / predicted = tp / support = accuracy.
    microPrecision: accuracy,
    microRecall: accuracy,
    microF1: accuracy,
    weightedPrecision: ratio(wP, n),
    weightedRecall: ratio(wR, n),
    weightedF1: ratio(wF, n),
    perClass,
    labels: [...labels],
    confusion,
  };
}

/**
 * Mean and population standard deviation (ddof = 0, numpy's default) of a list, e.g. the per-fold
 * scores of a cross-validation. Two-pass, so it stays exact for scores that differ only in late digits.
 * @throws RangeError when `values` is empty.
 * @example meanStd([0.8, 0.9, 1.0]) // → { mean: 0.9, std: 0.0816… }
 */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) throw new RangeError("Pass at least one value to meanStd: got an empty list");
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(sq / values.length) };
}
