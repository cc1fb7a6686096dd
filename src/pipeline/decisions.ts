// From class probabilities to answers, the same for every model kind: calibration of the top score, top-k
// categories, and decisions (auto-accept at a target precision, hierarchical backoff, abstention).
import { ConfigError } from "../core/errors.js";
import type { ItemDecision, ItemPrediction } from "../core/prediction.js";
import { DEFAULT_PATH_SEPARATOR } from "../core/product.js";
import { topK as topKIndices } from "../linalg/topk.js";
import { calibrateRows, calibrator, LabelTree, levelCalibrators, thresholdFor, topCalibration, type CalibrationInfo, type ScoreCalibrator } from "./confidence.js";

/** Validates a top-k value: an integer ≥ 1. */
export function checkTopK(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`Invalid top-k ${k}: it must be a whole number of at least 1`);
  return k;
}

/** The options that ask for decisions. */
export interface DecisionOptions {
  topK?: number;
  minPrecision?: number;
  backoff?: boolean | number;
}

/**
 * A model's labels with its calibration: turns probability rows into ranked categories and decisions.
 * Shared by every model kind, so a decision means the same thing whichever model made it.
 */
export class Decider {
  /** The label paths as a tree, for backoff. */
  readonly tree: LabelTree;
  private readonly iso: ScoreCalibrator | undefined;
  /** Calibrators of the per-level sums used by backoff (empty for single-level labels or older models). */
  readonly levelCalibrators: readonly (ScoreCalibrator | undefined)[];

  constructor(
    readonly labels: readonly string[],
    readonly calibration: CalibrationInfo | undefined,
  ) {
    this.tree = new LabelTree(labels, DEFAULT_PATH_SEPARATOR);
    this.iso = calibration ? calibrator(calibration) : undefined;
    this.levelCalibrators = levelCalibrators(calibration);
  }

  /** Whether scores are calibrated (the top score estimates the chance the top category is right). */
  get calibrated(): boolean {
    return this.iso !== undefined;
  }

  /** The score threshold for a target precision on held-out data, and the share of products it accepts. */
  operatingPoint(minPrecision: number): { threshold: number; coverage: number } {
    if (!this.calibration) {
      throw new ConfigError("This model has no held-out calibration data, so it cannot pick a threshold for a precision: retrain it (flat strategy, linear-svm or logistic-regression)");
    }
    return thresholdFor(this.calibration, minPrecision);
  }

  /** The threshold `options` ask for, or undefined when they ask for no decision. Validates top-k too. */
  threshold(options: DecisionOptions): number | undefined {
    checkTopK(options.topK ?? 1);
    if (options.minPrecision !== undefined) return this.operatingPoint(options.minPrecision).threshold;
    if (options.backoff === undefined || options.backoff === false) return undefined;
    const t = options.backoff === true ? 0.5 : options.backoff;
    if (!(t > 0 && t <= 1)) throw new ConfigError(`backoff threshold must be in (0, 1], got ${t}`);
    return t;
  }

  /** A calibrated copy of raw probability rows (the rows themselves when the model is not calibrated). */
  calibrate(raw: Float32Array): Float32Array {
    if (!this.iso) return raw;
    // slice copies the bytes; Float32Array.from goes value by value (with thousands of categories, a tenth of a prediction).
    const proba = raw.slice();
    calibrateRows(proba, this.labels.length, this.iso);
    return proba;
  }

  /** The decision for row `i`: the leaf, or with backoff the deepest ancestor that clears `threshold`. */
  decide(proba: Float32Array, raw: Float32Array, i: number, threshold: number, backoff: boolean): ItemDecision {
    const n = this.labels.length;
    const d = this.tree.decide(proba, i * n, backoff ? threshold : 0, raw, this.levelCalibrators);
    return { ...d, needsReview: d.status !== "leaf" || d.score < threshold, threshold };
  }

