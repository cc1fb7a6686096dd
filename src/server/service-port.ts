// The part of the catalog service (src/pipeline/catalog-service.ts) that the HTTP edge calls: typed
// structurally, so the server depends on behaviour, not on a class, and tests can pass a fake.
import type { ItemPrediction, Progress, ProductInput } from "../index.js";

/** A model version known to the service. */
export interface ServiceModel {
  version: string;
}

/** A background job as the service reports it. */
export interface ServiceJob {
  id: string;
  kind: string;
  state: string;
  progress?: Progress | null;
}

/**
 * One classified item: the one per-item prediction object (ItemPrediction: top-k categories, decision,
 * explanation, evidence…). The server reads only `id` and `categories`; every other field passes through as is.
 */
export type ServiceClassification = Pick<ItemPrediction, "id" | "categories"> & Partial<Record<Exclude<keyof ItemPrediction, "id" | "categories">, unknown>> & Record<string, unknown>;

type Maybe<T> = T | Promise<T>;

/** What `buildServer` needs from the service; `CatalogService` satisfies it (sync or async answers). */
export interface CatalogServicePort {
  registerModel(dir: string, o?: { activate?: boolean }): Promise<ServiceModel>;
  listModels(): Maybe<ServiceModel[]>;
  activeModel(): ServiceModel | undefined;
  activateModel(version: string): Promise<ServiceModel>;
  rollback(): Promise<ServiceModel>;
  upsertProducts(
    items: ProductInput[],
    o?: { classify?: boolean; signal?: AbortSignal },
  ): Promise<{ inserted: number; updated: number; unchanged: number; classified: number }>;
  getProduct(id: string): Maybe<object | undefined>;
  deleteProduct(id: string): Maybe<boolean>;
  classify(
    items: ProductInput[],
    o?: { topK?: number; explain?: boolean; minPrecision?: number; backoff?: boolean | number; log?: boolean },
  ): Maybe<{ model: string; results: ServiceClassification[] }>;
  search(q: { q: string; category?: string; limit?: number; offset?: number; userId?: string }): Maybe<object>;
  similar(id: string, o?: { limit?: number; sameCategory?: boolean }): Maybe<object>;
  feedback(f: { productId: string; category?: string; accept?: boolean; user?: string }): Maybe<object>;
  startJob(kind: "train" | "classify" | "cluster" | "recommender" | "audit", params: Record<string, unknown>): Maybe<ServiceJob>;
  getJob(id: string): Maybe<ServiceJob | undefined>;
  listJobs(o?: { limit?: number }): Maybe<ServiceJob[]>;
  cancelJob(id: string): Maybe<ServiceJob>;
  /** `annBacklog`: changed vectors the similar-items ANN index has not taken in yet (/metrics shows it). */
  stats(): Maybe<{ products: number; activeModel?: string; annBacklog?: number }>;
  /**
   * A latency-sensitive read started (the server calls it for every route of role "read": classify, search,
   * similar items…); the returned function is called once it ended. Background work yields to reads meanwhile.
   */
  beginRead?(): () => void;
  close(): Promise<void>;
  /** Shoppers (src/service/shoppers.ts); without it the shopper routes answer 503. */
  shoppers?: ShopperServicePort;
  /** Drift and coverage over the prediction log (src/service/monitoring.ts); without it GET /v1/monitoring answers 503. */
  monitoring?(o: { days?: number }): Promise<object>;
  /** The drift /metrics shows (recomputed at most every few seconds); undefined when it cannot be computed. */
  monitoringGauges?(): Promise<DriftGauges | undefined>;
}

/** What /metrics reads of a monitoring report. */
export interface DriftGauges {
  days: number;
  threshold: number;
  served: number;
  drift: { psi: number; js: number; flagged: string[]; categories: { category: string; psi: number; flagged: boolean }[] } | null;
}

/** What the shopper routes need (ShopperService satisfies it). */
export interface ShopperServicePort {
  addEvents(rows: readonly unknown[]): Promise<object>;
  profile(userId: string): Promise<object>;
  eraseUser(userId: string): Promise<object>;
  segments(): Promise<object>;
  segment(id: number, page: { afterId?: string; limit: number }): Promise<object>;
  recommend(userId: string, o?: { mode?: "all" | "new"; limit?: number; maxPerCategory?: number }): object;
  boughtTogether(itemId: string, o?: { limit?: number }): object;
}
