// Scores of a multimodal model with each source alone and fused, side by side.
import { ConfigError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { ImageIssue } from "../featurize/image/image-featurizer.js";
import { fuseRows, scoreRows } from "./fusion.js";
import type { BranchProbabilities, MultimodalClassifyOptions, MultimodalModel } from "./multimodal-model.js";

/** Scores of each source on labelled products, side by side. */
export interface MultimodalEvaluation {
  modelVersion: string;
  rows: number;
  /** Products whose image could be used. */
  withImage: number;
  textWeight: number;
  imageWeight: number;
  text?: { accuracy: number; macroF1: number };
  /** On every product (a product without a usable image gets the uniform guess, an error). */
  image: { accuracy: number; macroF1: number };
  /** The image branch on the products whose image loads. */
  imageOnLoaded: { accuracy: number; macroF1: number };
  fused: { accuracy: number; macroF1: number };
  imageIssues: ImageIssue[];
}

/** Text-only, image-only and fused accuracy and macro-F1 of a multimodal model on labelled products. */
export async function evaluateMultimodal(model: MultimodalModel, products: readonly Product[], options: MultimodalClassifyOptions = {}): Promise<MultimodalEvaluation> {
  if (products.length === 0) throw new ConfigError("Cannot evaluate on an empty catalog");
  // Categories the model never saw become classes of their own (as in `evaluate`): their products are errors.
  const labels = [...model.labels];
  const index = new Map(labels.map((l, i) => [l, i]));
  const y = Int32Array.from(products, (p) => {
    if (!p.label) throw new ConfigError(`Cannot evaluate: product "${p.id}"${p.line ? ` (line ${p.line})` : ""} has no category`);
    if (!index.has(p.label)) {
      index.set(p.label, labels.length);
      labels.push(p.label);
    }
    return index.get(p.label)!;
  });
  const { proba, branches } = await model.probabilities(products, options);
  return evidenceScores(model, labels, y, proba, branches);
}

/**
 * Each evidence source's accuracy and macro-F1 from probabilities already computed: `labels` holds the model's
 * labels then the unseen ones, `y` the true label indices, `proba` the fused rows.
 */
export function evidenceScores(model: { version: string; labels: readonly string[]; info: { textWeight: number; imageWeight: number } } | { version: string; labels: readonly string[] }, labels: readonly string[], y: Int32Array, proba: Float32Array, b: BranchProbabilities): MultimodalEvaluation {
  const k = model.labels.length;
  const n = y.length;
  const weights = "info" in model ? model.info : { textWeight: 1, imageWeight: 0 };
  const short = (r: { accuracy: number; macroF1: number }) => ({ accuracy: r.accuracy, macroF1: r.macroF1 });
  const uniform = fuseRows(undefined, b.image, b.hasText, b.hasImage, k, 0, new Float32Array(n * k));
  const loaded = Array.from(b.hasImage.keys()).filter((i) => b.hasImage[i] === 1);
  const loadedProba = new Float32Array(loaded.length * k);
  loaded.forEach((r, t) => loadedProba.set(b.image!.subarray(r * k, r * k + k), t * k));
  return {
    modelVersion: model.version,
    rows: n,
    withImage: loaded.length,
    textWeight: weights.textWeight,
    imageWeight: weights.imageWeight,
    ...(b.text ? { text: short(scoreRows(b.text, k, y, labels)) } : {}),
    image: short(scoreRows(uniform, k, y, labels)),
    imageOnLoaded: loaded.length > 0 ? short(scoreRows(loadedProba, k, Int32Array.from(loaded, (i) => y[i]!), labels)) : { accuracy: 0, macroF1: 0 },
    fused: short(scoreRows(proba, k, y, labels)),
    imageIssues: b.issues,
  };
}
