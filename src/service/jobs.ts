// Background jobs of the catalog service: one at a time, inputs gathered from the store, the heavy work
// handed to a JobRunner (a worker thread in src/jobs/), results written back, state kept in the store.
// With a JobQueue (scale-out) jobs are handed to worker processes instead, which run them with runStored.
import { CancelledError, ConfigError, ConflictError, NotFoundError, UnavailableError } from "../core/errors.js";
import type { Product, ProductInput } from "../core/product.js";
import type { Progress } from "../core/progress.js";
import type { CatalogStore, JobKind, JobRecord } from "./catalog-store.js";
import { carryNames } from "./cluster-runs.js";
import { runCatalogTask, type AuditTaskResult, type CatalogTask, type CatalogTaskResult, type ClassifyTaskResult, type ClusterTaskResult, type TrainTaskResult } from "./tasks.js";
import type { ModelRegistry } from "./model-registry.js";
import type { ProductModel } from "../core/contracts.js";
import { loadModel } from "../pipeline/model-kinds.js";
import type { ClusterAlgorithm } from "../pipeline/cluster.js";
import type { ServiceLogger } from "./logger.js";
import { PAGE_SIZE, productPages } from "./paging.js";

/** What a runner gets besides the task: cancel through `signal`, report through `onProgress`. */
export interface JobTaskHandlers {
  signal: AbortSignal;
  onProgress(p: Progress): void;
}

/**
 * Runs one catalog task (see {@link runCatalogTask}) off the main thread. src/jobs/ implements it with a
 * worker thread per job; firing `signal` must stop the work and reject with CancelledError.
 */
export interface JobRunner {
  run(task: CatalogTask, h: JobTaskHandlers): Promise<CatalogTaskResult>;
  close(): Promise<void>;
}

/**
 * Hands jobs to other processes (src/jobs/: BullMQ on Redis). The job is in the store, state "queued",
 * before `enqueue`; a worker runs it with {@link CatalogService.runJob} and keeps its state there.
 */
export interface JobQueue {
  enqueue(job: JobRecord): Promise<void>;
  /** The store says `id` is cancelled already: stop it wherever it runs (best effort; workers also check the store). */
  cancel(id: string): Promise<void>;
}

/** What JobManager needs of the service besides the store and the models. */
export interface JobHooks {
  queue?: JobQueue;
  /** Fits the product vectors (embed jobs). */
  fitVectors?(o: { signal?: AbortSignal; onProgress?: (p: Progress) => void }): Promise<{ model: string; products: number }>;
  /** Fits the shopper recommender and segments (job kind "recommender"; src/service/shoppers.ts). */
  fitRecommender?(o: { signal?: AbortSignal; onProgress?: (p: Progress) => void }, params: Record<string, unknown>, run: (task: CatalogTask) => Promise<unknown>): Promise<unknown>;
}

/** Runs tasks in this thread (the default; tests). */
export const inlineJobRunner: JobRunner = {
  run: (task, h) => runCatalogTask(task, { signal: h.signal, onProgress: (p) => h.onProgress(p) }),
  close: async () => undefined,
};

const FINISHED = new Set(["done", "failed", "cancelled"]);

/** Every product with a human label (a correction, else the given category), in id order, and the ids of the corrected ones. */
async function labelledProducts(store: CatalogStore): Promise<{ products: Product[]; corrected: Set<string> }> {
  const products: Product[] = [];
  const corrected = new Set<string>();
  for await (const page of productPages(store)) {
    for (const p of page) {
      const label = p.correctedCategory ?? p.category;
      if (label) products.push({ id: p.id, text: [p.title, p.description ?? ""], label });
      if (p.correctedCategory !== undefined) corrected.add(p.id);
    }
  }
  return { products, corrected };
}

/** Every product's text (for clustering), in id order; the stored rows are read a page at a time. */
async function productTexts(store: CatalogStore): Promise<Product[]> {
  const out: Product[] = [];
  for await (const page of productPages(store)) for (const p of page) out.push({ id: p.id, text: [p.title, p.description ?? ""] });
  return out;
}

/** Every product's input fields (for batch classification), in id order. */
async function productFields(store: CatalogStore): Promise<ProductInput[]> {
  const out: ProductInput[] = [];
  for await (const page of productPages(store)) for (const p of page) out.push(p.fields);
  return out;
}

/** Share of `rows` whose top category is their label. */
async function accuracy(model: ProductModel, rows: readonly Product[]): Promise<number> {
  if (rows.length === 0) return 0;
  const predictions = await model.predictBatch(rows, { topK: 1 });
  let ok = 0;
  rows.forEach((r, i) => {
    if (predictions[i]?.categories[0]?.category === r.label) ok++;
  });
  return ok / rows.length;
}

