// An in-memory CatalogStore: the reference implementation of the store contract
// (test/contracts/catalog-store.contract.ts) and the fast store of service tests. Search ranks with BM25 as
// SQLite's FTS5 does (same column weights, same IDF), over the library's search terms (Chinese segmented).
import { randomBytes } from "node:crypto";
import { ConflictError, NotFoundError } from "../core/errors.js";
import type {
  CatalogStore,
  ClusterRecord,
  ClusterRunKind,
  TaxonomyAddition,
  CorrectedCategory,
  CorrectionInput,
  CorrectionRecord,
  JobKind,
  JobPatch,
  JobRecord,
  JobState,
  ModelRecord,
  ProductWrite,
  ScanPage,
  StoredPrediction,
  StoredProduct,
  StoreSearch,
  StoreSearchResult,
  UpsertResult,
  VectorPage,
  ReviewPage,
  ReviewQuery,
} from "./catalog-store.js";
import { upperBoundBy } from "../linalg/search.js";
import { compareIds, effective, TermIndex, type ProductRec } from "./memory-search.js";
import { MemoryShopperData } from "./memory-events.js";
import { MemoryPredictionLog, type PredictionLogWrite, type PredictionSummary, type PredictionSummaryQuery } from "./prediction-log.js";
import type { EventInsertResult, EventPage, EventWrite, SegmentSet, SegmentSetWrite, StoredEvent } from "./shopper-store.js";
import { compareCursors, mergeClusterList, reviewOrder, type ReviewCandidate } from "./review-queue.js";

export { compareIds } from "./memory-search.js";

const FINISHED: ReadonlySet<string> = new Set(["done", "failed", "cancelled"]);

function now(): string {
  return new Date().toISOString();
}

/** JSON round trip: what a store that serializes gives back (a fresh copy, `undefined` dropped). */
function json<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A map whose keys can be read in id order from a key (the sorted key list is rebuilt after inserts and deletes). */
class OrderedMap<V> {
  readonly map = new Map<string, V>();
  private sorted: string[] | undefined = [];

  get size(): number {
    return this.map.size;
  }
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V): void {
    if (!this.map.has(k)) this.sorted = undefined;
    this.map.set(k, v);
  }
  delete(k: string): boolean {
    const had = this.map.delete(k);
    if (had) this.sorted = undefined;
    return had;
  }
  /** Keys after `afterId` in id order, at most `limit`. O(log n + limit) once sorted. */
  keysAfter(afterId: string | undefined, limit: number): string[] {
    this.sorted ??= [...this.map.keys()].sort(compareIds);
    const keys = this.sorted;
    const lo = afterId === undefined ? 0 : upperBoundBy(keys, afterId, compareIds);
    return keys.slice(lo, lo + limit);
  }
}

function toProduct(p: ProductRec): StoredProduct {
  const eff = effective(p);
  return {
    id: p.id,
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    fields: JSON.parse(p.fields) as Record<string, unknown>,
    ...(p.category !== undefined ? { category: p.category } : {}),
    ...(p.predicted ? { predicted: { ...p.predicted } } : {}),
    ...(p.corrected !== undefined ? { correctedCategory: p.corrected } : {}),
    ...(eff !== undefined ? { effectiveCategory: eff } : {}),
    updatedAt: p.updatedAt,
  };
}

interface JobRec {
  seq: number;
  id: string;
  kind: JobKind;
  state: JobState;
  params: string;
  progress: string;
  result?: string;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

function toJob(j: JobRec): JobRecord {
  return {
    id: j.id,
    kind: j.kind,
    state: j.state,
    params: JSON.parse(j.params) as Record<string, unknown>,
    progress: JSON.parse(j.progress) as JobRecord["progress"],
    ...(j.result !== undefined ? { result: JSON.parse(j.result) as unknown } : {}),
    ...(j.error !== undefined ? { error: j.error } : {}),
    createdAt: j.createdAt,
    updatedAt: j.updatedAt,
  };
}

interface ClusterRun {
  seq: number;
  id: string;
  algorithm: string;
  clusters: string;
  createdAt: string;
  assignments: { productId: string; cluster: number }[];
}

/**
 * A {@link CatalogStore} in memory. Every call runs to completion before the next one starts (no await
 * inside), which makes each multi-row write one transaction. Nothing survives the process; `close()` keeps
 * the data, so a service can be reopened over the same instance (a restart in tests).
 * @example const service = await CatalogService.open({ store: new MemoryStore(), dataDir: "./tmp-data" });
 */
export class MemoryStore implements CatalogStore {
  private readonly products = new OrderedMap<ProductRec>();
  /** The inverted index of the products' title, description and category (BM25 search). */
  private readonly terms = new TermIndex();
  private seq = 0;
  private readonly corrections: (CorrectionRecord | undefined)[] = [];
  private readonly clusterRuns = new Map<string, ClusterRun>();
  private readonly taxonomy: TaxonomyAddition[] = [];
  private readonly jobs = new Map<string, JobRec>();
  private readonly models = new Map<string, Omit<ModelRecord, "active">>();
  private readonly activations: string[] = [];
  private readonly vectors = new Map<string, OrderedMap<Float32Array>>();
  private readonly meta = new Map<string, string>();

