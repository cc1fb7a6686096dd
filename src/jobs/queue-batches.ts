// Follows batches put on the queue until each completed: at most `window` outstanding (the producer waits,
// so Redis never holds a whole catalog), states polled (no event stream to lose while Redis restarts), a
// batch Redis lost (killed before its append-only file was written) added again, a batch that failed every
// retry reported. Whoever puts batches on the queue (`assort import`, a batch classification) uses it.
import type { Queue } from "bullmq";
import { throwIfAborted } from "../index.js";

/** A batch that exhausted its retries. */
export class BatchFailedError extends Error {
  constructor(
    readonly jobId: string,
    reason: string,
  ) {
    super(`Batch "${jobId}" failed after every retry: ${reason}`);
    this.name = "BatchFailedError";
  }
}

interface Outstanding {
  name: string;
  data: unknown;
}

export interface BatchTrackerOptions {
  /** Most batches outstanding at once (default 32). */
  window?: number;
  /** How often outstanding batches are looked at (ms, default 100). */
  pollMs?: number;
  signal?: AbortSignal;
  /** A batch completed, with its handler's return value; returning false adds it again (it did not do its work). */
  onComplete?(jobId: string, result: unknown, data: unknown): Promise<boolean | void> | boolean | void;
}

export class BatchTracker {
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly window: number;
  private readonly pollMs: number;
  private failure: Error | undefined;
  /** Batches added again (lost by Redis, or incomplete when verified). */
  readded = 0;

  constructor(
    private readonly queue: Queue,
    private readonly o: BatchTrackerOptions = {},
  ) {
    this.window = o.window ?? 32;
    this.pollMs = o.pollMs ?? 100;
  }

  get pending(): number {
    return this.outstanding.size;
  }

  /** Puts a batch on the queue under `jobId` (an id already there is not added twice), waiting for room in the window. */
  async add(jobId: string, name: string, data: unknown): Promise<void> {
    while (this.outstanding.size >= this.window) await this.tick();
    this.check();
    this.outstanding.set(jobId, { name, data });
    await this.queue.add(name, data, { jobId });
  }

  /** Waits until every batch added completed. */
  async drain(): Promise<void> {
    while (this.outstanding.size > 0) await this.tick();
    this.check();
  }

  private check(): void {
    throwIfAborted(this.o.signal, "Batches");
    if (this.failure) throw this.failure;
  }

  /** One look at every outstanding batch, then a pause. */
  private async tick(): Promise<void> {
    this.check();
    for (const [jobId, b] of [...this.outstanding]) {
      // Its state first, then the job: a job fetched before it completed holds no return value, even when the
      // state read after it says "completed" (a batch classification then counted none of a batch's rows).
      const state = await this.queue.getJobState(jobId);
      const job = state === "unknown" ? undefined : await this.queue.getJob(jobId);
      if (!job) {
        // Redis lost it (restarted from an append-only file a second old): add it again.
        this.readded++;
        await this.queue.add(b.name, b.data, { jobId });
        continue;
      }
      if (state === "completed") {
        this.outstanding.delete(jobId);
        const ok = await this.o.onComplete?.(jobId, job.returnvalue, b.data);
        if (ok === false) {
          this.readded++;
          await job.remove().catch(() => undefined);
          this.outstanding.set(jobId, b);
          await this.queue.add(b.name, b.data, { jobId });
        }
      } else if (state === "failed" && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        this.failure ??= new BatchFailedError(jobId, job.failedReason ?? "unknown reason");
      }
    }
    this.check();
    await new Promise((r) => setTimeout(r, this.pollMs));
  }
}
