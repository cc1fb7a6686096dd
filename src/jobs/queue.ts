// The distributed job queue of scale-out: BullMQ on Redis. Two queues: "assort-jobs" holds whole jobs
// (train, cluster, embed, audit, and the coordinators of batched ones), "assort-batches" the batches they
// split into (rows of an import, id ranges of a batch classification). Job state lives in the catalog
// store (the /v1/jobs API reads it there); Redis only carries the work. Cancellation is a pub/sub message.
import { Queue, type JobsOptions, type RedisOptions } from "bullmq";
import { Redis } from "ioredis";
import { ConfigError, type JobQueue, type JobRecord } from "../index.js";

export const JOBS_QUEUE = "assort-jobs";
export const BATCHES_QUEUE = "assort-batches";
/** Pub/sub channel naming jobs to stop. */
export const CANCEL_CHANNEL = "assort:cancel";

/** ioredis options of a `redis://[user:password@]host[:port][/db]` (or rediss://) URL, for BullMQ. */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError("Invalid queue URL: use redis://host:port");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new ConfigError("Invalid queue URL: it must start with redis:// or rediss://");
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new ConfigError("Invalid queue URL: the database after the host must be a number");
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
    // BullMQ's blocking connections must wait for Redis as long as it takes (it restarts, we carry on).
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** Retries with exponential backoff (1 s, 2 s, 4 s…): a batch that failed because a service was down runs again. */
export const RETRIED: JobsOptions = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** BullMQ job ids may not contain ":" (a store job id, a batch number and a model version, joined). */
export function queueJobId(...parts: (string | number)[]): string {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9._-]/g, "_")).join("~");
}

/**
 * The JobQueue of `assort serve --queue` and `assort worker`: a job the store holds goes to "assort-jobs"
 * under its own id (adding it twice is harmless), a cancel is published to every worker.
 * @example const queue = new BullJobQueue("redis://127.0.0.1:6379"); CatalogService.open({ store, dataDir, jobQueue: queue });
 */
export class BullJobQueue implements JobQueue {
  readonly connection: RedisOptions;
  readonly jobs: Queue;
  readonly batches: Queue;
  private publisher: Redis | undefined;

  constructor(url: string) {
    this.connection = redisOptions(url);
    this.jobs = new Queue(JOBS_QUEUE, { connection: this.connection, defaultJobOptions: RETRIED });
    this.batches = new Queue(BATCHES_QUEUE, { connection: this.connection, defaultJobOptions: RETRIED });
  }

  async enqueue(job: JobRecord): Promise<void> {
    await this.jobs.add(job.kind, { jobId: job.id }, { jobId: queueJobId(job.id) });
  }

  async cancel(id: string): Promise<void> {
    await this.redis().publish(CANCEL_CHANNEL, id);
  }

  /** Resolves when Redis answers a PING within `ms` (default 2000), rejects otherwise. */
  async ping(ms = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.redis().ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("Redis did not answer")), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  private redis(): Redis {
    if (!this.publisher) {
      this.publisher = new Redis(this.connection);
      this.publisher.on("error", () => undefined); // reconnects by itself; callers see their command fail or wait
    }
    return this.publisher;
  }

  async close(): Promise<void> {
    await Promise.all([this.jobs.close(), this.batches.close()]);
    this.publisher?.disconnect();
  }
}
