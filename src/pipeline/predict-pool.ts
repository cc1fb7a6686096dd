// Predicts large batches on two cores: a long-lived worker thread featurizes and scores a share of each batch
// while this thread does the rest. Results are identical to featurizing and scoring on this thread
// (FittedTextFeaturizer.transformTexts, then the classifier's predictProba).
import { Worker } from "node:worker_threads";
import { workerThreads } from "../core/worker.js";
import type { ClassifierModel } from "../core/contracts.js";
import { csr, vstackCsr, type CsrMatrix } from "../linalg/matrix.js";
import type { FittedTextFeaturizer } from "../featurize/text/text-featurizer.js";

const WORKER_URL = new URL("./predict-worker.js", import.meta.url);
/**
 * Batches smaller than this (in rows, and in characters of text: long descriptions cost more than a round
 * trip to the worker, about 0.1 ms) stay on this thread.
 */
const MIN_PARALLEL_ROWS = 512;
const MIN_PARALLEL_CHARS = 32_768;
/** The worker scores too when the classifier is at most this large (it gets a copy) and has at most this many classes. */
const MAX_WORKER_CLASSIFIER_BYTES = 256 * 2 ** 20;
const MAX_WORKER_CLASSES = 2048;

interface Reply {
  /** Sent once, when the worker has loaded its modules and its copy of the model. */
  ready?: true;
  id: number;
  /** Milliseconds the worker spent on the batch. */
  ms: number;
  rows: number;
  /** Raw probabilities, rows × classes (a worker that scores). */
  proba?: Float32Array;
  /** Feature rows (a worker that only featurizes). */
  indptr?: Int32Array;
  indices?: Int32Array;
  data?: Float32Array;
}

/** Bytes of a classifier's arrays (what a worker would be sent). */
function artifactBytes(c: ClassifierModel): number {
  let n = 0;
  for (const a of Object.values(c.toArtifact().arrays)) n += (a as { byteLength?: number }).byteLength ?? 0;
  return n;
}

/**
 * One worker per pool, started on first use and kept (unreferenced: it never holds the process open). It
 * holds a copy of the featurizer and, unless the classifier is too large to copy, of the classifier: then it
 * answers with probabilities, otherwise with feature rows that this thread scores.
 */
export class PredictPool {
  private worker: Worker | undefined;
  private busy = false;
  private nextId = 0;
  private pending = new Map<number, { resolve(r: Reply): void; reject(e: unknown): void }>();
  private broken = false;
  /** Whether the worker has said it is ready (a stream does not wait for it to start: see {@link PredictPool.begin}). */
  private ready = false;
  private readyWaiters: (() => void)[] = [];
  /** Whether the worker scores (else it featurizes only). */
  readonly scoresInWorker: boolean;
  /** The worker's share of each batch, adapted as batches go. */
  private share = 0.5;

  constructor(
    private readonly featurizer: FittedTextFeaturizer,
    private readonly classifier: ClassifierModel,
  ) {
    this.scoresInWorker = classifier.classCount <= MAX_WORKER_CLASSES && artifactBytes(classifier) <= MAX_WORKER_CLASSIFIER_BYTES;
  }

  /** Whether a worker can be used (compiled build, a second core). */
  static available(): boolean {
    return workerThreads(WORKER_URL) > 0;
  }

  private parallel(texts: readonly (readonly string[])[]): boolean {
    // A classifier too large for the worker to score predicts on this thread alone (see CategoryModel.predictBatch).
    if (this.broken || !this.scoresInWorker || texts.length < 2 || !PredictPool.available()) return false;
    if (texts.length >= MIN_PARALLEL_ROWS) return true;
    let chars = 0;
    for (const t of texts) for (const s of t) chars += s.length;
    return chars >= MIN_PARALLEL_CHARS;
  }

  /** Raw probabilities of rows featurized and scored on this thread. */
  private local(texts: readonly (readonly string[])[]): Float32Array {
    return this.classifier.predictProba(this.featurizer.transformTexts(texts)).data as Float32Array;
  }

