// A trained category model: text featurizer + classifier + label set, with classify/save/load.
import { createHash } from "node:crypto";
import type { Artifact, ArtifactArray, ClassifierModel } from "../core/contracts.js";
import { ConfigError, ModelFormatError } from "../core/errors.js";
import type { Product, ProductInput } from "../core/product.js";
import { LIBRARY_VERSION } from "../core/version.js";
import { topK as topKIndices } from "../linalg/topk.js";
import { FittedTextFeaturizer } from "../featurize/text/text-featurizer.js";
import { TransformPool } from "../featurize/text/transform-pool.js";
import { restoreClassifier } from "../classify/registry.js";
import { readModelDir, writeModelDir } from "../persist/model-dir.js";
import { DEFAULT_PATH_SEPARATOR } from "../core/product.js";
import { calibrateRows, calibrator, LabelTree, levelCalibrators, thresholdFor, type CalibrationInfo, type Decision, type ScoreCalibrator } from "./confidence.js";
import { TopDownModel } from "../classify/top-down.js";
import { taxonomyPath } from "./taxonomy-labels.js";
import type { Taxonomy, TaxonomyJson } from "../taxonomy/taxonomy.js";
import { explain, type ExplainOptions, type Explanation } from "./explain.js";
import { TrainingSample } from "./training-sample.js";

/** One category suggestion. */
export interface CategoryScore {
  category: string;
  score: number;
}

/** The answer for one product. */
export interface Prediction {
  id: string;
  /** The top-k categories (full label paths), best first. */
  categories: CategoryScore[];
  /**
   * With `minPrecision` or `backoff`: what to do with the product. `category` is the leaf, the deepest
   * ancestor the model is sure enough of ("backoff"), or null ("abstain"); `needsReview` is true unless the
   * leaf clears the threshold.
   */
  decision?: Decision & { needsReview: boolean; threshold: number };
}

export interface ClassifyOptions {
  /** How many categories to return per product (default 1). */
  topK?: number;
  /**
   * Auto-accept only predictions whose (calibrated) score reaches the threshold that gave this precision on
   * held-out data; the rest get `needsReview`. Throws a ConfigError naming the best achievable precision
   * when the model cannot reach it.
   */
  minPrecision?: number;
  /**
   * Hierarchical backoff: below the threshold (`minPrecision`'s, or this number, default 0.5 when true),
   * return the deepest ancestor whose probability clears it, or abstain.
   */
  backoff?: boolean | number;
}

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
  /** "flat" or "top-down" (absent in older models: flat). */
  strategy?: "flat" | "top-down";
  /** Isotonic calibration of the top score, with the held-out rows it was fitted on. */
  calibration?: CalibrationInfo;
  /** When trained against a taxonomy: each label's node id, and the taxonomy as it was then. */
  taxonomy?: { ids: string[]; nodes: TaxonomyJson };
}

/**
 * Maps raw input objects to products: the id from `idField` (else the 1-based position), the named text
 * fields in order; with `keepFields`, every field too (an image reference, say).
 */
export function productsFromInputs(items: readonly ProductInput[], textFields: readonly string[], idField: string, keepFields = false): Product[] {
  return items.map((item, i) => ({
    id: item[idField] === undefined || item[idField] === null ? String(i + 1) : String(item[idField]),
    text: textFields.map((f) => {
      const v = item[f];
      return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
    }),
    ...(keepFields ? { fields: item } : {}),
  }));
}

/** Validates a top-k value: an integer ≥ 1. */
export function checkTopK(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`Invalid top-k ${k}: it must be a whole number of at least 1`);
  return k;
}

export class CategoryModel {
  readonly info: ModelInfo;
  readonly featurizer: FittedTextFeaturizer;
  readonly classifier: ClassifierModel;
  /** The label paths as a tree, for backoff. */
  readonly tree: LabelTree;
  private readonly iso: ScoreCalibrator | undefined;
  private readonly levelIso: (ScoreCalibrator | undefined)[];
  private pool: TransformPool | undefined;
  /** Training products kept for explanations (absent in models trained before they were, or without them). */
  samples?: TrainingSample;

  constructor(info: ModelInfo, featurizer: FittedTextFeaturizer, classifier: ClassifierModel) {
    if (classifier.classCount !== info.labels.length) {
      throw new RangeError(`Classifier has ${classifier.classCount} classes but ${info.labels.length} labels`);
    }
    this.info = info;
    this.featurizer = featurizer;
    this.classifier = classifier;
    this.tree = new LabelTree(info.labels, DEFAULT_PATH_SEPARATOR);
    this.iso = info.calibration ? calibrator(info.calibration) : undefined;
    this.levelIso = levelCalibrators(info.calibration);
  }

  /** Calibrators of the per-level sums used by backoff (empty for single-level labels or older models). */
  get levelCalibrators(): readonly (ScoreCalibrator | undefined)[] {
    return this.levelIso;
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
    return this.iso !== undefined;
  }

