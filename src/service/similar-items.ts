// Similar items for the catalog service: a product-vector model fitted on the catalog (saved under
// <dataDir>/vectors/<id>/), each product's vector in the store, an exact index per category in memory
// (every vector once), and beyond `exactLimit` products an ANN index in a worker thread, saved beside the
// vector model (<id>.ann/) and loaded at start; rebuilt in the background when missing or broken, exact
// search answering meanwhile. The store is read a page at a time; vector changes are published (shared
// state) and followed. With an ArtifactStore (processes on several machines) the vector model and the saved
// ANN index are shared through it: the process that fits builds the index once, the others fetch and load it
// (its per-vector hashes tell them which vectors changed since).
import { promises as fs } from "node:fs";
import path from "node:path";
import { UnavailableError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { Progress } from "../core/progress.js";
import type { CatalogStore, StoredProduct } from "./catalog-store.js";
import { GroupedIndex } from "../similar/grouped-index.js";
import { AnnThread } from "../similar/ann-thread.js";
import type { ReadGate } from "../similar/read-gate.js";
import type { ServiceLogger } from "./logger.js";
import { fitProductVectors, ProductVectors } from "../pipeline/product-vectors.js";
import { idPages, PAGE_SIZE as PAGE, productPages, vectorPages } from "./paging.js";
import type { SharedChange } from "./shared-state.js";
import type { WriteWork } from "./write-work.js";
import { artifactKey, localArtifact, type ArtifactStore } from "./artifacts.js";

const MODEL_KEY = "vectors.model";
/** Rows added to the in-memory index between two yields to the event loop. */
const INDEX_SLICE = 250;
/**
 * Vectors read per page while loading the index at start: each row comes from the store as its own small buffer,
 * garbage once copied, and smaller pages keep less of it alive at once (the peak RSS of a start-up).
 */
const LOAD_PAGE = 1000;
/** The ANN index of the service (an index saved with other graph parameters is rebuilt in the background). */
const ANN_PARAMS = { threads: 1, quantization: "i8", expansionSearch: 256 } as const;
/** How often a changed ANN index is saved (also at close). */
const ANN_SAVE_MS = 10 * 60_000;

/** Rows a category's index is sized for at start-up when it holds `n`: 1/32 more (the first writes do not make it double). */
function withHeadroom(n: number): number {
  return n + Math.ceil(n / 32);
}

function toProduct(p: StoredProduct): Product {
  return { id: p.id, text: [p.title, p.description ?? ""] };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Vectors of a write batch, embedded before the store wrote it (see {@link SimilarItems.prepare}). */
export interface PreparedVectors {
  modelId: string;
  ids: string[];
  dim: number;
  data: Float32Array;
}

export interface SimilarOptions {
  exactLimit: number;
  seed: number;
  logger: ServiceLogger;
  work: WriteWork;
  /** The server's reads: the ANN index's inserts yield to them (see read-gate.ts). */
  reads?: ReadGate;
}

export class SimilarItems {
  private model: ProductVectors | undefined;
  private modelId: string | undefined;
  private index: GroupedIndex | undefined;
  private ann: AnnThread | undefined;
  private fitting: Promise<{ model: string; products: number }> | undefined;
  /** A model being followed (loaded after another process fitted it). */
  private following: Promise<void> = Promise.resolve();
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly dir: string;

  constructor(
    private readonly store: CatalogStore,
    dataDir: string,
    private readonly o: SimilarOptions,
    private readonly publish: (change: SharedChange) => Promise<void> = async () => {},
    private readonly artifacts?: ArtifactStore,
  ) {
    this.dir = path.join(dataDir, "vectors");
  }

  /** Loads the vector model and the stored vectors (embedding products that have none); the ANN index follows in the background. */
  async init(): Promise<void> {
    const id = await this.store.getMeta(MODEL_KEY);
    if (!id || !(await this.load(id))) return;
    // Products written while vectors could not be (e.g. a crash between the two): embed them now.
    for await (const ids of idPages(this.store)) {
      const missing = ids.filter((pid) => !this.index!.has(pid));
      if (missing.length > 0) await this.refresh(missing);
    }
    await this.startShared();
  }

  /** Loads vector model `id` and its stored vectors, a page at a time, into a fresh index; false when the model cannot be read. */
  private async load(id: string): Promise<boolean> {
    let model: ProductVectors;
    try {
      model = await ProductVectors.load(await localArtifact(this.artifacts, artifactKey.vectors(id), path.join(this.dir, id)));
    } catch (e) {
      this.o.logger.error({ err: (e as Error).message }, "cannot load the product-vector model: similar items are off until it is refitted");
      return false;
    }
    const index = new GroupedIndex(model.dim);
    // Each category's arrays sized from the store's count (a little over it: the first writes do not grow them).
    index.reserveGroups((await this.store.countVectors(id)).map((c) => ({ group: c.category, rows: withHeadroom(c.count) })));
    for await (const page of vectorPages(this.store, id, LOAD_PAGE)) index.add(page.ids, page.data, page.categories);
    await this.swapModel(model, id, index);
    return true;
  }

  private annDir(id: string): string {
    return path.join(this.dir, `${id}.ann`);
  }

  private async swapModel(model: ProductVectors, id: string, index: GroupedIndex): Promise<void> {
    const oldAnn = this.ann;
    this.model = model;
    this.modelId = id;
    this.index = index;
    this.ann = undefined;
    this.o.work.warm({ vectorsDir: path.join(this.dir, id) });
    await oldAnn?.close();
  }

  /**
   * Starts the ANN index; with shared artifacts, the one another process saved is fetched first and this
   * call waits until it is loaded (a replica answers as the one that built it).
   */
  private async startShared(): Promise<void> {
    const id = this.modelId;
    if (this.artifacts && id && !this.ann && (this.index?.size ?? 0) > this.o.exactLimit) {
      const dir = this.annDir(id);
      const local = await fs.stat(dir).then(() => true, () => false);
      if (!local && (await this.artifacts.getDir(artifactKey.similar(id), dir))) {
        this.o.logger.info({ model: id }, "loaded the shared similar-items indexes");
        await this.startAnn()?.ready;
        return;
      }
    }
    this.startAnn();
  }

  /** Starts the ANN index (load or build, in the background) once the catalog outgrows exact search. */
  private startAnn(): AnnThread | undefined {
    const index = this.index;
    const id = this.modelId;
    if (this.ann || !index || !id || index.size <= this.o.exactLimit) return undefined;
    const log = this.o.logger;
    const ann = new AnnThread({
      dim: index.dim,
      // i8: a quarter of the vector memory (250k × 100 dimensions: 25 MB instead of 100 MB, the graph's links
      // unchanged). Alone it loses recall (0.90 at 250k); AnnThread.search rescores 8× the candidates on the
      // exact vectors, with a wider beam: recall@10 against exact 0.96 (bench:writes measures it at 250k).
      params: ANN_PARAMS,
      dir: this.annDir(id),
      meta: { vectorModel: id },
      ...(this.o.reads ? { reads: this.o.reads } : {}),
      onEvent: (event, detail) => {
        const fields = { ...detail, vectorModel: id };
        if (event === "failed") log.error(fields, "the ANN index failed: similar items answer from exact search");
        else if (event === "rebuilding") log.warn(fields, "no usable saved ANN index: building one in the background (exact search answers meanwhile)");
        else log.info(fields, `ANN index ${event}`);
      },
    });
    this.ann = ann;
    ann.start(index);
    this.saveTimer ??= setInterval(() => void this.ann?.save(), ANN_SAVE_MS).unref();
    return ann;
  }

  /**
   * Embeds the products of a write batch (rows in hand; in the model thread where there is one), before the
   * store writes them: the first half of a write. Undefined without a vector model.
   */
  async prepare(rows: readonly { id: string; title: string; description?: string }[]): Promise<PreparedVectors | undefined> {
    const model = this.model;
    const modelId = this.modelId;
    if (!model || !modelId || rows.length === 0) return undefined;
    const m = await this.o.work.embed(model, path.join(this.dir, modelId), rows.map((r) => [r.title, r.description ?? ""]));
    return { modelId, ids: rows.map((r) => r.id), dim: m.cols, data: m.data };
  }

  /**
   * The second half: stores and indexes the vectors of the products the store changed (`categories[i]`: the
   * effective category of `changed[i]`). Products not prepared (or prepared with a replaced model) are
   * embedded from the store.
   */
  async commit(p: PreparedVectors | undefined, changed: readonly string[], categories: readonly (string | null)[]): Promise<void> {
    if (!this.model || !this.modelId || changed.length === 0) return;
    if (!p || p.modelId !== this.modelId) return this.refresh(changed);
    const rowOf = new Map(p.ids.map((id, i) => [id, i]));
    const ids = changed.filter((id) => rowOf.has(id));
    const others = changed.filter((id) => !rowOf.has(id));
    const d = p.dim;
    const data = new Float32Array(ids.length * d);
    ids.forEach((id, j) => {
      const r = rowOf.get(id)!;
      data.set(p.data.subarray(r * d, (r + 1) * d), j * d);
    });
    const catOf = new Map(changed.map((id, i) => [id, categories[i] ?? null]));
    await this.index_(ids, data, ids.map((id) => catOf.get(id) ?? null), true);
    if (others.length > 0) await this.refresh(others);
  }

  /** Stores (when `store`), indexes in slices, sends to the ANN thread (waiting when it lags), publishes. */
  private async index_(ids: readonly string[], data: Float32Array, categories: readonly (string | null | undefined)[], store: boolean): Promise<void> {
    const modelId = this.modelId;
    const index = this.index;
    if (!modelId || !index || ids.length === 0) return;
    const d = index.dim;
    if (store) await this.store.putVectors(modelId, ids.map((id, j) => ({ id, vector: data.subarray(j * d, (j + 1) * d) })));
    for (let s = 0; s < ids.length; s += INDEX_SLICE) {
      if (s > 0) await tick();
      // A group about to outgrow its arrays grows first, a chunk per turn: in one go that copy stalls reads.
      await index.reserveFor(ids.slice(s, s + INDEX_SLICE), categories.slice(s, s + INDEX_SLICE), tick);
      index.add(ids.slice(s, s + INDEX_SLICE), data.subarray(s * d, Math.min(ids.length, s + INDEX_SLICE) * d), categories.slice(s, s + INDEX_SLICE));
    }
    this.startAnn();
    this.ann?.changedIds(ids);
    if (store) await this.publish({ kind: "vectors", model: modelId, changed: [...ids] });
  }

  /** Embeds the given products (read from the store) with the current model and stores their vectors (no-op without a model). */
  async refresh(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += PAGE) await this.embed(ids.slice(i, i + PAGE), true);
  }

  /** Embeds products read from the store into the index (and the store when `store`); returns the ids that exist. */
  private async embed(ids: readonly string[], store: boolean): Promise<string[]> {
    const modelId = this.modelId;
    const model = this.model;
    if (!model || !modelId) return [];
    const rows = await this.store.getProducts(ids);
    if (rows.length === 0) return [];
    const m = await this.o.work.embed(model, path.join(this.dir, modelId), rows.map((r) => toProduct(r).text));
    if (modelId !== this.modelId) return []; // refitted meanwhile: the refit embedded everything
    await this.index_(
      rows.map((r) => r.id),
      m.data,
      rows.map((r) => r.effectiveCategory),
      store,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Another process changed the vectors: a refit loads the model the store now names; embedded or removed
   * products are re-read from the store and embedded here (same model, same vectors) or dropped.
   */
  async sync(change: Extract<SharedChange, { kind: "vectors" }>): Promise<void> {
    const current = await this.store.getMeta(MODEL_KEY);
    if (!current) return;
    if (current !== this.modelId) {
      await this.follow(current);
      return;
    }
    if (change.model !== current) return; // about a model replaced since
    const ids = [...(change.changed ?? []), ...(change.removed ?? [])];
    for (let i = 0; i < ids.length; i += PAGE) {
      const part = ids.slice(i, i + PAGE);
      const present = new Set(await this.embed(part, false));
      for (const id of part) if (!present.has(id)) this.remove(id, false);
    }
  }

  /**
   * Loads vector model `id` (named by the store, fitted by another process) with its shared ANN index; similar()
   * waits for it, so a reader never sees the new exact index before its ANN index is ready.
   */
  private follow(id: string): Promise<void> {
    const run = this.following.then(async () => {
      if (id !== this.modelId && (await this.load(id))) await this.startShared();
    });
    this.following = run.catch(() => undefined);
    return run;
  }

  /** After an import: fit the vector model when none exists yet, else embed what changed. */
  async afterImport(changed: readonly string[], o: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<void> {
    if (this.model) return this.refresh(changed);
    try {
      await this.fit(o);
    } catch (e) {
      // Similar items stay off (and are fitted on demand later); the import itself succeeded.
      this.o.logger.warn({ err: (e as Error).message }, "cannot fit product vectors after the import");
    }
  }

  /** Fits a vector model on every stored product, saves it, stores all vectors and rebuilds the index. */
  fit(o: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<{ model: string; products: number }> {
    // One fit at a time: an import's fit and an on-demand fit from similar() share it.
    this.fitting ??= this.fitNow(o).finally(() => {
      this.fitting = undefined;
    });
    return this.fitting;
  }

  private async fitNow(o: { signal?: AbortSignal; onProgress?: (p: Progress) => void }): Promise<{ model: string; products: number }> {
    // Only what the fit needs is kept of each page: id, text and category (not the stored fields).
    const ids: string[] = [];
    const products: Product[] = [];
    const groups: (string | undefined)[] = [];
    for await (const page of productPages(this.store)) {
      for (const p of page) {
        ids.push(p.id);
        products.push(toProduct(p));
        groups.push(p.effectiveCategory);
      }
    }
    if (products.length < 3) throw new UnavailableError("Cannot fit product vectors: store at least 3 products first");
    const model = await fitProductVectors(products, { method: "tfidf-svd", seed: this.o.seed, signal: o.signal, onProgress: o.onProgress, keepVectors: true });
    const id = `v${Date.now().toString(36)}`;
    await fs.mkdir(this.dir, { recursive: true });
    await model.save(path.join(this.dir, id), { withVectors: false });
    const m = model.vectors ?? (await model.embed(products));
    const d = m.cols;
    for (let i = 0; i < ids.length; i += PAGE) {
      const part = ids.slice(i, i + PAGE);
      await this.store.putVectors(id, part.map((pid, j) => ({ id: pid, vector: m.data.subarray((i + j) * d, (i + j + 1) * d) })));
    }
    const index = new GroupedIndex(d);
    const sizes = new Map<string | undefined, number>();
    for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
    index.reserveGroups([...sizes].map(([group, n]) => ({ group, rows: withHeadroom(n) })));
    for (let i = 0; i < ids.length; i += PAGE) {
      index.add(ids.slice(i, i + PAGE), m.data.subarray(i * d, Math.min(ids.length, i + PAGE) * d), groups.slice(i, i + PAGE));
      o.onProgress?.({ stage: "index", done: Math.min(ids.length, i + PAGE), total: ids.length });
    }
    const old = this.modelId;
    // Shared before the store names the new model: a process that follows it finds the model it needs.
    await this.artifacts?.putDir(artifactKey.vectors(id), path.join(this.dir, id));
    await this.store.setMeta(MODEL_KEY, id);
    // The saved copy: the same model without the kept training vectors (the index and the store hold them).
    await this.swapModel(await ProductVectors.load(path.join(this.dir, id)), id, index);
    await this.store.dropVectors(id);
    if (old) {
      this.o.work.forget(path.join(this.dir, old));
      await fs.rm(path.join(this.dir, old), { recursive: true, force: true });
      await fs.rm(this.annDir(old), { recursive: true, force: true });
      await this.artifacts?.deleteDir(artifactKey.vectors(old));
      await this.artifacts?.deleteDir(artifactKey.similar(old));
    }
    const ann = this.startAnn();
    if (ann && this.artifacts) {
      // Built once, here, and saved; the others fetch it when they follow the new model.
      await ann.ready;
      await ann.save();
      if (ann.state === "ready") await this.artifacts.putDir(artifactKey.similar(id), this.annDir(id));
    }
    await this.publish({ kind: "vectors", model: id });
    return { model: id, products: ids.length };
  }

  /** A product's category changed (a correction): "same category" searches follow it. */
  regroup(id: string, category: string): void {
    const v = this.index?.vectorOf(id);
    if (!v) return;
    this.index!.add([id], Float32Array.from(v), [category]);
  }

  /** Drops a deleted product from the indexes (and tells the other processes when `publish`). */
  remove(id: string, publish = true): void {
    this.index?.remove(id);
    this.ann?.changedIds([id]);
    if (publish && this.modelId) void this.publish({ kind: "vectors", model: this.modelId, removed: [id] });
  }

  /**
   * Nearest neighbours of a stored product: from the ANN index when the searched set (the catalog, or the
   * product's category) is larger than `exactLimit` and the index is ready, else exact.
   */
  async similar(p: StoredProduct, limit: number, sameCategory: boolean): Promise<{ id: string; method: "exact" | "ann"; neighbors: { id: string; title: string; category?: string; score: number }[] }> {
    await this.following;
    if (!this.index) {
      // Another process may have fitted one already (its change not yet here): follow it rather than fit another.
      const named = await this.store.getMeta(MODEL_KEY);
      if (named) await this.follow(named);
    }
    if (!this.index) await this.fit(); // on demand
    if (!this.index) throw new UnavailableError("No product vectors yet: import products (vectors are fitted at the first import)");
    if (!this.index.has(p.id)) await this.refresh([p.id]);
    const index = this.index;
    const v = index.vectorOf(p.id);
    if (!v) throw new UnavailableError(`No vector for product "${p.id}" yet: try again shortly`);
    const group = index.groupOf(p.id) ?? null;
    const searched = sameCategory ? index.groupSize(group) : index.size;
    const ann = this.ann;
    let method: "exact" | "ann" = "exact";
    let found: { id: string; score: number }[];
    if (ann?.state === "ready" && searched > this.o.exactLimit) {
      method = "ann";
      const query = Float32Array.from(v);
      found = await ann.search(query, limit, { exclude: p.id, size: index.size, ...(sameCategory ? { accept: (id: string) => (index.groupOf(id) ?? null) === group } : {}) });
    } else {
      found = index.search(v, limit, { exclude: p.id, ...(sameCategory ? { group } : {}) });
    }
    const rows = await this.store.getProducts(found.map((n) => n.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const neighbors = found.flatMap((n) => {
      const r = byId.get(n.id);
      return r ? [{ id: n.id, title: r.title, ...(r.effectiveCategory ? { category: r.effectiveCategory } : {}), score: n.score }] : [];
    });
    return { id: p.id, method, neighbors };
  }

  /** Changed vectors the ANN index has not taken in yet; undefined without an ANN index. */
  get annBacklog(): number | undefined {
    return this.ann?.backlog;
  }

  /** Saves the ANN index if it changed, and stops its thread. */
  async close(): Promise<void> {
    if (this.saveTimer) clearInterval(this.saveTimer);
    this.saveTimer = undefined;
    await this.ann?.close();
  }
}
