// The catalog service: products, classification, search, similar items, corrections, models and jobs over
// a CatalogStore. Edges (the HTTP server, the CLI) parse requests, call this, and format the answers.
//
// API notes for the edges (final):
// - Every method that touches the store returns a Promise (so a PostgreSQL store can follow);
//   `classify()` and `activeModel()` (the live model's ModelRecord) are synchronous: the hot path never
//   touches the store.
// - Wiring (`assort serve`): `CatalogService.open({ store: await openStore(url), dataDir: dir, jobs: new
//   WorkerJobRunner(), logger })` with openStore from src/store/registry.ts (`sqlite:DIR`, `memory:`) and
//   WorkerJobRunner from src/jobs/job-runner.ts (without `jobs`, background jobs run on the event loop's
//   thread). State other processes must follow (live model, overrides, vectors) goes through `sharedState`
//   (src/service/shared-state.ts).
// - Errors (src/core/errors.ts, each with a stable `code`): InvalidInputError (INVALID_INPUT, bad items:
//   `issues` name item index as `line` and `field`) → 400/422; ConfigError (CONFIG: bad option, bad
//   version name) → 400; LimitError (LIMIT: `limit`, `actual`; batch over maxBatch) → 413;
//   NotFoundError (NOT_FOUND: product, job) → 404; ModelNotFoundError (MODEL_NOT_FOUND: unknown version)
//   → 404; ModelFormatError (MODEL_FORMAT: broken artifact, activation refused) → 422; ConflictError
//   (CONFLICT: cancel a finished job, nothing to roll back to) → 409; UnavailableError (UNAVAILABLE: no
//   active model, service closing) → 503; CancelledError (CANCELLED) when a signal fired.
import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { ConfigError, NotFoundError, UnavailableError } from "../core/errors.js";
import { lockDir, type DirLock } from "../core/dir-lock.js";
import type { ProductInput } from "../core/product.js";
import type { Progress } from "../core/progress.js";
import type { ProductModel } from "../core/contracts.js";
import type { CatalogStore, CorrectionRecord, JobKind, JobRecord, ModelRecord, StoredProduct } from "./catalog-store.js";
import type { ReadOptions } from "../catalog/read-catalog.js";
import { checkTopK } from "../pipeline/category-model.js";
import { checkBatch, toProductWritesSliced } from "./input.js";
import { checkVersionName, ModelRegistry } from "./model-registry.js";
import { importCatalogFile, upsertBatch, type BatchClassifier } from "./import.js";
import { WriteWork } from "./write-work.js";
import { JobManager } from "./jobs.js";
import { SimilarItems } from "./similar-items.js";
import { ReadGate } from "../similar/read-gate.js";
import { Feedback } from "./feedback.js";
import { ReviewDesk, type ReviewDeskOptions } from "./review.js";
import { noopLogger, type ServiceLogger } from "./logger.js";
import { LocalSharedState, type SharedChange, type SharedState } from "./shared-state.js";
import { ShopperService } from "./shoppers.js";
import { PredictionRecorder } from "./prediction-recorder.js";
import { Monitoring, type MonitoringReport } from "./monitoring.js";
import type { CatalogServiceOptions, ImportAnswer, SearchAnswer, SearchQuery, ServiceClassification, ServiceClassifyOptions, ServiceStats, SimilarAnswer, UpsertAnswer, UpsertOptions } from "./service-types.js";

export type { ServiceLogger } from "./logger.js";

export type { JobRunner, JobTaskHandlers, JobQueue } from "./jobs.js";
export type { ArtifactStore } from "./artifacts.js";
export type { CatalogStore, CorrectionRecord, JobRecord, ModelRecord, StoredProduct } from "./catalog-store.js";
export type { CatalogServiceOptions, ImportAnswer, SearchAnswer, SearchQuery, ServiceClassification, ServiceClassifyOptions, ServiceStats, SimilarAnswer, UpsertAnswer, UpsertOptions } from "./service-types.js";


