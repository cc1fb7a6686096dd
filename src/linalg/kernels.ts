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

/**
 * CSR rows placed once where every thread's kernels can read them (a shared WebAssembly memory, or
 * SharedArrayBuffers for the JavaScript kernels), with one weight vector per thread (`slots`). `handle` is what
 * a worker thread is sent (structured-cloneable, memory shared, not copied).
 */
export interface SharedRows {
  /** The rows, as views on the shared memory. */
  x: SparseRows;
  handle: SharedRowsHandle;
}

/** Opaque: pass it to {@link LinalgKernels.workspaceOn} in any thread. */
export interface SharedRowsHandle {
  backend: "wasm-simd" | "js";
  rows: number;
  cols: number;
  slots: number;
  /** JavaScript: the shared arrays. WebAssembly: the memory and byte offsets. */
  indptr?: Int32Array;
  indices?: Int32Array;
  data?: Float32Array;
  memory?: WasmMemory;
  at?: { indptr: number; indices: number; data: number; w: number };
}

export interface LinalgKernels {
  readonly backend: "wasm-simd" | "js";
  scorer(weights: Float32Array, classCount: number, intercept: Float32Array): Scorer;
  /** A workspace over `x` (copied once where the backend needs its own memory). */
  workspace(x: SparseRows, cols: number): SparseWorkspace;
  /** Copies `x` once into memory that `slots` threads share (see {@link SharedRows}). */
  share(x: SparseRows, cols: number, slots: number): SharedRows;
  /** Weight slot `slot` (0 ≤ slot < handle.slots) over shared rows; one slot per thread at a time. */
  workspaceOn(handle: SharedRowsHandle, slot: number): SparseWorkspace;
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

function toShared<T extends Int32Array | Float32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** The JavaScript backend. */
export const jsKernels: LinalgKernels = {
  backend: "js",
  scorer: (weights, classCount, intercept) => new JsScorer(weights, classCount, intercept),
  workspace: (x, cols) => new JsWorkspace(x, cols),
  share(x, cols, slots) {
    const rows = { rows: x.rows, indptr: toShared(x.indptr), indices: toShared(x.indices), data: toShared(x.data) };
    return { x: rows, handle: { backend: "js", cols, slots, ...rows } };
  },
  workspaceOn(h, slot) {
    if (h.backend !== "js" || !h.indptr || !h.indices || !h.data) throw new TypeError("These shared rows belong to the WebAssembly kernels");
    if (!(slot >= 0 && slot < h.slots)) throw new RangeError(`Slot ${slot} is outside [0, ${h.slots})`);
    return new JsWorkspace({ rows: h.rows, indptr: h.indptr, indices: h.indices, data: h.data }, h.cols);
  },
};

// ------------------------------------------------------------------------------------------------ WebAssembly

/** The slice of the WebAssembly API used here (the project's TS lib has no DOM/WebAssembly typings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
interface WasmMemory {
  buffer: ArrayBufferLike;
  grow(pages: number): number;
}
type WasmModule = object;
const wasmApi = (): WasmApi => {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new Error("this runtime has no WebAssembly");
  return api;
};

interface KernelExports {
  sparseDot(init: number, indices: number, data: number, w: number, start: number, end: number): number;
  sparseAxpy(step: number, indices: number, data: number, w: number, start: number, end: number): void;
  scoreCsr(indptr: number, indices: number, data: number, rows: number, w: number, k: number, intercept: number, out: number): void;
}

const PAGE = 65536;
/** Rows copied into the scorer's memory at a time. */
const SCORE_BLOCK_ROWS = 4096;
/** The module's declared maximum (4 GiB). */
const MAX_PAGES = 65536;
const align = (n: number): number => (n + 15) & ~15;

/** One module instance on a memory (its own, or one shared with other threads), laid out by a bump allocator. */
class Instance {
  readonly ex: KernelExports;
  readonly memory: WasmMemory;
  private top = 16;
  constructor(module: WasmModule, memory?: WasmMemory) {
    this.memory = memory ?? new (wasmApi().Memory)({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.ex = new (wasmApi().Instance)(module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
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
    const have = this.memory.buffer.byteLength;
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / PAGE));
    return at;
  }
  /** Copies a typed array in; returns its offset. */
  put(a: Int32Array | Float32Array | Float64Array): number {
    const at = this.alloc(a.byteLength);
    new Uint8Array(this.memory.buffer, at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
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

  /** Scores in blocks of rows, so the copy of the batch in the module's memory stays small. */
  score(x: SparseRows, out: Float32Array): void {
    for (let r0 = 0; r0 < x.rows; r0 += SCORE_BLOCK_ROWS) {
      const rows = Math.min(SCORE_BLOCK_ROWS, x.rows - r0);
      this.block({ rows, indptr: x.indptr.subarray(r0, r0 + rows + 1), indices: x.indices, data: x.data }, out.subarray(r0 * this.k, (r0 + rows) * this.k));
    }
  }

  private block(x: SparseRows, out: Float32Array): void {
    const inst = this.inst;
    const mark = inst.mark;
    try {
      const nnz = x.indptr[x.rows]!;
      const first = x.indptr[0]!;
      // Rows may start past 0 (a slice of a bigger matrix): rebase the row pointers.
      const indptr = first === 0 ? x.indptr : Int32Array.from(x.indptr, (v) => v - first);
      const pAt = inst.put(indptr);
      const iAt = inst.put(x.indices.subarray(first, nnz));
      const dAt = inst.put(x.data.subarray(first, nnz));
      const oAt = inst.alloc(x.rows * this.k * 4);
      inst.ex.scoreCsr(pAt, iAt, dAt, x.rows, this.wAt, this.k, this.bAt, oAt);
      out.set(new Float32Array(inst.memory.buffer, oAt, x.rows * this.k));
    } finally {
      inst.release(mark);
    }
  }
}

class WasmWorkspace implements SparseWorkspace {
  readonly w: Float64Array;
  constructor(
    private readonly inst: Instance,
    private readonly iAt: number,
    private readonly dAt: number,
    private readonly wAt: number,
    cols: number,
  ) {
    // Shared memory never detaches a view when it grows, and nothing is allocated after this anyway.
    this.w = new Float64Array(inst.memory.buffer, wAt, cols + 1);
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
  const share = (x: SparseRows, cols: number, slots: number): SharedRows => {
    const inst = new Instance(module);
    const nnz = x.indptr[x.rows]!;
    const first = x.indptr[0]!;
    const indptr = first === 0 ? x.indptr.subarray(0, x.rows + 1) : Int32Array.from(x.indptr.subarray(0, x.rows + 1), (v) => v - first);
    const at = {
      indptr: inst.put(indptr),
      indices: inst.put(x.indices.subarray(first, nnz)),
      data: inst.put(x.data.subarray(first, nnz)),
      w: inst.alloc(slots * (cols + 1) * 8),
    };
    const buf = inst.memory.buffer;
    const rows = {
      rows: x.rows,
      indptr: new Int32Array(buf, at.indptr, x.rows + 1),
      indices: new Int32Array(buf, at.indices, nnz - first),
      data: new Float32Array(buf, at.data, nnz - first),
    };
    return { x: rows, handle: { backend: "wasm-simd", rows: x.rows, cols, slots, memory: inst.memory, at } };
  };
  const workspaceOn = (h: SharedRowsHandle, slot: number): SparseWorkspace => {
    if (h.backend !== "wasm-simd" || !h.memory || !h.at) throw new TypeError("These shared rows belong to the JavaScript kernels");
    if (!(slot >= 0 && slot < h.slots)) throw new RangeError(`Slot ${slot} is outside [0, ${h.slots})`);
    const inst = new Instance(module, h.memory);
    return new WasmWorkspace(inst, h.at.indices, h.at.data, h.at.w + slot * (h.cols + 1) * 8, h.cols);
  };
  return {
    backend: "wasm-simd",
    scorer: (weights, classCount, intercept) => new WasmScorer(module, weights, classCount, intercept),
    workspace: (x, cols) => workspaceOn(share(x, cols, 1).handle, 0),
    share,
    workspaceOn,
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
