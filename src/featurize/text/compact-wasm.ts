// The WebAssembly twin of fit-rows.ts's compactRows (wasm/compact.as.ts): the compaction's table and output live in
// an arena of shared WebAssembly memory, which the main thread and the fit worker both compact into, each copying
// the raw part it claimed into a scratch region of its own first. The same rows, bit for bit (compact-wasm.test.ts);
// without the module (not built, ASSORT_NO_WASM=1) there is no arena and the JavaScript pass compacts into shared
// arrays as before. On pricerunner's 4.8M entries the JavaScript pass spent ~30 ns an entry on each of the two
// threads (V8 writes shared typed arrays slowly), about 100 ms before training could start.
import type { RawPart, RowsOut, RowWeights } from "./fit-row-types.js";
import { offerMemoryTail, WASM_MAX_PAGES, WASM_PAGE, WasmModuleSlot, wasmApi, type WasmMemory } from "../../linalg/wasm-module.js";

const MODULE = new WasmModuleSlot("compact.wasm", [
  new URL("./wasm/compact.wasm", import.meta.url),
  new URL("../../../dist/featurize/text/wasm/compact.wasm", import.meta.url),
]);

interface CompactExports {
  compactRows(
    from: number,
    cols: number,
    counts: number,
    rows: number,
    table: number,
    logTf: number,
    sublinear: number,
    charStart: number,
    wordWeight: number,
    charWeight: number,
    indices: number,
    values: number,
    ends: number,
    norms: number,
    at: number,
  ): number;
  fitSpace(dfA: number, dfB: number, width: number, minDf: number, docs: number, idf: number, table: number, idfs: number): number;
}

/** Where a thread's compaction runs (structured-cloneable: the memory is shared, not copied, with the worker). */
export interface CompactArena {
  memory: WasmMemory;
  /** Byte offsets: LOG_TF (64 float64), and each thread's scratch (indexed by who − 1: BY_WORKER, BY_MAIN). */
  logTf: number;
  scratch: number[];
  /** Byte offsets of three bucket-sized int32 regions: the two document-frequency tables, the IDFs ({@link fitSpaceWasm}). */
  space: number[];
  /** Largest part: rows and entries (what each scratch region holds). */
  partRows: number;
  partEntries: number;
}

/** The compaction's arrays in an arena: the table, the entries and the rows' ends and norms. */
export interface CompactOutput {
  arena: CompactArena;
  table: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  indptr: Int32Array;
  norms: Float64Array;
}

const align = (n: number): number => (n + 15) & ~15;

/**
 * An arena for compacting `rows` rows of `entries` raw entries in parts of at most `partRows` rows and `partEntries`
 * entries, with a table of `width` raw buckets (each thread's scratch included), and its arrays (zeroed; `logTf` is
 * fit-rows.ts's table of 1 + ln v); undefined when the module is unavailable here (the JavaScript pass then compacts
 * into shared arrays).
 */
export function compactArena(width: number, entries: number, rows: number, partRows: number, partEntries: number, logTfTable: Float64Array): CompactOutput | undefined {
  const api = wasmApi();
  if (!MODULE.get() || !api) return undefined;
  let top = 16;
  const alloc = (bytes: number): number => {
    const at = top;
    top = align(top + bytes);
    return at;
  };
  const logTf = alloc(logTfTable.byteLength);
  const tableAt = alloc(width * 8);
  const indicesAt = alloc(entries * 4);
  const valuesAt = alloc(entries * 4);
  const indptrAt = alloc((rows + 1) * 4);
  const normsAt = alloc(rows * 8);
  const scratchBytes = align((partRows + 1) * 4) + 2 * align(partEntries * 4);
  const scratch = [alloc(scratchBytes), alloc(scratchBytes)];
  const space = [alloc(width * 4), alloc(width * 4), alloc(width * 4)];
  // Shared memory needs a maximum: the modules' own, so that the kernels can lay out a training's rows in its tail
  // (offered below), around the values written here.
  const memory = new api.Memory({ initial: Math.ceil(top / WASM_PAGE), maximum: WASM_MAX_PAGES, shared: true });
  offerMemoryTail(memory, top);
  const buf = memory.buffer;
  new Float64Array(buf, logTf, logTfTable.length).set(logTfTable);
  return {
    arena: { memory, logTf, scratch, space, partRows, partEntries },
    table: new Int32Array(buf, tableAt, width * 2),
    indices: new Int32Array(buf, indicesAt, entries),
    values: new Float32Array(buf, valuesAt, entries),
    indptr: new Int32Array(buf, indptrAt, rows + 1),
    norms: new Float64Array(buf, normsAt, rows),
  };
}

