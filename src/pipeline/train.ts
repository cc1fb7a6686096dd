// Training: products with categories → a CategoryModel (featurize, fit the classifier, record how).
import { createHash } from "node:crypto";
import { ConfigError } from "../core/errors.js";
import { DEFAULT_PATH_SEPARATOR, type Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { LIBRARY_VERSION } from "../core/version.js";
import { TextFeaturizer, type TextFeaturizerParamsInput } from "../featurize/text/text-featurizer.js";
import { createClassifier } from "../classify/registry.js";
import { CategoryModel, makeVersion, type ModelInfo } from "./category-model.js";

export interface TrainOptions extends RunOptions {
  /** Classifier kind from the registry (default "linear-svm"). */
  classifier?: string;
  classifierParams?: Record<string, unknown>;
  featurizer?: TextFeaturizerParamsInput;
  /** Names of the text fields the products were read from (first = title); recorded for classify(). */
  textFields?: string[];
  labelField?: string;
  idField?: string;
  pathSeparator?: string;
  labelDepth?: number;
  /** Where the training data came from (recorded in the manifest). */
  source?: string;
}

export const DEFAULT_CLASSIFIER = "linear-svm";

/** A stable fingerprint of training data: SHA-256 over ids, texts and labels in order. */
export function fingerprint(products: readonly Product[]): string {
  const h = createHash("sha256");
  for (const p of products) h.update(`${p.id}\u0000${p.text.join("\u001f")}\u0000${p.label ?? ""}\n`);
  return h.digest("hex");
}

/** Sorted distinct labels and each product's label index. */
export function encodeLabels(products: readonly Product[]): { labels: string[]; y: Int32Array } {
  const labels = [...new Set(products.map((p) => p.label ?? ""))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const y = new Int32Array(products.length);
  products.forEach((p, i) => {
    y[i] = index.get(p.label ?? "")!;
  });
  return { labels, y };
}

/** Checks that training is possible and warns about categories too small to learn well. */
export function checkTrainingSet(products: readonly Product[], labels: readonly string[], y: Int32Array, options: RunOptions): void {
  if (products.length === 0) throw new ConfigError("Cannot train on an empty catalog");
  const missing = products.find((p) => p.label === undefined || p.label === "");
  if (missing) throw new ConfigError(`Cannot train: product "${missing.id}"${missing.line ? ` (line ${missing.line})` : ""} has no category`);
  if (labels.length < 2) {
    throw new ConfigError(`Cannot train on ${labels.length} category ("${labels[0]}"): a classifier needs at least 2`);
  }
  const counts = new Int32Array(labels.length);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  const small = labels.filter((_, c) => counts[c]! < 3);
  if (small.length > 0) {
    const shown = small.slice(0, 5).map((l) => `"${l}"`).join(", ");
    options.onWarning?.({
      code: "SMALL_CLASS",
      message: `${small.length} categor${small.length === 1 ? "y has" : "ies have"} fewer than 3 training products (${shown}${small.length > 5 ? ", …" : ""}): expect poor recall there`,
    });
  }
}

/** Training products per category, by label. */
function classCounts(labels: readonly string[], y: Int32Array): Record<string, number> {
  const counts = new Int32Array(labels.length);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  return Object.fromEntries(labels.map((l, c) => [l, counts[c]!]));
}

/**
 * Learns a shop's categories from labelled products.
 * @example
 * const { products } = await readCatalogFile("catalog.jsonl", { requireLabel: true });
 * const model = await train(products, { classifier: "linear-svm", seed: 42 });
 * model.classify([{ title: "Nike Pegasus 40 running shoe" }], { topK: 3 });
 */
export async function train(products: readonly Product[], options: TrainOptions = {}): Promise<CategoryModel> {
  const started = performance.now();
  const { labels, y } = encodeLabels(products);
  checkTrainingSet(products, labels, y, options);
  const kind = options.classifier ?? DEFAULT_CLASSIFIER;
  const classifier = createClassifier(kind, options.classifierParams);
  let featurizerSpec: TextFeaturizer;
  try {
    featurizerSpec = new TextFeaturizer(options.featurizer);
  } catch (e) {
    throw new ConfigError("Invalid featurizer settings", [(e as Error).message]);
  }
  const { featurizer, matrix } = await featurizerSpec.fitTransform(products, options);
  const fitted = await classifier.fit(matrix, y, labels.length, options);
  const createdAt = new Date();
  const fp = fingerprint(products);
  const info: ModelInfo = {
    version: makeVersion(createdAt, fp, kind),
    createdAt: createdAt.toISOString(),
    libraryVersion: LIBRARY_VERSION,
    labels,
    textFields: options.textFields ?? ["title", "description"],
    labelField: options.labelField ?? "category",
    idField: options.idField ?? "id",
    pathSeparator: options.pathSeparator ?? DEFAULT_PATH_SEPARATOR,
    ...(options.labelDepth !== undefined ? { labelDepth: options.labelDepth } : {}),
    training: {
      rows: products.length,
      fingerprint: fp,
      seconds: (performance.now() - started) / 1000,
      ...(options.source !== undefined ? { source: options.source } : {}),
    },
    metrics: { features: featurizer.dim, classes: labels.length, classCounts: classCounts(labels, y) },
  };
  return new CategoryModel(info, featurizer, fitted);
}