  /** The score threshold for a target precision on held-out data, and the share of products it accepts. */
  operatingPoint(minPrecision: number): { threshold: number; coverage: number } {
    if (!this.info.calibration) {
      throw new ConfigError("This model has no held-out calibration data, so it cannot pick a threshold for a precision: retrain it (flat strategy, linear-svm or logistic-regression)");
    }
    return thresholdFor(this.info.calibration, minPrecision);
  }

  get version(): string {
    return this.info.version;
  }

  get labels(): readonly string[] {
    return this.info.labels;
  }

  /** Maps raw input objects to products using the model's field names. */
  toProducts(items: readonly ProductInput[]): Product[] {
    return productsFromInputs(items, this.info.textFields, this.info.idField);
  }

  /**
   * Classifies raw product objects (fields named as in training, e.g. title and description).
   * @example model.classify([{ id: "1", title: "Tefal frying pan 28cm" }], { topK: 3 })
   */
  classify(items: readonly ProductInput[], options: ClassifyOptions = {}): Prediction[] {
    return this.predict(this.toProducts(items), options);
  }

  /** Classifies products already mapped to text fields. */
  predict(products: readonly Product[], options: ClassifyOptions = {}): Prediction[] {
    checkTopK(options.topK ?? 1);
    const threshold = this.decisionThreshold(options);
    if (products.length === 0) return [];
    const raw = this.rawProbabilities(products);
    const proba = Float32Array.from(raw);
    if (this.iso) calibrateRows(proba, this.labels.length, this.iso);
    return this.rank(products, proba, options, threshold, raw);
  }

  /** The threshold `options` ask for, or undefined when they ask for no decision. */
  private decisionThreshold(options: ClassifyOptions): number | undefined {
    if (options.minPrecision !== undefined) return this.operatingPoint(options.minPrecision).threshold;
    if (options.backoff === undefined || options.backoff === false) return undefined;
    const t = options.backoff === true ? 0.5 : options.backoff;
    if (!(t > 0 && t <= 1)) throw new ConfigError(`backoff threshold must be in (0, 1], got ${t}`);
    return t;
  }

  /** The top-k categories of each product from its probability row. */
  private rank(products: readonly Product[], proba: Float32Array, options: ClassifyOptions, threshold?: number, raw: Float32Array = proba): Prediction[] {
    const k = Math.min(options.topK ?? 1, this.labels.length);
    const n = this.labels.length;
    const idx = new Int32Array(k);
    const backoff = options.backoff !== undefined && options.backoff !== false;
    return products.map((p, i) => {
      const m = topKIndices(proba, i * n, n, k, idx);
      const categories: CategoryScore[] = [];
      for (let j = 0; j < m; j++) categories.push({ category: this.labels[idx[j]!]!, score: proba[i * n + idx[j]!]! });
      if (threshold === undefined) return { id: p.id, categories };
      const d = this.tree.decide(proba, i * n, backoff ? threshold : 0, raw, this.levelIso);
      return { id: p.id, categories, decision: { ...d, needsReview: d.status !== "leaf" || d.score < threshold, threshold } };
    });
  }

  /**
   * Like {@link CategoryModel.classify}, for large batches: featurizes on two cores (a worker thread
   * takes half of each batch). Same answers as `classify`.
   */
  async classifyBatch(items: readonly ProductInput[], options: ClassifyOptions = {}): Promise<Prediction[]> {
    return this.predictBatch(this.toProducts(items), options);
  }

  /** Like {@link CategoryModel.predict}, featurizing large batches on two cores. */
  async predictBatch(products: readonly Product[], options: ClassifyOptions = {}): Promise<Prediction[]> {
    checkTopK(options.topK ?? 1);
    const threshold = this.decisionThreshold(options);
    if (products.length === 0) return [];
    this.pool ??= new TransformPool(this.featurizer);
    const x = await this.pool.transformTexts(products.map((p) => p.text));
    const raw = this.classifier.predictProba(x).data;
    const proba = Float32Array.from(raw);
    if (this.iso) calibrateRows(proba, this.labels.length, this.iso);
    return this.rank(products, proba, options, threshold, raw);
  }

  /** Stops the featurizing worker of {@link CategoryModel.predictBatch}, if one was started. */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  /** Class probabilities, rows × labels (row-major). */
  probabilities(products: readonly Product[]): Float32Array {
    const proba = this.rawProbabilities(products);
    if (this.iso) calibrateRows(proba, this.labels.length, this.iso);
    return proba;
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
      const classifier = artifact.kind === "top-down" ? TopDownModel.fromArtifact(artifact) : restoreClassifier(artifact);
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
  const { version, createdAt, libraryVersion, labels, textFields, labelField, idField, pathSeparator, labelDepth, training, metrics, strategy, calibration, taxonomy } = m;
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
    ...(calibration ? { calibration } : {}),
    ...(taxonomy ? { taxonomy } : {}),
  };
}

/** A model version: UTC creation time plus a short hash of what was learned. */
export function makeVersion(createdAt: Date, fingerprint: string, kind: string): string {
  const stamp = createdAt.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const h = createHash("sha256").update(`${fingerprint}|${kind}|${createdAt.toISOString()}|${LIBRARY_VERSION}`).digest("hex");
  return `${stamp}-${h.slice(0, 8)}`;
}