/**
 * The catalog service.
 * @example
 * const service = await CatalogService.open({ store: await openStore("sqlite:data"), dataDir: "data" });
 * await service.registerModel("models/shop", { activate: true });
 * await service.upsertProducts([{ id: "1", title: "Tefal frying pan 28cm" }]);
 * service.classify([{ id: "x", title: "Bosch kettle" }], { topK: 3 });
 */
export class CatalogService {
  readonly store: CatalogStore;
  readonly dataDir: string;
  /** Where relative image paths of items are read (models that see photos). */
  readonly imagesDir: string;
  readonly maxBatch: number;
  private readonly logger: ServiceLogger;
  private readonly models: ModelRegistry;
  private readonly jobs: JobManager;
  private readonly vectors: SimilarItems;
  private readonly feedbackLoop: Feedback;
  private readonly work: WriteWork;
  /** Reads being answered (reported by the server through beginRead): background inserts yield to them. */
  private readonly reads = new ReadGate();
  private readonly seed: number;
  /** The data directory's write lock: one process writes models, vectors and (by default) the store there. */
  private lock: DirLock | undefined;
  private readonly queued: boolean;
  private writes = Promise.resolve();
  private closed = false;
  private readonly shared: SharedState;
  private readonly ownsShared: boolean;
  /** This service's name on the shared state (its own changes come back to it and are skipped). */
  private readonly origin = randomUUID();
  private unsubscribe: () => void = () => {};
  /** Changes from other processes, applied one after another; buffered until open() has caught up. */
  private remote: Promise<void> = Promise.resolve();
  private pendingRemote: SharedChange[] | undefined = [];
  /** Shoppers: events, profiles, segments and recommendations (src/service/shoppers.ts). */
  readonly shoppers: ShopperService;
  /** The log of served predictions (src/service/prediction-recorder.ts). */
  private readonly recorder: PredictionRecorder;
  private readonly monitor: Monitoring;

  private constructor(o: CatalogServiceOptions) {
    this.store = o.store;
    this.dataDir = path.resolve(o.dataDir);
    this.imagesDir = path.resolve(o.imagesDir ?? path.join(this.dataDir, "images"));
    this.maxBatch = o.maxBatch ?? 1000;
    this.logger = o.logger ?? noopLogger;
    this.seed = o.seed ?? 0;
    this.shared = o.sharedState ?? new LocalSharedState();
    this.ownsShared = o.sharedState === undefined;
    const publish = (change: SharedChange): Promise<void> =>
      this.shared.publish(this.origin, change).catch((e: unknown) => this.logger.warn({ err: (e as Error).message, change: change.kind }, "cannot publish a change to the other processes"));
    this.work = new WriteWork(this.logger, o.offThreadWrites);
    this.queued = o.jobQueue !== undefined;
    this.models = new ModelRegistry(this.store, this.dataDir, publish, (record) => this.work.warm({ modelDir: record.dir }), o.artifacts);
    this.vectors = new SimilarItems(this.store, this.dataDir, { exactLimit: o.exactLimit ?? 100_000, seed: this.seed, logger: this.logger, work: this.work, reads: this.reads }, publish, o.artifacts);
    this.jobs = new JobManager(this.store, this.models, o.jobs, this.logger, this.seed, { ...(o.jobQueue ? { queue: o.jobQueue } : {}), fitVectors: (f) => this.fitVectors(f), fitRecommender: (f, p, run) => this.shoppers.fit(f, recommenderJobParams(p), run) });
    this.shoppers = new ShopperService(this.store, this.dataDir, { publish, liveModelDir: () => this.models.currentRecord?.dir, ...(o.artifacts ? { artifacts: o.artifacts } : {}), logger: this.logger, seed: this.seed });
    this.recorder = new PredictionRecorder(this.store, { retentionDays: o.predictionLogDays ?? 30, logger: this.logger });
    this.monitor = new Monitoring(this.store, () => this.models.current, {
      retentionDays: this.recorder.retentionDays,
      ...(o.driftThreshold !== undefined ? { threshold: o.driftThreshold } : {}),
      flush: () => this.recorder.flush(),
    });
    this.feedbackLoop = new Feedback(
      this.store,
      o.retrainAfter ?? 50,
      (params) => this.jobs.start("retrain", params),
      (id, category) => this.vectors.regroup(id, category),
      publish,
    );
  }