export class JobManager {
  private readonly queue: { job: JobRecord; controller: AbortController }[] = [];
  private running: { job: JobRecord; controller: AbortController } | undefined;
  private idle: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: CatalogStore,
    private readonly models: ModelRegistry,
    private readonly runner: JobRunner = inlineJobRunner,
    private readonly logger: ServiceLogger,
    private readonly seed: number,
    private readonly hooks: JobHooks = {},
  ) {}

  async start(kind: JobKind, params: Record<string, unknown>): Promise<JobRecord> {
    if (this.closed) throw new UnavailableError("The service is shutting down");
    if (params === null || typeof params !== "object" || Array.isArray(params)) throw new ConfigError("Job params must be an object");
    const job = await this.store.createJob(kind, params);
    if (this.hooks.queue) {
      try {
        await this.hooks.queue.enqueue(job);
      } catch (e) {
        await this.store.updateJob(job.id, { state: "failed", error: `Cannot queue the job: ${(e as Error).message}` }).catch(() => undefined);
        throw e;
      }
      return job;
    }
    this.queue.push({ job, controller: new AbortController() });
    if (!this.running) this.idle = this.drain();
    return job;
  }

  async cancel(id: string): Promise<JobRecord> {
    const job = await this.store.getJob(id);
    if (!job) throw new NotFoundError("job", id);
    if (FINISHED.has(job.state)) throw new ConflictError(`Cannot cancel job "${id}": it is ${job.state}`);
    const q = this.queue.findIndex((e) => e.job.id === id);
    if (q >= 0) this.queue.splice(q, 1);
    if (this.running?.job.id === id) this.running.controller.abort();
    const cancelled = (await this.store.updateJob(id, { state: "cancelled", error: "Cancelled on request" }))!;
    await this.hooks.queue?.cancel(id).catch((e: unknown) => this.logger.warn({ job: id, err: (e as Error).message }, "cannot tell the workers to stop a cancelled job"));
    return cancelled;
  }

  /**
   * Runs a job the store holds, here (a queue worker): nothing when it finished already (a retry after it
   * did). Stops when `signal` fires or the store says it was cancelled. A store that is unavailable
   * rejects (the queue retries later); any other failure is recorded as the job's.
   */
  async runStored(id: string, signal: AbortSignal): Promise<JobRecord | undefined> {
    const job = await this.store.getJob(id);
    if (!job || FINISHED.has(job.state)) return job;
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    signal.addEventListener("abort", stop, { once: true });
    if (signal.aborted) stop();
    try {
      await this.execute(job, controller, true);
    } finally {
      signal.removeEventListener("abort", stop);
    }
    return this.store.getJob(id);
  }

  /** Cancels queued and running jobs and waits for the runner to stop. */
  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.queue.splice(0)) await this.store.updateJob(e.job.id, { state: "cancelled", error: "The service shut down" });
    this.running?.controller.abort();
    await this.idle.catch(() => undefined);
    await this.runner.close();
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      this.running = next;
      await this.execute(next.job, next.controller);
      this.running = undefined;
    }
  }

  private async execute(job: JobRecord, controller: AbortController, rethrowUnavailable = false): Promise<void> {
    const signal = controller.signal;
    let last = 0;
    const onProgress = (p: Progress): void => {
      const now = Date.now();
      if (now - last < 200 && p.done !== p.total) return;
      last = now;
      // A job cancelled elsewhere (another process took the request) stops at its next progress report.
      void this.store
        .updateJob(job.id, { progress: p })
        .then((j) => j?.state === "cancelled" && controller.abort())
        .catch(() => undefined);
    };
    try {
      await this.store.updateJob(job.id, { state: "running", progress: { stage: "start", done: 0, total: 0 } });
      const result = await this.perform(job, { signal, onProgress });
      if (signal.aborted) throw new CancelledError("Job");
      await this.store.updateJob(job.id, { state: "done", result });
      this.logger.info({ job: job.id, kind: job.kind }, "job done");
    } catch (e) {
      if (rethrowUnavailable && e instanceof UnavailableError && !signal.aborted) throw e;
      const cancelled = e instanceof CancelledError || signal.aborted;
      const message = e instanceof Error ? e.message : String(e);
      await this.store.updateJob(job.id, cancelled ? { state: "cancelled", error: "Cancelled" } : { state: "failed", error: message }).catch(() => undefined);
      if (!cancelled) this.logger.warn({ job: job.id, kind: job.kind, err: message }, "job failed");
    }
  }

  private async perform(job: JobRecord, h: JobTaskHandlers): Promise<unknown> {
    const p = job.params;
    if (job.kind === "train" || job.kind === "retrain") {
      const { products, corrected: correctedIds } = await labelledProducts(this.store);
      const retrain = job.kind === "retrain";
      // Retraining holds out every 10th product to check the new model is not worse than the live one.
      const holdout = retrain && products.length >= 200 ? products.filter((_, i) => i % 10 === 9) : [];
      const fit = holdout.length > 0 ? products.filter((_, i) => i % 10 !== 9) : products;
      const classifier = typeof p.classifier === "string" ? p.classifier : undefined;
      const task: CatalogTask = {
        kind: "train",
        products: fit,
        outDir: this.models.tempDir(),
        seed: typeof p.seed === "number" ? p.seed : this.seed,
        options: { source: retrain ? "retrain" : "train job", ...(classifier ? { classifier } : {}), ...(p.calibration === "none" ? { calibration: "none" } : {}) },
      };
      const r = (await this.runner.run(task, h)) as TrainTaskResult;
      if (h.signal.aborted) throw new CancelledError("Job");
      let activate = p.activate !== false;
      let validation: Record<string, number> | undefined;
      if (holdout.length > 0 && this.models.current) {
        // The live model may have been trained on the held-out products (its accuracy there is optimistic),
        // so the new one only has to keep 80% of it (a collapse is refused); on the corrected products it
        // must do at least as well as the live one.
        const next = await loadModel(r.dir);
        const old = this.models.current;
        const corrected = products.filter((x) => correctedIds.has(x.id));
        try {
          validation = {
            holdout: holdout.length,
            newAccuracy: await accuracy(next, holdout),
            oldAccuracy: await accuracy(old, holdout),
            corrected: corrected.length,
            newOnCorrected: await accuracy(next, corrected),
            oldOnCorrected: await accuracy(old, corrected),
          };
        } finally {
          await next.close();
        }
        activate = activate && validation.newAccuracy! >= 0.8 * validation.oldAccuracy! && validation.newOnCorrected! >= validation.oldOnCorrected!;
      }
      const record = await this.models.register(r.dir, { activate, move: true, source: task.options?.source });
      return { version: record.version, activated: activate, rows: r.rows, labels: r.labels, ...(validation ? { validation } : {}) };
    }
    if (job.kind === "classify") {
      const record = this.models.currentRecord;
      if (!record) throw new UnavailableError("No active model to classify with");
      const items = await productFields(this.store);
      const r = (await this.runner.run({ kind: "classify", modelDir: record.dir, items, topK: 1 }, h)) as ClassifyTaskResult;
      const rows = r.predictions.flatMap((pr) => {
        const top = pr.categories[0];
        return top ? [{ id: pr.id, predicted: { category: top.category, score: top.score, model: r.model } }] : [];
      });
      // One transaction per page keeps each write short (other writers are not held up by one huge one).
      let written = 0;
      for (let i = 0; i < rows.length; i += PAGE_SIZE) written += await this.store.setPredictions(rows.slice(i, i + PAGE_SIZE));
      return { model: r.model, classified: written };
    }
    if (job.kind === "cluster") {
      const products = await productTexts(this.store);
      const k = p.k === "auto" ? "auto" : typeof p.k === "number" ? p.k : undefined;
      const algorithm = typeof p.algorithm === "string" ? (p.algorithm as ClusterAlgorithm) : undefined;
      // The latest run of the same kind (same-product groups or clusters): its ids stay, and so do the names people gave.
      const before = await this.store.getClusterRun(undefined, algorithm === "match" ? "groups" : "clusters");
      const previous = before?.assignments.map((a) => ({ id: a.productId, cluster: a.cluster }));
      const r = (await this.runner.run({ kind: "cluster", products, ...(k !== undefined ? { k } : {}), ...(algorithm ? { algorithm } : {}), ...(previous ? { previous } : {}), seed: this.seed }, h)) as ClusterTaskResult;
      const { clusters, carried } = before ? carryNames(before.clusters, r.clusters) : { clusters: r.clusters, carried: 0 };
      await this.store.saveClusterRun({ id: job.id, algorithm: r.algorithm, assignments: r.ids.map((id, i) => ({ productId: id, cluster: r.labels[i]! })), clusters });
      return {
        run: job.id,
        algorithm: r.algorithm,
        clusters: clusters.length,
        products: r.ids.length,
        ...(before ? { previous: before.id, namesCarried: carried } : {}),
        ...(r.stability ? { stability: r.stability } : {}),
      };
    }
    if (job.kind === "embed") {
      if (!this.hooks.fitVectors) throw new ConfigError("This service cannot fit product vectors");
      return this.hooks.fitVectors(h);
    }
    if (job.kind === "recommender") {
      if (!this.hooks.fitRecommender) throw new ConfigError("This service cannot fit a recommender");
      return this.hooks.fitRecommender(h, p, (task) => this.runner.run(task, h));
    }
    if (job.kind === "audit") {
      const { products } = await labelledProducts(this.store);
      const folds = typeof p.folds === "number" ? p.folds : undefined;
      return (await this.runner.run({ kind: "audit", products, seed: this.seed, ...(folds !== undefined ? { folds } : {}) }, h)) as AuditTaskResult;
    }
    throw new ConfigError(`Unknown job kind "${job.kind}"`);
  }
}
