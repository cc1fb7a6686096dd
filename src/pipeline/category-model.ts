// A trained text category model: text featurizer + classifier + label set. It implements the ProductModel
// contract (classify, explain, save, describe), so the CLI, the service and the HTTP API use it like any kind.
import type { Artifact, ArtifactArray, ClassifierModel, ModelCapabilities, ModelClassifyOptions, ModelDescription, ProductModel } from "../core/contracts.js";
import { ConfigError, ModelFormatError } from "../core/errors.js";
import { toItemExplanation, type ItemPrediction } from "../core/prediction.js";
import type { Product, ProductInput } from "../core/product.js";
import { selectRows, type CsrMatrix } from "../linalg/matrix.js";
import { FittedTextFeaturizer } from "../featurize/text/text-featurizer.js";
import { PredictPool } from "./predict-pool.js";
import type { TopDownModel } from "../classify/top-down.js";
import { restoreAnyClassifier } from "./restore-classifier.js";
import { readModelDir, writeModelDir } from "../persist/model-dir.js";
import type { CalibrationInfo, LabelTree, ScoreCalibrator } from "./confidence.js";
import type { ClassifierChoice } from "./classifier-choice.js";
import { Decider, type DecisionOptions } from "./decisions.js";
import { productsFromInputs } from "./model-inputs.js";
import { taxonomyPath } from "./taxonomy-labels.js";
import type { Taxonomy, TaxonomyJson } from "../taxonomy/taxonomy.js";
import { explain, type ExplainOptions, type Explanation } from "./explain.js";
import { TrainingSample } from "./training-sample.js";
import { formatCount } from "../core/format.js";

export { checkTopK } from "./decisions.js";
export { makeVersion, productsFromInputs } from "./model-inputs.js";
export type { CategoryScore } from "../core/prediction.js";

/** The answer for one product: the one per-item prediction object (core/prediction.ts). */
export type Prediction = ItemPrediction;

/** Options of {@link CategoryModel.classify}: top-k, decisions and explanations (see ModelClassifyOptions). */
export type ClassifyOptions = ModelClassifyOptions;

/** How a model was trained: recorded in its manifest. */
export interface ModelInfo {
  /** Unique id of this trained model: "<created-at>-<hash>". */
  version: string;
  createdAt: string;
  libraryVersion: string;
  labels: string[];
  /** Input field names: the first text field is the title. */
  textFields: string[];
  labelField: string;
  idField: string;
  pathSeparator: string;
  labelDepth?: number;
  training: { rows: number; fingerprint: string; seconds?: number; source?: string };
  metrics?: Record<string, unknown>;
  /** The classifier asked for ("auto" or a kind), the one fitted and why (absent in older models). */
  classifierChoice?: ClassifierChoice;
  /** "flat" or "top-down" (absent in older models: flat). */
  strategy?: "flat" | "top-down";
  /** Isotonic calibration of the top score, with the held-out rows it was fitted on. */
  calibration?: CalibrationInfo;
  /** When trained against a taxonomy: each label's node id, and the taxonomy as it was then. */
  taxonomy?: { ids: string[]; nodes: TaxonomyJson };
}

/** Probability rows of a batch, before and after calibration, with the feature rows they came from. */
export interface ScoredRows {
  /** Calibrated probabilities, rows × labels (the raw ones when the model is not calibrated). */
  proba: Float32Array;
  /** The classifier's probabilities before calibration. */
  raw: Float32Array;
}

export class CategoryModel implements ProductModel {
  readonly kind = "category-model";
  readonly info: ModelInfo;
  readonly featurizer: FittedTextFeaturizer;
  readonly classifier: ClassifierModel;
  /** Labels, calibration and decisions (shared with every model kind). */
  readonly decider: Decider;
  private pool: PredictPool | undefined;
  /** Training products kept for explanations (absent in models trained before they were, or without them). */
  samples?: TrainingSample;

  constructor(info: ModelInfo, featurizer: FittedTextFeaturizer, classifier: ClassifierModel) {
    if (classifier.classCount !== info.labels.length) {
      throw new RangeError(`Classifier has ${classifier.classCount} classes but ${info.labels.length} labels`);
    }
    this.info = info;
    this.featurizer = featurizer;
    this.classifier = classifier;
    this.decider = new Decider(info.labels, info.calibration);
  }

  /** The label paths as a tree, for backoff. */
  get tree(): LabelTree {
    return this.decider.tree;
  }

