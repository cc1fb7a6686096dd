// Confidence a catalog team can act on: isotonic calibration of the top score, operating points for a target
// precision, and hierarchical backoff (the deepest category the model is sure of) or abstention.
import { ConfigError } from "../core/errors.js";
import { IsotonicCalibrator } from "../classify/calibration.js";
import { coverageAtPrecision } from "../metrics/calibration.js";
import { splitPath } from "../core/product.js";

/** A fitted calibration, stored in the model manifest. */
export interface CalibrationInfo {
  method: "isotonic";
  /** The isotonic map of the top category's score (knots). */
  x: number[];
  y: number[];
  /** Held-out rows it was fitted on, and their calibrated top scores and correctness, for operating points. */
  rows: number;
  confidence: number[];
  correct: number[];
}

/** Fewest held-out rows worth fitting an isotonic map on. */
const MIN_ROWS = 100;

/**
 * Fits an isotonic map from the top category's probability to the chance that it is right, on held-out
 * top scores and whether they were right. Returns undefined when there are too few rows.
 */
export function fitCalibration(confidence: Float64Array, correct: Uint8Array, maxStored = 5000): CalibrationInfo | undefined {
  const n = confidence.length;
  if (n < MIN_ROWS) return undefined;
  const iso = IsotonicCalibrator.fit(confidence, correct);
  const calibrated = iso.transform(confidence);
  const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
  // Keep an evenly spaced subset (by score) of the held-out pairs for operating points.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => calibrated[a]! - calibrated[b]! || a - b);
  const keep = n <= maxStored ? order : Array.from({ length: maxStored }, (_, t) => order[Math.floor((t * n) / maxStored)]!);
  return {
    method: "isotonic",
    x: Array.from(iso.x),
    y: Array.from(iso.y),
    rows: n,
    confidence: keep.map((i) => r4(calibrated[i]!)),
    correct: keep.map((i) => correct[i]!),
  };
}

/** The calibrator of a stored calibration. */
export function calibrator(info: CalibrationInfo): IsotonicCalibrator {
  return new IsotonicCalibrator(Float64Array.from(info.x), Float64Array.from(info.y));
}

/** Smallest calibrated top score, so a calibrated row still ranks its categories. */
const MIN_TOP = 1e-6;

/**
 * Calibrates probability rows in place: the top category's probability becomes the calibrated chance that
 * it is right; the others share the rest in proportion, or, when that would lift one above the top, are
 * scaled with the top (so the ranking never changes and rows sum to at most 1).
 */
export function calibrateRows(proba: Float32Array, k: number, iso: IsotonicCalibrator): void {
  const n = proba.length / k;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let best = o;
    for (let c = o + 1; c < o + k; c++) if (proba[c]! > proba[best]!) best = c;
    const p = proba[best]!;
    if (!(p > 0)) continue;
    const q = Math.max(MIN_TOP, iso.transformOne(p));
    let second = 0;
    for (let c = o; c < o + k; c++) if (c !== best && proba[c]! > second) second = proba[c]!;
    const share = p < 1 ? (1 - q) / (1 - p) : 0;
    const scale = second * share <= q ? share : q / p;
    for (let c = o; c < o + k; c++) proba[c] = c === best ? q : proba[c]! * scale;
  }
}

/** The score threshold that reaches `minPrecision` on the held-out rows, or a ConfigError saying the best achievable. */
export function thresholdFor(info: CalibrationInfo, minPrecision: number): { threshold: number; coverage: number } {
  if (!(minPrecision > 0 && minPrecision <= 1)) throw new ConfigError(`min-precision must be in (0, 1], got ${minPrecision}`);
  const [r] = coverageAtPrecision(Float64Array.from(info.confidence), Uint8Array.from(info.correct), [minPrecision]);
  if (!r!.reachable || r!.threshold === null) {
    const b = r!.bestPrecision;
    throw new ConfigError(
      `This model cannot reach precision ${minPrecision} on its held-out estimate (${info.rows} rows)` +
        (b ? `: the best achievable is ${b.precision.toFixed(4)}, accepting ${(b.coverage * 100).toFixed(1)}% of products (score ≥ ${b.threshold.toFixed(4)})` : ""),
    );
  }
  return { threshold: r!.threshold, coverage: r!.coverage };
}

/** What to do with one product: file it at a leaf, back off to an ancestor, or abstain. */
export interface Decision {
  /** The chosen category path, or null when abstaining. */
  category: string | null;
  /** Probability of the chosen category (summed over the leaves below it for an ancestor). */
  score: number;
  /** Levels in the chosen path (0 when abstaining). */
  depth: number;
  status: "leaf" | "backoff" | "abstain";
}

/**
 * The label tree of a model: every label path and its ancestors, so leaf probabilities can be summed
 * upwards. Labels need not all have the same depth.
 */
export class LabelTree {
  /** Ancestor paths of each label (top level first, the label itself last). */
  readonly ancestors: string[][];
  readonly maxDepth: number;

  constructor(
    readonly labels: readonly string[],
    separator: string,
  ) {
    this.ancestors = labels.map((l) => {
      const parts = splitPath(l, separator);
      return parts.map((_, d) => parts.slice(0, d + 1).join(" > "));
    });
    this.maxDepth = this.ancestors.reduce((m, a) => Math.max(m, a.length), 0);
  }

  /**
   * Backoff: the top label when its (calibrated) probability reaches `threshold`; else the deepest ancestor
   * of the top label whose probability, summed over its leaves in `ancestors` (the classifier's own
   * probabilities: calibration covers the top label only), does (e.g. "Home > Cookware" instead of a doubtful
   * "Pans"); else abstain. The path returned is always a prefix of a known label.
   */
  decide(proba: Float32Array, offset: number, threshold: number, ancestors: Float32Array = proba): Decision {
    const k = this.labels.length;
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[offset + c]! > proba[offset + best]!) best = c;
    const top = proba[offset + best]!;
    if (top >= threshold) return { category: this.labels[best]!, score: top, depth: this.ancestors[best]!.length, status: "leaf" };
    const path = this.ancestors[best]!;
    for (let d = path.length - 2; d >= 0; d--) {
      const prefix = path[d]!;
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const a = this.ancestors[c]!;
        if (a.length > d && a[d] === prefix) sum += ancestors[offset + c]!;
      }
      if (sum >= threshold) return { category: prefix, score: Math.min(1, sum), depth: d + 1, status: "backoff" };
    }
    return { category: null, score: top, depth: 0, status: "abstain" };
  }
}
