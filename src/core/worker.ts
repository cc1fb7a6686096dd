// Worker-thread plumbing shared by the estimators that spread work over cores.
import { existsSync, readlinkSync } from "node:fs";
import { availableParallelism, setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { CancelledError } from "./errors.js";

/**
 * Worker threads available beside this one for the worker script at `url`: none when the script does not
 * exist (running from TypeScript sources, as in tests, where only the compiled build has .js workers) or
 * when there is one core.
 */
export function workerThreads(url: URL): number {
  if (!existsSync(fileURLToPath(url))) return 0;
  return Math.max(0, availableParallelism() - 1);
}

/**
 * Runs the worker script at `url` once with `data`, passing each message it posts to `onMessage`, and
 * resolves when it exits cleanly. Firing `signal` terminates it and rejects with CancelledError.
 */
export function runWorker<M>(url: URL, data: unknown, onMessage: (m: M) => void, signal?: AbortSignal, what = "Work"): Promise<void> {
  return watchWorker(new Worker(url, { workerData: data }), onMessage, signal, what);
}

/**
 * Passes each message `worker` posts to `onMessage`; resolves when it exits cleanly, rejects on its error or exit
 * code. Firing `signal` terminates it and rejects with CancelledError. (runWorker's, for a worker started earlier,
 * e.g. ahead of the job it is then sent by message.)
 */
export function watchWorker<M>(worker: Worker, onMessage: (m: M) => void, signal?: AbortSignal, what = "Work"): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = (): void => {
      void worker.terminate();
      reject(new CancelledError(what));
    };
    signal?.addEventListener("abort", abort, { once: true });
    worker.on("message", onMessage);
    worker.on("error", (e) => {
      signal?.removeEventListener("abort", abort);
      reject(e);
    });
    worker.on("exit", (code) => {
      signal?.removeEventListener("abort", abort);
      if (code === 0) resolve();
      else reject(new Error(`${what}: worker thread exited with code ${code}`));
    });
  });
}

/** A copy of `a` on shared memory (or `a` itself when it already is), for zero-copy worker access. */
export function toSharedArray<T extends Int32Array | Float32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/**
 * Lowers the scheduling priority of OS thread `tid` (default: the calling thread; Linux: niceness is per
 * thread; `nice` 10 by default), so that the main thread's requests win the CPU over background work in
 * worker threads (bulk writes, index builds, jobs). Does nothing where that is not possible.
 * @example lowerThreadPriority(); // first line of a background worker
 */
export function lowerThreadPriority(tid?: number, nice = 10): void {
  try {
    const t = tid ?? Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(t) && t > 0) setPriority(t, nice);
  } catch {
    // no /proc (macOS, Windows) or not permitted: run at the normal priority
  }
}
