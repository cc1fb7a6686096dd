// The state of AnnThread's worker: the HNSW index (usearch) of a large catalog, so that building it, inserting
// into it and saving it never block the event loop. Saves and loads it as a directory with a manifest (sizes,
// SHA-256), the row ids and a hash of each row's vector, so a reader can tell whether the saved index still
// matches the vectors it is given, and which rows to add again. (The thread's entry is ann-thread-worker.ts;
// this module has no side effects, so any thread may import it.)
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { replaceDirAtomic } from "../core/atomic-write.js";
import { AnnIndex, AnnParams, type AnnParamsInput } from "./ann-index.js";
import { SlicePacer, type PaceStats, type ReadGate } from "./read-gate.js";
import { vectorHash } from "./vector-hash.js";

/** Identifies a saved ANN directory and the version of its layout. */
export const ANN_FORMAT = "assort-ann";
const ANN_FORMAT_VERSION = 1;
const GRAPH = "index.usearch";
/** Rows inserted between two looks at the message queue without a read gate (about 30 ms of HNSW inserts). */
const ADD_SLICE = 128;
/**
 * With a read gate: the time one slice of inserts may take (one usearch add call; its size follows the measured
 * cost per row: about 25-40 rows at 100-250k products). A read that arrives mid-slice waits at most this long
 * for the core the slice holds.
 */
const GATED_SLICE_MS = 1.5;
/** While reads keep arriving the inserts rest 3× as long as they work (a quarter of a core at most). */
const PACE = { recentMs: 100, maxWaitMs: 25, restRatio: 3 };

export type AnnThreadRequest =
  | { id: number; op: "create"; dim: number; params: AnnParamsInput }
  /** Loads a saved index; "check" then compares it with the current vectors, a slice of ids at a time, and "settle" ends the check. */
  | { id: number; op: "open"; dir: string; dim: number; params: AnnParamsInput }
  /** Ids of the catalog and the hashes of their vectors now: returns those the saved index lacks or holds another vector for. */
  | { id: number; op: "check"; ids: string[]; hashes: Uint32Array }
  /** Removes the rows no "check" named since "open" (their items were removed since the save): returns how many. */
  | { id: number; op: "settle" }
  | { id: number; op: "add"; ids: string[]; data: Float32Array }
  | { id: number; op: "remove"; ids: string[] }
  | { id: number; op: "search"; vector: Float32Array; k: number; exclude?: string }
  | { id: number; op: "save"; dir: string; meta: Record<string, unknown> };

export type AnnThreadReply =
  | { id: number; ok: true; size: number; stale?: string[]; removed?: number; ids?: string[]; scores?: Float32Array; bytes?: number; paced?: PaceStats }
  | { id: number; ok: false; message: string };

/** The parameters that shape the saved graph (threads and the search beam do not). */
function graphShape(p: AnnParamsInput): string {
  const { quantization, connectivity, expansionAdd } = AnnParams.parse(p);
  return JSON.stringify({ quantization, connectivity, expansionAdd });
}

interface Manifest {
  format: string;
  formatVersion: number;
  dim: number;
  params: AnnParamsInput;
  rows: number;
  live: number;
  graphBytes: number;
  graphSha256: string;
  hashesSha256: string;
}

/**
 * SHA-256 of a file, read through one reused 1 MB buffer: a read stream's fresh chunk per read would leave the
 * whole graph (62 MB at 250k products) as garbage at start-up, when memory peaks.
 */
