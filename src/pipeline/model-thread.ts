// Background classification and embedding: a worker thread that loads saved models by directory and runs
// them on batches, so the event loop that answers requests never featurizes a bulk write. Used where the
// compiled worker exists (the build); from TypeScript sources (tests) callers run the models in-thread.
import { Worker } from "node:worker_threads";
import { workerThreads } from "../core/worker.js";
import type { ProductInput } from "../core/product.js";
import { AssortError, type ErrorCode, ERROR_CODES } from "../core/errors.js";
import { dense, type DenseMatrix } from "../linalg/matrix.js";
import type { ModelThreadReply, ModelThreadRequest } from "./model-thread-worker.js";

const WORKER_URL = new URL("./model-thread-worker.js", import.meta.url);

/** The top category and its score per item, and the version of the model that gave them. */
export interface TopPredictions {
  version: string;
  /** Undefined where an item got no category. */
  categories: (string | undefined)[];
  scores: Float32Array;
}

/** A request before it gets its id (distributes over the union). */
type Unsent<T> = T extends unknown ? Omit<T, "id"> : never;

type Pending = { resolve(r: ModelThreadReply): void; reject(e: unknown): void };

function toError(r: Extract<ModelThreadReply, { ok: false }>): Error {
  if (r.code !== undefined && (ERROR_CODES as readonly string[]).includes(r.code)) return new AssortError(r.code as ErrorCode, r.message);
  return new Error(r.message);
}

/**
 * One worker thread (started on first use, at a lowered priority, never holding the process open while
 * idle) that runs saved models: `classifyTop` with a product model's directory, `embed` with a product-vector
 * model's. Models stay loaded in the thread (the last four directories). Requests run one at a time, in order.
 * @example
 * const t = new ModelThread(); const { categories } = await t.classifyTop("data/models/v3", items);
 */
export class ModelThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  /** Whether the compiled worker exists and a second core does. */
  static available(): boolean {
    return workerThreads(WORKER_URL) > 0;
  }

  /** Top category per item with the product model saved in `dir` (`baseDir`: where relative image paths start). */
  async classifyTop(dir: string, items: readonly ProductInput[], o: { baseDir?: string } = {}): Promise<TopPredictions> {
    const r = await this.request({ op: "classify", dir, items: items as ProductInput[], ...(o.baseDir !== undefined ? { baseDir: o.baseDir } : {}) });
    if (!("categories" in r)) throw new TypeError("Unexpected answer of the model thread");
    return { version: r.version, categories: r.categories, scores: r.scores };
  }

  /** Unit vectors of texts (first field = title) with the product-vector model saved in `dir`. */
  async embed(dir: string, texts: readonly (readonly string[])[]): Promise<DenseMatrix> {
    const r = await this.request({ op: "embed", dir, texts: texts as string[][] });
    if (!("data" in r)) throw new TypeError("Unexpected answer of the model thread");
    return dense(r.rows, r.dim, r.data);
  }

  /** Unloads the model of `dir` in the thread (it was replaced or removed). */
  async forget(dir: string): Promise<void> {
    if (this.worker) await this.request({ op: "forget", dir });
  }

  /** Stops the thread; pending requests fail. */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_URL);
    w.unref();
    w.on("message", (m: ModelThreadReply) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (!p) return;
      if (m.ok) p.resolve(m);
      else p.reject(toError(m));
    });
    const fail = (e: unknown): void => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on("error", fail);
    w.on("exit", (code) => fail(new Error(`The model thread exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  private request(m: Unsent<ModelThreadRequest>): Promise<ModelThreadReply> {
    if (this.closed) return Promise.reject(new Error("The model thread is closed"));
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref(); // keep the process alive while a request is out
      w.postMessage({ ...m, id } as ModelThreadRequest);
    });
  }
}
