// Contracts: estimators (specs) fit into models (learned state); models persist as artifacts.
import type { DenseMatrix, Matrix } from "../linalg/matrix.js";
import type { RunOptions } from "./progress.js";
import type { Product, ProductInput } from "./product.js";
import type { ItemExplanation, ItemPrediction } from "./prediction.js";

/** Typed arrays an artifact may hold. */
export type ArtifactArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * The persistable state of a fitted model: its kind, validated params, JSON-able metadata and named
 * binary arrays. `persist/` writes it to disk; a registry restores it.
 */
export interface Artifact {
  kind: string;
  params: Record<string, unknown>;
  meta: Record<string, unknown>;
  arrays: Record<string, ArtifactArray>;
}

export interface Persistable {
  toArtifact(): Artifact;
}

/** Fit options: a seed plus progress, warnings and cancellation. */
export type FitOptions = RunOptions;

/** A classifier spec: validated params that fit into a model. */
export interface Classifier {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** `y` holds class indices in [0, classCount). */
  fit(x: Matrix, y: Int32Array, classCount: number, options?: FitOptions): Promise<ClassifierModel>;
}

/** A fitted classifier. `predictProba` rows sum to 1. */
export interface ClassifierModel extends Persistable {
  readonly kind: string;
  readonly classCount: number;
  readonly featureCount: number;
  /** Raw per-class scores (margins or log-probabilities), rows × classCount. */
  decisionFunction(x: Matrix): DenseMatrix;
  predict(x: Matrix): Int32Array;
  predictProba(x: Matrix): DenseMatrix;
}

/** A per-item problem a featurizer reports instead of throwing (an unreadable photo, say): the row keeps a zero vector. */
export interface FeatureIssue {
  /** Row index in the input. */
  row: number;
  id: string;
  /** 1-based source line when the item has one. */
  line?: number;
  code: string;
  message: string;
}

/** A featurizer's output: one row per item, plus which rows hold real features and why the others do not. */
export interface Features {
  matrix: Matrix;
  /** 1 where the row holds features; 0 where the item had no usable input (its row is zero). Absent: every row is usable. */
  ok?: Uint8Array;
  issues?: FeatureIssue[];
}

/** Options of {@link FittedFeaturizer.featurize}: progress and cancellation, plus where relative file references start. */
export interface FeaturizeOptions extends RunOptions {
  /** Folder that relative file references (product photos) start from. */
  baseDir?: string;
}

/**
 * A fitted featurizer: items → rows of a fixed feature space. Text, image and embedding featurizers all
 * implement it; `restoreFeaturizer(artifact)` (featurize/registry.ts) brings one back from `toArtifact()`.
 */
export interface FittedFeaturizer<T = Product> extends Persistable {
  readonly kind: string;
  /** Width of the rows. */
  readonly dim: number;
  featurize(items: readonly T[], options?: FeaturizeOptions): Promise<Features>;
  /** Releases worker threads or native sessions it opened (a no-op for most). */
  close(): Promise<void>;
}

/** The fit of a featurizer: the fitted featurizer and the training rows it produced in the same pass. */
export type FeaturizerFit<T = Product> = Features & { featurizer: FittedFeaturizer<T>; description?: string };

/** A featurizer spec: validated params that fit on items (`createFeaturizer(kind, params)` in featurize/registry.ts). */
export interface Featurizer<T = Product> {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  fit(items: readonly T[], options?: FeaturizeOptions): Promise<FittedFeaturizer<T>>;
  fitTransform(items: readonly T[], options?: FeaturizeOptions): Promise<FeaturizerFit<T>>;
}

/** One product's explanation, with its id (what {@link ProductModel.explain} returns). */
export type ExplainedItem = Omit<ItemExplanation, "notes"> & { id: string; notes: string[] };

/** Options of {@link ProductModel.classify}. */
export interface ModelClassifyOptions extends FeaturizeOptions {
  /** Categories per product (default 1). */
  topK?: number;
  /**
   * Auto-accept only predictions whose calibrated score reaches the threshold that gave this precision on
   * held-out data; the others get `decision.needsReview`. Needs `capabilities.decisions`.
   */
  minPrecision?: number;
  /** Below the threshold (minPrecision's, or this number; 0.5 when true), answer the deepest sure ancestor or abstain. */
  backoff?: boolean | number;
  /** Add an explanation to each answer, from the same featurization. Needs `capabilities.explain`. */
  explain?: boolean | { topFeatures?: number; topAgainst?: number; neighbors?: number };
}

