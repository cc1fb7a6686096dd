// `classifier: "auto"`: picks the classifier from the number of categories and products per category, and says why.
import { estimateTrainingCost, type TrainingShape } from "./training-cost.js";
import { formatCount } from "../core/format.js";

/** The classifier kind that picks one from the training set's shape (the default of `train`). */
export const AUTO_CLASSIFIER = "auto";
/** What auto picks for ordinary taxonomies: the most accurate on product text. */
export const LINEAR_CLASSIFIER = "linear-svm";
/** What auto picks for very large taxonomies: one pass, whatever the number of categories. */
export const MANY_CATEGORIES_CLASSIFIER = "nearest-centroid";
/** From this many categories on, auto picks the nearest-centroid classifier when one-vs-rest would be slow. */
export const MANY_CATEGORIES = 1000;
/** Past this estimated one-vs-rest training time (seconds, calibration included), a large taxonomy goes to nearest centroid. */
const LINEAR_SECONDS_LIMIT = 120;

/** The classifier a training run used, what was asked for, and why (recorded in the model). */
export interface ClassifierChoice {
  /** What was asked for ("auto" or a kind). */
  requested: string;
  /** The kind fitted. */
  chosen: string;
  /** Why, in a sentence fragment ("12,057 categories with 2.3 products each …"). */
  reason: string;
}

const n = formatCount;

/**
 * Resolves `requested` ("auto" or a registry kind). Auto picks linear-svm below {@link MANY_CATEGORIES}
 * categories, and also above it when one-vs-rest would still train quickly (few products: its cost grows with
 * categories × products); otherwise nearest-centroid, which trains in one pass. On flipkart-1050's 504 leaf
 * categories (1.7 products each) linear-svm is right on 115 of 210 test products and nearest centroid on 110;
 * on PriceRunner's 12,057 products as categories linear-svm would take hours and nearest centroid takes seconds.
 * @example chooseClassifier("auto", { rows: 28_250, classes: 12_057, features: 165_060, nonZeros: 4_774_000, calibrated: false }).chosen // "nearest-centroid"
 */
export function chooseClassifier(requested: string, shape: TrainingShape): ClassifierChoice {
  if (requested !== AUTO_CLASSIFIER) return { requested, chosen: requested, reason: "as asked" };
  const perCategory = shape.rows / Math.max(1, shape.classes);
  const each = `${n(shape.classes)} categories with ${perCategory.toFixed(1)} products each on average`;
  if (shape.classes < MANY_CATEGORIES) return { requested, chosen: LINEAR_CLASSIFIER, reason: `${each} (fewer than ${n(MANY_CATEGORIES)} categories)` };
  const { seconds } = estimateTrainingCost(shape);
  if (seconds <= LINEAR_SECONDS_LIMIT) {
    return { requested, chosen: LINEAR_CLASSIFIER, reason: `${each}: one-vs-rest still trains in about ${Math.max(1, Math.round(seconds))} s` };
  }
  return {
    requested,
    chosen: MANY_CATEGORIES_CLASSIFIER,
    reason: `${each}: one-vs-rest would take about ${Math.round(seconds / 60)} min, nearest centroid trains in one pass`,
  };
}
