// Evaluation: a model against labelled products → accuracy, macro/micro/weighted P/R/F1, confusion.
import type { Product } from "../core/product.js";
import { ConfigError } from "../core/errors.js";
import { classificationReport, type ClassificationReport } from "../metrics/classification.js";
import type { CategoryModel } from "./category-model.js";

export interface EvaluationReport extends ClassificationReport {
  modelVersion: string;
  /** Categories in the data that the model never saw (every such product counts as an error). */
  unknownLabels: string[];
  /** Items per second of featurizing + classifying the evaluation set. */
  itemsPerSecond: number;
}

/**
 * Scores `model` on labelled products. Labels unknown to the model are kept (their products are
 * errors), so the report never looks better than the model is.
 */
export function evaluate(model: CategoryModel, products: readonly Product[]): EvaluationReport {
  if (products.length === 0) throw new ConfigError("Cannot evaluate on an empty catalog");
  const missing = products.find((p) => !p.label);
  if (missing) throw new ConfigError(`Cannot evaluate: product "${missing.id}"${missing.line ? ` (line ${missing.line})` : ""} has no category`);
  const labels = [...model.labels];
  const index = new Map(labels.map((l, i) => [l, i]));
  const unknown: string[] = [];
  for (const p of products) {
    if (!index.has(p.label!)) {
      index.set(p.label!, labels.length);
      labels.push(p.label!);
      unknown.push(p.label!);
    }
  }
  const yTrue = Int32Array.from(products, (p) => index.get(p.label!)!);
  const t = performance.now();
  const yPred = model.predictIndices(products);
  const seconds = (performance.now() - t) / 1000;
  return {
    ...classificationReport(yTrue, yPred, labels),
    modelVersion: model.version,
    unknownLabels: unknown,
    itemsPerSecond: products.length / Math.max(seconds, 1e-9),
  };
}
