// Where the SQLite store's writes run: in its writer thread (sqlite-writer-thread.ts, the compiled build), or
// on the calling thread's connection (from TypeScript sources, as in tests, where no compiled worker exists;
// or when asked). Either way writes run one at a time, in call order, and a call resolves once committed.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { lowerThreadPriority, NotFoundError } from "../index.js";
import { runWrite, type SqliteWrites, type WriteOp } from "./sqlite-writes.js";
import type { PackedVectors, WriterError, WriterMessage, WriterRequest } from "./sqlite-writer-thread.js";

const THREAD_URL = new URL("./sqlite-writer-thread.js", import.meta.url);

/** Runs store writes; `close` waits for the writes before it. */
export interface StoreWriter {
  /** "thread" or "inline". */
  readonly mode: "thread" | "inline";
  run<T>(op: WriteOp, args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

/** Whether the compiled writer thread exists (not when running from TypeScript sources). */
export function writerThreadAvailable(): boolean {
  return existsSync(fileURLToPath(THREAD_URL));
}

function revive(e: WriterError): Error {
  if (e.notFound) {
    const [kind, id, detail] = e.notFound;
    return new NotFoundError(kind, id, detail);
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}

/** Writes on the caller's connection, each when called (resolved at once: better-sqlite3 is synchronous). */
export class InlineWriter implements StoreWriter {
  readonly mode = "inline";
  constructor(private readonly writes: SqliteWrites) {}

  async run<T>(op: WriteOp, args: unknown[]): Promise<T> {
    return runWrite(this.writes, op, args) as T;
  }

  async close(): Promise<void> {}
}

/**
 * Writes in a worker thread with its own connection, at a lowered priority (reads on the main thread win
 * the CPU). Requests queue in order; the thread is referenced only while a write is out, so a forgotten
 * store never keeps the process alive. If the thread dies, pending writes fail and later ones run on
 * `fallback` (the caller's connection).
 */
export class ThreadWriter implements StoreWriter {
  readonly mode = "thread";
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private nextId = 0;
  private dead: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    file: string,
    busyTimeoutMs: number,
    private readonly fallback: () => StoreWriter,
    lowerPriority = true,
  ) {
    this.worker = new Worker(THREAD_URL, { workerData: { file, busyTimeoutMs } });
    this.worker.unref();
    this.worker.on("message", (m: WriterMessage) => {
      if ("ready" in m) {
        if (m.ready && m.tid !== undefined && lowerPriority) lowerThreadPriority(m.tid);
        if (!m.ready) this.fail(revive(m.error));
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(revive(m.error));
    });
    this.worker.on("error", (e) => this.fail(e));
    this.worker.on("exit", (code) => this.fail(new Error(`The store's writer thread exited with code ${code}`)));
  }

  run<T>(op: WriteOp, args: unknown[]): Promise<T> {
    if (this.closing) return Promise.reject(new Error("The store is closed"));
    if (this.dead) return this.fallback().run<T>(op, args);
    let wire = args;
    if (op === "putVectors") {
      // One Float32Array for the whole page instead of a cloned typed array per row.
      const rows = args[1] as readonly { id: string; vector: Float32Array }[];
      const dim = rows[0]?.vector.length ?? 0;
      const data = new Float32Array(rows.length * dim);
      rows.forEach((r, i) => data.set(r.vector, i * dim));
      wire = [args[0], { ids: rows.map((r) => r.id), dim, data } satisfies PackedVectors];
    }
    return this.send(op, wire) as Promise<T>;
  }

  private send(op: WriteOp | "close", args: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, op, args } satisfies WriterRequest);
    });
  }

  private fail(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    for (const p of this.pending.values()) p.reject(this.closing ? e : Object.assign(new Error(`Cannot write to the catalog store: ${e.message}`), { cause: e }));
    this.pending.clear();
  }

  /** Waits for every write sent before, closes the thread's connection and stops the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.dead) await this.send("close", []).catch(() => undefined);
      await this.worker.terminate();
    })();
    return this.closing;
  }
}