  // ---- products

  async upsertProducts(rows: readonly ProductWrite[]): Promise<UpsertResult> {
    const out: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, changed: [], categories: [] };
    const at = now();
    for (const r of rows) {
      const old = this.products.get(r.id);
      if (old && old.hash === r.hash) {
        if (r.predicted) old.predicted = { ...r.predicted };
        out.unchanged++;
        continue;
      }
      if (old) this.terms.remove(old);
      const rec: ProductRec = {
        seq: old?.seq ?? ++this.seq,
        id: r.id,
        title: r.title,
        description: r.description,
        ...(r.category !== undefined ? { category: r.category } : {}),
        fields: JSON.stringify(r.fields),
        hash: r.hash,
        ...(r.predicted ? { predicted: { ...r.predicted } } : old?.predicted ? { predicted: old.predicted } : {}),
        ...(old?.corrected !== undefined ? { corrected: old.corrected } : {}),
        updatedAt: at,
        tf: new Map(),
        length: 0,
      };
      this.products.set(r.id, rec);
      this.terms.add(rec);
      if (old) out.updated++;
      else out.inserted++;
      out.changed.push(r.id);
      out.categories.push(effective(rec) ?? null);
    }
    return out;
  }

  async getProduct(id: string): Promise<StoredProduct | undefined> {
    const p = this.products.get(id);
    return p ? toProduct(p) : undefined;
  }

  async getProducts(ids: readonly string[]): Promise<StoredProduct[]> {
    return ids.flatMap((id) => {
      const p = this.products.get(id);
      return p ? [toProduct(p)] : [];
    });
  }

  async deleteProduct(id: string): Promise<boolean> {
    const p = this.products.get(id);
    if (!p) return false;
    this.terms.remove(p);
    this.products.delete(id);
    for (const v of this.vectors.values()) v.delete(id);
    return true;
  }

  async scanProducts(o: ScanPage): Promise<StoredProduct[]> {
    return this.products.keysAfter(o.afterId, o.limit).map((id) => toProduct(this.products.get(id)!));
  }

  async scanIds(o: ScanPage): Promise<string[]> {
    return this.products.keysAfter(o.afterId, o.limit);
  }

  async productHashes(ids: readonly string[]): Promise<Map<string, { hash: string; model?: string }>> {
    const out = new Map<string, { hash: string; model?: string }>();
    for (const id of ids) {
      const p = this.products.get(id);
      if (p) out.set(id, p.predicted ? { hash: p.hash, model: p.predicted.model } : { hash: p.hash });
    }
    return out;
  }

  async setPredictions(rows: readonly { id: string; predicted: StoredPrediction }[]): Promise<number> {
    let n = 0;
    for (const { id, predicted } of rows) {
      const p = this.products.get(id);
      if (!p) continue;
      p.predicted = { ...predicted };
      n++;
    }
    return n;
  }

  // ---- search

  async search(q: StoreSearch): Promise<StoreSearchResult> {
    return this.terms.search(q, this.products.map.values(), this.products.size);
  }

  // ---- corrections

  async addCorrection(c: CorrectionInput): Promise<CorrectionRecord> {
    const p = this.products.get(c.productId);
    if (!p) throw new NotFoundError("product", c.productId);
    const previous = effective(p);
    const category = c.category?.trim() || previous;
    if (!category) throw new NotFoundError("category to accept for product", c.productId, "it has no category or prediction yet: send a category");
    const at = now();
    const record: CorrectionRecord = {
      id: this.corrections.length + 1,
      productId: c.productId,
      category,
      ...(previous !== undefined ? { previous } : {}),
      accepted: c.category === undefined || c.category.trim() === previous,
      ...(c.user !== undefined ? { user: c.user } : {}),
      createdAt: at,
    };
    this.corrections.push(record);
    p.corrected = category;
    p.updatedAt = at;
    return { ...record };
  }

