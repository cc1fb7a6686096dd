// `assort worker`'s engine: BullMQ workers on the jobs and batches queues, running each through the
// catalog service of this process (src/jobs/queue-handlers.ts). A job whose worker died (SIGKILL, a lost
// machine) is "stalled": BullMQ sees its lock expire and hands it to another worker; a failed one is
// retried with backoff; a cancelled one stops at its next check. Closing waits for the running ones.
import { hostname } from "node:os";
import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { ConfigError, type CatalogService, type ServiceLogger } from "../index.js";
import { BATCHES_QUEUE, CANCEL_CHANNEL, JOBS_QUEUE, type BullJobQueue } from "./queue.js";
import { BATCH_HANDLERS, JOB_HANDLERS } from "./queue-handlers.js";

export interface QueueWorkerOptions {
  service: CatalogService;
  queue: BullJobQueue;
  /** Batches processed at once (default 1; a batch's CPU work is mostly on this thread). */
  concurrency?: number;
  /** How long a job's lock lasts without renewal (ms, default 30000): a dead worker's job moves on after about this long. */
  lockDuration?: number;
  /** Ids per batch of a batch classification (default 5000). */
  batchSize?: number;
  logger: ServiceLogger;
}

/**
 * @example
 * const worker = QueueWorker.start({ service, queue: new BullJobQueue(url), concurrency: 2, logger });
 * process.once("SIGTERM", () => void worker.close());
 */
export class QueueWorker {
  private readonly workers: Worker[];
  private readonly running = new Map<string, AbortController>();
  private readonly subscriber: Redis;
  /** Batches this process finished (for logs and tests). */
  processed = 0;

  private constructor(private readonly o: QueueWorkerOptions) {
    const lockDuration = o.lockDuration ?? 30_000;
    // The name is recorded on each job it takes (BullMQ's processedBy): which worker did what.
    const common = { connection: o.queue.connection, name: QueueWorker.workerName, lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: 3 };
    this.workers = [
      // Whole jobs hold their lock longer: parts of some (fitting product vectors, building an HNSW graph)
      // run on this thread and can hold the event loop for a while; batches never do.
      new Worker(JOBS_QUEUE, (job) => this.runJob(job), { ...common, lockDuration: Math.max(lockDuration, 120_000), stalledInterval: Math.max(lockDuration, 60_000), concurrency: 2 }),
      new Worker(BATCHES_QUEUE, (job) => this.runBatch(job), { ...common, concurrency: o.concurrency ?? 1 }),
    ];
    for (const w of this.workers) {
      // Redis down: BullMQ reconnects by itself; these are worth a log line, not a crash.
      w.on("error", (e) => o.logger.warn({ err: e.message }, "queue connection problem"));
      w.on("failed", (job, e) => o.logger.warn({ job: job?.id, attempt: job?.attemptsMade, err: e.message }, "queue job failed (retried with backoff while attempts remain)"));
    }
    this.subscriber = new Redis(o.queue.connection);
    this.subscriber.on("error", () => undefined);
    this.subscriber.on("message", (_channel: string, id: string) => this.running.get(id)?.abort());
    void this.subscriber.subscribe(CANCEL_CHANNEL).catch(() => undefined);
  }

  /** This process's worker name: host and pid. */
  static readonly workerName = `${hostname()}-${process.pid}`;

  static start(o: QueueWorkerOptions): QueueWorker {
    return new QueueWorker(o);
  }

  /** Resolves once both workers are connected and waiting for jobs. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  private async runJob(job: Job): Promise<unknown> {
    const id = (job.data as { jobId: string }).jobId;
    const record = await this.o.service.store.getJob(id);
    if (!record || record.state === "done" || record.state === "failed" || record.state === "cancelled") return { skipped: record?.state ?? "unknown" };
    const handler = JOB_HANDLERS[record.kind];
    if (!handler) {
      await this.o.service.store.updateJob(id, { state: "failed", error: `No worker handles "${record.kind}" jobs yet` });
      throw new ConfigError(`No worker handles "${record.kind}" jobs yet`);
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      this.o.logger.info({ job: id, kind: record.kind, attempt: job.attemptsMade + 1 }, "job started");
      return await handler({ service: this.o.service, queue: this.o.queue, job: record, signal: controller.signal, logger: this.o.logger, batchSize: this.o.batchSize ?? 5000 });
    } finally {
      this.running.delete(id);
    }
  }

  private async runBatch(job: Job): Promise<unknown> {
    const handler = BATCH_HANDLERS[job.name];
    if (!handler) throw new ConfigError(`Unknown batch kind "${job.name}"`);
    const out = await handler(this.o.service, job);
    this.processed++;
    return out;
  }

  /** Stops taking jobs and waits for the running ones (`force`: abandons them to the stalled-job check). */
  async close(force = false): Promise<void> {
    if (force) for (const c of this.running.values()) c.abort();
    await Promise.all(this.workers.map((w) => w.close(force)));
    this.subscriber.disconnect();
  }
}
