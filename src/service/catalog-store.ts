// The persistence contract of the catalog service: products, predictions, corrections, clusters, jobs,
// the model registry and product vectors. SQLite (src/store/sqlite-store.ts) and memory
// (src/service/memory-store.ts) implement it, and test/contracts/catalog-store.contract.ts checks every
// implementation; the async signatures let a PostgreSQL implementation follow without changing the service.
import type { Progress } from "../core/progress.js";
import type { ShopperStore } from "./shopper-store.js";
import type { PredictionLogStore } from "./prediction-log.js";

export type { PredictionLogStore, PredictionLogWrite, PredictionSummary, PredictionSummaryQuery } from "./prediction-log.js";
export type { EventInsertResult, EventPage, EventWrite, SegmentRecord, SegmentSet, SegmentSetWrite, ShopperStore, StoredEvent } from "./shopper-store.js";

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
  /** The effective category of each changed product after the write (corrected, given, predicted; null: none), aligned with `changed`. */
  categories: (string | null)[];
}

/**
 * A search over the catalog. The store segments `q` into terms with `distinctTerms` (src/service/search-terms.ts)
 * and never passes it to its engine as syntax. Hits contain every term; when no product does, hits contain
 * any term. A query without terms lists the products of `category` in id order (none without a category).
 */
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
  /**
   * Present (false) when `total` is an estimate: PostgreSQL, several terms whose rarest matches more than
   * a few thousand products, counted over a uniform sample of them (src/store/postgres-search.ts).
   * Absent when exact (always on SQLite and in memory).
   */
  totalExact?: false;
  /** Present (false) when the facet counts are estimates, for the same reason (a category's count is never below its hits found). */
  facetsExact?: false;
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

/**
 * The review queue: products whose decision needs a person — a prediction scored below `below` (the model's
 * threshold at the serving precision), no category given with the catalog and no correction yet — most
 * uncertain (lowest score) first, ties in id order. `spread` interleaves the predicted categories (each
 * category's most uncertain product, then each one's second…), so a page is not one category's near-duplicates.
 */
export interface ReviewQuery {
  below: number;
  /** Only products predicted in this category or below it (a path prefix ending at a " > " boundary). */
  category?: string;
  /** Only scores ≥ minScore (and < maxScore, within `below`). */
  minScore?: number;
  maxScore?: number;
  /** Only products whose title contains this text (case-insensitive for ASCII letters). */
  text?: string;
  spread?: boolean;
  /** Continue after this item (the last of the previous page): keyset paging. */
  after?: ReviewCursor;
  limit: number;
}

/** Where a review page ends: the score and id of its last product, and its rank in its category (spread). */
export interface ReviewCursor {
  score: number;
  id: string;
  /** 1-based rank of the product among its predicted category's queue (spread order only). */
  rank?: number;
}

/** A page of the review queue and how many products match the query in all. */
export interface ReviewPage {
  products: (StoredProduct & { predicted: StoredPrediction })[];
  /** The cursor of each product, aligned with `products` (pass the last as `after`). */
  cursors: ReviewCursor[];
  total: number;
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

/**
 * What a job does. "import" is a distributed import (src/jobs/: batches of rows on a queue), "embed" fits
 * the product vectors, "audit" looks for mislabelled products. "recommender" is reserved for the shopper
 * feature's recommender fits: its handler plugs into the queue's handlers (src/jobs/queue-handlers.ts).
 */
export type JobKind = "train" | "classify" | "cluster" | "retrain" | "import" | "embed" | "audit" | "recommender";
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
  /** True once a person named it (renameCluster): the name carries over to the matching cluster of the next run. */
  named?: boolean;
  /** The terms that set it apart (class-based TF-IDF), best first. */
  terms?: string[];
  /** Its place on the run's 2-D map (the PCA projection of its members' centre); absent when none of its members was drawn. */
  x?: number;
  y?: number;
}