  async listCorrections(o: { afterId?: number; limit?: number } = {}): Promise<CorrectionRecord[]> {
    const after = o.afterId ?? 0;
    // Ids are 1, 2, 3…: the record with id k sits at index k - 1 (undefined once undone).
    const out: CorrectionRecord[] = [];
    for (let i = Math.max(0, after); i < this.corrections.length && out.length < (o.limit ?? 1000); i++) {
      const r = this.corrections[i];
      if (r) out.push({ ...r });
    }
    return out;
  }

  async deleteCorrection(id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string } | undefined> {
    const deleted = Number.isInteger(id) && id >= 1 ? this.corrections[id - 1] : undefined;
    if (!deleted) return undefined;
    this.corrections[id - 1] = undefined;
    let latest: CorrectionRecord | undefined;
    for (const r of this.corrections) if (r && r.productId === deleted.productId) latest = r;
    const p = this.products.get(deleted.productId);
    if (p) {
      p.corrected = latest?.category;
      p.updatedAt = now();
    }
    return { deleted: { ...deleted }, ...(latest && p ? { correctedCategory: latest.category } : {}) };
  }

  async reviewQueue(q: ReviewQuery): Promise<ReviewPage> {
    const candidates: (ReviewCandidate & { rec: ProductRec })[] = [];
    for (const rec of this.products.map.values()) {
      if (rec.predicted && rec.corrected === undefined && rec.category === undefined) {
        candidates.push({ id: rec.id, title: rec.title, category: rec.predicted.category, score: rec.predicted.score, rec });
      }
    }
    const ordered = reviewOrder(candidates, q);
    const start = q.after ? ordered.findIndex((o) => compareCursors(o.cursor, q.after!) > 0) : 0;
    const page = start < 0 ? [] : ordered.slice(start, start + q.limit);
    return {
      products: page.map((o) => toProduct(o.item.rec) as ReviewPage["products"][number]),
      cursors: page.map((o) => o.cursor),
      total: ordered.length,
    };
  }

  async scanCorrectedCategories(o: ScanPage): Promise<CorrectedCategory[]> {
    const out: CorrectedCategory[] = [];
    // Walks the catalog in id order: O(n) per page, fine for the sizes an in-memory store holds.
    let after = o.afterId;
    while (out.length < o.limit) {
      const ids = this.products.keysAfter(after, 1000);
      for (const id of ids) {
        const p = this.products.get(id)!;
        if (p.corrected !== undefined) out.push({ id, title: p.title, category: p.corrected });
        if (out.length >= o.limit) break;
      }
      if (ids.length < 1000) break;
      after = ids[ids.length - 1];
    }
    return out;
  }

  // ---- clusters

  async saveClusterRun(run: { id: string; algorithm: string; assignments: readonly { productId: string; cluster: number }[]; clusters: readonly ClusterRecord[] }): Promise<void> {
    const assignments = run.assignments.map((a) => ({ productId: a.productId, cluster: a.cluster })).sort((a, b) => compareIds(a.productId, b.productId));
    this.clusterRuns.delete(run.id);
    this.clusterRuns.set(run.id, { seq: ++this.seq, id: run.id, algorithm: run.algorithm, clusters: JSON.stringify(run.clusters), createdAt: now(), assignments });
  }

  async renameCluster(runId: string, cluster: number, name: string): Promise<ClusterRecord | undefined> {
    const run = this.clusterRuns.get(runId);
    if (!run) return undefined;
    const clusters = JSON.parse(run.clusters) as ClusterRecord[];
    const c = clusters.find((x) => x.cluster === cluster);
    if (!c) return undefined;
    c.name = name;
    c.named = true;
    run.clusters = JSON.stringify(clusters);
    return { ...c };
  }

  async mergeClusters(runId: string, from: number, into: number): Promise<ClusterRecord | undefined> {
    const run = this.clusterRuns.get(runId);
    if (!run) return undefined;
    const merged = mergeClusterList(JSON.parse(run.clusters) as ClusterRecord[], from, into);
    if (!merged) return undefined;
    for (const a of run.assignments) if (a.cluster === from) a.cluster = into;
    run.clusters = JSON.stringify(merged.clusters);
    return merged.into;
  }

