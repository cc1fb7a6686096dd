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

/** One category suggestion. */
export interface CategoryScore {
  category: string;
  score: number;
}

/** The answer for one product. */
export interface Prediction {
  id: string;
  categories: CategoryScore[];
}

export interface ClassifyOptions {
  /** How many categories to return per product (default 1). */
  topK?: number;
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
  private pool: TransformPool | undefined;

  constructor(info: ModelInfo, featurizer: FittedTextFeaturizer, classifier: ClassifierModel) {
    if (classifier.classCount !== info.labels.length) {
      throw new RangeError(`Classifier has ${classifier.classCount} classes but ${info.labels.length} labels`);
    }
    this.info = info;
    this.featurizer = featurizer;
    this.classifier = classifier;
  }

  get version(): string {
    return this.info.version;
  }

  get labels(): readonly string[] {
    return this.info.labels;
  }

  /** Maps raw input objects to products using the model's field names. */
  toProducts(items: readonly ProductInput[]): Product[] {
    const { textFields, idField } = this.info;
    return items.map((item, i) => ({
      id: item[idField] === undefined || item[idField] === null ? String(i + 1) : String(item[idField]),
      text: textFields.map((f) => {
        const v = item[f];
        return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
      }),
    }));
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
    if (products.length === 0) return [];
    return this.rank(products, this.probabilities(products), options);
  }

  /** The top-k categories of each product from its probability row. */
  private rank(products: readonly Product[], proba: Float32Array, options: ClassifyOptions): Prediction[] {
    const k = Math.min(options.topK ?? 1, this.labels.length);
    const n = this.labels.length;
    const idx = new Int32Array(k);
    return products.map((p, i) => {
      const m = topKIndices(proba, i * n, n, k, idx);
      const categories: CategoryScore[] = [];
      for (let j = 0; j < m; j++) categories.push({ category: this.labels[idx[j]!]!, score: proba[i * n + idx[j]!]! });
      return { id: p.id, categories };
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
    if (products.length === 0) return [];
    this.pool ??= new TransformPool(this.featurizer);
    const x = await this.pool.transformTexts(products.map((p) => p.text));
    return this.rank(products, this.classifier.predictProba(x).data, options);
  }

  /** Stops the featurizing worker of {@link CategoryModel.predictBatch}, if one was started. */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  /** Class probabilities, rows × labels (row-major). */
  probabilities(products: readonly Product[]): Float32Array {
    return this.classifier.predictProba(this.featurizer.transform(products)).data;
  }

  /** Index of the best label for each product. */
  predictIndices(products: readonly Product[]): Int32Array {
    return this.classifier.predict(this.featurizer.transform(products));
  }

  /** Writes the model to `dir` atomically (see persist/model-dir). */
  async save(dir: string): Promise<void> {
    const f = this.featurizer.toArtifact();
    const c = this.classifier.toArtifact();
    const arrays: Record<string, ArtifactArray> = {};
    for (const [k, v] of Object.entries(f.arrays)) arrays[`featurizer.${k}`] = v;
    for (const [k, v] of Object.entries(c.arrays)) arrays[`classifier.${k}`] = v;
    await writeModelDir(
      dir,
      {
        kind: "category-model",
        ...this.info,
        featurizer: { kind: f.kind, params: f.params, meta: f.meta },
        classifier: { kind: c.kind, params: c.params, meta: c.meta },
      },
      arrays,
    );
  }

  /** Loads a model written by {@link CategoryModel.save}. */
  static async load(dir: string): Promise<CategoryModel> {
    const { manifest, arrays } = await readModelDir(dir);
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
      const classifier = restoreClassifier(part("classifier"));
      const info = manifest as unknown as ModelInfo;
      return new CategoryModel(pickInfo(info), featurizer, classifier);
    } catch (e) {
      if (e instanceof ModelFormatError) throw e;
      throw new ModelFormatError(dir, (e as Error).message);
    }
  }
}

function pickInfo(m: ModelInfo): ModelInfo {
  const { version, createdAt, libraryVersion, labels, textFields, labelField, idField, pathSeparator, labelDepth, training, metrics } = m;
  return { version, createdAt, libraryVersion, labels, textFields, labelField, idField, pathSeparator, labelDepth, training, metrics };
}

/** A model version: UTC creation time plus a short hash of what was learned. */
export function makeVersion(createdAt: Date, fingerprint: string, kind: string): string {
  const stamp = createdAt.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const h = createHash("sha256").update(`${fingerprint}|${kind}|${createdAt.toISOString()}|${LIBRARY_VERSION}`).digest("hex");
  return `${stamp}-${h.slice(0, 8)}`;
}
