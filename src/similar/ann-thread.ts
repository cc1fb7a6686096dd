// The ANN index of a large catalog in a worker thread (ann-thread-worker.ts), kept in step with an exact
// GroupedIndex that holds every vector. Started in the background: the saved index is loaded and checked
// (manifest, sizes, SHA-256, a hash per vector) and only what changed since is added again; a missing or
// broken one is rebuilt. Until it is ready, callers answer from the exact index.
import { Worker } from "node:worker_threads";
import { workerThreads } from "../core/worker.js";
import type { AnnParamsInput } from "./ann-index.js";
import { AnnHost, type AnnThreadReply, type AnnThreadRequest } from "./ann-host.js";
import type { GroupedIndex } from "./grouped-index.js";
import type { PaceStats, ReadGate } from "./read-gate.js";
import { vectorHash } from "./vector-hash.js";

const WORKER_URL = new URL("./ann-thread-worker.js", import.meta.url);
/** Vectors per message while loading or building (4 MB at 100 dimensions). */
const FEED = 10_000;
/** Changed vectors per message afterwards (copying and sending them takes about a millisecond). */
const PUMP = 2000;

/** Where the ANN of a catalog stands. */
export type AnnState = "starting" | "ready" | "failed" | "closed";

/** Options of {@link AnnThread}. */
export interface AnnThreadOptions {
  dim: number;
  params: AnnParamsInput;
  /** The saved index: loaded from here at start, saved here. */
  dir: string;
  /** Written into the saved manifest (e.g. the vector model it belongs to). */
  meta?: Record<string, unknown>;
  /** Run in this thread even when the compiled worker exists (tests). */
  inThread?: boolean;
  /**
   * The serving thread's reads (read-gate.ts): inserts then run in slices of about 1.5 ms that wait while reads
   * are answered and rest 3× as long as they work while reads keep arriving (a bounded wait: they always progress).
   */
  reads?: ReadGate;
  /** Reports what happened: loaded, rebuilt (and why), saved, failed. */
  onEvent?(event: "loaded" | "rebuilding" | "ready" | "saved" | "failed", detail: Record<string, unknown>): void;
}

type Unsent<T> = T extends unknown ? Omit<T, "id"> : never;
type Ok = Extract<AnnThreadReply, { ok: true }>;

/** Candidates the graph proposes per result wanted, rescored on the exact vectors (at least RERANK_MIN). */
const RERANK = 8;
const RERANK_MIN = 40;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * @example
 * const ann = new AnnThread({ dim: 100, params: { threads: 1 }, dir: "data/vectors/v1.ann" });
 * ann.start(exactIndex); exactIndex.add(ids, v, groups); ann.changedIds(ids);
 * if (ann.state === "ready") await ann.search(v, 10, { exclude: "p1", size: exactIndex.size });
 */
