// The WebAssembly SIMD backend of the kernels (./kernels-shared.ts has the interface), over the module compiled
// from ./wasm/kernels.as.ts by `npm run build`.
import v8 from "node:v8";
import { checkCapacity, checkGram, checkGroup, checkScan, gramArrays, gramMatrixWith, gramRowsInto, type DualRows, type GramPlan, type GramWorkspace, type GroupRows, type LinalgKernels, type PassResult, type Scorer, type SharedRows, type SharedRowsHandle, type SparseRows, type SparseWorkspace, type WasmMemory } from "./kernels-shared.js";
import { takeMemoryTail } from "./wasm-module.js";

/** The slice of the WebAssembly API used here (the project's TS lib has no DOM/WebAssembly typings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
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
  svmPassGroup(
    indptr: number,
    indices: number,
    data: number,
    w: number,
    d: number,
    k: number,
    bias: number,
    y: number,
    cost: number,
    xsq: number,
    alpha: number,
    off: number,
    index: number,
    active: number,
    squared: number,
    pgOld: number,
    pgNew: number,
    dot: number,
    step: number,
  ): number;
  groupDots(indptr: number, indices: number, data: number, w: number, d: number, k: number, bias: number, rows: number, n: number, out: number): void;
  groupRemove(indptr: number, indices: number, data: number, w: number, d: number, k: number, bias: number, y: number, alpha: number, rows: number, n: number, step: number): void;
  scoreCsr(indptr: number, indices: number, data: number, rows: number, w: number, k: number, stride: number, intercept: number, out: number): void;
  spreadRows(at: number, features: number, k: number, stride: number): void;
  mapIndices(a: number, n: number, map: number): void;
  countOrder(counts: number, n: number, bound: number, start: number, at: number): number;
  gramPassGroup(
    q: number,
    n: number,
    k: number,
    y: number,
    cost: number,
    xsq: number,
    alpha: number,
    g: number,
    off: number,
    index: number,
    active: number,
    squared: number,
    pgOld: number,
    pgNew: number,
  ): number;
  gramRemove(q: number, n: number, k: number, y: number, alpha: number, g: number, rows: number, m: number): void;
  keptScan(w: number, from: number, to: number, lim: number, out: number): number;
  gramRows(from: number, end: number, rowOf: number, val: number, t0: number, t1: number, n: number, r0: number, r1: number, bias: number, out: number): void;
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
  private top: number;
  /** On `memory` (default: a new shared one), allocating from byte `top` on. */
  constructor(module: WasmModule, memory?: WasmMemory, top = 16) {
    this.top = align(top);
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

  /**
   * Copies map[a[p]] for each p in: a copy, then a renumbering in place by the module (the map copied in for it, and
   * its room zeroed and given back after); returns its offset.
   */
  putMapped(a: Int32Array, map: Int32Array): number {
    const at = this.put(a);
    const mark = this.mark;
    const mapAt = this.put(map);
    this.ex.mapIndices(at, a.length, mapAt);
    new Uint8Array(this.memory.buffer, mapAt, map.byteLength).fill(0);
    this.release(mark);
    return at;
  }
}

/**
 * Bytes per feature in the WebAssembly scorer's weights: k float32 rounded up to a power of two up to a cache
 * line (64 bytes), to whole cache lines above, so that a feature's weights never straddle a line more than they must.
 */
export function weightStride(k: number): number {
  const bytes = k * 4;
  if (bytes > 64) return (bytes + 63) & ~63;
  let s = 4;
  while (s < bytes) s *= 2;
  return s;
}