/** Which runs {@link CatalogStore.getClusterRun} picks: "groups" are same-product runs (algorithm "match"), "clusters" every other. */
export type ClusterRunKind = "clusters" | "groups";

/** A category path people added to the taxonomy (e.g. "make this cluster a category"). */
export interface TaxonomyAddition {
  path: string;
  /** The path it was added under. */
  parent: string;
  /** Where it came from, e.g. "cluster <run>/<cluster>". */
  source?: string;
  createdAt: string;
}

/**
 * Where a keyset scan continues: rows whose id sorts after `afterId` (from the start without it), in id
 * order, at most `limit`. A page shorter than `limit` is the last one. Id order is the store's own order
 * of ids (SQLite: bytewise), the same for every scan method of one store.
 */
export interface ScanPage {
  afterId?: string;
  limit: number;
}

/** A page of the product vectors of one vector model, in product-id order, row-aligned with `ids`. */
export interface VectorPage {
  ids: string[];
  /** Each product's effective category (undefined when it has none, or the product is gone). */
  categories: (string | undefined)[];
  /** Vector width (0 for an empty page). */
  dim: number;
  /** rows × dim, row-major. */
  data: Float32Array;
}

/** A product with a correction, as the override map of the service holds it. */
export interface CorrectedCategory {
  id: string;
  title: string;
  /** The corrected category. */
  category: string;
}

/**
 * Persistence of the catalog service. Multi-row writes run in one transaction each; an acknowledged
 * write (resolved promise) is durable (for a persistent store) and visible to every later read, concurrent
 * calls do not lose each other's writes. Whole-catalog reads are keyset scans ({@link ScanPage}), so no
 * call returns the whole catalog at once. Adding an implementation: "Adding a store" in the README.
 */
