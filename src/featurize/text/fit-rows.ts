// The fit side's last step, shared by the main thread and the fit worker (hash-worker.ts): raw hashed rows →
// rows of the fitted compact columns, TF-IDF weighted and L2-normalized per block (FittedTextFeaturizer.weightRow).
// No schema imports here, so the worker stays light.
import { compactPartWasm, type CompactArena } from "./compact-wasm.js";
import type { RawPart, RowsOut, RowWeights } from "./fit-row-types.js";

export type { RawPart, RowsOut, RowWeights } from "./fit-row-types.js";

/** 1 + ln(v) for the small whole counts most n-grams have (the same doubles as computing it; a table is faster). */
export const LOG_TF = Float64Array.from({ length: 64 }, (_, v) => 1 + Math.log(v));

/** In place: counts → (sublinear) tf × idf, then per-block L2 normalization and block weights. */
export function weightRow(w: RowWeights, indices: Int32Array, values: Float32Array, start: number, end: number): void {
  const p = w.params;
  const idf = w.idf;
  const charStart = w.charStart;
  const sublinear = p.sublinearTf;
  let wNorm = 0;
  let cNorm = 0;
  for (let k = start; k < end; k++) {
    const c = indices[k]!;
    let v = values[k]!;
    if (sublinear) {
      const i = v | 0;
      v = i === v && i < 64 ? LOG_TF[i]! : 1 + Math.log(v);
    }
    v *= idf[c]!;
    values[k] = v;
    if (c < charStart) wNorm += v * v;
    else cNorm += v * v;
  }
  const ws = wNorm > 0 ? p.wordWeight / Math.sqrt(wNorm) : 0;
  const cs = cNorm > 0 ? p.charWeight / Math.sqrt(cNorm) : 0;
  for (let k = start; k < end; k++) values[k] = values[k]! * (indices[k]! < charStart ? ws : cs);
}

/**
 * The bias² the rows' squared norms are summed from: the linear classifiers' default intercept of 1 (their solvers
 * then find the norms they need summed, matrix.ts MatrixFacts.squaredNorms).
 */
export const NORMS_BIAS2 = 1;

/**
 * Writes `part`'s rows to `out`, each raw bucket mapped to its compact column (`table`: entry 2b is bucket b's
 * column, -1 to drop it, and entry 2b + 1 the bits of its IDF as a Float32, so that one memory access finds both) and the row weighted as {@link weightRow} does (the same float64 operations in the same order, so the
 * same bits), with its squared norm; returns the end of the written entries.
 */
export function compactRows(part: { indptr: Int32Array; cols: Int32Array; counts: Float32Array }, table: Int32Array, w: Pick<RowWeights, "params" | "charStart">, out: RowsOut): number {
  const { cols, counts, indptr: from } = part;
  const { indices, values, indptr, norms } = out;
  const idf = new Float32Array(table.buffer, table.byteOffset, table.length);
  const { sublinearTf: sublinear, wordWeight, charWeight } = w.params;
  const charStart = w.charStart;
  const rows = from.length - 1;
  let o = out.at;
  for (let d = 0; d < rows; d++) {
    const start = o;
    let wNorm = 0;
    let cNorm = 0;
    for (let k = from[d]!, e = from[d + 1]!; k < e; k++) {
      const b2 = cols[k]! << 1;
      const c = table[b2]!;
      if (c < 0) continue;
      let v = counts[k]!;
      if (sublinear) {
        const i = v | 0;
        v = i === v && i < 64 ? LOG_TF[i]! : 1 + Math.log(v);
      }
      v *= idf[b2 + 1]!;
      indices[o] = c;
      values[o++] = v;
      if (c < charStart) wNorm += v * v;
      else cNorm += v * v;
    }
    const ws = wNorm > 0 ? wordWeight / Math.sqrt(wNorm) : 0;
    const cs = cNorm > 0 ? charWeight / Math.sqrt(cNorm) : 0;
    // The squares of the values as stored (float32), summed in float64 as rowSquaredNorms sums them.
    let sq = NORMS_BIAS2;
    for (let k = start; k < o; k++) {
      const v = Math.fround(values[k]! * (indices[k]! < charStart ? ws : cs));
      values[k] = v;
      sq += v * v;
    }
    indptr[out.rowAt + d + 1] = o;
    norms[out.rowAt + d] = sq;
  }
  return o;
}

/** Who holds a part in a claims array (0: nobody yet). */
export const BY_WORKER = 1;
export const BY_MAIN = 2;

/**
 * Takes part `i` for `who` unless the other thread has: the fit worker takes parts from the front, the main thread
 * from the back, until they meet (so each thread's parts are a run of documents, and neither waits for the other).
 */
export function claim(claims: Int32Array, i: number, who: number): boolean {
  return Atomics.compareExchange(claims, i, 0, who) === 0;
}

/** A copy of `a` in shared memory. */
export function shared<T extends Int32Array | Float32Array>(a: T): T {
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(Math.max(4, a.byteLength)));
  out.set(a);
  return a.length === out.length ? out : (out.subarray(0, a.length) as T);
}

/**
 * Compacting every part into the matrix: part `b` goes to entries from `at[b]`, and where its entries end is
 * written to `ends[b]`; each part is compacted once, by whichever thread claims it first.
 */
export interface CompactPlan {
  parts: RawPart[];
  at: Int32Array;
  ends: Int32Array;
  claims: Int32Array;
  /** The fitted columns and IDF by raw bucket (see {@link compactRows}). */
  table: Int32Array;
  weights: Pick<RowWeights, "params" | "charStart">;
  indices: Int32Array;
  values: Float32Array;
  indptr: Int32Array;
  /** Each row's squared norm plus {@link NORMS_BIAS2}. */
  norms: Float64Array;
  /**
   * The shared WebAssembly memory that `table` and the output arrays are views on (compact-wasm.ts), where each thread
   * compacts in WebAssembly if it can; absent: shared arrays, compacted in JavaScript.
   */
  arena?: CompactArena;
}

/** Compacts the parts of `plan` this thread claims (the worker's from the front, the main thread's from the back). */
export function compactClaimed(plan: CompactPlan, who: number): void {
  const n = plan.parts.length;
  for (let k = 0; k < n; k++) {
    const b = who === BY_WORKER ? k : n - 1 - k;
    if (!claim(plan.claims, b, who)) return;
    const part = plan.parts[b]!;
    const out = { indices: plan.indices, values: plan.values, indptr: plan.indptr, norms: plan.norms, at: plan.at[b]!, rowAt: part.first };
    plan.ends[b] = (plan.arena && compactPartWasm(plan.arena, who, part, plan.table, plan.weights, out)) ?? compactRows(part, plan.table, plan.weights, out);
  }
}
