// From class probabilities to answers, the same for every model kind: calibration of the top score, top-k
// categories, and decisions (auto-accept at a target precision, hierarchical backoff, abstention).
import { ConfigError } from "../core/errors.js";
import type { ItemDecision, ItemPrediction } from "../core/prediction.js";
import { DEFAULT_PATH_SEPARATOR } from "../core/product.js";
import { topK as topKIndices } from "../linalg/topk.js";
import { calibrateRows, calibrator, LabelTree, levelCalibrators, thresholdFor, type CalibrationInfo, type ScoreCalibrator } from "./confidence.js";

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
    const proba = Float32Array.from(raw);
    calibrateRows(proba, this.labels.length, this.iso);
    return proba;
  }

  /** The decision for row `i`: the leaf, or with backoff the deepest ancestor that clears `threshold`. */
  decide(proba: Float32Array, raw: Float32Array, i: number, threshold: number, backoff: boolean): ItemDecision {
    const n = this.labels.length;
    const d = this.tree.decide(proba, i * n, backoff ? threshold : 0, raw, this.levelCalibrators);
    return { ...d, needsReview: d.status !== "leaf" || d.score < threshold, threshold };
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
