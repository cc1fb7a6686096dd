// Worker-thread entry of ModelThread: loads saved product models and product-vector models by directory
// (the last few stay loaded), classifies batches (top category per item) and embeds texts, on one core at a
// lowered priority, so bulk writes never featurize on the event loop's thread.
import { parentPort } from "node:worker_threads";
import { lowerThreadPriority } from "../core/worker.js";
import type { ProductInput } from "../core/product.js";
import type { ProductModel } from "../core/contracts.js";
import { loadModel } from "./model-kinds.js";
import { ProductVectors } from "./product-vectors.js";

/** A request: classify items with the model in `dir`, or embed texts with the vector model in `dir`. */
export type ModelThreadRequest =
  | { id: number; op: "classify"; dir: string; items: ProductInput[]; baseDir?: string }
  | { id: number; op: "embed"; dir: string; texts: string[][] }
  | { id: number; op: "forget"; dir: string };

/** The answer to a request (`categories[i]` undefined when item i got none). */
export type ModelThreadReply =
  | { id: number; ok: true; version: string; categories: (string | undefined)[]; scores: Float32Array }
  | { id: number; ok: true; version: string; rows: number; dim: number; data: Float32Array }
  | { id: number; ok: true; forgot: true }
  | { id: number; ok: false; message: string; code?: string };

/** Loaded models by directory, most recently used last. */
const loaded = new Map<string, Promise<ProductModel | ProductVectors>>();
const KEEP = 4;

function get(dir: string, load: (dir: string) => Promise<ProductModel | ProductVectors>): Promise<ProductModel | ProductVectors> {
  let m = loaded.get(dir);
  if (m) loaded.delete(dir);
  else m = load(dir);
  loaded.set(dir, m);
  m.catch(() => loaded.delete(dir));
  while (loaded.size > KEEP) {
    const [oldest, old] = loaded.entries().next().value as [string, Promise<ProductModel | ProductVectors>];
    loaded.delete(oldest);
    void old.then((x) => (x instanceof ProductVectors ? undefined : x.close())).catch(() => undefined);
  }
  return m;
}

async function handle(m: ModelThreadRequest): Promise<ModelThreadReply> {
  if (m.op === "forget") {
    const old = loaded.get(m.dir);
    loaded.delete(m.dir);
    await old?.then((x) => (x instanceof ProductVectors ? undefined : x.close())).catch(() => undefined);
    return { id: m.id, ok: true, forgot: true };
  }
  if (m.op === "classify") {
    const model = (await get(m.dir, loadModel)) as ProductModel;
    // classify, not classifyBatch: this thread is the background one; it must not take a second core.
    const predictions = await model.classify(m.items, { topK: 1, ...(m.baseDir !== undefined ? { baseDir: m.baseDir } : {}) });
    const scores = new Float32Array(predictions.length);
    const categories = predictions.map((p, i) => {
      scores[i] = p.categories[0]?.score ?? 0;
      return p.categories[0]?.category;
    });
    return { id: m.id, ok: true, version: model.version, categories, scores };
  }
  const vectors = (await get(m.dir, (d) => ProductVectors.load(d))) as ProductVectors;
  const x = await vectors.embedTexts(m.texts);
  return { id: m.id, ok: true, version: m.dir, rows: x.rows, dim: x.cols, data: x.data };
}

const port = parentPort;
if (port) {
  lowerThreadPriority();
  // One request at a time, in order (a model loads once even when several batches wait for it).
  let queue: Promise<void> = Promise.resolve();
  port.on("message", (m: ModelThreadRequest) => {
    queue = queue.then(async () => {
      let reply: ModelThreadReply;
      try {
        reply = await handle(m);
      } catch (e) {
        const err = e as Error & { code?: unknown };
        reply = { id: m.id, ok: false, message: err?.message ?? String(e), ...(typeof err?.code === "string" ? { code: err.code } : {}) };
      }
      port.postMessage(reply, "data" in reply ? [reply.data.buffer as ArrayBuffer] : "scores" in reply ? [reply.scores.buffer as ArrayBuffer] : []);
    });
  });
}
