// The catalog service's public option and answer types (CatalogService in catalog-service.ts).
import type { Progress } from "../core/progress.js";
import type { RowIssue } from "../core/errors.js";
import type { CatalogStore } from "./catalog-store.js";
import type { Prediction } from "../pipeline/category-model.js";
import type { JobQueue, JobRunner } from "./jobs.js";
import type { ArtifactStore } from "./artifacts.js";
import type { ServiceLogger } from "./logger.js";
import type { SharedState } from "./shared-state.js";

export interface CatalogServiceOptions {
  /** Persistence, e.g. `await openStore("sqlite:./assort-data")` (src/store/registry.ts) or `new MemoryStore()`. */
  store: CatalogStore;
  /**
   * How processes serving the same store follow each other's model activations, corrections and vector
   * changes. Default: a {@link LocalSharedState} of this service alone (one process). The caller closes one it passes.
   */
  sharedState?: SharedState;
  /** Models live under `<dataDir>/models/<version>/`, the product-vector model under `<dataDir>/vectors/`. */
  dataDir: string;
  /** Runs train / classify / cluster jobs off the main thread (src/jobs/); default: in this thread. */
  jobs?: JobRunner;
  /**
   * Scale-out: jobs go to worker processes through this queue (src/jobs/), which run them with
   * {@link CatalogService.runJob}; jobs still unfinished when a process opens belong to the queue, not to
   * a dead process, so they are left alone.
   */
  jobQueue?: JobQueue;
  /**
   * Scale-out: where every process finds the models and product-vector models another registered or
   * fitted (and the ANN indexes of large catalogs), fetched into `dataDir` and checksummed before use.
   */
  artifacts?: ArtifactStore;
  logger?: ServiceLogger;
  /** Similar items: exact search up to this many products (default 100_000), ANN beyond. */
  exactLimit?: number;
  /**
   * Models that see photos: relative image paths in classify and import items are read under this folder
   * (default `<dataDir>/images`); a path outside it, or a remote URL, is refused per item. Data URIs always work.
   */
  imagesDir?: string;
  /** Classify / upsert batch limit (default 1000). */
  maxBatch?: number;
  /** Corrections that queue a background retrain (default 50; 0 = never). */
  retrainAfter?: number;
  /** Seed of background training and vector fitting (default 0). */
  seed?: number;
  /**
   * Classify and embed write batches in a model thread (a worker at a lowered priority), so bulk writes do
   * not hold up reads. Default: where the compiled build has the worker and there is a second core.
   */
  offThreadWrites?: boolean;
  /**
   * Days the store keeps the log of served predictions (classify answers and the classifications of product
   * writes and imports) that monitoring reads; 0 records nothing. Default 30.
   */
  predictionLogDays?: number;
  /** PSI above which monitoring flags a category as drifted (default 0.2). */
  driftThreshold?: number;
}

/** Options of {@link CatalogService.classify}. */
export interface ServiceClassifyOptions {
  topK?: number;
  explain?: boolean;
  minPrecision?: number;
  backoff?: boolean | number;
  /** Record the answers in the prediction log (default true; the review queue's own look-ups pass false). */
  log?: boolean;
}

/** One classify answer: the model's prediction, or a person's correction (`corrected: true`, score 1). */
export type ServiceClassification = Prediction;

export interface SearchQuery {
  q: string;
  category?: string;
  /** Default 20, at most 100. */
  limit?: number;
  offset?: number;
  /** Personalize: boost this shopper's preferred category when the query has no clear category of its own. */
  userId?: string;
}

export interface SearchAnswer {
  total: number;
  hits: { id: string; title: string; category?: string; predicted?: string; score: number }[];
  facets: { category: string; count: number }[];
  /** false when `total` is an estimate (see StoreSearchResult); absent when exact. */
  totalExact?: false;
  /** false when the facet counts are estimates (see StoreSearchResult); absent when exact. */
  facetsExact?: false;
  /** Which category boost applied (personalized searches say it): the query's own category, the shopper's, or none. */
  boost?: { source: "query" | "shopper" | "none"; category?: string; factor?: number; shopperCategory?: string };
}

export interface SimilarAnswer {
  id: string;
  method: "exact" | "ann";
  neighbors: { id: string; title: string; category?: string; score: number }[];
}

export interface UpsertOptions {
  /** Classify the products with the active model (default: true when a model is active). */
  classify?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface UpsertAnswer {
  inserted: number;
  updated: number;
  /** Same id and same content as stored. */
  unchanged: number;
  /** Products classified by this call (unchanged products already predicted by the live model are not). */
  classified: number;
}

export interface ImportAnswer extends UpsertAnswer {
  rows: number;
  skipped: RowIssue[];
  /** Reading, classifying and writing the products. */
  seconds: number;
  /** Fitting the product vectors (first import) or embedding the changed products, after `seconds`. */
  vectorSeconds: number;
}

export interface ServiceStats {
  products: number;
  predictions: number;
  corrections: number;
  models: number;
  jobs: Record<string, number>;
  activeModel?: string;
  /** Changed product vectors the similar-items ANN index has not taken in yet (absent without one). */
  annBacklog?: number;
}
