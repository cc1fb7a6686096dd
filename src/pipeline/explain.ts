// Explanations of category decisions: the terms that pushed a product into its category (an exact
// decomposition of a linear model's score) and the most similar labelled training products.
import { ConfigError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import { LinearModel } from "../classify/linear-model.js";
import { SparseLinearModel } from "../classify/sparse-linear-model.js";
import { columnOfBucket, documentNgrams } from "../featurize/text/feature-names.js";
import type { ClassifierModel } from "../core/contracts.js";
import type { FittedTextFeaturizer } from "../featurize/text/text-featurizer.js";
import type { TrainingSample } from "./training-sample.js";
import type { CsrMatrix } from "../linalg/matrix.js";

/** What {@link explain} reads of a text model (CategoryModel has this shape). */
export interface ExplainableModel {
  readonly labels: readonly string[];
  readonly featurizer: FittedTextFeaturizer;
  readonly classifier: ClassifierModel;
  readonly samples?: TrainingSample;
}

/** Options of {@link explain}. */
export interface ExplainOptions {
  /** Terms listed that pushed towards the category (default 8). */
  topFeatures?: number;
  /** Terms listed that pushed against it (default 3; 0 for none). */
  topAgainst?: number;
  /** Nearest labelled training products listed (default 3; 0 for none). */
  neighbors?: number;
  /** Explain this category for every product instead of the predicted one. */
  category?: string;
  /**
   * Report whole terms (default): a word's character n-grams are added to the word itself, so "kettle"
   * carries its unigram and "_ke", "ket", … together. `false` lists every n-gram on its own, as
   * "w:electric kettle" or "c:_ket".
   */
  groupTerms?: boolean;
  /**
   * What a contribution is measured from. "zero" (default): x_f·w_{c,f}, which sums with the bias to the
   * class's decision score. "mean": x_f·(w_{c,f} − mean over classes of w_{·,f}), which sums to the score
   * minus the mean score of all classes; the ranking of classes is the same, and for complement naive
   * Bayes (whose weights are all positive) it shows what sets the category apart rather than what is
   * merely frequent.
   */
  baseline?: "zero" | "mean";
}

/** One term of the product and what it added to the category's score. */
export interface TermContribution {
  /** The product's own token or n-gram ("kettle", "electric kettle"; "w:…"/"c:…" with `groupTerms: false`). */
  term: string;
  /** Its share of the decision score (positive: towards the category). */
  weight: number;
}

/** A labelled training product similar to the one explained. */
export interface NeighborProduct {
  id: string;
  title: string;
  category: string;
  /** Cosine similarity of the feature rows, in (0, 1]. */
  similarity: number;
}

/** Why a product gets a category. */
export interface Explanation {
  id: string;
  /** The category explained: the predicted one unless {@link ExplainOptions.category} names another. */
  category: string;
  /**
   * The decision score of the category (linear models): `bias` plus the weights of all terms,
   * listed or not. Measured from the class mean with `baseline: "mean"`.
   */
  score?: number;
  bias?: number;
  /** Largest positive contributions, largest first. */
  features: TermContribution[];
  /** Largest negative contributions, most negative first. */
  against: TermContribution[];
  /** Nearest stored training products, most similar first. */
  neighbors: NeighborProduct[];
  /** Why a part is missing (a non-linear classifier, a model without stored training products). */
  notes: string[];
}

const UNNAMED = "(unnamed feature)";

function count(name: string, v: number | undefined, fallback: number): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${n}`);
  return n;
}

/**
 * Explains the category of each product: the product's terms that contributed most to the category's
 * score, and its nearest labelled training products.
 *
 * For linear classifiers (linear-svm, logistic-regression, complement-nb) the contributions are exact:
 * feature f adds x_f·w_{c,f} to the score of class c, so `bias` plus every term's weight equals the
 * decision score. Each feature is named by re-tokenizing the product's own text and hashing its n-grams
 * the way the featurizer does, so the terms are the product's words; when two of its n-grams share a
 * hashed bucket, the bucket's contribution is split between them by their counts.
 *
 * Cost per product: one featurizing pass (none when the caller passes the rows `x` it already computed, as
 * classify with `explain` does) plus, for neighbours, the postings of its features in the stored sample
 * (at most 20,000 rows by default).
 * @example explain(model, [{ id: "1", text: ["Bosch electric kettle 1.7 l"] }])[0].features[0] // { term: "kettle", weight: 0.93 }
 */
export function explain(model: ExplainableModel, products: readonly Product[], options: ExplainOptions = {}, rows?: CsrMatrix): Explanation[] {
  const topFeatures = count("topFeatures", options.topFeatures, 8);
  const topAgainst = count("topAgainst", options.topAgainst, 3);
  const neighborCount = count("neighbors", options.neighbors, 3);
  const group = options.groupTerms ?? true;
  const labels = model.labels;
  let fixed = -1;
  if (options.category !== undefined) {
    fixed = labels.indexOf(options.category);
    if (fixed < 0) throw new ConfigError(`Cannot explain category "${options.category}": the model does not know it`);
  }
  if (products.length === 0) return [];
  const featurizer = model.featurizer;
  const x = rows ?? featurizer.transform(products);
  if (x.rows !== products.length) throw new RangeError(`Got ${x.rows} feature rows for ${products.length} products`);
  const predicted = fixed >= 0 ? undefined : model.classifier.predict(x);
  const linear = model.classifier instanceof LinearModel || model.classifier instanceof SparseLinearModel ? model.classifier : undefined;
  const weightOf = linear instanceof LinearModel ? (f: number, c: number): number => linear.weights[f * k + c]! : (f: number, c: number): number => linear!.weight(f, c);
  const samples = model.samples;
  const k = labels.length;
  // Per-call scratch over the feature space: each column's contribution and its summed n-gram count.
  const contrib = new Float64Array(featurizer.dim);
  const counts = new Float64Array(featurizer.dim);
  const mean = linear && options.baseline === "mean" ? classMeans(linear) : undefined;
  return products.map((product, i) => {
    const c = fixed >= 0 ? fixed : predicted![i]!;
    const s = x.indptr[i]!;
    const e = x.indptr[i + 1]!;
    const out: Explanation = { id: product.id, category: labels[c]!, features: [], against: [], neighbors: [], notes: [] };
    if (linear) {
      let bias = linear.intercept[c]!;
      if (mean) bias -= mean.intercept;
      let score = bias;
      for (let p = s; p < e; p++) {
        const f = x.indices[p]!;
        const v = x.data[p]! * (weightOf(f, c) - (mean ? mean.weights[f]! : 0));
        contrib[f] = v;
        score += v;
      }
      const grams = documentNgrams(featurizer.params, product.text);
      const cols = grams.map((g) => columnOfBucket(featurizer.columns, g.bucket));
      for (let j = 0; j < grams.length; j++) if (cols[j]! >= 0) counts[cols[j]!]! += grams[j]!.weight;
      const terms = new Map<string, number>();
      for (let j = 0; j < grams.length; j++) {
        const f = cols[j]!;
        if (f < 0 || counts[f]! === 0) continue;
        const g = grams[j]!;
        const key = group ? g.source : `${g.kind === "word" ? "w" : "c"}:${g.text}`;
        terms.set(key, (terms.get(key) ?? 0) + (contrib[f]! * g.weight) / counts[f]!);
      }
      // Every column of the row comes from some n-gram of the text; this guards the sum if one did not.
      for (let p = s; p < e; p++) {
        const f = x.indices[p]!;
        if (counts[f]! === 0 && contrib[f]! !== 0) terms.set(UNNAMED, (terms.get(UNNAMED) ?? 0) + contrib[f]!);
      }
      for (let j = 0; j < grams.length; j++) if (cols[j]! >= 0) counts[cols[j]!] = 0;
      for (let p = s; p < e; p++) contrib[x.indices[p]!] = 0;
      const ranked = [...terms].map(([term, weight]) => ({ term, weight }));
      out.features = ranked.filter((t) => t.weight > 0).sort((a, b) => b.weight - a.weight).slice(0, topFeatures);
      out.against = ranked.filter((t) => t.weight < 0).sort((a, b) => a.weight - b.weight).slice(0, topAgainst);
      out.score = score;
      out.bias = bias;
    } else {
      out.notes.push(`Feature contributions are unavailable: classifier "${model.classifier.kind}" is not linear`);
    }
    if (neighborCount > 0) {
      if (samples) {
        for (const nb of samples.nearest(x.indices.subarray(s, e), x.data.subarray(s, e), neighborCount)) {
          out.neighbors.push({ id: samples.ids[nb.row]!, title: samples.titles[nb.row]!, category: labels[samples.labels[nb.row]!]!, similarity: nb.similarity });
        }
      } else {
        out.notes.push("Nearest training products are unavailable: the model stores no training sample (trained by an older assort); retrain to add them");
      }
    }
    return out;
  });
}

/** Per-feature mean of the class weights, and the mean intercept (the "mean" baseline). */
function classMeans(m: LinearModel | SparseLinearModel): { weights: Float64Array; intercept: number } {
  const k = m.classCount;
  let weights: Float64Array;
  if (m instanceof SparseLinearModel) {
    weights = m.featureSums();
    for (let f = 0; f < m.featureCount; f++) weights[f] = weights[f]! / k;
  } else {
    weights = new Float64Array(m.featureCount);
    for (let f = 0; f < m.featureCount; f++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += m.weights[f * k + c]!;
      weights[f] = s / k;
    }
  }
  let b = 0;
  for (let c = 0; c < k; c++) b += m.intercept[c]!;
  return { weights, intercept: b / k };
}