export interface CatalogStore extends ShopperStore, PredictionLogStore {
  // products
  /**
   * Inserts or updates products in one transaction. Same id and hash → "unchanged" (a prediction given with
   * it is still stored); an update without a prediction keeps the stored one.
   */
  upsertProducts(rows: readonly ProductWrite[]): Promise<UpsertResult>;
  getProduct(id: string): Promise<StoredProduct | undefined>;
  /** The products that exist, in the order asked. */
  getProducts(ids: readonly string[]): Promise<StoredProduct[]>;
  /** Deletes a product, its search entry and its vectors; false when there was none. */
  deleteProduct(id: string): Promise<boolean>;
  /** Products in id order after `afterId` (paging through the catalog). */
  scanProducts(o: ScanPage): Promise<StoredProduct[]>;
  /** Product ids in id order after `afterId` (cheaper than {@link scanProducts} when ids are enough). */
  scanIds(o: ScanPage): Promise<string[]>;
  /** Content hash and prediction model of the given products that exist (to skip unchanged work). */
  productHashes(ids: readonly string[]): Promise<Map<string, { hash: string; model?: string }>>;
  /** Stores predictions for existing products (one transaction); returns how many exist. */
  setPredictions(rows: readonly { id: string; predicted: StoredPrediction }[]): Promise<number>;
  /** BM25-like ranked search with category facets over every match (see {@link StoreSearch}). */
  search(q: StoreSearch): Promise<StoreSearchResult>;
  // corrections
  /** Records a correction and applies it to the product in one transaction; NotFoundError for an unknown product. */
  addCorrection(c: CorrectionInput): Promise<CorrectionRecord>;
  /** Corrections in id (= recording) order after `afterId`, at most `limit` (default 1000). */
  listCorrections(o?: { afterId?: number; limit?: number }): Promise<CorrectionRecord[]>;
  /**
   * Deletes correction `id` (undo) and gives its product the category of its latest remaining correction, or
   * none (the given or predicted category applies again), in one transaction; undefined for an unknown id.
   */
  deleteCorrection(id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string } | undefined>;
  /** A page of the review queue (see {@link ReviewQuery}). */
  reviewQueue(q: ReviewQuery): Promise<ReviewPage>;
  /** Products with a correction, in id order after `afterId`: id, title and corrected category (the override map). */
  scanCorrectedCategories(o: ScanPage): Promise<CorrectedCategory[]>;
  // clusters
  saveClusterRun(run: { id: string; algorithm: string; assignments: readonly { productId: string; cluster: number }[]; clusters: readonly ClusterRecord[] }): Promise<void>;
  /** Renames cluster `cluster` of run `runId` (a person's name for it: `named` becomes true); undefined when there is no such run or cluster. */
  renameCluster(runId: string, cluster: number, name: string): Promise<ClusterRecord | undefined>;
  /**
   * Merges cluster `from` of run `runId` into cluster `into` (its products move, the sizes add up, `from` is
   * gone), in one transaction; the merged cluster, or undefined when the run or either cluster is unknown or they are the same.
   */
  mergeClusters(runId: string, from: number, into: number): Promise<ClusterRecord | undefined>;
  /** A cluster run (the latest without `id`, of `kind` when given), assignments in product-id order. */
  getClusterRun(id?: string, kind?: ClusterRunKind): Promise<{ id: string; algorithm: string; createdAt: string; clusters: ClusterRecord[]; assignments: { productId: string; cluster: number }[] } | undefined>;
  // taxonomy additions
  /** Adds a category path under `parent` (one transaction); false when the path was there already (nothing changes). */
  addTaxonomyPath(a: { path: string; parent: string; source?: string }): Promise<boolean>;
  /** The added paths in the order they were added. */
  listTaxonomyPaths(): Promise<TaxonomyAddition[]>;
  // jobs
  /** A new job in state "queued" with a unique id. */
  createJob(kind: JobKind, params: Record<string, unknown>): Promise<JobRecord>;
  /** Patches a job that has not finished (a finished job keeps its state); undefined for an unknown id. */
  updateJob(id: string, patch: JobPatch): Promise<JobRecord | undefined>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Jobs, newest first (default limit 50), optionally of one state. */
  listJobs(o?: { limit?: number; state?: JobState }): Promise<JobRecord[]>;
  /** Marks queued/running jobs as failed with `message` (at open: the process that ran them died). */
  failUnfinishedJobs(message: string): Promise<number>;
  // model registry
  addModel(m: Omit<ModelRecord, "active">): Promise<ModelRecord>;
  /** Registered models in registration order; `active` marks the one activated last. */
  listModels(): Promise<ModelRecord[]>;
  getModel(version: string): Promise<ModelRecord | undefined>;
  /** Makes `version` the active model and records the activation (history for rollback); NotFoundError for an unknown version. */
  activateModel(version: string): Promise<ModelRecord>;
  /** Activated versions, most recent first (consecutive repeats collapsed). */
  activationHistory(limit?: number): Promise<string[]>;
  // vectors
  /** Stores (or replaces) product vectors of vector model `model` (one transaction). */
  putVectors(model: string, rows: readonly { id: string; vector: Float32Array }[]): Promise<void>;
  /** The vectors of `model` in product-id order after `afterId`, with each product's effective category. */
  scanVectors(model: string, o: ScanPage): Promise<VectorPage>;
  /** How many vectors of `model` scanVectors gives per effective category (undefined: none, or the product is gone), in no order. */
  countVectors(model: string): Promise<{ category: string | undefined; count: number }[]>;
  /** Drops the vectors of every model but `keep` (every model without it). Deleting a product drops its vectors. */
  dropVectors(keep?: string): Promise<void>;
  // settings and counts
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** Products, products with a prediction, corrections, models, and jobs by state. */
  counts(): Promise<{ products: number; predictions: number; corrections: number; models: number; jobs: Record<string, number> }>;
  /** Releases the store (a second call does nothing). */
  close(): Promise<void>;
}
