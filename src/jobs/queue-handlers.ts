// What a queue worker does with each kind of job and batch. Whole jobs run through the catalog service
// (CatalogService.runJob: the CPU work in worker threads, so BullMQ's lock renewals keep running); a batch
// classification is split into id ranges on the batches queue. Batches are idempotent: keyed by job, batch
// and model version, their results upserted, a retried batch redoes nothing that is done.
import type { Job } from "bullmq";
import { loadModel, UnavailableError, type CatalogService, type CatalogStore, type JobKind, type JobRecord, type ProductInput, type ProductModel, type ServiceLogger } from "../index.js";
import { BatchTracker } from "./queue-batches.js";
import { queueJobId, type BullJobQueue } from "./queue.js";

/** What a handler gets: the service of this worker process, the queues, the job, a cancel signal. */
export interface HandlerContext {
  service: CatalogService;
  queue: BullJobQueue;
  job: JobRecord;
  signal: AbortSignal;
  logger: ServiceLogger;
  /** Ids per classify batch (default 5000). */
  batchSize: number;
}

export type JobHandler = (ctx: HandlerContext) => Promise<unknown>;

/** Whole jobs the service runs itself (inputs from the store, CPU work in a worker thread, results stored). */
const inService: JobHandler = async ({ service, job, signal }) => service.runJob(job.id, { signal });

/**
 * The handler of each job kind on the jobs queue. Extension point: the shopper feature's recommender fits
 * register here as `recommender` (a JobHandler: read interactions from the store, fit, store the
 * artifact); until one does, such a job fails with a message saying so.
 */
export const JOB_HANDLERS: Partial<Record<JobKind, JobHandler>> = {
  train: inService,
  retrain: inService,
  cluster: inService,
  embed: inService,
  audit: inService,
  classify: classifyInBatches,
  recommender: undefined,
};

/** Waits (up to `ms`) until this worker serves model `version`: an activation reaches every process within a second. */
export async function waitForModel(service: CatalogService, version: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (service.activeModel()?.version !== version) {
    if (Date.now() > until) throw new UnavailableError(`This worker does not serve model "${version}" yet (it serves "${service.activeModel()?.version ?? "none"}"): retry`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const models = new Map<string, Promise<ProductModel>>();

/** The model of `version` as this worker's service has it (loaded once per process). */
async function modelOf(service: CatalogService, version: string): Promise<ProductModel> {
  await waitForModel(service, version);
  let m = models.get(version);
  if (!m) {
    m = loadModel(service.activeModel()!.dir);
    models.set(version, m);
    m.catch(() => models.delete(version));
  }
  return m;
}

/** Code-point order (the stores' id order: SQLite bytewise, PostgreSQL COLLATE "C", memory). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

async function cancelled(store: CatalogStore, jobId: string): Promise<boolean> {
  return (await store.getJob(jobId))?.state === "cancelled";
}

/** A batch classification: id ranges of `batchSize` on the batches queue, followed to the end. */
async function classifyInBatches(ctx: HandlerContext): Promise<unknown> {
  const { service, job, signal } = ctx;
  const store = service.store;
  const record = service.activeModel();
  if (!record) {
    await store.updateJob(job.id, { state: "failed", error: "No active model to classify with" });
    return undefined;
  }
  await store.updateJob(job.id, { state: "running", progress: { stage: "classify", done: 0, total: 0 } });
  const total = (await store.counts()).products;
  let done = 0;
  let classified = 0;
  const tracker = new BatchTracker(ctx.queue.batches, {
    signal,
    onComplete: async (_id, result) => {
      const r = result as { rows: number; classified: number } | undefined;
      done += r?.rows ?? 0;
      classified += r?.classified ?? 0;
      const j = await store.updateJob(job.id, { progress: { stage: "classify", done, total } });
      if (j?.state === "cancelled") throw new Error("cancelled");
    },
  });
  let after = "";
  let batches = 0;
  for (let n = 0; ; n++) {
    const ids = await store.scanIds({ afterId: after, limit: ctx.batchSize });
    if (ids.length === 0) break;
    const through = ids[ids.length - 1]!;
    await tracker.add(queueJobId(job.id, n, record.version), "classify-batch", { jobId: job.id, n, after, through, model: record.version });
    batches++;
    after = through;
    if (ids.length < ctx.batchSize) break;
  }
  await tracker.drain();
  await store.updateJob(job.id, { state: "done", result: { model: record.version, classified, batches } });
  return { classified };
}

/** The handler of each batch kind on the batches queue. */
export const BATCH_HANDLERS: Record<string, (service: CatalogService, job: Job) => Promise<unknown>> = {
  /** Rows of an import: classified by the import's model and upserted (the same rows again change nothing). */
  "import-batch": async (service, job) => {
    const { jobId, n, model, classify, rows } = job.data as { jobId: string; n: number; model?: string; classify: boolean; rows: ProductInput[] };
    const store = service.store;
    if (await cancelled(store, jobId)) return { rows: rows.length, skipped: true };
    if (classify && model) await waitForModel(service, model);
    const r = await service.upsertProducts(rows, { classify });
    const ids = rows.map((x) => String(x.id));
    const stored = await store.productHashes(ids);
    const result = {
      rows: rows.length,
      stored: stored.size,
      classified: model ? [...stored.values()].filter((h) => h.model === model).length : 0,
      inserted: r.inserted,
      updated: r.updated,
      unchanged: r.unchanged,
      attempt: job.attemptsMade + 1,
    };
    // The ledger keeps each batch's first complete result (a retry of a completed batch changes nothing).
    const key = `batch:${jobId}:${n}`;
    if ((await store.getMeta(key)) === undefined) await store.setMeta(key, JSON.stringify(result));
    return result;
  },
  /** Products with ids in (after, through], classified by `model`; predictions upserted. */
  "classify-batch": async (service, job) => {
    const { jobId, after, through, model } = job.data as { jobId: string; after: string; through: string; model: string };
    const store = service.store;
    if (await cancelled(store, jobId)) return { rows: 0, classified: 0, skipped: true };
    const m = await modelOf(service, model);
    let rows = 0;
    let classified = 0;
    for (let cursor = after; ; ) {
      const page = await store.scanProducts({ afterId: cursor, limit: 1000 });
      const inRange = page.filter((p) => byCodePoint(p.id, through) <= 0);
      if (inRange.length > 0) {
        const predictions = await m.classifyBatch(inRange.map((p) => p.fields), { topK: 1 });
        const writes = predictions.flatMap((p, i) => {
          const top = p.categories[0];
          return top ? [{ id: inRange[i]!.id, predicted: { category: top.category, score: top.score, model } }] : [];
        });
        classified += await store.setPredictions(writes);
        rows += inRange.length;
      }
      if (page.length < 1000 || inRange.length < page.length) break;
      cursor = page[page.length - 1]!.id;
    }
    return { rows, classified };
  },
};
