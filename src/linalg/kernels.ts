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
 * Per-row arrays of one binary dual problem, which {@link SparseWorkspace.svmPass} reads and updates (views on
 * the kernels' memory, one value per row of the workspace's matrix; fill them before a pass).
 */
export interface DualRows {
  /** Label, +1 or -1. */
  y: Int8Array;
  /** Upper bound C_i. */
  cost: Float32Array;
  /** ‖x_i‖² + bias². */
  xsq: Float64Array;
  /** Dual variable (updated by the passes). */
  alpha: Float64Array;
  /** The order in which a pass visits rows; its head is the active set. */
  index: Int32Array;
}

/** What {@link SparseWorkspace.svmPass} reports about the pass it made. */
export interface PassResult {
  /** Rows still active (index[0..active)). */
  active: number;
  /** Largest and smallest projected gradient over the rows it visited (-∞ / +∞ when none). */
  pgMax: number;
  pgMin: number;
}

/**
 * The dual coordinate descent's kernels over one CSR matrix's rows and a float64 weight vector `w` (cols + 1
 * values: the weights then the bias weight): sparse dot and axpy, and whole passes of the SVM solver.
 */
export interface SparseWorkspace {
  /** The weight vector the kernels update (a view: read it, set it, but do not keep it across `reset`). */
  readonly w: Float64Array;
  /** The per-row arrays of the problem being solved (views; see {@link DualRows}). */
  readonly dual: DualRows;
  /**
   * One pass of dual coordinate descent for the SVM losses (squared hinge when `squared`, else hinge) over
   * dual.index[0..active) in that order, with LIBLINEAR's shrinking against the previous pass's
   * `pgMaxOld` / `pgMinOld` (±∞ = shrink nothing): updates w and dual.alpha, moves shrunk rows behind the
   * active head of dual.index.
   */
  svmPass(active: number, squared: boolean, bias: number, pgMaxOld: number, pgMinOld: number): PassResult;
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
  at?: { indptr: number; indices: number; data: number; slots: number };
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

function newDualRows(rows: number): DualRows {
  return { y: new Int8Array(rows), cost: new Float32Array(rows), xsq: new Float64Array(rows), alpha: new Float64Array(rows), index: new Int32Array(rows) };
}

/**
 * The JavaScript twin of the WebAssembly `svmPass` (same operations in the same order, so the same bits);
 * see {@link SparseWorkspace.svmPass}.
 */
export function svmPassJs(
  x: SparseRows,
  w: Float64Array,
  t: DualRows,
  active: number,
  squared: boolean,
  bias: number,
  pgMaxOld: number,
  pgMinOld: number,
): PassResult {
  const { indptr, indices, data } = x;
  const { y, cost, xsq, alpha, index } = t;
  const d = w.length - 1;
  let pgMaxNew = -Infinity;
  let pgMinNew = Infinity;
  for (let s = 0; s < active; s++) {
    const i = index[s]!;
    const yi = y[i]!;
    const ci = cost[i]!;
    // Squared hinge: diag = 1/(2C), no upper bound; hinge: diag = 0, upper bound C.
    const diag = squared ? 0.5 / ci : 0;
    const upper = squared ? Infinity : ci;
    const start = indptr[i]!;
    const end = indptr[i + 1]!;
    let dot = w[d]! * bias;
    for (let p = start; p < end; p++) dot += w[indices[p]!]! * data[p]!;
    const a = alpha[i]!;
    const g = yi * dot - 1 + a * diag;
    let pg = 0;
    if (a === 0) {
      if (g > pgMaxOld) {
        active--;
        index[s] = index[active]!;
        index[active] = i;
        s--;
        continue;
      } else if (g < 0) pg = g;
    } else if (a === upper) {
      if (g < pgMinOld) {
        active--;
        index[s] = index[active]!;
        index[active] = i;
        s--;
        continue;
      } else if (g > 0) pg = g;
    } else pg = g;
    if (pg > pgMaxNew) pgMaxNew = pg;
    if (pg < pgMinNew) pgMinNew = pg;
    if (pg > 1e-12 || pg < -1e-12) {
      const na = Math.min(Math.max(a - g / (xsq[i]! + diag), 0), upper);
      alpha[i] = na;
      const step = (na - a) * yi;
      for (let p = start; p < end; p++) w[indices[p]!]! += step * data[p]!;
      w[d]! += step * bias;
    }
  }
  return { active, pgMax: pgMaxNew, pgMin: pgMinNew };
}

class JsWorkspace implements SparseWorkspace {
  readonly w: Float64Array;
  readonly dual: DualRows;
  constructor(
    private readonly x: SparseRows,
    cols: number,
  ) {
    this.w = new Float64Array(cols + 1);
    this.dual = newDualRows(x.rows);
  }
  svmPass(active: number, squared: boolean, bias: number, pgMaxOld: number, pgMinOld: number): PassResult {
    return svmPassJs(this.x, this.w, this.dual, active, squared, bias, pgMaxOld, pgMinOld);
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
  svmPass(
    indptr: number,
    indices: number,
    data: number,
    w: number,
    d: number,
    bias: number,
    y: number,
    cost: number,
    xsq: number,
    alpha: number,
    index: number,
    active: number,
    squared: number,
    pgMaxOld: number,
    pgMinOld: number,
    pg: number,
  ): number;
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

/** Byte offsets, within one thread's slot of a shared-rows memory, of its weights and dual arrays. */
function slotLayout(rows: number, cols: number): { w: number; pg: number; alpha: number; xsq: number; index: number; cost: number; y: number; bytes: number } {
  const w = 0;
  const pg = align(w + (cols + 1) * 8);
  const alpha = align(pg + 16);
  const xsq = align(alpha + rows * 8);
  const index = align(xsq + rows * 8);
  const cost = align(index + rows * 4);
  const y = align(cost + rows * 4);
  return { w, pg, alpha, xsq, index, cost, y, bytes: align(y + rows) };
}

class WasmWorkspace implements SparseWorkspace {
  readonly w: Float64Array;
  readonly dual: DualRows;
  private readonly pg: Float64Array;
  private readonly wAt: number;
  private readonly lay: ReturnType<typeof slotLayout>;
  constructor(
    private readonly inst: Instance,
    private readonly at: { indptr: number; indices: number; data: number },
    base: number,
    private readonly rows: number,
    private readonly cols: number,
  ) {
    const lay = slotLayout(rows, cols);
    this.lay = { ...lay, w: base + lay.w, pg: base + lay.pg, alpha: base + lay.alpha, xsq: base + lay.xsq, index: base + lay.index, cost: base + lay.cost, y: base + lay.y };
    this.wAt = this.lay.w;
    // Shared memory never detaches a view when it grows, and nothing is allocated after this anyway.
    const buf = inst.memory.buffer;
    this.w = new Float64Array(buf, this.wAt, cols + 1);
    this.w.fill(0);
    this.pg = new Float64Array(buf, this.lay.pg, 2);
    this.dual = {
      y: new Int8Array(buf, this.lay.y, rows),
      cost: new Float32Array(buf, this.lay.cost, rows),
      xsq: new Float64Array(buf, this.lay.xsq, rows),
      alpha: new Float64Array(buf, this.lay.alpha, rows),
      index: new Int32Array(buf, this.lay.index, rows),
    };
  }
  dot(init: number, start: number, end: number): number {
    return this.inst.ex.sparseDot(init, this.at.indices, this.at.data, this.wAt, start, end);
  }
  axpy(step: number, start: number, end: number): void {
    this.inst.ex.sparseAxpy(step, this.at.indices, this.at.data, this.wAt, start, end);
  }
  svmPass(active: number, squared: boolean, bias: number, pgMaxOld: number, pgMinOld: number): PassResult {
    const { at, lay } = this;
    if (!(active >= 0 && active <= this.rows)) throw new RangeError(`Active rows ${active} outside [0, ${this.rows}]`);
    const left = this.inst.ex.svmPass(at.indptr, at.indices, at.data, this.wAt, this.cols, bias, lay.y, lay.cost, lay.xsq, lay.alpha, lay.index, active, squared ? 1 : 0, pgMaxOld, pgMinOld, lay.pg);
    return { active: left, pgMax: this.pg[0]!, pgMin: this.pg[1]! };
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
      slots: inst.alloc(slots * slotLayout(x.rows, cols).bytes),
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
    return new WasmWorkspace(inst, h.at, h.at.slots + slot * slotLayout(h.rows, h.cols).bytes, h.rows, h.cols);
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
