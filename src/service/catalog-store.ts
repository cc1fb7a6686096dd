// The persistence contract of the catalog service: products, predictions, corrections, clusters, jobs,
// the model registry and product vectors. SQLite (src/store/sqlite-store.ts) implements it; the async
// signatures let a PostgreSQL implementation follow without changing the service.
import type { Progress } from "../core/progress.js";

/** A model's prediction for a stored product. */
export interface StoredPrediction {
  category: string;
  score: number;
  /** Model version that made it. */
  model: string;
}

/** A product as stored: its fields, given category, latest prediction and correction. */
export interface StoredProduct {
  id: string;
  title: string;
  description?: string;
  /** Every field of the input row (title and description included). */
  fields: Record<string, unknown>;
  /** The category the catalog came with, if any. */
  category?: string;
  predicted?: StoredPrediction;
  /** The category a person set through feedback (wins over `category` and `predicted`). */
  correctedCategory?: string;
  /** The category answers use: corrected, else given, else predicted. */
  effectiveCategory?: string;
  updatedAt: string;
}

/** A product to write. `hash` identifies its content, so writing the same content twice is "unchanged". */
export interface ProductWrite {
  id: string;
  title: string;
  description: string;
  category?: string;
  fields: Record<string, unknown>;
  /** Fingerprint of title, description, category and fields (the service computes it). */
  hash: string;
  /** A fresh prediction to store with the product. */
  predicted?: StoredPrediction;
}

/** What an upsert did, by product. */
export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Ids inserted or updated (their vectors need refreshing). */
  changed: string[];
}

/** A search over the catalog. The store segments `q` into terms and never passes it to FTS as syntax. */
export interface StoreSearch {
  q: string;
  /** Only hits whose effective category is this one (facets still cover every category). */
  category?: string;
  limit: number;
  offset: number;
  /** Hits whose effective category equals this rank higher (the query's predicted category). */
  boostCategory?: string;
  /** Multiplier of the BM25 score of boosted hits (default 1.5). */
  boostFactor?: number;
}

export interface SearchHit {
  id: string;
  title: string;
  category?: string;
  predicted?: string;
  /** BM25 relevance (higher is better), after the category boost. */
  score: number;
}

export interface StoreSearchResult {
  total: number;
  hits: SearchHit[];
  facets: { category: string; count: number }[];
}

/** One correction: accept the current category or set another. */
export interface CorrectionRecord {
  id: number;
  productId: string;
  /** The category the product has after the correction. */
  category: string;
  /** The category it had before. */
  previous?: string;
  accepted: boolean;
  user?: string;
  createdAt: string;
}

export interface CorrectionInput {
  productId: string;
  category?: string;
  accept?: boolean;
  user?: string;
}

/** A model version in the registry; artifacts live on disk under `dir`. */
export interface ModelRecord {
  version: string;
  dir: string;
  registeredAt: string;
  createdAt?: string;
  labels: number;
  active: boolean;
  /** Where it came from: "upload", "cli", "retrain"… */
  source?: string;
  metrics?: Record<string, unknown>;
}

export type JobKind = "train" | "classify" | "cluster" | "retrain";
export type JobState = "queued" | "running" | "done" | "failed" | "cancelled";

export interface JobRecord {
  id: string;
  kind: JobKind;
  state: JobState;
  params: Record<string, unknown>;
  progress: Progress;
  result?: unknown;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

export interface JobPatch {
  state?: JobState;
  progress?: Progress;
  result?: unknown;
  error?: string;
}

/** A named cluster of a clustering run. */
export interface ClusterRecord {
  cluster: number;
  name: string;
  size: number;
}

/** Product vectors of one vector model, row-aligned with `ids`. */
export interface StoredVectors {
  ids: string[];
  dim: number;
  /** rows × dim, row-major. */
  data: Float32Array;
}

/**
 * Persistence of the catalog service. Multi-row writes run in one transaction each; an acknowledged
 * write (resolved promise) is durable.
 */
export interface CatalogStore {
  // products
  upsertProducts(rows: readonly ProductWrite[]): Promise<UpsertResult>;
  getProduct(id: string): Promise<StoredProduct | undefined>;
  getProducts(ids: readonly string[]): Promise<StoredProduct[]>;
  deleteProduct(id: string): Promise<boolean>;
  /** Products in id order after `afterId` (paging through the catalog). */
  scanProducts(o: { afterId?: string; limit: number }): Promise<StoredProduct[]>;
  /** Content hash and prediction model of the given products that exist (to skip unchanged work). */
  productHashes(ids: readonly string[]): Promise<Map<string, { hash: string; model?: string }>>;
  /** Every product id, in id order. */
  productIds(): Promise<string[]>;
  /** The effective category of every product that has one, by id. */
  effectiveCategories(): Promise<Map<string, string>>;
  /** Stores predictions for existing products (one transaction). */
  setPredictions(rows: readonly { id: string; predicted: StoredPrediction }[]): Promise<number>;
  search(q: StoreSearch): Promise<StoreSearchResult>;
  // corrections
  /** Records a correction and applies it to the product in one transaction; NotFoundError for an unknown product. */
  addCorrection(c: CorrectionInput): Promise<CorrectionRecord>;
  listCorrections(o?: { afterId?: number; limit?: number }): Promise<CorrectionRecord[]>;
  /** Corrected categories by product id (the override map). */
  correctedCategories(): Promise<Map<string, string>>;
  // clusters
  saveClusterRun(run: { id: string; algorithm: string; assignments: readonly { productId: string; cluster: number }[]; clusters: readonly ClusterRecord[] }): Promise<void>;
  getClusterRun(id?: string): Promise<{ id: string; algorithm: string; createdAt: string; clusters: ClusterRecord[]; assignments: { productId: string; cluster: number }[] } | undefined>;
  // jobs
  createJob(kind: JobKind, params: Record<string, unknown>): Promise<JobRecord>;
  updateJob(id: string, patch: JobPatch): Promise<JobRecord | undefined>;
  getJob(id: string): Promise<JobRecord | undefined>;
  listJobs(o?: { limit?: number; state?: JobState }): Promise<JobRecord[]>;
  /** Marks queued/running jobs as failed with `message` (at open: the process that ran them died). */
  failUnfinishedJobs(message: string): Promise<number>;
  // model registry
  addModel(m: Omit<ModelRecord, "active">): Promise<ModelRecord>;
  listModels(): Promise<ModelRecord[]>;
  getModel(version: string): Promise<ModelRecord | undefined>;
  /** Makes `version` the active model and records the activation (history for rollback). */
  activateModel(version: string): Promise<ModelRecord>;
  /** Activated versions, most recent first (consecutive repeats collapsed). */
  activationHistory(limit?: number): Promise<string[]>;
  // vectors
  putVectors(model: string, rows: readonly { id: string; vector: Float32Array }[]): Promise<void>;
  loadVectors(model: string): Promise<StoredVectors>;
  /** Drops the vectors of every model but `keep`. */
  dropVectors(keep?: string): Promise<void>;
  // settings and counts
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  counts(): Promise<{ products: number; predictions: number; corrections: number; models: number; jobs: Record<string, number> }>;
  close(): Promise<void>;
}