  /** Calibrators of the per-level sums used by backoff (empty for single-level labels or older models). */
  get levelCalibrators(): readonly (ScoreCalibrator | undefined)[] {
    return this.decider.levelCalibrators;
  }

  get version(): string {
    return this.info.version;
  }

  get labels(): readonly string[] {
    return this.info.labels;
  }

  get fields(): ModelDescription["fields"] {
    return { text: this.info.textFields, id: this.info.idField, label: this.info.labelField };
  }

  get capabilities(): ModelCapabilities {
    return { explain: true, decisions: this.calibrated, taxonomy: this.info.taxonomy !== undefined, images: false };
  }

  /**
   * This model with its categories named by `taxonomy` (e.g. a renamed version of the one it was trained
   * against), matched by node id; no retraining. Throws a ConfigError naming categories whose ids are gone.
   */
  withTaxonomy(taxonomy: Taxonomy): CategoryModel {
    const t = this.info.taxonomy;
    if (!t) throw new ConfigError("This model was not trained against a taxonomy, so it cannot follow renamed paths: retrain it with the taxonomy", [], { hint: { kind: "train-with-taxonomy" } });
    const missing = t.ids.filter((id) => !taxonomy.has(id));
    if (missing.length > 0) {
      throw new ConfigError(`${missing.length} of the model's categories are not in the new taxonomy (ids ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}): retrain`);
    }
    const labels = t.ids.map((id) => taxonomyPath(taxonomy, id));
    const info: ModelInfo = { ...this.info, labels, taxonomy: { ids: t.ids, nodes: taxonomy.toJSON() } };
    const renamed = new CategoryModel(info, this.featurizer, this.classifier);
    // The stored training sample refers to categories by index, so it stays valid.
    if (this.samples) renamed.samples = this.samples;
    return renamed;
  }

  /** Whether scores are calibrated (the top score estimates the chance the top category is right). */
  get calibrated(): boolean {
    return this.decider.calibrated;
  }

  /** The score threshold for a target precision on held-out data, and the share of products it accepts. */
  operatingPoint(minPrecision: number): { threshold: number; coverage: number } {
    return this.decider.operatingPoint(minPrecision);
  }

  /** Maps raw input objects to products using the model's field names. */
  toProducts(items: readonly ProductInput[]): Product[] {
    return productsFromInputs(items, this.info.textFields, this.info.idField);
  }

  /**
   * Classifies raw product objects (fields named as in training, e.g. title and description), on the calling
   * thread; with `explain`, each answer carries its explanation from the same featurization.
   * @example model.classify([{ id: "1", title: "Tefal frying pan 28cm" }], { topK: 3 })
   */
  classify(items: readonly ProductInput[], options: ClassifyOptions = {}): Prediction[] {
    return this.predict(this.toProducts(items), options);
  }

  /** Classifies products already mapped to text fields. */
  predict(products: readonly Product[], options: ClassifyOptions = {}): Prediction[] {
    const threshold = this.decider.threshold(options);
    if (products.length === 0) return [];
    return this.answerInBlocks(products, this.featurizer.transform(products), options, threshold, true);
  }

  /**
   * Answers a featurized batch in blocks of rows, so that a model of thousands of categories never holds a
   * rows × categories probability matrix of a whole large batch (about 16 MB a block).
   */
  private answerInBlocks(products: readonly Product[], x: CsrMatrix, options: ClassifyOptions, threshold: number | undefined, keepRows: boolean): Prediction[] {
    const block = Math.max(64, Math.floor(2 ** 22 / this.info.labels.length));
    if (x.rows <= block) return this.answer(products, keepRows ? x : undefined, this.classifier.predictProba(x).data, options, threshold);
    const out: Prediction[] = [];
    for (let s = 0; s < x.rows; s += block) {
      const part = selectRows(x, Int32Array.from({ length: Math.min(block, x.rows - s) }, (_, j) => s + j));
      for (const p of this.answer(products.slice(s, s + part.rows), keepRows ? part : undefined, this.classifier.predictProba(part).data, options, threshold)) out.push(p);
    }
    return out;
  }

  /** Ranked answers of a featurized batch, with decisions and explanations as asked. */
  private answer(products: readonly Product[], x: CsrMatrix | undefined, raw: Float32Array, options: ClassifyOptions, threshold: number | undefined): Prediction[] {
    const out = this.decider.rankRaw(
      products.map((p) => p.id),
      raw,
      options as DecisionOptions,
      threshold,
    );
    if (options.explain) {
      const o = options.explain === true ? {} : options.explain;
      const why = explain(this, products, o, x);
      out.forEach((p, i) => (p.explanation = toItemExplanation(why[i]!)));
    }
    return out;
  }