  /**
   * Opens the service: takes the data directory's write lock (ConflictError naming the process that holds it;
   * one taken over from a dead process is logged), subscribes to the shared state, then catches up from the
   * store (the active model, the override map and the product vectors, if any) and applies the changes
   * published meanwhile; fails jobs a dead process left running.
   */
  static async open(o: CatalogServiceOptions): Promise<CatalogService> {
    const s = new CatalogService(o);
    await fs.mkdir(s.dataDir, { recursive: true });
    s.lock = lockDir(s.dataDir);
    if (s.lock.tookOver) {
      const t = s.lock.tookOver;
      s.logger.warn({ pid: t.pid, since: t.since, command: t.command }, "took over the data directory's lock from a process that is gone");
    }
    s.unsubscribe = s.shared.subscribe((change, origin) => {
      if (origin === s.origin || s.closed) return;
      if (s.pendingRemote) s.pendingRemote.push(change);
      else s.followRemote(change);
    });
    try {
      if (!s.queued) {
        const failed = await s.store.failUnfinishedJobs("The process stopped while the job was running");
        if (failed > 0) s.logger.warn({ jobs: failed }, "marked jobs of a stopped process as failed");
      }
      await s.models.init((e) => s.logger.error({ err: e.message }, "cannot load the active model"));
      await s.feedbackLoop.init();
      await s.vectors.init();
      await s.shoppers.init();
      s.recorder.start();
    } catch (e) {
      s.unsubscribe();
      await s.vectors.close().catch(() => undefined);
      await s.work.close().catch(() => undefined);
      s.lock.release();
      throw e;
    }
    const pending = s.pendingRemote ?? [];
    s.pendingRemote = undefined;
    for (const change of pending) s.followRemote(change);
    return s;
  }

  /** Applies a change made by another process: each component re-reads what changed from the store. */
  private followRemote(change: SharedChange): void {
    const apply = async (): Promise<void> => {
      if (change.kind === "model") await this.models.sync();
      else if (change.kind === "override") await this.feedbackLoop.sync(change.productId);
      else if (change.kind === "recommender") await this.shoppers.sync(change.version);
      // Vector changes run with this process's writes, so a reload never races an embedding in flight.
      else await this.serialWrite(() => this.vectors.sync(change));
    };
    this.remote = this.remote.then(apply).catch((e: unknown) => this.logger.error({ err: (e as Error).message, change: change.kind }, "cannot apply a change made by another process"));
  }

  // ---- models

  /** Copies the model directory into the data dir atomically, loads and smoke-tests it; a bad model throws and nothing changes. */
  async registerModel(dir: string, o: { activate?: boolean } = {}): Promise<ModelRecord> {
    this.checkOpen();
    return this.models.register(dir, { ...o, source: "register" });
  }

  listModels(): Promise<ModelRecord[]> {
    return this.store.listModels();
  }

  /** The live model's registry record (synchronous). */
  activeModel(): ModelRecord | undefined {
    return this.models.currentRecord;
  }

  /** Unknown → ModelNotFoundError; a broken artifact → ModelFormatError, the old model stays live. */
  async activateModel(version: string): Promise<ModelRecord> {
    return this.models.activate(checkVersionName(version));
  }

  /** Activates the previously active version; ConflictError when there is none. */
  rollback(): Promise<ModelRecord> {
    return this.models.rollback();
  }

  // ---- products

  /** Inserts or updates products in one transaction, idempotent by id (same content → `unchanged`). */
  async upsertProducts(items: readonly ProductInput[], o: UpsertOptions = {}): Promise<UpsertAnswer> {
    this.checkOpen();
    checkBatch(items.length, this.maxBatch, "products in one call");
    const rows = await toProductWritesSliced(items);
    return this.serialWrite(async () => {
      // Classifying and embedding run in the model thread, the transaction in the store's writer (SQLite):
      // this thread only hands rows over and indexes the vectors in slices.
      const r = await upsertBatch(this.store, rows, o.classify === false ? undefined : this.liveClassifier(), (changing) => this.vectors.prepare(changing));
      this.logWrites(rows, "upsert");
      await this.vectors.commit(r.prepared, r.changed, r.categories);
      o.onProgress?.({ stage: "upsert", done: rows.length, total: rows.length });
      return { inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, classified: r.classified };
    });
  }

