// Training: products with categories → a CategoryModel (featurize, fit the classifier, record how).
import { createHash } from "node:crypto";
import type { ClassifierModel } from "../core/contracts.js";
import { ConfigError, throwIfAborted } from "../core/errors.js";
import { DEFAULT_PATH_SEPARATOR, type Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { LIBRARY_VERSION } from "../core/version.js";
import { TextFeaturizer, type TextFeaturizerParamsInput } from "../featurize/text/text-featurizer.js";
import { createClassifier } from "../classify/registry.js";
import { CategoryModel, type ModelInfo } from "./category-model.js";
import { makeVersion } from "./model-inputs.js";
import { drawTrainingSample, type TrainingSampleOptions } from "./training-sample.js";
import { fitCalibration, LabelTree, type CalibrationInfo } from "./confidence.js";
import { stratifiedKFold } from "../catalog/split.js";
import { selectRows, type CsrMatrix } from "../linalg/matrix.js";
import { fitTopDown } from "../classify/top-down.js";
import { heldOutEstimate } from "../classify/linear-model.js";
import { labelsOnTaxonomy } from "./taxonomy-labels.js";
import { trainingCostWarning } from "./training-cost.js";
import { AUTO_CLASSIFIER, chooseClassifier, LINEAR_CLASSIFIER } from "./classifier-choice.js";
import type { Taxonomy } from "../taxonomy/taxonomy.js";

export { prestartTextTraining, readTrainingSet } from "./train-input.js";

export interface TrainOptions extends RunOptions {
  /**
   * Classifier kind from the registry, or "auto" (the default): linear-svm for ordinary taxonomies, nearest-centroid
   * for thousands of categories that one-vs-rest would take long to learn (see {@link chooseClassifier}).
   */
  classifier?: string;
  classifierParams?: Record<string, unknown>;
  featurizer?: TextFeaturizerParamsInput;
  /** Training products kept with the model for explanations (nearest neighbours); `false` keeps none. */
  explainSamples?: TrainingSampleOptions | false;
  /** Names of the text fields the products were read from (first = title); recorded for classify(). */
  textFields?: string[];
  labelField?: string;
  idField?: string;
  pathSeparator?: string;
  labelDepth?: number;
  /** Where the training data came from (recorded in the manifest). */
  source?: string;
  /**
   * "flat" (default): one classifier over the full label paths (always valid paths; ancestors' probabilities
   * are sums over their leaves). "top-down": one classifier per parent node, probabilities multiplied along the path.
   */
  strategy?: "flat" | "top-down";
  /**
   * "isotonic" (default): map the top score to the chance it is right, fitted on held-out estimates (a
   * linear classifier's leave-one-out scores, or out-of-fold predictions: see `calibrationFolds`); "none".
   */
  calibration?: "isotonic" | "none";
  /**
   * Train against a taxonomy: labels must be its paths (case and spacing are fixed, unknown labels refused
   * with suggestions); the model keeps each category's node id, so the taxonomy's paths can be renamed
   * later without retraining (see {@link CategoryModel.withTaxonomy}).
   */
  taxonomy?: Taxonomy;
  /**
   * Refit the classifier on this many folds for the calibration's out-of-fold predictions. Default: a linear
   * classifier's leave-one-out estimates from its one fit (see LinearParams.heldOutRows), which cost no
   * second training; other classifiers and top-down, 2 folds.
   */
  calibrationFolds?: number;
}

/** The linear classifier: what `classifier: "auto"` picks for ordinary taxonomies, and what audits fit on their folds. */
export const DEFAULT_CLASSIFIER = LINEAR_CLASSIFIER;

/** Characters of product lines hashed at a time by {@link fingerprint}. */
const FINGERPRINT_CHUNK = 1 << 16;

/** A stable fingerprint of training data: SHA-256 over ids, texts and labels in order. */
export function fingerprint(products: readonly Product[]): string {
  const h = createHash("sha256");
  // The same bytes as one update per product (each line is whole, so no character is split), in a few calls
  // instead of one per product: half the time or less (pricerunner: ~35 -> ~14 ms).
  let chunk = "";
  for (const p of products) {
    chunk += `${p.id}\u0000${p.text.join("\u001f")}\u0000${p.label ?? ""}\n`;
    if (chunk.length >= FINGERPRINT_CHUNK) {
      h.update(chunk);
      chunk = "";
    }
  }
  h.update(chunk);
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

/** Training products per category, by label (the training mix in the manifest). */
export function classCounts(labels: readonly string[], y: Int32Array): Record<string, number> {
  const counts = new Int32Array(labels.length);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  return Object.fromEntries(labels.map((l, c) => [l, counts[c]!]));
}

/** Held-out top-1 confidence and correctness of training rows, overall and per level of the category tree. */
interface HeldOut {
  confidence: Float64Array;
  correct: Uint8Array;
  levels: { confidence: Float64Array; correct: Uint8Array }[];
}

/**
 * Collects held-out probability rows of training rows (each row once) into {@link HeldOut}: the top
 * category's probability and whether it is right, and per level above the leaves the greedy path's summed
 * probability and whether its prefix is right.
 */
class HeldOutCollector {
  private readonly levelCount: number;
  private readonly rows: number[] = [];
  private readonly confidence: number[] = [];
  private readonly correct: number[] = [];
  private readonly levels: { confidence: number[]; correct: number[] }[];

  constructor(
    private readonly y: Int32Array,
    private readonly classCount: number,
    private readonly tree: LabelTree,
  ) {
    this.levelCount = Math.max(0, tree.maxDepth - 1);
    this.levels = Array.from({ length: this.levelCount }, () => ({ confidence: [], correct: [] }));
  }

  /** Adds training rows `rows` whose probabilities are `proba` (rows.length × classCount). */
  add(rows: ArrayLike<number>, proba: Float32Array): void {
    const k = this.classCount;
    for (let t = 0; t < rows.length; t++) {
      const i = rows[t]!;
      let best = 0;
      for (let c = 1; c < k; c++) if (proba[t * k + c]! > proba[t * k + best]!) best = c;
      this.confidence.push(proba[t * k + best]!);
      this.correct.push(best === this.y[i] ? 1 : 0);
      // Flat labels have no levels above the leaves: skip the walk (a pass over every category per row).
      if (this.levelCount === 0) continue;
      const truth = this.tree.ancestors[this.y[i]!]!;
      for (const step of this.tree.descend(proba, t * k)) {
        // Only categories with children are ever answered by backoff, so only they train the level maps.
        if (step.depth > this.levelCount || !step.internal) break;
        const l = this.levels[step.depth - 1]!;
        l.confidence.push(step.sum);
        l.correct.push(truth[step.depth - 1] === step.prefix ? 1 : 0);
      }
    }
  }

  result(): HeldOut {
    return {
      confidence: Float64Array.from(this.confidence),
      correct: Uint8Array.from(this.correct),
      levels: this.levels.map((l) => ({ confidence: Float64Array.from(l.confidence), correct: Uint8Array.from(l.correct) })),
    };
  }
}

/**
 * Out-of-fold top-1 confidence and correctness: the classifier is refitted on k − 1 folds (stratified,
 * seeded) and scores the rows of the fold it did not see. Undefined for fewer than 100 products.
 */
async function heldOutByFolds(
  matrix: CsrMatrix,
  y: Int32Array,
  classCount: number,
  folds: number,
  seed: number,
  fit: (rows: Int32Array, y: Int32Array) => Promise<ClassifierModel>,
  options: RunOptions,
  tree: LabelTree,
): Promise<HeldOut | undefined> {
  const n = y.length;
  if (n < 100) return undefined;
  if (!Number.isInteger(folds) || folds < 2) throw new ConfigError(`calibrationFolds must be a whole number of at least 2, got ${folds}`);
  const foldOf = stratifiedKFold(y, folds, seed);
  const collector = new HeldOutCollector(y, classCount, tree);
  for (let f = 0; f < folds; f++) {
    throwIfAborted(options.signal, "Calibrating");
    options.onProgress?.({ stage: "calibrate", done: f, total: folds });
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? testRows : trainRows).push(i);
    const tr = Int32Array.from(trainRows);
    const m = await fit(tr, Int32Array.from(tr, (i) => y[i]!));
    // In blocks of rows, so that thousands of categories never need a rows × categories matrix of the whole fold.
    const block = Math.max(64, Math.floor(2 ** 22 / classCount));
    for (let b0 = 0; b0 < testRows.length; b0 += block) {
      const part = Int32Array.from(testRows.slice(b0, b0 + block));
      collector.add(part, m.predictProba(selectRows(matrix, part)).data);
    }
  }
  options.onProgress?.({ stage: "calibrate", done: folds, total: folds });
  return collector.result();
}

/**
 * Learns a shop's categories from labelled products.
 * @example
 * const { products } = await readCatalogFile("catalog.jsonl", { requireLabel: true });
 * const model = await train(products, { classifier: "linear-svm", seed: 42 });
 * model.classify([{ title: "Nike Pegasus 40 running shoe" }], { topK: 3 });
 */
export async function train(input: readonly Product[], options: TrainOptions = {}): Promise<CategoryModel> {
  const started = performance.now();
  let products = input;
  let taxonomyIds: Map<string, string> | undefined;
  if (options.taxonomy) ({ products, ids: taxonomyIds } = labelsOnTaxonomy(input, options.taxonomy, options));
  const { labels, y } = encodeLabels(products);
  checkTrainingSet(products, labels, y, options);
  const requested = options.classifier ?? AUTO_CLASSIFIER;
  // A named kind's params are checked before the text is featurized; auto's once it has picked.
  if (requested !== AUTO_CLASSIFIER) createClassifier(requested, options.classifierParams);
  let featurizerSpec: TextFeaturizer;
  try {
    featurizerSpec = new TextFeaturizer(options.featurizer);
  } catch (e) {
    throw new ConfigError("Invalid featurizer settings", [(e as Error).message]);
  }
  // The fingerprint is taken while featurizing waits for its worker (fitTransform returns at that wait, once this
  // thread has hashed its share of the text): ~15 ms on pricerunner that no longer hold up the compaction.
  const fitting = featurizerSpec.fitTransform(products, options);
  fitting.catch(() => undefined); // awaited below; a failure while the fingerprint is taken is not unhandled
  const fp = fingerprint(products);
  const { featurizer, matrix } = await fitting;
  // Calibration refits on folds (about twice the time), except linear-svm's (auto's one-vs-rest pick), which uses
  // held-out estimates from its one fit.
  const calibrated =
    options.calibration !== "none" &&
    products.length >= 100 &&
    (options.calibrationFolds !== undefined || options.strategy === "top-down" || (requested !== AUTO_CLASSIFIER && requested !== LINEAR_CLASSIFIER));
  const shape = { rows: products.length, classes: labels.length, features: matrix.cols, nonZeros: matrix.indptr[matrix.rows]!, calibrated };
  // Top-down fits one small classifier per parent category: auto means its linear default there.
  const choice =
    options.strategy === "top-down" && requested === AUTO_CLASSIFIER
      ? { requested, chosen: LINEAR_CLASSIFIER, reason: "top-down: one classifier per parent category" }
      : chooseClassifier(requested, shape);
  const kind = choice.chosen;
  const classifier = createClassifier(kind, options.classifierParams);
  // The estimate is of one binary problem per category over every product (one-vs-rest); the one-pass kinds are cheap.
  if ((options.strategy ?? "flat") === "flat" && kind !== "complement-nb" && kind !== "nearest-centroid") {
    const costly = trainingCostWarning(shape);
    if (costly) options.onWarning?.(costly);
  }
  const samples = drawTrainingSample(products, y, labels.length, matrix, options);
  const strategy = options.strategy ?? "flat";
  if (strategy !== "flat" && strategy !== "top-down") throw new ConfigError(`Unknown strategy "${String(strategy)}": choose flat or top-down`);
  const separator = options.pathSeparator ?? DEFAULT_PATH_SEPARATOR;
  const fitted =
    strategy === "top-down"
      ? await fitTopDown(matrix, y, labels.map((l) => l), DEFAULT_PATH_SEPARATOR, kind, options.classifierParams, options)
      : await classifier.fit(matrix, y, labels.length, options);
  let calibration: CalibrationInfo | undefined;
  // A linear classifier's leave-one-out estimates, made while fitting, stand in for refitting on folds
  // (unless folds are asked for): calibration then costs one scoring pass instead of a second training.
  const loo = strategy === "flat" && options.calibrationFolds === undefined ? heldOutEstimate(fitted) : undefined;
  if (options.calibration !== "none" && loo && products.length >= 100) {
    const collector = new HeldOutCollector(y, labels.length, new LabelTree(labels, DEFAULT_PATH_SEPARATOR));
    collector.add(loo.rows, loo.proba);
    const held = collector.result();
    calibration = fitCalibration(held.confidence, held.correct, held.levels);
  } else if (options.calibration !== "none") {
    const fit = (rows: Int32Array, yy: Int32Array): Promise<ClassifierModel> =>
      strategy === "top-down"
        ? fitTopDown(selectRows(matrix, rows), yy, labels, DEFAULT_PATH_SEPARATOR, kind, options.classifierParams, { seed: options.seed })
        : createClassifier(kind, options.classifierParams).fit(selectRows(matrix, rows), yy, labels.length, { seed: options.seed, signal: options.signal });
    const tree = new LabelTree(labels, DEFAULT_PATH_SEPARATOR);
    const held = await heldOutByFolds(matrix, y, labels.length, options.calibrationFolds ?? 2, options.seed ?? 0, fit, options, tree);
    if (held) calibration = fitCalibration(held.confidence, held.correct, held.levels);
  }
  if (options.calibration !== "none" && !calibration) {
    options.onWarning?.({ code: "NO_CALIBRATION", message: `scores are not calibrated: too few products (${products.length}) for held-out folds` });
  }
  const createdAt = new Date();
  const info: ModelInfo = {
    version: makeVersion(createdAt, fp, kind),
    createdAt: createdAt.toISOString(),
    libraryVersion: LIBRARY_VERSION,
    labels,
    textFields: options.textFields ?? ["title", "description"],
    labelField: options.labelField ?? "category",
    idField: options.idField ?? "id",
    pathSeparator: separator,
    strategy,
    classifierChoice: choice,
    ...(calibration ? { calibration } : {}),
    ...(taxonomyIds && options.taxonomy ? { taxonomy: { ids: labels.map((l) => taxonomyIds.get(l)!), nodes: options.taxonomy.toJSON() } } : {}),
    ...(options.labelDepth !== undefined ? { labelDepth: options.labelDepth } : {}),
    training: {
      rows: products.length,
      fingerprint: fp,
      seconds: (performance.now() - started) / 1000,
      ...(options.source !== undefined ? { source: options.source } : {}),
    },
    metrics: { features: featurizer.dim, classes: labels.length, classCounts: classCounts(labels, y) },
  };
  const model = new CategoryModel(info, featurizer, fitted);
  if (samples) model.samples = samples;
  return model;
}