  /**
   * Like {@link CategoryModel.classify}, for large batches: featurizes and scores on two cores (a worker
   * thread takes a share of each batch). Same answers as `classify`.
   */
  async classifyBatch(items: readonly ProductInput[], options: ClassifyOptions = {}): Promise<Prediction[]> {
    return this.predictBatch(this.toProducts(items), options);
  }

  /** Like {@link CategoryModel.predict}, featurizing and scoring large batches on two cores (explanations: on this thread). */
  async predictBatch(products: readonly Product[], options: ClassifyOptions = {}): Promise<Prediction[]> {
    const threshold = this.decider.threshold(options);
    if (products.length === 0) return [];
    if (options.explain) return this.predict(products, options);
    const pool = (this.pool ??= new PredictPool(this.featurizer, this.classifier));
    // A classifier too large for the worker to score: this thread, as predict (scoring a few hundred rows per
    // call, as the blocks below do, costs many-category models a third of their speed).
    if (!pool.scoresInWorker) return this.answerInBlocks(products, this.featurizer.transformTexts(products.map((p) => p.text)), options, threshold, false);
    // In blocks of rows, as answerInBlocks, so that many categories never make one huge probability matrix.
    const block = Math.max(64, Math.floor(2 ** 22 / this.info.labels.length));
    if (products.length <= block) return this.answer(products, undefined, await pool.probabilities(products.map((p) => p.text)), options, threshold);
    const out: Prediction[] = [];
    for (let s = 0; s < products.length; s += block) {
      const part = products.slice(s, s + block);
      for (const p of this.answer(part, undefined, await pool.probabilities(part.map((q) => q.text)), options, threshold)) out.push(p);
    }
    return out;
  }

  /**
   * {@link CategoryModel.predictBatch} over a stream of batches, pipelined: while this thread answers batch n
   * (decisions) and the caller reads batch n + 2, the worker featurizes and scores its share of batch n + 1
   * (see PredictPool.begin). Answers in order, the same as predictBatch's.
   */
  async *predictStream(batches: AsyncIterable<Product[]>, options: ClassifyOptions = {}): AsyncGenerator<{ products: Product[]; predictions: Prediction[] }> {
    const threshold = this.decider.threshold(options);
    if (options.explain) {
      for await (const products of batches) yield { products, predictions: this.predict(products, options) };
      return;
    }
    const pool = (this.pool ??= new PredictPool(this.featurizer, this.classifier));
    let pending: { products: Product[]; started: { finish(): Promise<Float32Array> } } | undefined;
    const answer = async (p: NonNullable<typeof pending>): Promise<{ products: Product[]; predictions: Prediction[] }> => {
      const raw = await p.started.finish();
      return { products: p.products, predictions: this.answer(p.products, undefined, raw, options, threshold) };
    };
    for await (const products of batches) {
      const started = pool.begin(products.map((p) => p.text));
      const previous = pending;
      pending = { products, started };
      if (previous) yield await answer(previous);
    }
    if (pending) yield await answer(pending);
  }

  /** Stops the featurizing worker of {@link CategoryModel.predictBatch}, if one was started. */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  /** Class probabilities, rows × labels (row-major). */
  probabilities(products: readonly Product[]): Float32Array {
    return this.score(products).proba;
  }

  /** Probabilities before and after calibration, for evaluation and decisions. */
  score(products: readonly Product[]): ScoredRows {
    const raw = this.rawProbabilities(products);
    return { raw, proba: this.decider.calibrate(raw) };
  }

  /** The classifier's probabilities before calibration. */
  rawProbabilities(products: readonly Product[]): Float32Array {
    return this.classifier.predictProba(this.featurizer.transform(products)).data;
  }

  /** Index of the best label for each product. */
  predictIndices(products: readonly Product[]): Int32Array {
    return this.classifier.predict(this.featurizer.transform(products));
  }

  /**
   * Why each product gets its category: its terms that weighed most and the nearest stored training
   * products (see pipeline/explain).
   * @example model.explain([{ id: "1", title: "Bosch electric kettle" }])[0].features // [{ term: "kettle", weight: 0.93 }, …]
   */
  explain(items: readonly ProductInput[], options: ExplainOptions = {}): Explanation[] {
    return explain(this, this.toProducts(items), options);
  }