  /** The live model as a write batch's classifier (in the model thread where it can), or undefined. */
  private liveClassifier(): BatchClassifier | undefined {
    const model = this.models.current;
    if (!model) return undefined;
    const record = this.models.currentRecord;
    const dir = record?.version === model.version ? record.dir : undefined;
    return { version: model.version, top: (items) => this.work.classify(model, dir, items, this.imagesDir) };
  }

  /**
   * Imports a JSONL/CSV catalog in batches of `batchSize` rows (default 2000), one transaction each; bad rows
   * are skipped and reported. Then fits the product vectors when none exist, else embeds the changed products
   * (`vectors: false` skips that: similar items fit on demand).
   */
  async importFile(file: string, o: UpsertOptions & { readOptions?: ReadOptions; batchSize?: number; vectors?: boolean } = {}): Promise<ImportAnswer> {
    this.checkOpen();
    return this.serialWrite(async () => {
      const r = await importCatalogFile(this.store, file, { ...o, model: o.classify === false ? undefined : this.models.current, onClassified: (rows) => this.logWrites(rows, "import") });
      const started = performance.now();
      if (o.vectors !== false) await this.vectors.afterImport(r.changedIds, o);
      const { changedIds: _c, ...answer } = r;
      return { ...answer, vectorSeconds: (performance.now() - started) / 1000 };
    });
  }

  getProduct(id: string): Promise<StoredProduct | undefined> {
    return this.store.getProduct(id);
  }

  /** Deletes a product (and its vector); false when there was none. */
  async deleteProduct(id: string): Promise<boolean> {
    this.checkOpen();
    return this.serialWrite(async () => {
      const gone = await this.store.deleteProduct(id);
      if (gone) this.vectors.remove(id);
      return gone;
    });
  }

  /**
   * A latency-sensitive read (classify, search, similar items…) started: background work (the ANN index's
   * inserts) keeps off the CPU until the returned function is called, when it ended (see read-gate.ts).
   */
  beginRead(): () => void {
    return this.reads.begin();
  }

  // ---- classify (hot path: synchronous, no store access)

  /**
   * Classifies items with the live model; a product id or title with a correction answers the corrected
   * category (score 1, `corrected: true`). UnavailableError without an active model, LimitError over maxBatch.
   */
  async classify(items: readonly ProductInput[], o: ServiceClassifyOptions = {}): Promise<{ model: string; results: ServiceClassification[] }> {
    const model = this.models.current;
    if (!model) throw new UnavailableError("No active model: register a model and activate it first");
    checkBatch(items.length, this.maxBatch, "items in one classify call");
    const topK = checkTopK(o.topK ?? 1);
    // One featurization per batch: the explanations come from the same rows as the categories. Text models
    // answer synchronously; photo models read each item's image (a data URI, or a path under imagesDir).
    const results: ServiceClassification[] = await model.classify(items, {
      topK,
      minPrecision: o.minPrecision,
      backoff: o.backoff,
      ...(o.explain ? { explain: true } : {}),
      ...(model.capabilities.images ? { baseDir: this.imagesDir } : {}),
    });
    this.feedbackLoop.applyOverrides(items, results, model.fields.text[0] ?? "title", topK);
    if (o.log !== false) this.recorder.record(model.version, "classify", results);
    return { model: model.version, results };
  }

  /** Logs the predictions a product write made (rows classified by it carry `predicted`). */
  private logWrites(rows: readonly { id: string; predicted?: { category: string; score: number; model: string } }[], source: string): void {
    const byModel = new Map<string, { id: string; categories: { category: string; score: number }[] }[]>();
    for (const r of rows) {
      if (!r.predicted) continue;
      const list = byModel.get(r.predicted.model) ?? [];
      list.push({ id: r.id, categories: [{ category: r.predicted.category, score: r.predicted.score }] });
      byModel.set(r.predicted.model, list);
    }
    for (const [model, answers] of byModel) this.recorder.record(model, source, answers);
  }