  async getClusterRun(id?: string, kind?: ClusterRunKind): ReturnType<CatalogStore["getClusterRun"]> {
    let run: ClusterRun | undefined;
    const ofKind = (r: ClusterRun): boolean => kind === undefined || (r.algorithm === "match") === (kind === "groups");
    if (id !== undefined) run = this.clusterRuns.get(id);
    else for (const r of this.clusterRuns.values()) if (ofKind(r) && (!run || r.createdAt > run.createdAt || (r.createdAt === run.createdAt && r.seq > run.seq))) run = r;
    if (run && !ofKind(run)) return undefined;
    if (!run) return undefined;
    return { id: run.id, algorithm: run.algorithm, createdAt: run.createdAt, clusters: JSON.parse(run.clusters) as ClusterRecord[], assignments: run.assignments.map((a) => ({ ...a })) };
  }

  // ---- taxonomy additions

  async addTaxonomyPath(a: { path: string; parent: string; source?: string }): Promise<boolean> {
    if (this.taxonomy.some((t) => t.path === a.path)) return false;
    this.taxonomy.push({ path: a.path, parent: a.parent, ...(a.source !== undefined ? { source: a.source } : {}), createdAt: now() });
    return true;
  }

  async listTaxonomyPaths(): Promise<TaxonomyAddition[]> {
    return this.taxonomy.map((t) => ({ ...t }));
  }

  // ---- jobs

  async createJob(kind: JobKind, params: Record<string, unknown>): Promise<JobRecord> {
    const at = now();
    const job: JobRec = {
      seq: ++this.seq,
      id: `job-${randomBytes(8).toString("hex")}`,
      kind,
      state: "queued",
      params: JSON.stringify(params),
      progress: JSON.stringify({ stage: "queued", done: 0, total: 0 }),
      createdAt: at,
      updatedAt: at,
    };
    this.jobs.set(job.id, job);
    return toJob(job);
  }

  async updateJob(id: string, patch: JobPatch): Promise<JobRecord | undefined> {
    const j = this.jobs.get(id);
    if (!j) return undefined;
    // A finished job keeps its final state (a late progress report or a cancel after "done" changes nothing).
    if (!FINISHED.has(j.state)) {
      j.updatedAt = now();
      if (patch.state !== undefined) j.state = patch.state;
      if (patch.progress !== undefined) j.progress = JSON.stringify(patch.progress);
      if (patch.result !== undefined) j.result = JSON.stringify(patch.result);
      if (patch.error !== undefined) j.error = patch.error;
    }
    return toJob(j);
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const j = this.jobs.get(id);
    return j ? toJob(j) : undefined;
  }

  async listJobs(o: { limit?: number; state?: JobState } = {}): Promise<JobRecord[]> {
    const all = [...this.jobs.values()].filter((j) => o.state === undefined || j.state === o.state);
    return all
      .sort((a, b) => b.seq - a.seq)
      .slice(0, o.limit ?? 50)
      .map(toJob);
  }

  async failUnfinishedJobs(message: string): Promise<number> {
    let n = 0;
    const at = now();
    for (const j of this.jobs.values()) {
      if (j.state !== "queued" && j.state !== "running") continue;
      j.state = "failed";
      j.error = message;
      j.updatedAt = at;
      n++;
    }
    return n;
  }

  // ---- model registry

  private active(): string | undefined {
    return this.activations[this.activations.length - 1];
  }

  private model(m: Omit<ModelRecord, "active">): ModelRecord {
    return { ...json(m), active: m.version === this.active() };
  }

  async addModel(m: Omit<ModelRecord, "active">): Promise<ModelRecord> {
    if (this.models.has(m.version)) throw new ConflictError(`Cannot add model "${m.version}": it is registered already`);
    const { active: _active, ...rest } = m as ModelRecord;
    this.models.set(m.version, json(rest));
    return this.model(rest);
  }

  async listModels(): Promise<ModelRecord[]> {
    return [...this.models.values()].sort((a, b) => compareIds(a.registeredAt, b.registeredAt) || compareIds(a.version, b.version)).map((m) => this.model(m));
  }

  async getModel(version: string): Promise<ModelRecord | undefined> {
    const m = this.models.get(version);
    return m ? this.model(m) : undefined;
  }

  async activateModel(version: string): Promise<ModelRecord> {
    const m = this.models.get(version);
    if (!m) throw new NotFoundError("model version", version);
    if (this.active() !== version) this.activations.push(version);
    return this.model(m);
  }

