// The writer thread of the SQLite store: its own connection to the database; every write of the store runs
// here, one message at a time and in order, so a bulk write's transaction (FTS5 inserts, word segmentation)
// never holds up the event loop that answers reads. WAL lets the main thread's connection read meanwhile.
import { readlinkSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { connect } from "./sqlite-connection.js";
import { runWrite, SqliteWrites, type WriteOp } from "./sqlite-writes.js";

/** A write to run; `close` closes the connection (after every write before it). */
export interface WriterRequest {
  id: number;
  op: WriteOp | "close";
  args: unknown[];
}

/** A failed write, as it crosses the thread boundary (NotFoundError travels as its fields). */
export interface WriterError {
  name: string;
  message: string;
  code?: string;
  notFound?: [kind: string, id: string, detail?: string];
}

/** The first message (ready, with the OS thread id for its priority), then one reply per request. */
export type WriterMessage = { ready: true; tid?: number } | { ready: false; error: WriterError } | { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WriterError };

/** putVectors travels packed (one Float32Array, not a typed array per row). */
export interface PackedVectors {
  ids: string[];
  dim: number;
  data: Float32Array;
}

function toWire(e: unknown): WriterError {
  const err = e as Error & { code?: unknown; notFound?: WriterError["notFound"] };
  return { name: err?.name ?? "Error", message: err?.message ?? String(e), ...(typeof err?.code === "string" ? { code: err.code } : {}), ...(err?.notFound ? { notFound: err.notFound } : {}) };
}

function osThreadId(): number | undefined {
  try {
    return Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return undefined;
  }
}

const port = parentPort;
if (port) {
  const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number };
  try {
    const db = connect(file, { busyTimeoutMs });
    const notFound = (kind: string, id: string, detail?: string): Error => Object.assign(new Error(`No ${kind} "${id}"${detail ? `: ${detail}` : ""}`), { notFound: [kind, id, detail] });
    const writes = new SqliteWrites(db, notFound);
    port.on("message", (m: WriterRequest) => {
      if (m.op === "close") {
        db.close();
        port.postMessage({ id: m.id, ok: true, value: undefined } satisfies WriterMessage);
        port.close();
        return;
      }
      try {
        let args = m.args;
        if (m.op === "putVectors") {
          const p = args[1] as PackedVectors;
          args = [args[0], p.ids.map((id, i) => ({ id, vector: p.data.subarray(i * p.dim, (i + 1) * p.dim) }))];
        }
        port.postMessage({ id: m.id, ok: true, value: runWrite(writes, m.op, args) } satisfies WriterMessage);
      } catch (e) {
        port.postMessage({ id: m.id, ok: false, error: toWire(e) } satisfies WriterMessage);
      }
    });
    const tid = osThreadId();
    port.postMessage({ ready: true, ...(tid !== undefined ? { tid } : {}) } satisfies WriterMessage);
  } catch (e) {
    port.postMessage({ ready: false, error: toWire(e) } satisfies WriterMessage);
  }
}