  // ---- monitoring

  /**
   * Drift of the categories served in the last `days` days (UTC, today included) against the live model's
   * training mix (PSI per category and overall, Jensen–Shannon overall, categories over the threshold
   * flagged), served counts and mean top-1 score per day, and the share the live model decides alone at
   * each precision of its operating points. ConfigError for days outside 1 to 366.
   */
  monitoring(o: { days?: number } = {}): Promise<MonitoringReport> {
    return this.monitor.report(o.days ?? 7);
  }

  /** The monitoring report /metrics shows (last 7 days), recomputed at most every 15 s; undefined when it fails. */
  monitoringGauges(): Promise<MonitoringReport | undefined> {
    return this.monitor.gauges(7);
  }

  // ---- search and similar

  /** Full-text search (BM25, Chinese segmented), category facets, hits of the query's predicted category boosted. */
  async search(q: SearchQuery): Promise<SearchAnswer> {
    if (typeof q.q !== "string") throw new ConfigError("Search needs a query string q");
    const limit = q.limit ?? 20;
    const offset = q.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ConfigError(`Invalid limit ${limit}: use 1 to 100`);
    if (!Number.isInteger(offset) || offset < 0 || offset > 10_000) throw new ConfigError(`Invalid offset ${offset}: use 0 to 10000`);
    const model = this.models.current;
    let boostCategory: string | undefined;
    const text = q.q.slice(0, 2000);
    if (model && text.trim() !== "") {
      // The query's own category (from its words alone: no photo).
      const [p] = await model.classify([{ id: "q", [model.fields.text[0] ?? "title"]: text }]);
      const top = p?.categories[0];
      if (top && top.score >= 0.5) boostCategory = top.category;
    }
    if (q.userId === undefined) return this.store.search({ q: q.q, category: q.category, limit, offset, boostCategory });
    // Personalized: the query's own category wins (×1.5); an ambiguous query gets the shopper's favourite category
    // among those that match it, bounded to ×(1 + 0.4 × its share of their spend) ≤ ×1.4.
    const affinity = await this.shoppers.categoryAffinity(q.userId);
    if (boostCategory !== undefined) {
      const r = await this.store.search({ q: q.q, category: q.category, limit, offset, boostCategory });
      return { ...r, boost: { source: "query", category: boostCategory, factor: 1.5, ...(affinity[0] ? { shopperCategory: affinity[0].category } : {}) } };
    }
    const plain = await this.store.search({ q: q.q, category: q.category, limit, offset });
    const matching = new Set(plain.facets.map((f) => f.category));
    const pref = affinity.find((a) => matching.has(a.category) && (q.category === undefined || a.category === q.category));
    if (!pref) return { ...plain, boost: { source: "none" } };
    const factor = Math.round((1 + 0.4 * pref.share) * 1000) / 1000;
    const r = await this.store.search({ q: q.q, category: q.category, limit, offset, boostCategory: pref.category, boostFactor: factor });
    return { ...r, boost: { source: "shopper", category: pref.category, factor } };
  }

  /** Nearest products on the product vectors (exact up to exactLimit, ANN beyond); NotFoundError for an unknown id. */
  async similar(id: string, o: { limit?: number; sameCategory?: boolean } = {}): Promise<SimilarAnswer> {
    const limit = o.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ConfigError(`Invalid limit ${limit}: use 1 to 100`);
    const product = await this.store.getProduct(id);
    if (!product) throw new NotFoundError("product", id);
    return this.vectors.similar(product, limit, o.sameCategory === true);
  }