  async activationHistory(limit = 20): Promise<string[]> {
    const out: string[] = [];
    for (let i = this.activations.length - 1; i >= 0 && out.length < limit; i--) {
      const v = this.activations[i]!;
      if (out[out.length - 1] !== v) out.push(v);
    }
    return out;
  }

  // ---- vectors

  async putVectors(model: string, rows: readonly { id: string; vector: Float32Array }[]): Promise<void> {
    let m = this.vectors.get(model);
    if (!m) this.vectors.set(model, (m = new OrderedMap()));
    for (const r of rows) m.set(r.id, Float32Array.from(r.vector));
  }

  async scanVectors(model: string, o: ScanPage): Promise<VectorPage> {
    const m = this.vectors.get(model);
    const ids = m ? m.keysAfter(o.afterId, o.limit) : [];
    const dim = ids.length > 0 ? m!.get(ids[0]!)!.length : 0;
    const data = new Float32Array(ids.length * dim);
    ids.forEach((id, i) => {
      const v = m!.get(id)!;
      if (v.length !== dim) throw new RangeError(`Vector of "${id}" in model "${model}" has ${v.length} values, expected ${dim}`);
      data.set(v, i * dim);
    });
    const categories = ids.map((id) => {
      const p = this.products.get(id);
      return p ? effective(p) : undefined;
    });
    return { ids, categories, dim, data };
  }

  async countVectors(model: string): Promise<{ category: string | undefined; count: number }[]> {
    const counts = new Map<string | undefined, number>();
    for (const id of this.vectors.get(model)?.map.keys() ?? []) {
      const p = this.products.get(id);
      const c = p ? effective(p) : undefined;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    return [...counts].map(([category, count]) => ({ category, count }));
  }

  async dropVectors(keep?: string): Promise<void> {
    for (const model of [...this.vectors.keys()]) if (model !== keep) this.vectors.delete(model);
  }

  // ---- settings and counts

  async getMeta(key: string): Promise<string | undefined> {
    return this.meta.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.meta.set(key, value);
  }

  async counts(): ReturnType<CatalogStore["counts"]> {
    let predictions = 0;
    for (const p of this.products.map.values()) if (p.predicted) predictions++;
    const jobs: Record<string, number> = {};
    for (const j of this.jobs.values()) jobs[j.state] = (jobs[j.state] ?? 0) + 1;
    return { products: this.products.size, predictions, corrections: this.corrections.filter((c) => c !== undefined).length, models: this.models.size, jobs };
  }

  // ---- shoppers (src/service/memory-events.ts)

  private readonly shoppers = new MemoryShopperData();
  insertEvents(rows: readonly EventWrite[]): Promise<EventInsertResult> {
    return this.shoppers.insertEvents(rows);
  }
  scanEvents(o: EventPage): Promise<StoredEvent[]> {
    return this.shoppers.scanEvents(o);
  }
  userEvents(userId: string, o?: Partial<EventPage>): Promise<StoredEvent[]> {
    return this.shoppers.userEvents(userId, o);
  }
  userEventCounts(o: { afterId?: string; limit: number }): Promise<{ userId: string; events: number }[]> {
    return this.shoppers.userEventCounts(o);
  }
  eventCounts(): Promise<{ events: number; users: number; items: number }> {
    return this.shoppers.eventCounts();
  }
  saveSegments(set: SegmentSetWrite): Promise<void> {
    return this.shoppers.saveSegments(set);
  }
  getSegments(): Promise<SegmentSet | undefined> {
    return this.shoppers.getSegments();
  }
  segmentMembers(segment: number, o: { afterId?: string; limit: number }): Promise<string[]> {
    return this.shoppers.segmentMembers(segment, o);
  }
  userSegment(userId: string): Promise<number | undefined> {
    return this.shoppers.userSegment(userId);
  }
  eraseUser(userId: string): Promise<{ events: number; memberships: number }> {
    return this.shoppers.eraseUser(userId);
  }

  // ---- prediction log (prediction-log.ts)
  private readonly predictionLog = new MemoryPredictionLog();
  appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number> {
    return this.predictionLog.appendPredictions(json(rows));
  }
  predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary> {
    return this.predictionLog.predictionSummary(q);
  }
  prunePredictions(before: number, limit: number): Promise<number> {
    return this.predictionLog.prunePredictions(before, limit);
  }

  async close(): Promise<void> {}
}
