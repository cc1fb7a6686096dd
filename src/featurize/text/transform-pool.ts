// Featurizes large batches on two cores: a long-lived worker thread transforms half of each batch while
// this thread transforms the other half. Results are identical to FittedTextFeaturizer.transformTexts.
import { Worker } from "node:worker_threads";
import { workerThreads } from "../../core/worker.js";
import type { RunOptions } from "../../core/progress.js";
import { csr, vstackCsr, type CsrMatrix } from "../../linalg/matrix.js";
import type { FittedTextFeaturizer } from "./text-featurizer.js";

const WORKER_URL = new URL("./transform-worker.js", import.meta.url);
/** Batches smaller than this stay on this thread: a round trip to the worker costs about 0.1 ms. */
const MIN_PARALLEL = 512;

interface Reply {
  id: number;
  /** Milliseconds the worker spent on the batch. */
  ms: number;
  rows: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/**
 * One worker per pool, started on first use and kept (unreferenced: it never holds the process open).
 * Requests are served one at a time; a batch arriving while the worker is busy is featurized here.
 */
export class TransformPool {
  private worker: Worker | undefined;
  private busy = false;
  private nextId = 0;
  private pending = new Map<number, { resolve(r: Reply): void; reject(e: unknown): void }>();
  private broken = false;

  constructor(private readonly featurizer: FittedTextFeaturizer) {}

  /** Whether a worker can be used (compiled build, a second core). */
  static available(): boolean {
    return workerThreads(WORKER_URL) > 0;
  }

  async transformTexts(texts: readonly (readonly string[])[], options: RunOptions = {}): Promise<CsrMatrix> {
    if (texts.length < MIN_PARALLEL || this.busy || this.broken || !TransformPool.available()) {
      return this.featurizer.transformTexts(texts, options);
    }
    this.busy = true;
    try {
      const half = texts.length >>> 1;
      const remote = this.request(texts.slice(half));
      let local: CsrMatrix;
      try {
        local = this.featurizer.transformTexts(texts.slice(0, half), options);
      } catch (e) {
        await remote.catch(() => undefined);
        throw e;
      }
      const r = await remote;
      return vstackCsr([local, csr(r.rows, this.featurizer.dim, r.indptr, r.indices, r.data)]);
    } finally {
      this.busy = false;
    }
  }

  /** The worker's share of each batch started with {@link TransformPool.begin}, adapted as batches go. */
  private share = 0.5;

  /**
   * Starts featurizing a batch and returns the call that completes it: the worker's share is sent now, so it
   * is featurized while this thread does other work (answering the previous batch, reading the next); the
   * rest is featurized here when `finish` is called. The share adapts so that the worker is rarely waited
   * for and rarely idle: a wait shrinks it, none grows it. Same rows as
   * {@link FittedTextFeaturizer.transformTexts}, in order. Call `finish` of each begun batch in turn.
   */
  begin(texts: readonly (readonly string[])[]): { finish(): Promise<CsrMatrix> } {
    if (texts.length < MIN_PARALLEL || this.broken || !TransformPool.available()) {
      return { finish: async () => this.featurizer.transformTexts(texts) };
    }
    const local = Math.max(1, Math.round(texts.length * (1 - this.share)));
    const remote = this.request(texts.slice(local));
    remote.catch(() => undefined); // observed in finish
    return {
      finish: async () => {
        let mine: CsrMatrix;
        try {
          mine = this.featurizer.transformTexts(texts.slice(0, local));
        } catch (e) {
          await remote.catch(() => undefined);
          throw e;
        }
        const t = performance.now();
        const r = await remote;
        const waited = performance.now() - t;
        this.share = waited > 1 ? Math.max(0.1, this.share * 0.92) : Math.min(0.95, this.share + 0.03);
        return vstackCsr([mine, csr(r.rows, this.featurizer.dim, r.indptr, r.indices, r.data)]);
      },
    };
  }

  /** Stops the worker (it is unreferenced anyway; call this to free its memory early). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const f = this.featurizer;
    const w = new Worker(WORKER_URL, { workerData: { params: f.params, columns: f.columns, idf: f.idf } });
    w.unref();
    w.on("message", (m: Reply) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      p?.resolve(m);
    });
    const fail = (e: unknown): void => {
      this.broken = true;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on("error", fail);
    w.on("exit", (code) => {
      if (this.pending.size > 0) fail(new Error(`Featurizing worker exited with code ${code}`));
      this.worker = undefined;
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
