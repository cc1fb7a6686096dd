// The worker thread that featurizing training text shares its work with (hash-worker.ts), seen from the main
// thread: it hashes a share of the documents, then compacts and weighs its rows into the shared output. Starting a
// thread costs ~40 ms, so one can be started ahead of need (prestartFitWorker: the CLI does before it reads).
import { Worker } from "node:worker_threads";
import { CancelledError, throwIfAborted } from "../../core/errors.js";
import { workerThreads } from "../../core/worker.js";
import type { RowsOut, RowWeights } from "./fit-rows.js";
import type { TextFeaturizerParams } from "./params.js";

/** Main thread → worker. */
export type FitRequest =
  | { kind: "warm-cjk" }
  | { kind: "hash"; params: TextFeaturizerParams; texts: readonly (readonly string[])[] }
  | { kind: "compact"; colMap: Int32Array; weights: RowWeights; out: RowsOut };
/** Worker → main thread: one reply per "hash" or "compact" request. */
export type FitReply = { kind: "hashed"; df: Int32Array; nnz: number } | { kind: "compacted"; end: number };

const WORKER_URL = new URL("./hash-worker.js", import.meta.url);

/** One fit worker thread: requests are answered in order; it holds the process open only while one is pending. */
export class FitWorker {
  private readonly worker: Worker;
  private pending: { resolve(r: FitReply): void; reject(e: unknown): void } | undefined;
  private failure: unknown;
  /** Whether the worker was asked to load the segmenter ({@link FitWorker.warmCjk}). */
  cjkWarm = false;

  private constructor() {
    this.worker = new Worker(WORKER_URL);
    this.worker.on("message", (r: FitReply) => {
      const p = this.pending;
      this.pending = undefined;
      this.worker.unref();
      p?.resolve(r);
    });
    this.worker.on("error", (e) => this.fail(e));
    this.worker.on("exit", (code) => this.fail(new Error(`Featurizing: the worker thread exited with code ${code}`)));
    // After the listeners: adding a "message" listener refs the worker again.
    this.worker.unref();
  }

  /** Whether a worker can run here (the built script exists and there is a second core). */
  static available(): boolean {
    return workerThreads(WORKER_URL) > 0;
  }

  /** A new worker thread, or undefined where none can run. */
  static start(): FitWorker | undefined {
    return FitWorker.available() ? new FitWorker() : undefined;
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.failure);
  }

  /** Loads the Chinese/Japanese segmenter's dictionary now (~0.2 s), ahead of text that needs it. */
  warmCjk(): void {
    if (this.failure !== undefined || this.cjkWarm) return;
    this.cjkWarm = true;
    this.worker.postMessage({ kind: "warm-cjk" } satisfies FitRequest);
  }

  /** Sends one request and resolves with its reply; firing `signal` ends the thread and rejects with CancelledError. */
  request(m: FitRequest, signal?: AbortSignal): Promise<FitReply> {
    throwIfAborted(signal, "Featurizing");
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<FitReply>((resolve, reject) => {
      const abort = (): void => {
        this.fail(new CancelledError("Featurizing"));
        this.close();
      };
      signal?.addEventListener("abort", abort, { once: true });
      this.pending = {
        resolve: (r) => {
          signal?.removeEventListener("abort", abort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", abort);
          reject(e);
        },
      };
      this.worker.ref();
      this.worker.postMessage(m);
    });
  }

  /** Ends the thread (it ends by itself after compacting). */
  close(): void {
    void this.worker.terminate();
  }
}

let spare: FitWorker | undefined;

/**
 * Starts the fit worker ahead of {@link TextFeaturizer.fitTransform} (which takes it), so that it loads while
 * the caller reads the catalog; `cjk`: the text has Chinese or Japanese, so it loads the segmenter too. Does
 * nothing where no worker can run. The waiting thread does not keep the process alive.
 */
export function prestartFitWorker(options: { cjk?: boolean } = {}): void {
  spare ??= FitWorker.start();
  if (options.cjk) spare?.warmCjk();
}

/** The worker {@link prestartFitWorker} started, now the caller's (undefined when there is none). */
export function takeFitWorker(): FitWorker | undefined {
  const w = spare;
  spare = undefined;
  return w;
}