async function sha256(file: string): Promise<string> {
  const h = createHash("sha256");
  const fd = await fs.open(file, "r");
  try {
    const buf = Buffer.allocUnsafeSlow(1 << 20);
    for (;;) {
      const { bytesRead } = await fd.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fd.close();
  }
  return h.digest("hex");
}

/** Reads and checks a saved index: layout, dimension, parameters, sizes and checksums. Throws on any mismatch. */
async function load(dir: string, dim: number, params: AnnParamsInput): Promise<{ index: AnnIndex; rowHashes: Uint32Array }> {
  const m = JSON.parse(await fs.readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  if (m.format !== ANN_FORMAT || m.formatVersion !== ANN_FORMAT_VERSION) throw new Error(`not an ${ANN_FORMAT} v${ANN_FORMAT_VERSION} directory`);
  if (m.dim !== dim || graphShape(m.params) !== graphShape(params)) throw new Error("it was built with another dimension or other graph parameters");
  const graph = path.join(dir, GRAPH);
  const size = (await fs.stat(graph)).size;
  if (size !== m.graphBytes) throw new Error(`its graph has ${size} bytes, the manifest says ${m.graphBytes}`);
  if ((await sha256(graph)) !== m.graphSha256) throw new Error("its graph does not match its SHA-256 checksum");
  const rowIds = JSON.parse(await fs.readFile(path.join(dir, "ids.json"), "utf8")) as string[];
  const raw = await fs.readFile(path.join(dir, "hashes.bin"));
  if (createHash("sha256").update(raw).digest("hex") !== m.hashesSha256 || rowIds.length !== m.rows || raw.byteLength !== m.rows * 4) {
    throw new Error("its ids or vector hashes do not match the manifest");
  }
  const rowHashes = new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const index = await AnnIndex.openGraph(graph, dim, params, rowIds, { adopt: true });
  return { index, rowHashes };
}

async function save(index: AnnIndex, hashes: Uint32Array, dir: string, meta: Record<string, unknown>): Promise<number> {
  let bytes = 0;
  await replaceDirAtomic(
    dir,
    async (tmp) => {
      const graph = path.join(tmp, GRAPH);
      index.saveGraph(graph);
      const rowIds = index.rowIds();
      const rowHashes = new Uint32Array(rowIds.length);
      rowIds.forEach((id, r) => (rowHashes[r] = id === "" ? 0 : (hashes[r] ?? 0)));
      const hashBytes = new Uint8Array(rowHashes.buffer);
      await fs.writeFile(path.join(tmp, "hashes.bin"), hashBytes);
      await fs.writeFile(path.join(tmp, "ids.json"), JSON.stringify(rowIds));
      bytes = (await fs.stat(graph)).size;
      const manifest: Manifest & Record<string, unknown> = {
        ...meta,
        format: ANN_FORMAT,
        formatVersion: ANN_FORMAT_VERSION,
        dim: index.dim,
        params: index.params,
        rows: rowIds.length,
        live: index.size,
        graphBytes: bytes,
        graphSha256: await sha256(graph),
        hashesSha256: createHash("sha256").update(hashBytes).digest("hex"),
      };
      await fs.writeFile(path.join(tmp, "manifest.json"), JSON.stringify(manifest, null, 1));
    },
    { mkdir: true },
  );
  return bytes;
}

/**
 * The ANN index of one catalog and the hash of each item's vector: the state of the worker thread, or of
 * the calling thread where no compiled worker exists (tests from sources).
 */
export class AnnHost {
  private ann: AnnIndex | undefined;
  /** Paces inserts by the serving thread's reads (see read-gate.ts); none: slices of ADD_SLICE rows back to back. */
  private readonly pacer: SlicePacer | undefined;

  constructor(reads?: Pick<ReadGate, "inFlight" | "sinceReadMs" | "changed">) {
    this.pacer = reads ? new SlicePacer(reads, { sliceMs: GATED_SLICE_MS, policy: PACE }) : undefined;
  }

  /** Hash of the vector each row of the index was added with (by row: no map of ids beside the index's own). */
  private hashes: Uint32Array = new Uint32Array(0);
  /** Between "open" and "settle": the saved rows a "check" named. */
  private seen: Uint8Array | undefined;

  async handle(m: AnnThreadRequest): Promise<AnnThreadReply> {
    switch (m.op) {
      case "create":
        this.ann = await AnnIndex.create(m.dim, m.params);
        this.hashes = new Uint32Array(0);
        this.seen = undefined;
        return { id: m.id, ok: true, size: 0 };
      case "open": {
        const { index, rowHashes } = await load(m.dir, m.dim, m.params);
        this.ann = index;
        this.hashes = rowHashes;
        this.seen = new Uint8Array(rowHashes.length);
        return { id: m.id, ok: true, size: index.size };
      }
      case "check": {
        // The catalog's ids come a slice at a time (all 250k at once would sit in this thread's heap beside the
        // saved index's own while it loads, at start-up, when memory peaks).
        const ann = this.need();
        const seen = this.checking();
        const stale: string[] = [];
        m.ids.forEach((id, i) => {
          const r = ann.rowOf(id);
          if (r >= 0) seen[r] = 1;
          if (r < 0 || this.hashes[r] !== m.hashes[i]) stale.push(id);
        });
        return { id: m.id, ok: true, size: ann.size, stale };
      }
      case "settle": {
        // Rows no check named: their items were removed from the catalog since the save.
        const ann = this.need();
        const seen = this.checking();
        this.seen = undefined;
        let removed = 0;
        ann.rowIds().forEach((id, r) => {
          if (id === "" || seen[r]) return;
          ann.remove(id);
          removed++;
        });
        return { id: m.id, ok: true, size: ann.size, removed };
      }
      case "add": {
        const ann = this.need();
        const d = ann.dim;
        // In slices, yielding between them: a search that arrives meanwhile is answered at once. With a read
        // gate each slice first waits while reads are answered (bounded: the inserts always progress).
        const pacer = this.pacer;
        for (let s = 0; s < m.ids.length; ) {
          if (s > 0) await new Promise((r) => setImmediate(r));
          if (pacer) await pacer.before();
          const ids = m.ids.slice(s, s + (pacer ? pacer.size() : ADD_SLICE));
          ann.add(ids, m.data.subarray(s * d, (s + ids.length) * d));
          pacer?.after(ids.length);
          s += ids.length;
        }
        m.ids.forEach((id, i) => this.setHash(ann.rowOf(id), vectorHash(m.data.subarray(i * d, (i + 1) * d))));
        return { id: m.id, ok: true, size: ann.size, ...(pacer ? { paced: { ...pacer.stats } } : {}) };
      }
      case "remove":
        for (const id of m.ids) this.ann?.remove(id);
        return { id: m.id, ok: true, size: this.ann?.size ?? 0 };
      case "search": {
        const ann = this.need();
        const found = ann.search(m.vector, m.k, m.exclude !== undefined ? { exclude: m.exclude } : {});
        return { id: m.id, ok: true, size: ann.size, ids: found.map((n) => n.id), scores: Float32Array.from(found, (n) => n.score) };
      }
      case "save":
        return { id: m.id, ok: true, size: this.need().size, bytes: await save(this.need(), this.hashes, m.dir, m.meta) };
    }
  }

  private setHash(row: number, hash: number): void {
    if (row >= this.hashes.length) {
      const grown = new Uint32Array(Math.max(row + 1, this.hashes.length * 2, 1024));
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[row] = hash;
  }

  private checking(): Uint8Array {
    if (!this.seen) throw new Error("No saved ANN index is being checked");
    return this.seen;
  }

  private need(): AnnIndex {
    if (!this.ann) throw new Error("No ANN index");
    return this.ann;
  }
}
