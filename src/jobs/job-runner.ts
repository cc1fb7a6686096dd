// Runs catalog jobs (train, classify, cluster) in a worker thread, so the server's event loop stays
// responsive; cancelling terminates the thread. From TypeScript sources (tests), where no compiled worker
// script exists, tasks run in this thread and honour the signal between steps.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { CancelledError, runCatalogTask, type CatalogTask, type CatalogTaskResult, type JobRunner, type JobTaskHandlers } from "../index.js";
import type { WorkerMessage } from "./job-worker.js";

const WORKER_URL = new URL("./job-worker.js", import.meta.url);

/** An error a worker reported, with the code of the AssortError it was (if any). */
export class JobTaskError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "JobTaskError";
    this.code = code;
  }
}

/**
 * The job runner of `assort serve`: one worker thread per job.
 * @example const service = await CatalogService.open({ store, dataDir, jobs: new WorkerJobRunner() });
 */
export class WorkerJobRunner implements JobRunner {
  private readonly workers = new Set<Worker>();
  readonly useWorkers: boolean;

  /** `inThread: true` runs tasks on this thread even when the compiled worker exists. */
  constructor(o: { inThread?: boolean } = {}) {
    this.useWorkers = !o.inThread && existsSync(fileURLToPath(WORKER_URL));
  }

  run(task: CatalogTask, h: JobTaskHandlers): Promise<CatalogTaskResult> {
    if (h.signal.aborted) return Promise.reject(new CancelledError("Job"));
    if (!this.useWorkers) return runCatalogTask(task, { signal: h.signal, onProgress: (p) => h.onProgress(p) });
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_URL, { workerData: task });
      this.workers.add(worker);
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        h.signal.removeEventListener("abort", abort);
        this.workers.delete(worker);
        fn();
      };
      const abort = (): void => {
        void worker.terminate();
        finish(() => reject(new CancelledError("Job")));
      };
      h.signal.addEventListener("abort", abort, { once: true });
      worker.on("message", (m: WorkerMessage) => {
        if (m.type === "progress") h.onProgress(m.progress);
        else if (m.type === "done") finish(() => resolve(m.result));
        else finish(() => reject(m.code === "CANCELLED" ? new CancelledError("Job") : new JobTaskError(m.message, m.code)));
      });
      worker.on("error", (e) => finish(() => reject(e)));
      worker.on("exit", (code) => finish(() => reject(new JobTaskError(`The job's worker thread exited with code ${code} before finishing`))));
    });
  }

  /** Terminates running workers. */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
    this.workers.clear();
  }
}