class WasmScorer implements Scorer {
  private readonly inst: Instance;
  private readonly wAt: number;
  private readonly bAt: number;
  /** Bytes from one feature's weights to the next's. */
  private readonly stride: number;
  constructor(
    module: WasmModule,
    weights: Float32Array,
    private readonly k: number,
    intercept: Float32Array,
  ) {
    this.inst = new Instance(module);
    // Each feature's weights on as few cache lines as hold them, padded with zeros (the kernel reads whole pairs;
    // the slack after the last feature covers its pair): most features of a batch are not in the cache, and each
    // line is a fetch from memory. Copied in whole, then spread in place by the module.
    this.stride = weightStride(k);
    const features = Math.floor(weights.length / k);
    this.wAt = (this.inst.alloc(features * this.stride + 64) + 63) & ~63;
    new Float32Array(this.inst.memory.buffer, this.wAt, features * k).set(weights.subarray(0, features * k));
    if (this.stride !== k * 4) this.inst.ex.spreadRows(this.wAt, features, k, this.stride);
    // The intercept in whole pairs, zeros past k (the kernel starts each row's scores from whole pairs).
    const padded = new Float32Array(((k + 1) >> 1) * 2);
    padded.set(intercept);
    this.bAt = this.inst.put(padded);
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
      // 16 bytes of room past the last row, where its last pair spills.
      const oAt = inst.alloc(x.rows * this.k * 4 + 16);
      inst.ex.scoreCsr(pAt, iAt, dAt, x.rows, this.wAt, this.k, this.stride, this.bAt, oAt);
      out.set(new Float32Array(inst.memory.buffer, oAt, x.rows * this.k));
    } finally {
      inst.release(mark);
    }
  }
}

/** Byte offsets, within one thread's slot of a shared-rows memory, of its weights and dual arrays. */
function slotLayout(rows: number, cols: number, group: number) {
  let at = 0;
  const take = (bytes: number): number => {
    const here = at;
    at = align(at + bytes);
    return here;
  };
  const lay = {
    w: take((cols + 1) * 8),
    pg: take(16),
    alpha: take(rows * 8),
    xsq: take(rows * 8),
    index: take(rows * 4),
    cost: take(rows * 4),
    y: take(rows),
    gw: take((cols + 1) * group * 4),
    gy: take(rows * group),
    galpha: take(rows * group * 8),
    goff: take(rows * group),
    gpgOld: take(16 * group),
    gpgNew: take(16 * group),
    gdot: take(8 * group),
    gstep: take(8 * group),
    glist: take(rows * 4),
    gdots: take(rows * group * 8),
  };
  return { ...lay, bytes: at };
}

