// The hot loops of the linear classifiers behind one interface, in two backends: WebAssembly SIMD (compiled
// from ./wasm/kernels.as.ts by `npm run build`) and plain JavaScript (the fallback when the .wasm file is
// missing or cannot be instantiated, or when ASSORT_NO_WASM=1). Both do the same floating-point operations in
// the same order, so they give identical bits (kernels.test.ts checks it).
import { readFileSync } from "node:fs";

/** CSR rows as the kernels read them. */
export interface SparseRows {
  rows: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/** Batch scoring against one weight matrix (feature-major float32, `weights[f * classCount + c]`). */
export interface Scorer {
  /** out[i·k + c] = intercept[c] + Σ x[i, f] · weights[f·k + c], each step rounded to float32. */
  score(x: SparseRows, out: Float32Array): void;
}

/**
 * The dual coordinate descent's sparse dot and axpy over one CSR matrix's rows and a float64 weight vector
 * `w` (cols + 1 values: the weights then the bias weight).
 */
export interface SparseWorkspace {
  /** The weight vector the kernels update (a view: read it, set it, but do not keep it across `reset`). */
  readonly w: Float64Array;
  /** init + Σ_{p in [start, end)} w[indices[p]] · data[p]. */
  dot(init: number, start: number, end: number): number;
  /** w[indices[p]] += step · data[p] for p in [start, end). */
  axpy(step: number, start: number, end: number): void;
  /** Zeroes w. */
  reset(): void;
}

export interface LinalgKernels {
  readonly backend: "wasm-simd" | "js";
  scorer(weights: Float32Array, classCount: number, intercept: Float32Array): Scorer;
  /** A workspace over `x` (copied once where the backend needs its own memory). */
  workspace(x: SparseRows, cols: number): SparseWorkspace;
}

// ------------------------------------------------------------------------------------------------ JavaScript

class JsScorer implements Scorer {
  constructor(
    private readonly w: Float32Array,
    private readonly k: number,
    private readonly intercept: Float32Array,
  ) {}

  score(x: SparseRows, o: Float32Array): void {
    const { k, w } = this;
    const { indptr, indices, data } = x;
    for (let i = 0; i < x.rows; i++) {
      const base = i * k;
      o.set(this.intercept, base);
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        const v = data[p]!;
        const off = indices[p]! * k;
        for (let c = 0; c < k; c++) o[base + c]! += v * w[off + c]!;
      }
    }
  }
}

class JsWorkspace implements SparseWorkspace {
  readonly w: Float64Array;
  constructor(
    private readonly x: SparseRows,
    cols: number,
  ) {
    this.w = new Float64Array(cols + 1);
  }
  dot(init: number, start: number, end: number): number {
    const { indices, data } = this.x;
    const w = this.w;
    let s = init;
    for (let p = start; p < end; p++) s += w[indices[p]!]! * data[p]!;
    return s;
  }
  axpy(step: number, start: number, end: number): void {
    const { indices, data } = this.x;
    const w = this.w;
    for (let p = start; p < end; p++) w[indices[p]!]! += step * data[p]!;
  }
  reset(): void {
    this.w.fill(0);
  }
}

/** The JavaScript backend. */
export const jsKernels: LinalgKernels = {
  backend: "js",
  scorer: (weights, classCount, intercept) => new JsScorer(weights, classCount, intercept),
  workspace: (x, cols) => new JsWorkspace(x, cols),
};

// ------------------------------------------------------------------------------------------------ WebAssembly

/** The slice of the WebAssembly API used here (the project's TS lib has no DOM/WebAssembly typings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}
type WasmModule = object;
const wasmApi = (): WasmApi => {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new Error("this runtime has no WebAssembly");
  return api;
};

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  sparseDot(init: number, indices: number, data: number, w: number, start: number, end: number): number;
  sparseAxpy(step: number, indices: number, data: number, w: number, start: number, end: number): void;
  scoreCsr(indptr: number, indices: number, data: number, rows: number, w: number, k: number, intercept: number, out: number): void;
}

const PAGE = 65536;
const align = (n: number): number => (n + 15) & ~15;

/** One module instance with its own memory, laid out by a bump allocator. */
class Instance {
  readonly ex: KernelExports;
  private top = 16;
  constructor(module: WasmModule) {
    this.ex = new (wasmApi().Instance)(module, {}).exports as unknown as KernelExports;
  }
  get mark(): number {
    return this.top;
  }
  /** Frees everything allocated after `mark`. */
  release(mark: number): void {
    this.top = mark;
  }
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes);
    const have = this.ex.memory.buffer.byteLength;
    if (this.top > have) this.ex.memory.grow(Math.ceil((this.top - have) / PAGE));
    return at;
  }
  /** Copies a typed array in; returns its offset. */
  put(a: Int32Array | Float32Array | Float64Array): number {
    const at = this.alloc(a.byteLength);
    new Uint8Array(this.ex.memory.buffer, at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return at;
  }
}