  /** What the model is, in a shape every model kind shares. */
  describe(): ModelDescription {
    const i = this.info;
    const features = this.featurizer.dim;
    // A top-down model is one classifier of its base kind per parent category.
    const base = this.classifier.kind === "top-down" ? (this.classifier as TopDownModel).params["base"] : undefined;
    const classifier = typeof base === "string" ? base : this.classifier.kind;
    const { version, createdAt, libraryVersion, labels, textFields, idField, labelField, training, calibration: _c, taxonomy: _t, ...rest } = i;
    return {
      kind: this.kind,
      version,
      createdAt,
      libraryVersion,
      modalities: "text",
      labels: [...labels],
      fields: { text: textFields, id: idField, label: labelField },
      classifier,
      features: { text: features },
      calibrated: this.calibrated,
      capabilities: this.capabilities,
      training,
      summary: `${classifier} on ${formatCount(training.rows)} products in ${labels.length} categories (${formatCount(features)} features)`,
      details: { ...rest, ...(i.taxonomy ? { taxonomy: { categories: i.taxonomy.ids.length } } : {}), featurizer: this.featurizer.params },
    };
  }

  /** Writes the model to `dir` atomically (see persist/model-dir). */
  async save(dir: string): Promise<void> {
    const { manifest, arrays } = this.toParts();
    await writeModelDir(dir, manifest, arrays);
  }

  /** The manifest and named arrays {@link CategoryModel.save} writes (a multimodal model nests them). */
  toParts(): { manifest: Record<string, unknown>; arrays: Record<string, ArtifactArray> } {
    const f = this.featurizer.toArtifact();
    const c = this.classifier.toArtifact();
    const arrays: Record<string, ArtifactArray> = {};
    for (const [k, v] of Object.entries(f.arrays)) arrays[`featurizer.${k}`] = v;
    for (const [k, v] of Object.entries(c.arrays)) arrays[`classifier.${k}`] = v;
    if (this.samples) Object.assign(arrays, this.samples.toArrays());
    const manifest = {
      kind: "category-model",
      ...this.info,
      featurizer: { kind: f.kind, params: f.params, meta: f.meta },
      classifier: { kind: c.kind, params: c.params, meta: c.meta },
    };
    return { manifest, arrays };
  }

  /** Loads a model written by {@link CategoryModel.save}. */
  static async load(dir: string): Promise<CategoryModel> {
    const { manifest, arrays } = await readModelDir(dir);
    return CategoryModel.fromParts(manifest, arrays, dir);
  }

  /** Rebuilds a model from {@link CategoryModel.toParts}' manifest and arrays; `dir` names it in errors. */
  static fromParts(manifest: Record<string, unknown>, arrays: Record<string, ArtifactArray>, dir: string): CategoryModel {
    if (manifest.kind !== "category-model") throw new ModelFormatError(dir, `it holds a "${String(manifest.kind)}", not a category model`);
    const part = (name: "featurizer" | "classifier"): Artifact => {
      const spec = manifest[name] as { kind: string; params: Record<string, unknown>; meta: Record<string, unknown> } | undefined;
      if (!spec) throw new ModelFormatError(dir, `the manifest has no ${name}`);
      const own: Record<string, ArtifactArray> = {};
      for (const [k, v] of Object.entries(arrays)) if (k.startsWith(`${name}.`)) own[k.slice(name.length + 1)] = v;
      return { kind: spec.kind, params: spec.params, meta: spec.meta, arrays: own };
    };
    try {
      const featurizer = FittedTextFeaturizer.fromArtifact(part("featurizer"));
      const artifact = part("classifier");
      const classifier = restoreAnyClassifier(artifact);
      const info = manifest as unknown as ModelInfo;
      const model = new CategoryModel(pickInfo(info), featurizer, classifier);
      const samples = TrainingSample.fromArrays(arrays, featurizer.dim, classifier.classCount);
      if (samples) model.samples = samples;
      return model;
    } catch (e) {
      if (e instanceof ModelFormatError) throw e;
      throw new ModelFormatError(dir, (e as Error).message);
    }
  }
}

function pickInfo(m: ModelInfo): ModelInfo {
  const { version, createdAt, libraryVersion, labels, textFields, labelField, idField, pathSeparator, labelDepth, training, metrics, strategy, calibration, taxonomy, classifierChoice } = m;
  return {
    version,
    createdAt,
    libraryVersion,
    labels,
    textFields,
    labelField,
    idField,
    pathSeparator,
    labelDepth,
    training,
    metrics,
    ...(strategy ? { strategy } : {}),
    ...(classifierChoice ? { classifierChoice } : {}),
    ...(calibration ? { calibration } : {}),
    ...(taxonomy ? { taxonomy } : {}),
  };
}
