// Calls to the assort API (same origin, under /v1) with the key the page was given. The key lives in this
// tab's sessionStorage only: never in a URL, never in localStorage.
import type { ShopperProfile } from "../../src/pipeline/shopper-profiles.js";
import type { ClusterRecord } from "../../src/service/catalog-store.js";
import type { AuditTaskResult } from "../../src/service/tasks.js";

const KEY = "assort.apiKey";

export type Role = "read" | "write" | "admin";

export interface WhoAmI {
  role: Role | null;
  canWrite: boolean;
  readAuth: boolean;
  review: { model: string; minPrecision: number; threshold: number; coverage: number | null; calibrated: boolean } | null;
}

export interface CategoryScore {
  category: string;
  score: number;
}

export interface ReviewItem {
  id: string;
  title: string;
  description?: string;
  photo?: string;
  predicted: { category: string; score: number; model: string };
  prediction?: {
    categories: CategoryScore[];
    decision?: { category: string | null; score: number; status: "leaf" | "backoff" | "abstain"; needsReview: boolean };
    explanation?: {
      features: { term: string; weight: number }[];
      against: { term: string; weight: number }[];
      neighbors: { id: string; title: string; category: string; similarity: number }[];
    };
  };
}

export interface ReviewPage {
  model: string;
  minPrecision: number;
  threshold: number;
  total: number;
  items: ReviewItem[];
  next?: string;
}

export interface Correction {
  id: number;
  productId: string;
  category: string;
  previous?: string;
  accepted: boolean;
}

export interface Filters {
  category: string;
  minScore: string;
  maxScore: string;
  q: string;
  spread: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const savedKey = (): string | null => sessionStorage.getItem(KEY);
export const saveKey = (key: string): void => sessionStorage.setItem(KEY, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY);

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, key = savedKey()): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: signal ?? null, credentials: "omit", cache: "no-store" });
  const text = await res.text();
  const json = text === "" ? undefined : (JSON.parse(text) as unknown);
  if (!res.ok) throw new ApiError(res.status, (json as { detail?: string } | undefined)?.detail ?? `HTTP ${res.status}`);
  return json as T;
}

export const whoami = (key?: string): Promise<WhoAmI> => call("GET", "/v1/whoami", undefined, undefined, key ?? savedKey());