export class AnnThread {
  state: AnnState = "starting";
  /** Settles when the index is ready (or failed). */
  ready: Promise<void> = Promise.resolve();
  private worker: Worker | undefined;
  private host: AnnHost | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<number, { resolve(r: Ok): void; reject(e: unknown): void }>();
  private nextId = 0;
  /** Changed since the last save. */
  private dirty = false;
  /** The exact index the ANN follows (every vector is read from it when sent). */
  private source: GroupedIndex | undefined;
  /** Ids changed since they were last sent (added, replaced or removed in the source). */
  private readonly changed = new Set<string>();
  /** The index is open or built: changes may be sent. */
  private opened = false;
  private pumping = false;
  /** Items of the slice sent to the thread and not yet inserted (the pump's). */
  private inserting = 0;
  private lastPaced: PaceStats | undefined;
  /** The save in progress (close waits for it). */
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly o: AnnThreadOptions) {}

  /** Whether a worker thread can run it (the compiled build, a second core). */
  static available(): boolean {
    return workerThreads(WORKER_URL) > 0;
  }

  /** Loads the saved index or builds one from `source`, in the background (`ready` settles when done). */
  start(source: GroupedIndex): void {
    this.source = source;
    if (!this.o.inThread && AnnThread.available()) {
      const w = new Worker(WORKER_URL, { workerData: { reads: this.o.reads?.buffer } });
      w.unref();
      w.on("message", (m: AnnThreadReply) => this.settle(m));
      const fail = (e: unknown): void => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
        if (this.state !== "closed") this.state = "failed";
      };
      w.on("error", fail);
      w.on("exit", (code) => fail(new Error(`The ANN thread exited with code ${code}`)));
      this.worker = w;
    } else {
      this.host = new AnnHost(this.o.reads);
    }
    this.ready = this.bootstrap(source).catch((e: unknown) => {
      if (this.state === "closed") return;
      this.state = "failed";
      this.o.onEvent?.("failed", { err: (e as Error).message });
    });
  }

  /** Changed items the index does not hold as they are now: not sent yet, or sent and being inserted. */
  get backlog(): number {
    return this.changed.size + this.inserting;
  }

  /** How the thread's inserts yielded to reads so far (with `reads`; undefined before the first insert). */
  get paced(): PaceStats | undefined {
    return this.lastPaced;
  }

  private async bootstrap(source: GroupedIndex): Promise<void> {
    const started = performance.now();
    // The catalog's ids as they are now, in one go (references to the index's own strings: 2 MB at 250k).
    const ids: string[] = [];
    for (const c of source.views(FEED)) for (const id of c.ids) ids.push(id);
    let todo: string[];
    try {
      await this.send({ op: "open", dir: this.o.dir, dim: this.o.dim, params: this.o.params });
      // Checked a slice at a time, each id with the hash of its vector read straight from the index's arrays:
      // sending every id (and copying every vector) at once would only make garbage at start-up, when memory peaks.
      todo = [];
      for (let s = 0; s < ids.length && this.state !== "closed"; s += FEED) {
        const part: string[] = [];
        const hashes = new Uint32Array(Math.min(FEED, ids.length - s));
        for (const id of ids.slice(s, s + FEED)) {
          // An item removed meanwhile is left out: the saved index drops it at "settle".
          const v = source.vectorOf(id);
          if (!v) continue;
          hashes[part.length] = vectorHash(v);
          part.push(id);
        }
        const r = await this.send({ op: "check", ids: part, hashes: hashes.subarray(0, part.length) });
        for (const id of r.stale ?? []) todo.push(id);
      }
      const r = await this.send({ op: "settle" });
      this.dirty = todo.length > 0 || (r.removed ?? 0) > 0;
      this.o.onEvent?.("loaded", { size: r.size, stale: todo.length, removed: r.removed ?? 0, ms: Math.round(performance.now() - started) });
    } catch (e) {
      this.o.onEvent?.("rebuilding", { reason: (e as Error).message, size: ids.length });
      await this.send({ op: "create", dim: this.o.dim, params: this.o.params });
      todo = ids;
      this.dirty = true;
    }
    await this.feed(todo);
    if (this.state === "closed") return;
    // Ready once the catalog as it was at start is in; what changed since follows through the pump.
    this.state = "ready";
    this.o.onEvent?.("ready", { size: source.size, ms: Math.round(performance.now() - started) });
    this.opened = true;
    void this.pump();
    if (this.dirty) await this.save();
  }

  /** Sends the current vectors of `ids` (absent ones are removed), a message at a time. */
  private async feed(ids: readonly string[]): Promise<void> {
    const source = this.source!;
    const d = this.o.dim;
    for (let s = 0; s < ids.length && this.state !== "closed"; s += FEED) {
      const part = ids.slice(s, s + FEED);
      const present = part.filter((id) => source.has(id));
      const gone = part.filter((id) => !source.has(id));
      const data = new Float32Array(present.length * d);
      present.forEach((id, i) => data.set(source.vectorOf(id)!, i * d));
      if (gone.length > 0) await this.send({ op: "remove", ids: gone });
      if (present.length > 0) this.lastPaced = (await this.send({ op: "add", ids: present, data })).paced ?? this.lastPaced;
    }
  }

  /**
   * Sends what changed, a slice at a time, until nothing is left; never more than one slice out, so writers
   * never wait for the thread and an item changed several times meanwhile is sent once, as it is now.
   */
  private async pump(): Promise<void> {
    if (this.pumping || !this.opened) return;
    this.pumping = true;
    try {
      while (this.changed.size > 0 && this.state === "ready") {
        const ids: string[] = [];
        for (const id of this.changed) {
          ids.push(id);
          if (ids.length >= PUMP) break;
        }
        for (const id of ids) this.changed.delete(id);
        this.inserting = ids.length;
        try {
          await this.feed(ids);
        } finally {
          this.inserting = 0;
        }
      }
    } catch (e) {
      if (this.state !== "closed") this.o.onEvent?.("failed", { err: (e as Error).message, during: "update" });
    } finally {
      this.pumping = false;
    }
  }

  /** Items were added, replaced or removed in the source index: the thread follows in the background. */
  changedIds(ids: readonly string[]): void {
    if (ids.length === 0 || this.state === "closed" || this.state === "failed") return;
    this.dirty = true;
    for (const id of ids) this.changed.add(id);
    void this.pump();
  }

  /**
   * The k nearest items to `vector` (best first), leaving out `exclude` and items `accept` refuses (fetched
   * four times over, growing, then filtered). Only when `state` is "ready".
   */
  async search(vector: Float32Array, k: number, o: { exclude?: string; accept?: (id: string) => boolean; size: number }): Promise<{ id: string; score: number }[]> {
    // The graph may hold quantized (i8) vectors: it proposes RERANK times the candidates, which are scored again
    // on the exact vectors of the source index (recall@10 0.90 → 0.96 at 250k products with i8).
    let fetch = Math.min(o.size, Math.max(RERANK_MIN, (o.accept ? k * 4 : k) * RERANK));
    const source = this.source;
    for (;;) {
      const r = await this.send({ op: "search", vector, k: Math.max(1, fetch), ...(o.exclude !== undefined ? { exclude: o.exclude } : {}) });
      const found: { id: string; score: number }[] = [];
      (r.ids ?? []).forEach((id, i) => {
        if (o.accept && !o.accept(id)) return;
        const v = source?.vectorOf(id);
        if (source && !v) return; // removed since the thread last heard
        found.push({ id, score: v ? dot(vector, v) : r.scores![i]! });
      });
      found.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (found.length >= k || fetch >= o.size || (r.ids ?? []).length < fetch) return found.slice(0, k);
      fetch = Math.min(o.size, fetch * 4);
    }
  }

  /** Saves the index (atomically, in the thread) when it changed since the last save; one save at a time. */
  save(): Promise<void> {
    const run = this.saving.then(() => this.saveNow());
    this.saving = run;
    return run;
  }

  private async saveNow(): Promise<void> {
    if (this.state !== "ready" || !this.dirty) return;
    this.dirty = false;
    const started = performance.now();
    try {
      const r = await this.send({ op: "save", dir: this.o.dir, meta: { ...this.o.meta, savedAt: new Date().toISOString() } });
      this.o.onEvent?.("saved", { size: r.size, bytes: r.bytes, ms: Math.round(performance.now() - started) });
    } catch (e) {
      this.dirty = true;
      this.o.onEvent?.("failed", { err: (e as Error).message, during: "save" });
    }
  }

  /** Saves what changed (when ready) and stops the thread. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    await this.save();
    this.state = "closed";
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private settle(m: AnnThreadReply): void {
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (!p) return;
    if (m.ok) p.resolve(m);
    else p.reject(new Error(m.message));
  }

  private send(m: Unsent<AnnThreadRequest>): Promise<Ok> {
    const id = this.nextId++;
    const msg = { ...m, id } as AnnThreadRequest;
    if (this.host) {
      // In this thread: the same order as the worker's (searches do not wait for queued inserts).
      const host = this.host;
      const run = (): Promise<Ok> => host.handle(msg).then((r) => (r.ok ? r : Promise.reject(new Error(r.message))));
      if (m.op === "search") return run();
      const next = this.queue.then(run, run);
      this.queue = next.catch(() => undefined);
      return next;
    }
    const w = this.worker;
    if (!w) return Promise.reject(new Error("The ANN thread is stopped"));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage(msg);
    });
  }
}