/** This thread's instance on the arena it last compacted in. */
let current: { memory: WasmMemory; ex: CompactExports } | undefined;

/** This thread's instance on `arena` (undefined when the module is unavailable here). */
function instanceOn(arena: CompactArena): CompactExports | undefined {
  const module = MODULE.get();
  const api = wasmApi();
  if (!module || !api) return undefined;
  if (current?.memory !== arena.memory) {
    const env = { memory: arena.memory, log: Math.log };
    current = { memory: arena.memory, ex: new api.Instance(module, { env }).exports as unknown as CompactExports };
  }
  return current.ex;
}

/** The fitted space {@link fitSpaceWasm} found: its columns' raw buckets, document frequencies and IDFs. */
export interface FittedSpace {
  columns: Int32Array;
  counts: Int32Array;
  idf: Float32Array;
}

/**
 * text-featurizer.ts's fitted space in WebAssembly (wasm/compact.as.ts fitSpace, the same columns and float32 IDF
 * bits): the buckets whose summed document frequency (`dfA` + `dfB`, the two threads' counts; `dfB` may be absent)
 * is at least `minDf`, in bucket order; fills `out.table` for the compaction. Undefined when the module is unavailable.
 */
export function fitSpaceWasm(out: CompactOutput, dfA: Int32Array, dfB: Int32Array | undefined, minDf: number, docs: number, idf: boolean): FittedSpace | undefined {
  const ex = instanceOn(out.arena);
  if (!ex) return undefined;
  const width = out.table.length / 2;
  if (dfA.length !== width || (dfB !== undefined && dfB.length !== width)) throw new RangeError(`Document frequencies of ${dfA.length} and ${dfB?.length ?? 0} buckets for a table of ${width}`);
  const [a, b, f] = out.arena.space as [number, number, number];
  const buf = out.arena.memory.buffer;
  new Int32Array(buf, a, width).set(dfA);
  if (dfB) new Int32Array(buf, b, width).set(dfB);
  else new Int32Array(buf, b, width).fill(0);
  const dim = ex.fitSpace(a, b, width, minDf, docs, idf ? 1 : 0, out.table.byteOffset, f);
  return { columns: new Int32Array(buf, b, dim).slice(), counts: new Int32Array(buf, a, dim).slice(), idf: new Float32Array(buf, f, dim).slice() };
}

/**
 * {@link compactRows} of fit-rows.ts in WebAssembly, for thread `who` (BY_WORKER or BY_MAIN): `part` is copied into
 * the thread's scratch, then compacted into `out` (views on the arena's memory: `table` and `out`'s arrays must be
 * the {@link CompactOutput}'s). Returns the end of the written entries, or undefined when the module is unavailable in
 * this thread (the caller then runs the JavaScript pass on the same arrays).
 */
export function compactPartWasm(arena: CompactArena, who: number, part: RawPart, table: Int32Array, w: Pick<RowWeights, "params" | "charStart">, out: RowsOut): number | undefined {
  const ex = instanceOn(arena);
  if (!ex) return undefined;
  const rows = part.indptr.length - 1;
  const entries = part.cols.length;
  if (rows > arena.partRows || entries > arena.partEntries) throw new RangeError(`A part of ${rows} rows and ${entries} entries is larger than the arena's ${arena.partRows} and ${arena.partEntries}`);
  const buf = arena.memory.buffer;
  const from = arena.scratch[who - 1]!;
  const cols = from + align((arena.partRows + 1) * 4);
  const counts = cols + align(arena.partEntries * 4);
  new Int32Array(buf, from, rows + 1).set(part.indptr);
  new Int32Array(buf, cols, entries).set(part.cols);
  new Float32Array(buf, counts, entries).set(part.counts);
  const p = w.params;
  return ex.compactRows(
    from,
    cols,
    counts,
    rows,
    table.byteOffset,
    arena.logTf,
    p.sublinearTf ? 1 : 0,
    w.charStart,
    p.wordWeight,
    p.charWeight,
    out.indices.byteOffset,
    out.values.byteOffset,
    out.indptr.byteOffset + (out.rowAt + 1) * 4,
    out.norms.byteOffset + out.rowAt * 8,
    out.at,
  );
}

/** Uses the module compiled from these bytes from now on (null: the JavaScript pass); for tests. */
export function useCompactModule(bytes: Uint8Array | null): void {
  MODULE.use(bytes);
  current = undefined;
}

/** Why the JavaScript pass compacts (undefined while the module is used, or before either was chosen). */
export function compactFallbackReason(): string | undefined {
  return MODULE.reason;
}