/** What a model can do beyond top-k categories. */
export interface ModelCapabilities {
  /** `explain` and `classify(…, { explain })`: term weights and nearest training products. */
  explain: boolean;
  /** `minPrecision` and `backoff`: held-out calibration to pick thresholds. */
  decisions: boolean;
  /** Categories follow a renamed taxonomy by node id (`withTaxonomy`). */
  taxonomy: boolean;
  /** The product photo is part of the evidence (answers carry `evidence`). */
  images: boolean;
}

/** A model's self-description: its manifest in a stable shape, for `assort info`, the service and the console. */
export interface ModelDescription {
  kind: string;
  version: string;
  createdAt: string;
  libraryVersion: string;
  /** "text", "image" or "both". */
  modalities: "text" | "image" | "both";
  labels: string[];
  fields: { text: string[]; id: string; label: string; image?: string };
  /** The classifier kind (of the text branch; "image: …" parts for photo models). */
  classifier: string;
  /** Width of the feature rows, per branch. */
  features: Record<string, number>;
  calibrated: boolean;
  capabilities: ModelCapabilities;
  training: { rows: number; fingerprint: string; seconds?: number; source?: string; withImage?: number };
  /** One line in words, e.g. "linear-svm on 1,234 products in 15 categories (48,120 features)". */
  summary: string;
  /** Held-out accuracy and macro-F1 of each evidence source (photo models). */
  heldOut?: Record<string, { accuracy: number; macroF1: number } | undefined>;
  /** Anything else the manifest records (metrics, strategy, fusion weights…). */
  details: Record<string, unknown>;
}

/**
 * A trained category model: text, image or both. Every kind implements this and is loaded by
 * `loadModel(dir)`; the CLI, the service and the HTTP API use nothing else, so a new kind is one class and
 * one registry line (pipeline/model-kinds.ts).
 */
export interface ProductModel {
  /** Manifest kind ("category-model", "multimodal-model"). */
  readonly kind: string;
  /** Unique id of this trained model: "<created-at>-<hash>". */
  readonly version: string;
  readonly labels: readonly string[];
  /** Input field names: text fields (first = title), id, label, and the photo field of photo models. */
  readonly fields: ModelDescription["fields"];
  readonly capabilities: ModelCapabilities;
  /**
   * Classifies raw product objects (fields named as in training). Text models answer synchronously (the
   * array itself); models that read photos answer with a promise: `await` the result either way.
   */
  classify(items: readonly ProductInput[], options?: ModelClassifyOptions): ItemPrediction[] | Promise<ItemPrediction[]>;
  /** Like `classify`, for large batches: uses every core where the model can. Same answers. */
  classifyBatch(items: readonly ProductInput[], options?: ModelClassifyOptions): Promise<ItemPrediction[]>;
  /** Like `classifyBatch`, for products already mapped to text fields (as the catalog readers produce them). */
  predictBatch(products: readonly Product[], options?: ModelClassifyOptions): Promise<ItemPrediction[]>;
  /**
   * `predictBatch` over a stream of batches, answered in order: where the model can, the next batch is
   * featurized on another core while this one is answered and the one after is read. Same answers.
   */
  predictStream(batches: AsyncIterable<Product[]>, options?: ModelClassifyOptions): AsyncGenerator<{ products: Product[]; predictions: ItemPrediction[] }>;
  /**
   * Why each product gets its category (models with `capabilities.explain`): the terms that weighed most and
   * the nearest training products, exact (not rounded).
   */
  explain?(items: readonly ProductInput[], options?: { topFeatures?: number; topAgainst?: number; neighbors?: number; category?: string }): ExplainedItem[];
  /** The score threshold that gave `minPrecision` on held-out data, and the share it accepted (needs `capabilities.decisions`). */
  operatingPoint(minPrecision: number): { threshold: number; coverage: number };
  /** Writes the model directory atomically. */
  save(dir: string): Promise<void>;
  describe(): ModelDescription;
  /** Stops worker threads and native sessions the model started. */
  close(): Promise<void>;
}
