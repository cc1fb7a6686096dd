// The worker thread that featurizing training text shares its work with (hash-worker.ts), seen from the main
// thread: documents go to it in parts, which it hashes unless the main thread claimed them first; then it compacts
// and weighs its share of the rows into the shared output. Starting a thread costs ~40 ms, so one can be started
// ahead of need (prestartFitWorker: the CLI does before it reads), and the documents read so far can be handed to it
// while the catalog is still being read (feedFitWorker).
import { Worker } from "node:worker_threads";
import { CancelledError, throwIfAborted } from "../../core/errors.js";
import { workerThreads } from "../../core/worker.js";
import type { CompactPlan, RawPart } from "./fit-rows.js";
import type { TextFeaturizerParams } from "./params.js";
import { DEFAULT_TEXT_PARAMS } from "./params-defaults.js";

/** Main thread → worker. */
export type FitRequest =
  | { kind: "warm-cjk" }
  | { kind: "begin"; params: TextFeaturizerParams; claims: Int32Array }
  | { kind: "part"; index: number; first: number; texts: readonly (readonly string[])[] }
  | { kind: "finish" }
  | { kind: "compact"; plan: CompactPlan };
/** Worker → main thread: one reply per "finish" or "compact" request. */
export type FitReply = { kind: "hashed"; df: Int32Array; parts: { index: number; part: RawPart }[] } | { kind: "compacted" };

/** Characters of text per part sent to the worker (a few milliseconds of hashing). */
const PART_CHARS = 1 << 15;
/** Most parts of one training set: the last takes whatever is left. */
const MAX_PARTS = 1 << 16;

const charsOf = (fields: readonly string[]): number => {
  let n = 0;
  for (const f of fields) n += f ? f.length : 0;
  return n;
};

/** Whether two parameter sets hash the same (zod-parsed: plain values and arrays of numbers). */
const sameParams = (a: TextFeaturizerParams, b: TextFeaturizerParams): boolean => JSON.stringify(a) === JSON.stringify(b);

const WORKER_URL = new URL("./hash-worker.js", import.meta.url);

/** One fit worker thread: requests are answered in order; it holds the process open only while one is pending. */
export class FitWorker {
  private readonly worker: Worker;
  private pending: { resolve(r: FitReply): void; reject(e: unknown): void } | undefined;
  private failure: unknown;
  /** Whether the worker was asked to load the segmenter ({@link FitWorker.warmCjk}). */
  cjkWarm = false;
  /** Parameters of the hashing begun ({@link FitWorker.begin}), and who holds each part. */
  private params: TextFeaturizerParams | undefined;
  private claimsArray: Int32Array | undefined;
  /** Documents handed to the worker: `docs[0, posted)` went in `parts`, the rest wait for a part to fill. */
  private readonly docs: (readonly string[])[] = [];
  private posted = 0;
  private waitingChars = 0;
  /** The parts sent, in document order. */
  readonly parts: { first: number; count: number }[] = [];

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

  /** Starts hashing with `params` (once; the documents follow with {@link FitWorker.add}). */
  begin(params: TextFeaturizerParams): void {
    if (this.params !== undefined) return;
    this.params = params;
    this.claimsArray = new Int32Array(new SharedArrayBuffer(MAX_PARTS * 4));
    this.post({ kind: "begin", params, claims: this.claimsArray });
  }

  /** Who holds each part (see fit-rows.ts claim). */
  get claims(): Int32Array {
    return this.claimsArray!;
  }

  /** Documents hashed or being hashed from the start of the training set. */
  get docCount(): number {
    return this.docs.length;
  }

  /** Adds the next documents of the training set: a part goes to the worker as each {@link PART_CHARS} characters fill. */
  add(texts: readonly (readonly string[])[]): void {
    for (const t of texts) {
      this.docs.push(t);
      this.waitingChars += charsOf(t);
      if (this.waitingChars >= PART_CHARS) this.flush(false);
    }
  }

  /** Sends the documents still waiting as a part (`last`: the training set is complete). */
  flush(last: boolean): void {
    const count = this.docs.length - this.posted;
    if (count === 0 || (!last && this.parts.length >= MAX_PARTS - 1)) return;
    const first = this.posted;
    this.post({ kind: "part", index: this.parts.length, first, texts: this.docs.slice(first) });
    this.parts.push({ first, count });
    this.posted = this.docs.length;
    this.waitingChars = 0;
  }

  /**
   * Whether what this worker was given is the start of `texts`, hashed with `params` (true when it was given
   * nothing): then it can go on with the rest.
   */
  continues(texts: readonly (readonly string[])[], params: TextFeaturizerParams): boolean {
    if (this.params === undefined) return true;
    if (!sameParams(this.params, params) || this.docs.length > texts.length) return false;
    for (let i = 0; i < this.docs.length; i++) if (this.docs[i] !== texts[i]) return false;
    return true;
  }

  private post(m: FitRequest): void {
    if (this.failure === undefined) this.worker.postMessage(m);
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

/**
 * Hands training documents, as they are read, to the worker {@link prestartFitWorker} started, to hash with the
 * default parameters while the reading goes on (nothing when there is none). {@link TextFeaturizer.fitTransform}
 * goes on from there when its documents begin with these and its parameters are the defaults; else the work is lost.
 */
export function feedFitWorker(texts: readonly (readonly string[])[]): void {
  if (!spare) return;
  spare.begin(DEFAULT_TEXT_PARAMS as TextFeaturizerParams);
  spare.add(texts);
}

/** The worker {@link prestartFitWorker} started, now the caller's (undefined when there is none). */
export function takeFitWorker(): FitWorker | undefined {
  const w = spare;
  spare = undefined;
  return w;
}