/** The query string of the review filters (and paging). */
export function filterQuery(f: Filters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (f.category.trim()) p.set("category", f.category.trim());
  if (f.minScore.trim()) p.set("minScore", f.minScore.trim());
  if (f.maxScore.trim()) p.set("maxScore", f.maxScore.trim());
  if (f.q.trim()) p.set("q", f.q.trim());
  if (f.spread) p.set("spread", "true");
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

export const reviewPage = (f: Filters, o: { cursor?: string; limit?: number; details?: boolean } = {}, signal?: AbortSignal): Promise<ReviewPage> =>
  call(
    "GET",
    `/v1/review?${filterQuery(f, {
      limit: String(o.limit ?? 20),
      ...(o.cursor ? { cursor: o.cursor } : {}),
      ...(o.details === false ? { details: "false" } : {}),
    })}`,
    undefined,
    signal,
  );

export const decide = (items: { productId: string; category?: string; accept?: boolean }[]): Promise<{ corrections: Correction[] }> =>
  call("POST", "/v1/feedback/batch", { items });

export const undo = (id: number): Promise<{ deleted: Correction; effectiveCategory?: string }> => call("DELETE", `/v1/feedback/${id}`);

export const taxonomy = (q: string, signal?: AbortSignal): Promise<{ source: string; size: number; total: number; paths: string[] }> =>
  call("GET", `/v1/taxonomy?${new URLSearchParams({ q, limit: "12" }).toString()}`, undefined, signal);

export interface ModelInfo {
  version: string;
  active: boolean;
  registeredAt: string;
  labels: number;
  source?: string;
}
export interface JobInfo {
  id: string;
  kind: string;
  state: string;
  progress?: { stage: string; done: number; total: number } | null;
  createdAt?: string;
  error?: string;
}
export interface ReviewStats {
  decisions: number;
  accepted: number;
  categories: { category: string; decisions: number; accepted: number; acceptance: number }[];
  days: { day: string; accepted: number; corrected: number }[];
}

export const models = (): Promise<{ active: string | null; models: ModelInfo[] }> => call("GET", "/v1/models");
export const activate = (version: string): Promise<unknown> => call("POST", `/v1/models/${encodeURIComponent(version)}/activate`, {});
export const rollback = (): Promise<unknown> => call("POST", "/v1/models/rollback", {});
export const jobs = (): Promise<{ jobs: JobInfo[] }> => call("GET", "/v1/jobs?limit=20");
export const cancelJob = (id: string): Promise<unknown> => call("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`, {});
export const reviewStats = (): Promise<ReviewStats> => call("GET", "/v1/review/stats");

export interface SearchHit {
  id: string;
  title: string;
  category?: string;
  predicted?: string;
  score: number;
}
export interface Product {
  id: string;
  title: string;
  description?: string;
  fields: Record<string, unknown>;
  category?: string;
  predicted?: { category: string; score: number; model: string };
  correctedCategory?: string;
  effectiveCategory?: string;
  updatedAt: string;
}

export const search = (q: string, category?: string): Promise<{ total: number; hits: SearchHit[]; facets: { category: string; count: number }[] }> =>
  call("GET", `/v1/search?${new URLSearchParams({ q, limit: "20", ...(category ? { category } : {}) }).toString()}`);
export const product = (id: string): Promise<Product> => call("GET", `/v1/products/${encodeURIComponent(id)}`);
export const similar = (id: string): Promise<{ method: string; neighbors: { id: string; title: string; category?: string; score: number }[] }> =>
  call("GET", `/v1/products/${encodeURIComponent(id)}/similar?limit=8`);
export const explainItem = (item: Record<string, unknown>): Promise<{ model: string; results: NonNullable<ReviewItem["prediction"]>[] }> =>
  call("POST", "/v1/classify", { items: [item], topK: 3, explain: true, log: false });

/** What the audit job answers (the library's type). */
export type AuditResult = AuditTaskResult;
export const startAudit = (): Promise<JobInfo> => call("POST", "/v1/jobs", { kind: "audit", params: {} });
export const job = (id: string): Promise<JobInfo & { result?: unknown }> => call("GET", `/v1/jobs/${encodeURIComponent(id)}`);
export const allJobs = (): Promise<{ jobs: (JobInfo & { result?: unknown })[] }> => call("GET", "/v1/jobs?limit=100");

export interface ClusterRun {
  id: string;
  algorithm: string;
  createdAt: string;
  clusters: { cluster: number; name: string; size: number; examples: { id: string; title: string }[] }[];
}
export const clusters = (): Promise<ClusterRun> => call("GET", "/v1/clusters?examples=5");
export const startClustering = (): Promise<JobInfo> => call("POST", "/v1/jobs", { kind: "cluster", params: { k: "auto" } });
export const renameCluster = (run: string, cluster: number, name: string): Promise<{ cluster: number; name: string; size: number }> =>
  call("PUT", `/v1/clusters/${encodeURIComponent(run)}/${cluster}/name`, { name });
export const mergeClusters = (run: string, from: number, into: number): Promise<{ cluster: number; name: string; size: number }> =>
  call("POST", `/v1/clusters/${encodeURIComponent(run)}/${from}/merge`, { into });

// ---- monitoring (GET /v1/monitoring): drift of the served categories, served per day, coverage at each precision
/** One category of the drift (GET /v1/monitoring documents each field). */
export type CategoryDrift = { category: string; served: number; servedShare: number; trainingShare: number; psi: number; flagged: boolean };
/** What the dashboard reads of GET /v1/monitoring. */
export interface MonitoringReport {
  served: number;
  model: string | null;
  retentionDays: number;
  threshold: number;
  training: { available: boolean; rows?: number; reason?: string };
  drift: { psi: number; js: number; flagged: string[]; categories: CategoryDrift[] } | null;
  daily: { day: string; count: number; meanScore: number | null }[];
  coverage: { calibrated: boolean; served: number; points: { precision: number; threshold: number | null; heldOutCoverage: number | null; coverage: number | null; note?: string }[] };
}
export const monitoring = (days: number): Promise<MonitoringReport> => call("GET", `/v1/monitoring?days=${days}`);

// ---- clusters: map, same-product groups, one cluster, "make this a category"
export type ClusterKind = "clusters" | "groups";
/** A cluster as the API answers it (the store's record: name, size, `named`, terms, map place). */
export type ClusterInfo = ClusterRecord;
export interface ClusterDetail extends ClusterInfo {
  run: string;
  algorithm: string;
  members: { id: string; title: string; category?: string }[];
  next?: string;
}
export interface MadeCategory {
  path: string;
  parent: string;
  added: boolean;
  queued: number;
  labelled: number;
  decided: number;
}
export const clusterRun = (kind: ClusterKind): Promise<Omit<ClusterRun, "clusters"> & { kind: ClusterKind; clusters: (ClusterInfo & { examples: { id: string; title: string }[] })[] }> =>
  call("GET", `/v1/clusters?examples=5&kind=${kind}`);
export const clusterDetail = (run: string, cluster: number, after?: string): Promise<ClusterDetail> =>
  call("GET", `/v1/clusters/${encodeURIComponent(run)}/${cluster}?${new URLSearchParams({ limit: "50", ...(after ? { after } : {}) }).toString()}`);
export const startGrouping = (): Promise<JobInfo> => call("POST", "/v1/jobs", { kind: "cluster", params: { algorithm: "match" } });
export const makeCategory = (run: string, cluster: number, parent: string, name: string): Promise<MadeCategory> =>
  call("POST", `/v1/clusters/${encodeURIComponent(run)}/${cluster}/category`, { parent, name });

// ---- shoppers (every route needs a key)
export interface Reason {
  kind: string;
  text: string;
  itemId?: string;
}
export interface RecItem {
  itemId: string;
  title?: string;
  score: number;
  reason: Reason;
}
export interface Segment {
  id: number;
  name: string;
  size: number;
  details?: { share?: number; mean?: Record<string, number>; topGroups?: { name: string; share: number; lift?: number }[]; topItems?: string[] } & Record<string, unknown>;
}
/** A shopper's profile as GET /v1/users/{id} answers it. */
export type Profile = ShopperProfile & { segment?: { id: number; name: string } };
export const boughtTogether = (id: string): Promise<{ itemId: string; recommender: string; items: RecItem[] }> =>
  call("GET", `/v1/products/${encodeURIComponent(id)}/bought-together?limit=8`);
export const segments = (): Promise<{ version: string | null; createdAt: string | null; segments: Segment[] }> => call("GET", "/v1/segments");
export const segment = (id: number): Promise<Segment & { members: string[]; nextAfter?: string }> => call("GET", `/v1/segments/${id}?limit=50`);
export const shopper = (id: string): Promise<Profile> => call("GET", `/v1/users/${encodeURIComponent(id)}`);
export const recommendations = (id: string, mode: "all" | "new"): Promise<{ userId: string; mode: string; knownShopper: boolean; recommender: string; items: RecItem[] }> =>
  call("GET", `/v1/users/${encodeURIComponent(id)}/recommendations?limit=10&mode=${mode}`);