  /**
   * `rank(ids, calibrate(raw), raw, options, threshold)`, the same answers bit for bit, without a calibrated copy of
   * whole rows when no decision is asked for: calibration keeps each row's ranking and only needs its top raw
   * probability and the next, so the top k + 1 of the raw row fix the calibrated scores of its top k. With thousands
   * of categories, calibrating and ranking whole rows was over half of a prediction's time.
   */
  rankRaw(ids: readonly string[], raw: Float32Array, options: DecisionOptions, threshold: number | undefined): ItemPrediction[] {
    const iso = this.iso;
    if (threshold !== undefined || !iso) return this.rank(ids, this.calibrate(raw), raw, options, threshold);
    const n = this.labels.length;
    const k = Math.min(options.topK ?? 1, n);
    const wanted = Math.min(k + 1, n);
    const idx = new Int32Array(wanted);
    // The candidates' calibrated scores, rounded as a calibrated row stores them.
    const cal = new Float32Array(wanted);
    // A loop rather than ids.map's callback: V8 inlined that into its callers and compiled them again and again.
    const out = new Array<ItemPrediction>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const o = i * n;
      const m = topKIndices(raw, o, n, wanted, idx);
      const p = raw[o + idx[0]!]!;
      let exact = true;
      if (p > 0) {
        const { q, scale } = topCalibration(p, m > 1 ? Math.max(0, raw[o + idx[1]!]!) : 0, n, iso);
        cal[0] = q;
        for (let j = 1; j < m; j++) cal[j] = raw[o + idx[j]!]! * scale;
        // Rounding to float32 can tie scores that differed: order by score, then index, as topK over the row would.
        for (let j = 1; j < m; j++) {
          const v = cal[j]!;
          const c = idx[j]!;
          let t = j;
          for (; t > 0 && (cal[t - 1]! < v || (cal[t - 1] === v && idx[t - 1]! > c)); t--) {
            cal[t] = cal[t - 1]!;
            idx[t] = idx[t - 1]!;
          }
          cal[t] = v;
          idx[t] = c;
        }
        // Every category left out scores at most the last candidate: when the k-th ties with it, one of them could
        // come first (a lower index), so that row is calibrated whole.
        exact = m === k || cal[k - 1]! !== cal[k]!;
      } else for (let j = 0; j < m; j++) cal[j] = raw[o + idx[j]!]!; // uncalibrated, as calibrateRows leaves it
      for (let j = 0; j < m; j++) if (Number.isNaN(cal[j])) exact = false;
      if (!exact) calibratedTop(raw.subarray(o, o + n), k, iso, idx, cal);
      const categories = [];
      for (let j = 0; j < k; j++) categories.push({ category: this.labels[idx[j]!]!, score: cal[j]! });
      out[i] = { id: ids[i]!, categories };
    }
    return out;
  }

  /** The top-k categories of each row, with a decision when `threshold` is set. */
  rank(ids: readonly string[], proba: Float32Array, raw: Float32Array, options: DecisionOptions, threshold: number | undefined): ItemPrediction[] {
    const n = this.labels.length;
    const k = Math.min(options.topK ?? 1, n);
    const idx = new Int32Array(k);
    const backoff = options.backoff !== undefined && options.backoff !== false;
    return ids.map((id, i) => {
      const m = topKIndices(proba, i * n, n, k, idx);
      const categories = [];
      for (let j = 0; j < m; j++) categories.push({ category: this.labels[idx[j]!]!, score: proba[i * n + idx[j]!]! });
      if (threshold === undefined) return { id, categories };
      return { id, categories, decision: this.decide(proba, raw, i, threshold, backoff) };
    });
  }
}

/** The top k of a row calibrated whole: their indices into `idx`, their calibrated scores into `cal`. */
function calibratedTop(row: Float32Array, k: number, iso: ScoreCalibrator, idx: Int32Array, cal: Float32Array): void {
  const whole = row.slice();
  calibrateRows(whole, whole.length, iso);
  topKIndices(whole, 0, whole.length, k, idx);
  for (let j = 0; j < k; j++) cal[j] = whole[idx[j]!]!;
}