class WasmScorer implements Scorer {
  private readonly inst: Instance;
  private readonly wAt: number;
  private readonly bAt: number;
  constructor(
    module: WasmModule,
    weights: Float32Array,
    private readonly k: number,
    intercept: Float32Array,
  ) {
    this.inst = new Instance(module);
    this.wAt = this.inst.put(weights);
    this.bAt = this.inst.put(intercept);
  }

  score(x: SparseRows, out: Float32Array): void {
    const inst = this.inst;
    const mark = inst.mark;
    try {
      const nnz = x.indptr[x.rows]!;
      const first = x.indptr[0]!;
      // Rows may start past 0 (a slice of a bigger matrix): rebase the row pointers.
      const indptr = first === 0 ? x.indptr.subarray(0, x.rows + 1) : Int32Array.from(x.indptr.subarray(0, x.rows + 1), (v) => v - first);
      const pAt = inst.put(indptr);
      const iAt = inst.put(x.indices.subarray(first, nnz));
      const dAt = inst.put(x.data.subarray(first, nnz));
      const oAt = inst.alloc(x.rows * this.k * 4);
      inst.ex.scoreCsr(pAt, iAt, dAt, x.rows, this.wAt, this.k, this.bAt, oAt);
      out.set(new Float32Array(inst.ex.memory.buffer, oAt, x.rows * this.k));
    } finally {
      inst.release(mark);
    }
  }
}

class WasmWorkspace implements SparseWorkspace {
  private readonly inst: Instance;
  private readonly iAt: number;
  private readonly dAt: number;
  private readonly wAt: number;
  readonly w: Float64Array;
  constructor(module: WasmModule, x: SparseRows, cols: number) {
    this.inst = new Instance(module);
    const nnz = x.indptr[x.rows]!;
    this.iAt = this.inst.put(x.indices.subarray(0, nnz));
    this.dAt = this.inst.put(x.data.subarray(0, nnz));
    this.wAt = this.inst.alloc((cols + 1) * 8);
    // Allocation is over: the memory no longer grows, so the view stays valid.
    this.w = new Float64Array(this.inst.ex.memory.buffer, this.wAt, cols + 1);
    this.w.fill(0);
  }
  dot(init: number, start: number, end: number): number {
    return this.inst.ex.sparseDot(init, this.iAt, this.dAt, this.wAt, start, end);
  }
  axpy(step: number, start: number, end: number): void {
    this.inst.ex.sparseAxpy(step, this.iAt, this.dAt, this.wAt, start, end);
  }
  reset(): void {
    this.w.fill(0);
  }
}

/** The WebAssembly backend on a compiled kernels module (bytes of kernels.wasm). */
export function wasmKernels(bytes: Uint8Array): LinalgKernels {
  const module = new (wasmApi().Module)(bytes);
  return {
    backend: "wasm-simd",
    scorer: (weights, classCount, intercept) => new WasmScorer(module, weights, classCount, intercept),
    workspace: (x, cols) => new WasmWorkspace(module, x, cols),
  };
}

// ------------------------------------------------------------------------------------------------ selection

/** Where `npm run build` writes the module: next to this file in dist/ (from sources, the built one in dist/). */
const WASM_CANDIDATES = [new URL("./wasm/kernels.wasm", import.meta.url), new URL("../../dist/linalg/wasm/kernels.wasm", import.meta.url)];

let chosen: LinalgKernels | undefined;
let fallbackReason: string | undefined;

/**
 * The kernels to use: WebAssembly SIMD when its module was built and this runtime runs it, JavaScript
 * otherwise or when the environment sets ASSORT_NO_WASM=1 ({@link kernelsFallbackReason} says why).
 */
export function kernels(): LinalgKernels {
  if (chosen) return chosen;
  if (process.env.ASSORT_NO_WASM === "1") {
    fallbackReason = "ASSORT_NO_WASM=1";
    return (chosen = jsKernels);
  }
  for (const url of WASM_CANDIDATES) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(url);
    } catch {
      continue;
    }
    try {
      return (chosen = wasmKernels(bytes));
    } catch (e) {
      fallbackReason = `${url.pathname}: ${(e as Error).message}`;
      return (chosen = jsKernels);
    }
  }
  fallbackReason = "kernels.wasm not built (run npm run build)";
  return (chosen = jsKernels);
}

/** Why {@link kernels} fell back to JavaScript (undefined while it uses WebAssembly or has not chosen yet). */
export function kernelsFallbackReason(): string | undefined {
  return fallbackReason;
}
