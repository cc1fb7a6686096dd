// An up-front estimate of what training a linear one-vs-rest model will cost, so that a taxonomy of 100,000
// categories is announced with its time and memory before the hours of work start, not discovered after.
import type { Warning } from "../core/progress.js";
import { formatCount } from "../core/format.js";

/** What the estimate is made from: known once the text is featurized, before any classifier is fitted. */
export interface TrainingShape {
  rows: number;
  classes: number;
  features: number;
  /** Non-zero features over all rows (the sparse matrix's size). */
  nonZeros: number;
  /**
   * Whether the classifier is refitted on folds for calibration (about doubles the time); linear-svm's
   * calibration uses held-out estimates from its one fit instead, at no extra fit.
   */
  calibrated: boolean;
}

/**
 * Seconds per class per non-zero feature of one-vs-rest dual coordinate descent, measured with `assort train` on the
 * shared 2-core machine (Dec 2026, the fit alone): flipkart-1050's 504 leaf categories × 680,649 non-zeros ~1.0 s
 * (2.9e-9), PriceRunner's 10 × 4.78M ~0.55 s (1.2e-8), cn-online-shopping's 10 × 6.85M ~1.4 s (2.0e-8), 1,500
 * one-product categories × 2.14M ~10 s (3e-9). Many small categories (where the estimate matters) sit at the low
 * end, few large ones at the high end: the constant is their geometric middle, within a factor of three of each.
 * Bytes of memory per class per feature: the float32 weights, the float64 solutions they are built from, the
 * worker copies (measured on synthetic catalogs of 1,000–2,000 rows × 100–300 categories, 0.3–0.7 GB); the base
 * is Node with the featurized catalog. Since weights below `pruneBelow` are dropped the fitted model is much
 * smaller than that (it is kept sparse), but the per-class float64 solutions are still all held until training
 * ends, so the memory figure stays an honest upper bound. It applies to the one-vs-rest kinds only:
 * nearest-centroid is one pass (seconds and the size of the featurized catalog).
 */
const SECONDS_PER_CLASS_NONZERO = 8e-9;
const BYTES_PER_CLASS_FEATURE = 18;
const BASE_BYTES = 200 * 1024 * 1024;

/** Past either, train warns before fitting. */
const WARN_SECONDS = 60;
const WARN_BYTES = 1024 ** 3;

/**
 * Rough time and memory of fitting a flat linear model (one binary problem per class over every row):
 * time grows with classes × non-zeros, memory with classes × features. Within a factor of three or so.
 * @example estimateTrainingCost({ rows: 840, classes: 504, features: 67_702, nonZeros: 680_649, calibrated: false }).seconds // ≈ 2.7
 */
export function estimateTrainingCost(s: TrainingShape): { seconds: number; bytes: number } {
  const seconds = SECONDS_PER_CLASS_NONZERO * s.classes * s.nonZeros * (s.calibrated ? 2 : 1);
  const bytes = BASE_BYTES + BYTES_PER_CLASS_FEATURE * s.classes * s.features;
  return { seconds, bytes };
}

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(seconds < 36_000 ? 1 : 0)} h`;
}

function size(bytes: number): string {
  return bytes < 1024 ** 3 ? `${Math.round(bytes / 1024 ** 2)} MB` : `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/** The LARGE_TRAINING warning for a training run this big, or undefined when it is expected to be quick. */
export function trainingCostWarning(s: TrainingShape): Warning | undefined {
  const { seconds, bytes } = estimateTrainingCost(s);
  if (seconds < WARN_SECONDS && bytes < WARN_BYTES) return undefined;
  const n = formatCount;
  return {
    code: "LARGE_TRAINING",
    message:
      `${n(s.classes)} categories × ${n(s.rows)} products (${n(s.features)} features): training will take roughly ${duration(seconds)} ` +
      `and ${size(bytes)} of memory on a 2-core machine (one binary problem per category); ` +
      `learning fewer levels (labelDepth), fewer, larger categories, or the nearest-centroid classifier (one pass over the products) makes it faster`,
  };
}
