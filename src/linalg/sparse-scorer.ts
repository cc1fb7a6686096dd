// Batch scoring of sparse linear models (feature-major sparse class weights) in WebAssembly, compiled from
// ./wasm/sparse-score.as.ts by `npm run build`, with the JavaScript loop as the fallback (no .wasm, or
// ASSORT_NO_WASM=1). Both do the same floating-point operations in the same order: identical bits
// (sparse-scorer.test.ts checks it).
import { ensureBytes, ownMemory, wasmApi, WasmModuleSlot, type WasmMemory } from "./wasm-module.js";
import type { SparseRows } from "./kernels.js";

/** Non-zero class weights: for feature f, classes `classes[indptr[f] .. indptr[f+1])` and their values. */
export interface SparseClassWeights {
  indptr: Int32Array;
  classes: Int32Array;
  values: Float32Array;
}

export interface SparseScorer {
  readonly backend: "wasm" | "js";
  /** out[i·k + c] = intercept[c] + Σ x[i, f] · w[f, c] over the stored weights, each step rounded to float32. */
  score(x: SparseRows, out: Float32Array): void;
}

/** The JavaScript scorer (the definition the WebAssembly one matches). */
export function jsSparseScore(w: SparseClassWeights, k: number, intercept: Float32Array, x: SparseRows, o: Float32Array): void {
  const { indptr: wp, classes: wc, values: wv } = w;
  const { indptr, indices, data } = x;
  for (let i = 0; i < x.rows; i++) {
    const base = i * k;
    o.set(intercept, base);
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
      const v = data[p]!;
      const f = indices[p]!;
      for (let q = wp[f]!; q < wp[f + 1]!; q++) o[base + wc[q]!]! += v * wv[q]!;
    }
  }
}

interface ScoreExports {
  scoreSparse(indptr: number, indices: number, data: number, rows: number, wp: number, wcv: number, k: number, intercept: number, out: number): void;
}

/** Rows scored per call (the batch's copy in the module's memory stays small). */
const BLOCK_ROWS = 1024;
const align = (n: number): number => (n + 15) & ~15;

class WasmSparseScorer implements SparseScorer {
  readonly backend = "wasm";
  private readonly memory: WasmMemory;
  private readonly ex: ScoreExports;
  private readonly at: { wp: number; wcv: number; b: number; free: number };

  constructor(
    module: object,
    w: SparseClassWeights,
    private readonly k: number,
    intercept: Float32Array,
  ) {
    this.memory = ownMemory();
    this.ex = new (wasmApi()!.Instance)(module, { env: { memory: this.memory } }).exports as unknown as ScoreExports;
    let top = 16;
    const put = (a: Int32Array | Float32Array): number => {
      const at = top;
      top = align(top + a.byteLength);
      ensureBytes(this.memory, top);
      new Uint8Array(this.memory.buffer, at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return at;
    };
    // Each weight as an (i32 class, f32 value) pair: a feature's weights are one run of memory.
    const nz = w.classes.length;
    const pairs = new Int32Array(nz * 2);
    const values = new Int32Array(w.values.buffer, w.values.byteOffset, nz);
    for (let q = 0; q < nz; q++) {
      pairs[2 * q] = w.classes[q]!;
      pairs[2 * q + 1] = values[q]!;
    }
    this.at = { wp: put(w.indptr), wcv: put(pairs), b: put(intercept), free: 0 };
    this.at.free = top;
  }

  score(x: SparseRows, out: Float32Array): void {
    const k = this.k;
    for (let r0 = 0; r0 < x.rows; r0 += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, x.rows - r0);
      const first = x.indptr[r0]!;
      const nnz = x.indptr[r0 + rows]! - first;
      let top = this.at.free;
      const pAt = top;
      top = align(top + (rows + 1) * 4);
      const iAt = top;
      top = align(top + nnz * 4);
      const dAt = top;
      top = align(top + nnz * 4);
      const oAt = top;
      top = align(top + rows * k * 4);
      ensureBytes(this.memory, top);
      const buf = this.memory.buffer;
      const p = new Int32Array(buf, pAt, rows + 1);
      for (let i = 0; i <= rows; i++) p[i] = x.indptr[r0 + i]! - first;
      new Int32Array(buf, iAt, nnz).set(x.indices.subarray(first, first + nnz));
      new Float32Array(buf, dAt, nnz).set(x.data.subarray(first, first + nnz));
      this.ex.scoreSparse(pAt, iAt, dAt, rows, this.at.wp, this.at.wcv, k, this.at.b, oAt);
      out.set(new Float32Array(buf, oAt, rows * k), r0 * k);
    }
  }
}

const MODULE = new WasmModuleSlot("sparse-score.wasm", [new URL("./wasm/sparse-score.wasm", import.meta.url), new URL("../../dist/linalg/wasm/sparse-score.wasm", import.meta.url)]);

/** Uses the module compiled from these bytes from now on (null: the JavaScript scorer); for tests. */
export function useSparseScoreModule(bytes: Uint8Array | null): void {
  MODULE.use(bytes);
}

/** Why the JavaScript scorer is used (undefined while the WebAssembly one is, or before either was chosen). */
export function sparseScorerFallbackReason(): string | undefined {
  return MODULE.reason;
}

/** A scorer for these weights: WebAssembly when its module is built and runs here, else JavaScript. */
export function sparseScorer(w: SparseClassWeights, classCount: number, intercept: Float32Array): SparseScorer {
  const module = MODULE.get();
  if (module) return new WasmSparseScorer(module, w, classCount, intercept);
  return { backend: "js", score: (x, out) => jsSparseScore(w, classCount, intercept, x, out) };
}