  /** Fits (or refits) the product-vector model on the stored catalog and embeds every product. */
  fitVectors(o: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<{ model: string; products: number }> {
    return this.serialWrite(() => this.vectors.fit(o));
  }

  // ---- corrections

  /**
   * Accepts (`accept: true`) or corrects (`category`) a product's category, in one transaction. The
   * correction is visible at once (getProduct, search facets, classify of the same id or title) and after
   * `retrainAfter` corrections a background retrain is queued ("queued").
   */
  async feedback(f: { productId: string; category?: string; accept?: boolean; user?: string }): Promise<{ correction: CorrectionRecord; applied: "override" | "queued" | "recorded" }> {
    this.checkOpen();
    return this.feedbackLoop.record(f);
  }

  /**
   * Undoes correction `id` (the review console's undo): the product takes its latest remaining correction, or
   * its given or predicted category again, at once and in the other processes; NotFoundError for an unknown id.
   */
  async undoFeedback(id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string }> {
    this.checkOpen();
    const r = await this.feedbackLoop.undo(id);
    if (!r) throw new NotFoundError("correction", String(id));
    return r;
  }

  /** The review console's operations over this service (review queue, batch decisions, undo, taxonomy type-ahead). */
  reviewDesk(o: ReviewDeskOptions = {}): ReviewDesk {
    return new ReviewDesk(this, o);
  }

  /** The live model (undefined when none is active): its labels and operating points. */
  liveModel(): ProductModel | undefined {
    return this.models.current;
  }

  // ---- jobs

  /** Queues a background job; progress, result and errors are recorded in the store. */
  async startJob(kind: Exclude<JobKind, "retrain" | "import">, params: Record<string, unknown> = {}): Promise<JobRecord> {
    this.checkOpen();
    if (!["train", "classify", "cluster", "embed", "audit", "recommender"].includes(kind)) throw new ConfigError(`Unknown job kind "${String(kind)}": choose train, classify, cluster, embed, audit or recommender`);
    return this.jobs.start(kind, params);
  }

  /**
   * Runs a stored job in this process (a queue worker, src/jobs/): nothing when it finished already.
   * Rejects with UnavailableError when the store is (the queue retries it later).
   */
  runJob(id: string, o: { signal?: AbortSignal } = {}): Promise<JobRecord | undefined> {
    this.checkOpen();
    return this.jobs.runStored(id, o.signal ?? new AbortController().signal);
  }

  getJob(id: string): Promise<JobRecord | undefined> {
    return this.store.getJob(id);
  }

  listJobs(o: { limit?: number } = {}): Promise<JobRecord[]> {
    return this.store.listJobs({ limit: o.limit ?? 50 });
  }

  /** Cancels a queued or running job; NotFoundError for an unknown id, ConflictError when it has finished. */
  async cancelJob(id: string): Promise<JobRecord> {
    return this.jobs.cancel(id);
  }

  /** Counts for /health and /metrics. */
  async stats(): Promise<ServiceStats> {
    const c = await this.store.counts();
    const active = this.models.current?.version;
    const annBacklog = this.vectors.annBacklog;
    return { ...c, ...(active ? { activeModel: active } : {}), ...(annBacklog !== undefined ? { annBacklog } : {}) };
  }

  /** Waits for running writes, stops jobs and following other processes, closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    await this.jobs.close();
    await this.remote;
    await this.writes.catch(() => undefined);
    await this.recorder.close();
    try {
      await this.vectors.close();
      await this.work.close();
      await this.models.current?.close();
      if (this.ownsShared) await this.shared.close();
      await this.store.close();
    } finally {
      this.lock?.release();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new UnavailableError("The service is shutting down");
  }

  /** Runs writes one after another (vectors and the store stay in step). */
  private serialWrite<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn);
    this.writes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

/** The params of a "recommender" job as ShopperService.fit takes them (unknown keys ignored). */
function recommenderJobParams(p: Record<string, unknown>): Parameters<ShopperService["fit"]>[1] {
  const out: Parameters<ShopperService["fit"]>[1] = {};
  if (Array.isArray(p.excludeItems)) out.excludeItems = p.excludeItems.filter((x): x is string => typeof x === "string");
  if (p.k === "auto" || (typeof p.k === "number" && Number.isInteger(p.k) && p.k >= 2)) out.k = p.k;
  if (p.params !== null && typeof p.params === "object") out.params = p.params as NonNullable<typeof out.params>;
  return out;
}
