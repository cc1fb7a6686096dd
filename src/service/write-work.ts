// The heavy parts of a write batch that are not the store's: classifying the products with the live model
// and embedding them for similar items. Where the compiled build has it, a model thread (a worker at a
// lowered priority) does both, so bulk writes never featurize on the event loop that answers reads; else
// (TypeScript sources, photo models) they run here.
import type { ProductModel } from "../core/contracts.js";
import type { ProductInput } from "../core/product.js";
import type { DenseMatrix } from "../linalg/matrix.js";
import { ModelThread, type TopPredictions } from "../pipeline/model-thread.js";
import type { ProductVectors } from "../pipeline/product-vectors.js";
import type { ServiceLogger } from "./logger.js";

export type { TopPredictions } from "../pipeline/model-thread.js";

/** Top category and score per item from a model's batch answers. */
export function topOf(version: string, predictions: readonly { categories: readonly { category: string; score: number }[] }[]): TopPredictions {
  return {
    version,
    categories: predictions.map((p) => p.categories[0]?.category),
    scores: Float32Array.from(predictions, (p) => p.categories[0]?.score ?? 0),
  };
}

export class WriteWork {
  private readonly thread: ModelThread | undefined;
  private warned = false;
  /** Closing: a warm-up still loading in the thread is cut short, which is no failure worth a warning. */
  private closed = false;
  /** Model directories the thread has loaded; until then writes run here (no write waits for a thread to start). */
  private readonly loaded = new Set<string>();
  private readonly loading = new Set<string>();

  /** `offThread`: use the model thread (default: where the compiled worker exists and there is a second core). */
  constructor(
    private readonly logger: ServiceLogger,
    offThread = ModelThread.available(),
  ) {
    this.thread = offThread ? new ModelThread() : undefined;
  }

  /**
   * The top category of each item by `model` (saved in `dir`): in the model thread for text models, here for
   * photo models (their image reading and inference are already asynchronous) or when the thread fails.
   */
  async classify(model: ProductModel, dir: string | undefined, items: readonly ProductInput[], baseDir: string): Promise<TopPredictions> {
    if (this.thread && dir !== undefined && !model.capabilities.images && this.isLoaded(dir, "model")) {
      try {
        const r = await this.thread.classifyTop(dir, items);
        if (r.version === model.version) return r;
        this.warn(new Error(`the model thread answered with version ${r.version}, not ${model.version}`));
      } catch (e) {
        this.warn(e);
      }
    }
    return topOf(model.version, await model.classifyBatch(items, { baseDir }));
  }

  /** Unit vectors of texts (first field = title) with the product-vector model saved in `dir`. */
  async embed(vectors: ProductVectors, dir: string, texts: readonly (readonly string[])[]): Promise<DenseMatrix> {
    if (this.thread && this.isLoaded(dir, "vectors")) {
      try {
        return await this.thread.embed(dir, texts);
      } catch (e) {
        this.warn(e);
      }
    }
    return vectors.embedTexts(texts);
  }

  /** Loads models into the thread ahead of the first write (in the background; a failure leaves writes here). */
  warm(o: { modelDir?: string; vectorsDir?: string }): void {
    if (o.modelDir !== undefined) this.isLoaded(o.modelDir, "model");
    if (o.vectorsDir !== undefined) this.isLoaded(o.vectorsDir, "vectors");
  }

  /** Whether the thread has `dir` loaded; if not, starts loading it (once). */
  private isLoaded(dir: string, kind: "model" | "vectors"): boolean {
    if (this.loaded.has(dir)) return true;
    const thread = this.thread;
    if (!thread || this.loading.has(dir)) return false;
    this.loading.add(dir);
    const load = kind === "model" ? thread.classifyTop(dir, []) : thread.embed(dir, [["warm up"]]);
    load.then(
      () => this.loaded.add(dir),
      (e: unknown) => this.warn(e),
    );
    return false;
  }

  /** A model directory was replaced or removed: the thread unloads it. */
  forget(dir: string): void {
    this.loaded.delete(dir);
    this.loading.delete(dir);
    void this.thread?.forget(dir).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.thread?.close();
  }

  private warn(e: unknown): void {
    if (this.warned || this.closed) return;
    this.warned = true;
    this.logger.warn({ err: (e as Error).message }, "the model thread failed: classifying and embedding writes on the main thread");
  }
}
