// Late fusion of text and image evidence: a weighted geometric mean of the two probability rows, with the
// weight learned on out-of-fold predictions, and the scores of each source side by side.
import { classificationReport, type ClassificationReport } from "../metrics/classification.js";

/** Smallest probability fusion works with: one branch's zero must not veto the other's evidence. */
const FLOOR = 1e-6;

/**
 * Fuses probability rows into `out` (rows × k): where both rows exist, p ∝ p_text^a · p_image^b
 * (log-linear pooling; the exponents both weigh and temper each source); where one is missing
 * (`hasText`/`hasImage` = 0) the other is used as is; where both are missing, the uniform distribution.
 */
export function fuseRows(
  text: Float32Array | undefined,
  image: Float32Array | undefined,
  hasText: Uint8Array,
  hasImage: Uint8Array,
  k: number,
  textWeight: number,
  out: Float32Array,
  imageWeight = 1 - textWeight,
): Float32Array {
  const n = hasText.length;
  const logRow = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    const t = text !== undefined && hasText[i] === 1;
    const m = image !== undefined && hasImage[i] === 1;
    if (t && m) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        const v = textWeight * Math.log(Math.max(FLOOR, text[o + c]!)) + imageWeight * Math.log(Math.max(FLOOR, image[o + c]!));
        logRow[c] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += logRow[c] = Math.exp(logRow[c]! - max);
      for (let c = 0; c < k; c++) out[o + c] = logRow[c]! / sum;
    } else if (t || m) {
      const src = (t ? text : image)!;
      for (let c = 0; c < k; c++) out[o + c] = src[o + c]!;
    } else {
      for (let c = 0; c < k; c++) out[o + c] = 1 / k;
    }
  }
  return out;
}

/** The exponents of each source and the held-out log-likelihood per row they give. */
export interface FusionWeight {
  textWeight: number;
  imageWeight: number;
  logLikelihood: number;
  /** Rows with both sources the weights were chosen on. */
  rows: number;
}

/**
 * Chooses the exponents of {@link fuseRows} on a grid (0 to `max` in `step`s, each) by the mean
 * log-probability of the true class over the rows that have both sources: the weights say how much each
 * source is worth and also temper an over-confident one. Ties go to the smaller total weight. With no such
 * row, text only.
 */
export function chooseFusionWeight(
  text: Float32Array,
  image: Float32Array,
  hasText: Uint8Array,
  hasImage: Uint8Array,
  y: Int32Array,
  k: number,
  { step = 0.1, max = 2 }: { step?: number; max?: number } = {},
): FusionWeight {
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) if (hasText[i] === 1 && hasImage[i] === 1) rows.push(i);
  if (rows.length === 0) return { textWeight: 1, imageWeight: 0, logLikelihood: Number.NaN, rows: 0 };
  // Per row: log-probabilities of every class from each source, so each grid point is one pass.
  const lt = new Float64Array(rows.length * k);
  const li = new Float64Array(rows.length * k);
  rows.forEach((r, j) => {
    for (let c = 0; c < k; c++) {
      lt[j * k + c] = Math.log(Math.max(FLOOR, text[r * k + c]!));
      li[j * k + c] = Math.log(Math.max(FLOOR, image[r * k + c]!));
    }
  });
  const steps = Math.round(max / step);
  let best: FusionWeight = { textWeight: 1, imageWeight: 0, logLikelihood: -Infinity, rows: rows.length };
  for (let sa = 0; sa <= steps; sa++) {
    for (let sb = 0; sb <= steps; sb++) {
      if (sa === 0 && sb === 0) continue;
      const a = sa * step;
      const b = sb * step;
      let ll = 0;
      for (let j = 0; j < rows.length; j++) {
        const o = j * k;
        let m = -Infinity;
        for (let c = 0; c < k; c++) m = Math.max(m, a * lt[o + c]! + b * li[o + c]!);
        let z = 0;
        for (let c = 0; c < k; c++) z += Math.exp(a * lt[o + c]! + b * li[o + c]! - m);
        const t = y[rows[j]!]!;
        ll += a * lt[o + t]! + b * li[o + t]! - m - Math.log(z);
      }
      ll /= rows.length;
      if (ll > best.logLikelihood + 1e-12) best = { textWeight: a, imageWeight: b, logLikelihood: ll, rows: rows.length };
    }
  }
  return best;
}

/** Index of the largest value in each row. */
export function argmaxRows(proba: Float32Array, k: number): Int32Array {
  const n = proba.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + b]!) b = c;
    out[i] = b;
  }
  return out;
}

/**
 * Accuracy and macro-F1 of probability rows (rows × k) against class indices. `labels` may be longer than k:
 * indices ≥ k are categories the model never saw, each its own class (as `evaluate` counts them), so every
 * such product is an error and its category weighs in the macro average.
 */
export function scoreRows(proba: Float32Array, k: number, y: Int32Array, labels: readonly string[]): ClassificationReport {
  if (labels.length < k) throw new RangeError(`${labels.length} labels for ${k} probability columns`);
  return classificationReport(y, argmaxRows(proba, k), labels);
}