class WasmWorkspace implements SparseWorkspace {
  readonly w: Float64Array;
  readonly dual: DualRows;
  readonly group: GroupRows;
  private readonly pg: Float64Array;
  private readonly wAt: number;
  private readonly lay: ReturnType<typeof slotLayout>;
  constructor(
    private readonly inst: Instance,
    private readonly at: { indptr: number; indices: number; data: number },
    base: number,
    private readonly rows: number,
    private readonly cols: number,
    capacity: number,
  ) {
    const rel = slotLayout(rows, cols, capacity);
    const lay = Object.fromEntries(Object.entries(rel).map(([key, v]) => [key, key === "bytes" ? v : base + v])) as typeof rel;
    this.lay = lay;
    this.wAt = lay.w;
    // Shared memory never detaches a view when it grows, and nothing is allocated after this anyway.
    const buf = inst.memory.buffer;
    this.w = new Float64Array(buf, this.wAt, cols + 1);
    this.w.fill(0);
    this.pg = new Float64Array(buf, lay.pg, 2);
    this.dual = {
      y: new Int8Array(buf, lay.y, rows),
      cost: new Float32Array(buf, lay.cost, rows),
      xsq: new Float64Array(buf, lay.xsq, rows),
      alpha: new Float64Array(buf, lay.alpha, rows),
      index: new Int32Array(buf, lay.index, rows),
    };
    this.group = {
      capacity,
      w: new Float32Array(buf, lay.gw, (cols + 1) * capacity),
      y: new Int8Array(buf, lay.gy, rows * capacity),
      alpha: new Float64Array(buf, lay.galpha, rows * capacity),
      off: new Uint8Array(buf, lay.goff, rows * capacity),
      pgOld: new Float64Array(buf, lay.gpgOld, 2 * capacity),
      pgNew: new Float64Array(buf, lay.gpgNew, 2 * capacity),
      list: new Int32Array(buf, lay.glist, rows),
      dots: new Float64Array(buf, lay.gdots, rows * capacity),
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
  svmPassGroup(k: number, active: number, squared: boolean, bias: number): number {
    checkGroup(k, this.group.capacity, active, this.rows);
    const { at, lay } = this;
    return this.inst.ex.svmPassGroup(at.indptr, at.indices, at.data, lay.gw, this.cols, k, bias, lay.gy, lay.cost, lay.xsq, lay.galpha, lay.goff, lay.index, active, squared ? 1 : 0, lay.gpgOld, lay.gpgNew, lay.gdot, lay.gstep);
  }
  groupDots(k: number, n: number, bias: number): void {
    checkGroup(k, this.group.capacity, n, this.rows);
    const { at, lay } = this;
    this.inst.ex.groupDots(at.indptr, at.indices, at.data, lay.gw, this.cols, k, bias, lay.glist, n, lay.gdots);
  }
  groupKept(from: number, to: number, lim: number): number {
    checkScan(from, to, lim, this.group.w.length, this.rows);
    return this.inst.ex.keptScan(this.lay.gw, from, to, lim, this.lay.glist);
  }
  groupRemove(k: number, n: number, bias: number): void {
    checkGroup(k, this.group.capacity, n, this.rows);
    const { at, lay } = this;
    this.inst.ex.groupRemove(at.indptr, at.indices, at.data, lay.gw, this.cols, k, bias, lay.gy, lay.galpha, lay.glist, n, lay.gstep);
  }
  reset(): void {
    this.w.fill(0);
  }
}

/** A {@link GramWorkspace} in a module instance of its own (the Gram matrix copied into its memory). */
function wasmGramWorkspace(module: WasmModule, q: Float64Array, n: number, capacity: number): GramWorkspace {
  checkGram(q, n, capacity);
  const inst = new Instance(module);
  const qAt = inst.put(q);
  const offsets = new Map<ArrayBufferView, number>();
  const views = gramArrays(n, capacity, (Ctor, length) => {
    const at = inst.alloc(length * Ctor.BYTES_PER_ELEMENT);
    // Shared memory never detaches a view when it grows.
    const view = new Ctor(inst.memory.buffer, at, length);
    offsets.set(view, at);
    return view;
  });
  const a = (v: ArrayBufferView): number => offsets.get(v)!;
  return {
    n,
    capacity,
    ...views,
    pass(k, active, squared) {
      checkGroup(k, capacity, active, n);
      const v = views;
      return inst.ex.gramPassGroup(qAt, n, k, a(v.y), a(v.cost), a(v.xsq), a(v.alpha), a(v.g), a(v.off), a(v.index), active, squared ? 1 : 0, a(v.pgOld), a(v.pgNew));
    },
    remove(k, m) {
      checkGroup(k, capacity, m, n);
      inst.ex.gramRemove(qAt, n, k, a(views.y), a(views.alpha), a(views.g), a(views.list), m);
    },
  };
}

/** The kernels that run a whole pass over the rows in one call: see {@link optimizeFirstCalls}. */
const SOLVER_KERNELS = ["svmPassGroup", "groupRemove", "groupDots", "svmPass", "gramPassGroup", "gramRemove", "gramRows"] as const;

/**
 * Calls each of `names` once with every argument 0 (no rows, no classes: nothing is read or written) while V8's
 * baseline compiler is off, so that each is compiled by the optimizing one. V8 compiles a function at its first
 * call, with the baseline compiler, and optimizes it only when it has run for a while, for its next call: a
 * solver's first pass over every row (one call) ran on baseline code, on cn-online-shopping-10cats ~50 ms slower
 * than the others in each thread. Optimizing them costs ~15 ms here instead. Where the flags cannot be set, the
 * kernels are compiled as usual; a process started without the baseline compiler is left as it is.
 */
function optimizeFirstCalls(ex: KernelExports, names: readonly (typeof SOLVER_KERNELS)[number][]): void {
  if (process.execArgv.some((a) => /^--?no[-_]liftoff$/.test(a))) return;
  try {
    v8.setFlagsFromString(V8_NO_BASELINE);
  } catch {
    return;
  }
  try {
    for (const name of names) {
      const f = ex[name] as (...args: number[]) => unknown;
      f(...new Array<number>(f.length).fill(0));
    }
  } finally {
    v8.setFlagsFromString(V8_BASELINE);
  }
}

/** V8's flags for its baseline (Liftoff) compiler, off and on (V8 reads one leading dash as two). */
const V8_NO_BASELINE = "-no-liftoff";
const V8_BASELINE = "-liftoff";

/** The WebAssembly backend on a compiled kernels module (bytes of kernels.wasm). */
export function wasmKernels(bytes: Uint8Array): LinalgKernels {
  const module = new (wasmApi().Module)(bytes);
  const share = (x: SparseRows, cols: number, slots: number, group = 1, columnAt?: Int32Array): SharedRows => {
    checkCapacity(group);
    // Values already in a shared memory whose tail is offered (a fit's compaction arena) stay where they are: the
    // rest is laid out in that tail (pricerunner: a 19 MB copy, and its fresh pages, spared).
    const tail = takeMemoryTail(x.data);
    const inst = tail ? new Instance(module, tail.memory, tail.top) : new Instance(module);
    const nnz = x.indptr[x.rows]!;
    const first = x.indptr[0]!;
    const indptr = first === 0 ? x.indptr.subarray(0, x.rows + 1) : Int32Array.from(x.indptr.subarray(0, x.rows + 1), (v) => v - first);
    const at = {
      indptr: inst.put(indptr),
      indices: columnAt ? inst.putMapped(x.indices.subarray(first, nnz), columnAt) : inst.put(x.indices.subarray(first, nnz)),
      data: tail ? x.data.byteOffset + first * 4 : inst.put(x.data.subarray(first, nnz)),
      slots: inst.alloc(slots * slotLayout(x.rows, cols, group).bytes),
    };
    const buf = inst.memory.buffer;
    const rows = {
      rows: x.rows,
      indptr: new Int32Array(buf, at.indptr, x.rows + 1),
      indices: new Int32Array(buf, at.indices, nnz - first),
      data: new Float32Array(buf, at.data, nnz - first),
    };
    return { x: rows, handle: { backend: "wasm-simd", rows: x.rows, cols, slots, group, memory: inst.memory, at } };
  };
  // Each thread's instance with a plan copied in (one per plan and thread), for gramRows.
  const planned = new WeakMap<GramPlan, { inst: Instance; at: Record<"from" | "end" | "rowOf" | "val", number> }>();
  const gramRows = (plan: GramPlan, r: number, bias: number, q: Float64Array): void => {
    let p = planned.get(plan);
    if (!p) {
      const inst = new Instance(module);
      p = { inst, at: { from: inst.put(plan.from), end: inst.put(plan.end), rowOf: inst.put(plan.rowOf), val: inst.put(plan.val) } };
      planned.set(plan, p);
    }
    const { inst, at } = p;
    gramRowsInto(q, plan, r, (out, r0, r1) => {
      const mark = inst.mark;
      try {
        const o = inst.alloc(out.byteLength);
        const view = new Float64Array(inst.memory.buffer, o, out.length);
        view.fill(0);
        inst.ex.gramRows(at.from, at.end, at.rowOf, at.val, plan.blockPtr[r]!, plan.blockPtr[r + 1]!, plan.n, r0, r1, bias, o);
        out.set(view);
      } finally {
        inst.release(mark);
      }
    });
  };
  const workspaceOn = (h: SharedRowsHandle, slot: number): SparseWorkspace => {
    if (h.backend !== "wasm-simd" || !h.memory || !h.at) throw new TypeError("These shared rows belong to the JavaScript kernels");
    if (!(slot >= 0 && slot < h.slots)) throw new RangeError(`Slot ${slot} is outside [0, ${h.slots})`);
    const inst = new Instance(module, h.memory);
    return new WasmWorkspace(inst, h.at, h.at.slots + slot * slotLayout(h.rows, h.cols, h.group).bytes, h.rows, h.cols, h.group);
  };
  let prepared = false;
  return {
    backend: "wasm-simd",
    prepareSolvers() {
      if (prepared) return;
      prepared = true;
      optimizeFirstCalls(new Instance(module).ex, SOLVER_KERNELS);
    },
    scorer: (weights, classCount, intercept) => new WasmScorer(module, weights, classCount, intercept),
    workspace: (x, cols, group = 1) => workspaceOn(share(x, cols, 1, group).handle, 0),
    share,
    workspaceOn,
    gramMatrix: (x, cols, bias, out) => gramMatrixWith(x, cols, bias, out, gramRows),
    gramRows,
    gramWorkspace: (q, n, group) => wasmGramWorkspace(module, q, n, group),
    countOrder(counts, bound) {
      const inst = new Instance(module);
      const at = inst.alloc(counts.byteLength);
      const start = inst.alloc((bound + 2) * 4);
      const bad = inst.ex.countOrder(inst.put(counts), counts.length, bound, start, at);
      if (bad >= 0) throw new RangeError(`A count of ${counts[bad]} (at ${bad}) is outside [0, ${bound}]`);
      return new Int32Array(inst.memory.buffer, at, counts.length).slice();
    },
  };
}