  /** The classifier's raw probabilities of the texts (rows × classes), on two cores when the batch is large. */
  async probabilities(texts: readonly (readonly string[])[]): Promise<Float32Array> {
    if (this.busy || !this.parallel(texts)) return this.local(texts);
    this.busy = true;
    try {
      await this.whenReady();
      return await this.begin(texts).finish();
    } finally {
      this.busy = false;
    }
  }

  /**
   * Starts predicting a batch and returns the call that completes it: the worker's share is sent now, so it
   * is worked on while this thread does other work (answering the previous batch, reading the next); the
   * rest is done here when `finish` is called. The share adapts so that the worker is rarely waited for and
   * rarely idle: a wait shrinks it, none grows it. Same probabilities as on this thread alone, in order.
   * Call `finish` of each begun batch in turn. The first batch that could go to the worker starts it, and
   * batches are predicted here alone until it is ready (it takes ~0.1 s to load: waiting for it would idle
   * this thread, and shrink the worker's share for no reason).
   */
  begin(texts: readonly (readonly string[])[]): { finish(): Promise<Float32Array> } {
    if (!this.parallel(texts) || !this.started()) return { finish: async () => this.local(texts) };
    const local = Math.min(texts.length - 1, Math.max(1, Math.round(texts.length * (1 - this.share))));
    const remote = this.request(texts.slice(local));
    remote.catch(() => undefined); // observed in finish
    return {
      finish: async () => {
        const mine = texts.slice(0, local);
        let x: CsrMatrix;
        let proba: Float32Array | undefined;
        try {
          x = this.featurizer.transformTexts(mine);
          if (this.scoresInWorker) proba = this.classifier.predictProba(x).data as Float32Array;
        } catch (e) {
          await remote.catch(() => undefined);
          throw e;
        }
        const t = performance.now();
        const r = await remote;
        const waited = performance.now() - t;
        this.share = waited > 1 ? Math.max(0.1, this.share * 0.92) : Math.min(0.95, this.share + 0.03);
        if (proba && r.proba) {
          const out = new Float32Array(proba.length + r.proba.length);
          out.set(proba);
          out.set(r.proba, proba.length);
          return out;
        }
        const theirs = csr(r.rows, this.featurizer.dim, r.indptr!, r.indices!, r.data!);
        return this.classifier.predictProba(vstackCsr([x, theirs])).data as Float32Array;
      },
    };
  }

  /** Whether the worker is ready; starts it when it is not running. */
  private started(): boolean {
    if (!this.ready) this.start();
    return this.ready;
  }

  /** Resolves once the worker is ready (starting it; at once when no worker can be used or it failed). */
  whenReady(): Promise<void> {
    if (this.ready || this.broken || !this.scoresInWorker || !PredictPool.available()) return Promise.resolve();
    this.start();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Records whether the worker is ready, and answers whoever waits for it (it is, or never will be). */
  private setReady(ready: boolean): void {
    this.ready = ready;
    for (const r of this.readyWaiters.splice(0)) r();
  }

  /** Stops the worker (it is unreferenced anyway; call this to free its memory early). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.setReady(false);
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const f = this.featurizer;
    const classifier = this.scoresInWorker ? this.classifier.toArtifact() : undefined;
    const w = new Worker(WORKER_URL, { workerData: { params: f.params, columns: f.columns, idf: f.idf, ...(classifier ? { classifier } : {}) } });
    w.unref();
    w.on("message", (m: Reply) => {
      if (m.ready) {
        if (this.worker === w) this.setReady(true);
        return;
      }
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      p?.resolve(m);
    });
    const fail = (e: unknown): void => {
      this.broken = true;
      if (this.worker === w) {
        this.worker = undefined;
        this.setReady(false);
      }
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on("error", fail);
    w.on("exit", (code) => {
      if (this.pending.size > 0) fail(new Error(`Predicting worker exited with code ${code}`));
      if (this.worker === w) {
        this.worker = undefined;
        this.setReady(false);
      }
    });
    this.worker = w;
    return w;
  }

  private request(texts: readonly (readonly string[])[]): Promise<Reply> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref(); // keep the process alive while a batch is out
      w.postMessage({ id, texts });
    });
  }
}
