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

/**
 * The arrays of K binary problems over one matrix's rows (views on the kernels' memory; capacity K =
 * `capacity`, used with a stride of the k passed to the kernels).
 */
export interface GroupRows {
  capacity: number;
  /**
   * Feature-major weights: w[j·k + c] (j = cols: the bias weights), float32 (half the memory traffic of the
   * passes; each update is computed in float64 and rounded once, and dot products accumulate in float64).
   */
  w: Float32Array;
  /** y[i·k + c]: ±1. */
  y: Int8Array;
  /** alpha[i·k + c]. */
  alpha: Float64Array;
  /** off[i·k + c]: 1 = shrunk or finished (skipped), 0 = active. */
  off: Uint8Array;
  /** Per class: [2c] largest, [2c + 1] smallest projected gradient of the previous pass (shrinking bounds). */
  pgOld: Float64Array;
  /** The same, of the last pass (written by svmPassGroup). */
  pgNew: Float64Array;
  /** Rows to score (groupDots) and their scores (rows × k). */
  list: Int32Array;
  dots: Float64Array;
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
  /** The arrays of K problems solved together ({@link SparseWorkspace.svmPassGroup}); K ≤ `groupCapacity`. */
  readonly group: GroupRows;
  /**
   * One pass of dual coordinate descent for `k` binary problems over the same rows at once, in the order
   * dual.index[0..active) (shared by the k problems); per row, dual.cost and dual.xsq; per (row, class), the
   * group arrays. Per class it does what {@link svmPass} does (the same operations in the same order), with
   * shrinking by flags (group.off) instead of by moving rows; a row leaves the active head once all its
   * classes are off. Returns the new active count; group.pgNew holds each class's largest and smallest
   * projected gradient.
   */
  svmPassGroup(k: number, active: number, squared: boolean, bias: number): number;
  /**
   * Takes rows group.list[0..n) out of the k problems' solution: their alphas to 0, their share of the
   * weights removed (w[j·k + c] −= alpha·y·x_ij, and the bias weights).
   */
  groupRemove(k: number, n: number, bias: number): void;
  /** group.dots[t·k + c] = class c's score (its weights and bias weight) of row group.list[t], for t < n. */
  groupDots(k: number, n: number, bias: number): void;
  /**
   * The positions p in [from, to) of group.w whose |w[p]| ≥ lim (a float32 bound: see {@link float32AtLeast}),
   * ascending, into group.list; returns how many. to − from is at most the row count (group.list's length).
   */
  groupKept(from: number, to: number, lim: number): number;
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
  /** The group capacity of each slot's workspace. */
  group: number;
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
  /** A workspace over `x` (copied once where the backend needs its own memory), for groups of up to `group` problems (default 1). */
  workspace(x: SparseRows, cols: number, group?: number): SparseWorkspace;
  /** Copies `x` once into memory that `slots` threads share (see {@link SharedRows}); workspaces for groups of up to `group` problems. */
  share(x: SparseRows, cols: number, slots: number, group?: number): SharedRows;
  /** Weight slot `slot` (0 ≤ slot < handle.slots) over shared rows; one slot per thread at a time. */
  workspaceOn(handle: SharedRowsHandle, slot: number): SparseWorkspace;
  /**
   * The Gram matrix of x's rows (cols columns) with a constant bias feature: q[i·n + j] = x_i·x_j + bias² (float64;
   * the products of float32 entries, summed feature by feature), into `out` when given (n² values).
   */
  gramMatrix(x: SparseRows, cols: number, bias: number, out?: Float64Array): Float64Array;
  /**
   * Block r's rows of that Gram matrix's upper triangle (b ≥ a), from x's {@link gramPlan}, into q (n × n; only
   * those entries are written, each the same sum as gramMatrix's): threads may fill different blocks of one q,
   * then {@link gramMirror} completes it.
   */
  gramRows(plan: GramPlan, r: number, bias: number, q: Float64Array): void;
  /** A workspace for groups of up to `group` problems in the dual space over the n × n Gram matrix `q` (copied in where the backend needs its own memory). */
  gramWorkspace(q: Float64Array, n: number, group: number): GramWorkspace;
}

/**
 * K binary SVM problems over n rows in the dual space (classification/gram-cd.ts): the rows' Gram matrix and,
 * class-major ([c·n + i], a stride of n whatever the k passed), the problems' arrays (views on the kernels' memory).
 */
export interface GramWorkspace {
  readonly n: number;
  readonly capacity: number;
  /** Per (class, row): ±1. */
  readonly y: Int8Array;
  /** Per row: C_i, and q_ii (‖x_i‖² + bias²). */
  readonly cost: Float32Array;
  readonly xsq: Float64Array;
  /** Per (class, row): the dual variable, and the score Σ_j alpha·y·q_ij. */
  readonly alpha: Float64Array;
  readonly g: Float64Array;
  readonly off: Uint8Array;
  readonly pgOld: Float64Array;
  readonly pgNew: Float64Array;
  readonly index: Int32Array;
  /** Rows for {@link GramWorkspace.remove}. */
  readonly list: Int32Array;
  /** svmPassGroup's pass in the dual space (see kernels.as.ts's gramPassGroup); returns the new active count. */
  pass(k: number, active: number, squared: boolean): number;
  /** Takes rows list[0..m) out of the k problems' solution (alphas to 0, their share of the scores removed). */
  remove(k: number, m: number): void;
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
        swapOut(index, s, --active, i);
        s--;
        continue;
      } else if (g < 0) pg = g;
    } else if (a === upper) {
      if (g < pgMinOld) {
        swapOut(index, s, --active, i);
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

function newGroupRows(rows: number, cols: number, capacity: number): GroupRows {
  checkCapacity(capacity);
  return {
    capacity,
    w: new Float32Array((cols + 1) * capacity),
    y: new Int8Array(rows * capacity),
    alpha: new Float64Array(rows * capacity),
    off: new Uint8Array(rows * capacity),
    pgOld: new Float64Array(2 * capacity),
    pgNew: new Float64Array(2 * capacity),
    list: new Int32Array(rows),
    dots: new Float64Array(rows * capacity),
  };
}

function allOff(off: Uint8Array, ik: number, k: number): boolean {
  for (let c = 0; c < k; c++) if (off[ik + c] === 0) return false;
  return true;
}

/** A group pass's bounds before it visits any row: pgNew[2c] = −∞, pgNew[2c + 1] = +∞ for c < k. */
function resetBounds(pgNew: Float64Array, k: number): void {
  for (let c = 0; c < k; c++) {
    pgNew[2 * c] = -Infinity;
    pgNew[2 * c + 1] = Infinity;
  }
}

/** index[s] = index[last], index[last] = i (row i, at s, leaves the active head), as kernels.as.ts's swapOut. */
function swapOut(index: Int32Array, s: number, last: number, i: number): void {
  index[s] = index[last]!;
  index[last] = i;
}

/**
 * The projected gradient of a group's coordinate at alpha = a (gradient gr, upper bound `upper`) for class c, or
 * NaN when shrinking takes it out (at a bound, beyond the previous pass's pgOld); recorded in pgNew. Shared by
 * the group passes (as kernels.as.ts's projectedGradient).
 */
function projectedGradient(a: number, gr: number, upper: number, pgOld: Float64Array, pgNew: Float64Array, c: number): number {
  let pg = 0;
  if (a === 0) {
    if (gr > pgOld[2 * c]!) return NaN;
    if (gr < 0) pg = gr;
  } else if (a === upper) {
    if (gr < pgOld[2 * c + 1]!) return NaN;
    if (gr > 0) pg = gr;
  } else pg = gr;
  if (pg > pgNew[2 * c]!) pgNew[2 * c] = pg;
  if (pg < pgNew[2 * c + 1]!) pgNew[2 * c + 1] = pg;
  return pg;
}

/** The JavaScript twin of the WebAssembly `svmPassGroup` (see {@link SparseWorkspace.svmPassGroup}). */
export function svmPassGroupJs(x: SparseRows, t: DualRows, g: GroupRows, k: number, active: number, squared: boolean, bias: number): number {
  const { indptr, indices, data } = x;
  const { cost, xsq, index } = t;
  const { w, y, alpha, off, pgOld, pgNew } = g;
  const base = (w.length / g.capacity - 1) * k;
  const dot = new Float64Array(k);
  const step = new Float64Array(k);
  resetBounds(pgNew, k);
  for (let s = 0; s < active; s++) {
    const i = index[s]!;
    const ik = i * k;
    if (allOff(off, ik, k)) {
      swapOut(index, s, --active, i);
      s--;
      continue;
    }
    const ci = cost[i]!;
    const diag = squared ? 0.5 / ci : 0;
    const upper = squared ? Infinity : ci;
    const start = indptr[i]!;
    const end = indptr[i + 1]!;
    for (let c = 0; c < k; c++) dot[c] = w[base + c]! * bias;
    for (let p = start; p < end; p++) {
      const v = data[p]!;
      const wr = indices[p]! * k;
      for (let c = 0; c < k; c++) dot[c]! += w[wr + c]! * v;
    }
    let moved = false;
    for (let c = 0; c < k; c++) {
      step[c] = 0;
      if (off[ik + c] !== 0) continue;
      const yi = y[ik + c]!;
      const a = alpha[ik + c]!;
      const gr = yi * dot[c]! - 1 + a * diag;
      const pg = projectedGradient(a, gr, upper, pgOld, pgNew, c);
      if (pg !== pg) {
        off[ik + c] = 1;
        continue;
      }
      if (pg > 1e-12 || pg < -1e-12) {
        const na = Math.min(Math.max(a - gr / (xsq[i]! + diag), 0), upper);
        alpha[ik + c] = na;
        step[c] = (na - a) * yi;
        moved = true;
      }
    }
    if (moved) {
      for (let p = start; p < end; p++) {
        const v = data[p]!;
        const wr = indices[p]! * k;
        for (let c = 0; c < k; c++) w[wr + c]! += step[c]! * v;
      }
      for (let c = 0; c < k; c++) w[base + c]! += step[c]! * bias;
    } else if (allOff(off, ik, k)) {
      // Every class of the row shrunk now: it leaves the active head at once (as svmPass's rows do).
      swapOut(index, s, --active, i);
      s--;
    }
  }
  return active;
}

/** The JavaScript twin of the WebAssembly `groupRemove`. */
export function groupRemoveJs(x: SparseRows, g: GroupRows, k: number, n: number, bias: number): void {
  const { indptr, indices, data } = x;
  const { w, y, alpha, list } = g;
  const base = (w.length / g.capacity - 1) * k;
  const step = new Float64Array(k);
  for (let t = 0; t < n; t++) {
    const ik = list[t]! * k;
    for (let c = 0; c < k; c++) {
      step[c] = -alpha[ik + c]! * y[ik + c]!;
      alpha[ik + c] = 0;
    }
    const i = list[t]!;
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
      const v = data[p]!;
      const wr = indices[p]! * k;
      for (let c = 0; c < k; c++) w[wr + c]! += step[c]! * v;
    }
    for (let c = 0; c < k; c++) w[base + c]! += step[c]! * bias;
  }
}

/** The JavaScript twin of the WebAssembly `groupDots`. */
export function groupDotsJs(x: SparseRows, g: GroupRows, k: number, n: number, bias: number): void {
  const { indptr, indices, data } = x;
  const { w, list, dots } = g;
  const base = (w.length / g.capacity - 1) * k;
  for (let t = 0; t < n; t++) {
    const i = list[t]!;
    const o = t * k;
    for (let c = 0; c < k; c++) dots[o + c] = w[base + c]! * bias;
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
      const v = data[p]!;
      const wr = indices[p]! * k;
      for (let c = 0; c < k; c++) dots[o + c]! += w[wr + c]! * v;
    }
  }
}

/**
 * What the rows of a Gram matrix are summed from ({@link gramPlan}): x's columns (CSC: rowOf, val at positions
 * [start_j, start_{j+1}), rows ascending) and, for each block of `block` rows (block r's entries at
 * [blockPtr[r], blockPtr[r + 1]), in the CSC's order: by column, then row), each entry's position `from` in the CSC
 * and its column's end `end`: row a of the upper triangle is, over its entries in that order, the sum of
 * val[from]·val[b'] into column rowOf[b'] for b' in [from, end) (the column's rows from a on).
 */
export interface GramPlan {
  n: number;
  block: number;
  blockPtr: Int32Array;
  from: Int32Array;
  end: Int32Array;
  rowOf: Int32Array;
  val: Float64Array;
}

/** Rows of a {@link GramPlan}'s blocks (flipkart-1050: 840 rows in 14 blocks, which the threads share). */
export const GRAM_BLOCK_ROWS = 64;

/**
 * The {@link GramPlan} of x's rows (cols columns), its arrays on shared memory with `shared` (so that threads can
 * each fill some of the blocks: {@link LinalgKernels.gramRows}).
 */
export function gramPlan(x: SparseRows, cols: number, shared = false, block = GRAM_BLOCK_ROWS): GramPlan {
  const { indptr, indices, data } = x;
  const n = x.rows;
  const blocks = Math.ceil(n / block);
  const first = indptr[0]!;
  const nnz = indptr[n]! - first;
  const ints = (length: number): Int32Array => (shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length));
  const start = new Int32Array(cols + 1);
  for (let p = first; p < first + nnz; p++) start[indices[p]! + 1]!++;
  for (let j = 0; j < cols; j++) start[j + 1]! += start[j]!;
  const rowOf = ints(nnz);
  const val = shared ? new Float64Array(new SharedArrayBuffer(nnz * 8)) : new Float64Array(nnz);
  const fill = start.slice(0, cols);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
      const at = fill[indices[p]!]!++;
      rowOf[at] = i;
      val[at] = data[p]!;
    }
  }
  const blockPtr = ints(blocks + 1);
  for (let i = 0; i < n; i++) blockPtr[((i / block) | 0) + 1]! += indptr[i + 1]! - indptr[i]!;
  for (let r = 0; r < blocks; r++) blockPtr[r + 1]! += blockPtr[r]!;
  const from = ints(nnz);
  const end = ints(nnz);
  const next = blockPtr.slice(0, blocks);
  for (let j = 0; j < cols; j++) {
    const e = start[j + 1]!;
    for (let b = start[j]!; b < e; b++) {
      const t = next[(rowOf[b]! / block) | 0]!++;
      from[t] = b;
      end[t] = e;
    }
  }
  return { n, block, blockPtr, from, end, rowOf, val };
}

/**
 * The JavaScript twin of the WebAssembly `gramRows`: block r's rows [r0, r1) of the Gram matrix's upper triangle,
 * with the bias², into out[(a − r0)·n + b] for b ≥ a (out zeroed).
 */
export function gramRowsJs(plan: GramPlan, r: number, bias: number, out: Float64Array): void {
  const { n, block, blockPtr, from, end, rowOf, val } = plan;
  const r0 = r * block;
  const r1 = Math.min(n, r0 + block);
  for (let t = blockPtr[r]!; t < blockPtr[r + 1]!; t++) {
    const f = from[t]!;
    const e = end[t]!;
    const va = val[f]!;
    const base = (rowOf[f]! - r0) * n;
    for (let b = f; b < e; b++) out[base + rowOf[b]!]! += va * val[b]!;
  }
  const bb = bias * bias;
  for (let a = r0; a < r1; a++) for (let b = a; b < n; b++) out[(a - r0) * n + b]! += bb;
}

/** The smallest float32 ≥ v (v ≥ 0): for a float32 w, |w| ≥ v exactly when |w| ≥ float32AtLeast(v). */
export function float32AtLeast(v: number): number {
  const f = Math.fround(v);
  if (f >= v) return f;
  const bits = new Uint32Array(Float32Array.of(f).buffer);
  bits[0]!++;
  return new Float32Array(bits.buffer)[0]!;
}

/** The JavaScript twin of the WebAssembly `keptScan` (see {@link SparseWorkspace.groupKept}). */
export function keptScanJs(w: Float32Array, from: number, to: number, lim: number, out: Int32Array): number {
  let m = 0;
  for (let p = from; p < to; p++) {
    const v = w[p]!;
    if (v >= lim || v <= -lim) out[m++] = p;
  }
  return m;
}

function checkScan(from: number, to: number, lim: number, length: number, rows: number): void {
  if (!(from >= 0 && from <= to && to <= length && to - from <= rows)) throw new RangeError(`Positions [${from}, ${to}) outside [0, ${length}] or over ${rows}`);
  if (!(lim > 0) || Math.fround(lim) !== lim) throw new RangeError(`The bound ${lim} is not a positive float32`);
}

/** Copies the upper triangle of the n × n q onto its lower one. */
export function gramMirror(q: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) q[j * n + i] = q[i * n + j]!;
}

/** Block r's rows of the Gram matrix q (n × n) filled (upper triangle, b ≥ a) by `rows` into a zeroed block of rows. */
function gramRowsInto(q: Float64Array, plan: GramPlan, r: number, rows: (out: Float64Array, r0: number, r1: number) => void): void {
  const n = plan.n;
  if (q.length !== n * n) throw new RangeError(`A Gram matrix of ${q.length} values for ${n} rows`);
  if (!(Number.isInteger(r) && r >= 0 && r < plan.blockPtr.length - 1)) throw new RangeError(`Block ${r} is outside [0, ${plan.blockPtr.length - 1})`);
  const r0 = r * plan.block;
  const r1 = Math.min(n, r0 + plan.block);
  const block = new Float64Array((r1 - r0) * n);
  rows(block, r0, r1);
  // Only the upper triangle is written: a thread filling other rows, or mirroring finished ones, is not disturbed.
  for (let a = r0; a < r1; a++) q.set(block.subarray((a - r0) * n + a, (a - r0 + 1) * n), a * n + a);
}

/** The Gram matrix through `rows` (see {@link LinalgKernels.gramMatrix}). */
function gramMatrixWith(x: SparseRows, cols: number, bias: number, out: Float64Array | undefined, rows: LinalgKernels["gramRows"]): Float64Array {
  const n = x.rows;
  const q = out ?? new Float64Array(n * n);
  if (q.length !== n * n) throw new RangeError(`A Gram matrix of ${q.length} values for ${n} rows`);
  const plan = gramPlan(x, cols);
  for (let r = 0; r < plan.blockPtr.length - 1; r++) rows(plan, r, bias, q);
  gramMirror(q, n);
  return q;
}

/** The views of a {@link GramWorkspace}, without its methods. */
type GramArrays = Omit<GramWorkspace, "pass" | "remove"> & { q: Float64Array };

function gramMoveJs(g: Float64Array, o: number, q: Float64Array, qi: number, n: number, s: number): void {
  for (let j = 0; j < n; j++) g[o + j]! += s * q[qi + j]!;
}

function gramAllOffJs(off: Uint8Array, n: number, k: number, i: number): boolean {
  for (let c = 0; c < k; c++) if (off[c * n + i] === 0) return false;
  return true;
}

/** The JavaScript twin of the WebAssembly `gramPassGroup`. */
export function gramPassGroupJs(t: GramArrays, k: number, active: number, squared: boolean): number {
  const { n, q, y, cost, xsq, alpha, g, off, pgOld, pgNew, index } = t;
  resetBounds(pgNew, k);
  for (let s = 0; s < active; s++) {
    const i = index[s]!;
    if (gramAllOffJs(off, n, k, i)) {
      swapOut(index, s, --active, i);
      s--;
      continue;
    }
    const ci = cost[i]!;
    const diag = squared ? 0.5 / ci : 0;
    const upper = squared ? Infinity : ci;
    let moved = false;
    for (let c = 0; c < k; c++) {
      const at = c * n + i;
      if (off[at] !== 0) continue;
      const yi = y[at]!;
      const a = alpha[at]!;
      const gr = yi * g[at]! - 1 + a * diag;
      const pg = projectedGradient(a, gr, upper, pgOld, pgNew, c);
      if (pg !== pg) {
        off[at] = 1;
        continue;
      }
      if (pg > 1e-12 || pg < -1e-12) {
        const na = Math.min(Math.max(a - gr / (xsq[i]! + diag), 0), upper);
        alpha[at] = na;
        gramMoveJs(g, c * n, q, i * n, n, (na - a) * yi);
        moved = true;
      }
    }
    if (!moved && gramAllOffJs(off, n, k, i)) {
      swapOut(index, s, --active, i);
      s--;
    }
  }
  return active;
}

/** The JavaScript twin of the WebAssembly `gramRemove`. */
export function gramRemoveJs(t: GramArrays, k: number, m: number): void {
  const { n, q, y, alpha, g, list } = t;
  for (let r = 0; r < m; r++) {
    const i = list[r]!;
    for (let c = 0; c < k; c++) {
      const at = c * n + i;
      const a = alpha[at]!;
      if (a === 0) continue;
      alpha[at] = 0;
      gramMoveJs(g, c * n, q, i * n, n, -a * y[at]!);
    }
  }
}

function checkGram(q: Float64Array, n: number, group: number): void {
  checkCapacity(group);
  if (q.length !== n * n) throw new RangeError(`A Gram matrix of ${q.length} values for ${n} rows`);
}

/** The arrays of a {@link GramWorkspace} over n rows, capacity problems, from `alloc` (typed arrays of the given lengths). */
function gramArrays(n: number, capacity: number, alloc: <T extends TypedArray>(Ctor: TypedArrayClass<T>, length: number) => T): Omit<GramWorkspace, "n" | "capacity" | "pass" | "remove"> {
  const nk = n * capacity;
  return {
    y: alloc(Int8Array, nk),
    cost: alloc(Float32Array, n),
    xsq: alloc(Float64Array, n),
    alpha: alloc(Float64Array, nk),
    g: alloc(Float64Array, nk),
    off: alloc(Uint8Array, nk),
    pgOld: alloc(Float64Array, 2 * capacity),
    pgNew: alloc(Float64Array, 2 * capacity),
    index: alloc(Int32Array, n),
    list: alloc(Int32Array, n),
  };
}
type TypedArray = Int8Array | Uint8Array | Int32Array | Float32Array | Float64Array;
type TypedArrayClass<T extends TypedArray> = (new (length: number) => T) & (new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T) & { BYTES_PER_ELEMENT: number };

/** The JavaScript Gram workspace: its arrays, and the JavaScript twins. */
function jsGramWorkspace(q: Float64Array, n: number, capacity: number): GramWorkspace {
  checkGram(q, n, capacity);
  const t: GramArrays = { q, n, capacity, ...gramArrays(n, capacity, (Ctor, length) => new Ctor(length)) };
  return {
    ...t,
    pass(k, active, squared) {
      checkGroup(k, capacity, active, n);
      return gramPassGroupJs(t, k, active, squared);
    },
    remove(k, m) {
      checkGroup(k, capacity, m, n);
      gramRemoveJs(t, k, m);
    },
  };
}

class JsWorkspace implements SparseWorkspace {
  readonly w: Float64Array;
  readonly dual: DualRows;
  readonly group: GroupRows;
  constructor(
    private readonly x: SparseRows,
    cols: number,
    groupCapacity = 1,
  ) {
    this.w = new Float64Array(cols + 1);
    this.dual = newDualRows(x.rows);
    this.group = newGroupRows(x.rows, cols, groupCapacity);
  }
  svmPass(active: number, squared: boolean, bias: number, pgMaxOld: number, pgMinOld: number): PassResult {
    return svmPassJs(this.x, this.w, this.dual, active, squared, bias, pgMaxOld, pgMinOld);
  }
  svmPassGroup(k: number, active: number, squared: boolean, bias: number): number {
    checkGroup(k, this.group.capacity, active, this.x.rows);
    return svmPassGroupJs(this.x, this.dual, this.group, k, active, squared, bias);
  }
  groupDots(k: number, n: number, bias: number): void {
    checkGroup(k, this.group.capacity, n, this.x.rows);
    groupDotsJs(this.x, this.group, k, n, bias);
  }
  groupKept(from: number, to: number, lim: number): number {
    checkScan(from, to, lim, this.group.w.length, this.x.rows);
    return keptScanJs(this.group.w, from, to, lim, this.group.list);
  }
  groupRemove(k: number, n: number, bias: number): void {
    checkGroup(k, this.group.capacity, n, this.x.rows);
    groupRemoveJs(this.x, this.group, k, n, bias);
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

/** The most problems a group may hold (the WebAssembly kernels keep a row's sums in four SIMD registers). */
export const GROUP_LIMIT = 8;

function checkCapacity(group: number): void {
  if (!(Number.isInteger(group) && group >= 1 && group <= GROUP_LIMIT)) throw new RangeError(`A group capacity of ${group} is outside [1, ${GROUP_LIMIT}]`);
}

function checkGroup(k: number, capacity: number, n: number, rows: number): void {
  if (!(k >= 1 && k <= capacity)) throw new RangeError(`A group of ${k} problems is outside [1, ${capacity}]`);
  if (!(n >= 0 && n <= rows)) throw new RangeError(`${n} rows is outside [0, ${rows}]`);
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
  workspace: (x, cols, group = 1) => new JsWorkspace(x, cols, group),
  share(x, cols, slots, group = 1) {
    const rows = { rows: x.rows, indptr: toShared(x.indptr), indices: toShared(x.indices), data: toShared(x.data) };
    return { x: rows, handle: { backend: "js", cols, slots, group, ...rows } };
  },
  gramMatrix: (x, cols, bias, out) => gramMatrixWith(x, cols, bias, out, jsKernels.gramRows),
  gramRows: (plan, r, bias, q) => gramRowsInto(q, plan, r, (out) => gramRowsJs(plan, r, bias, out)),
  gramWorkspace: jsGramWorkspace,
  workspaceOn(h, slot) {
    if (h.backend !== "js" || !h.indptr || !h.indices || !h.data) throw new TypeError("These shared rows belong to the WebAssembly kernels");
    if (!(slot >= 0 && slot < h.slots)) throw new RangeError(`Slot ${slot} is outside [0, ${h.slots})`);
    return new JsWorkspace({ rows: h.rows, indptr: h.indptr, indices: h.indices, data: h.data }, h.cols, h.group);
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
    // Each feature's weights on as few cache lines as hold them (padded; the padding is never read): most
    // features of a batch are not in the cache, and each line is a fetch from memory.
    this.stride = weightStride(k);
    const features = Math.floor(weights.length / k);
    const per = this.stride >> 2;
    this.wAt = (this.inst.alloc(features * this.stride + 64) + 63) & ~63;
    const laid = new Float32Array(this.inst.memory.buffer, this.wAt, features * per);
    if (per === k) laid.set(weights);
    else for (let f = 0, i = 0; f < features; f++) for (let c = 0, o = f * per; c < k; c++) laid[o + c] = weights[i++]!;
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

/** The WebAssembly backend on a compiled kernels module (bytes of kernels.wasm). */
export function wasmKernels(bytes: Uint8Array): LinalgKernels {
  const module = new (wasmApi().Module)(bytes);
  const share = (x: SparseRows, cols: number, slots: number, group = 1): SharedRows => {
    checkCapacity(group);
    const inst = new Instance(module);
    const nnz = x.indptr[x.rows]!;
    const first = x.indptr[0]!;
    const indptr = first === 0 ? x.indptr.subarray(0, x.rows + 1) : Int32Array.from(x.indptr.subarray(0, x.rows + 1), (v) => v - first);
    const at = {
      indptr: inst.put(indptr),
      indices: inst.put(x.indices.subarray(first, nnz)),
      data: inst.put(x.data.subarray(first, nnz)),
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
  return {
    backend: "wasm-simd",
    scorer: (weights, classCount, intercept) => new WasmScorer(module, weights, classCount, intercept),
    workspace: (x, cols, group = 1) => workspaceOn(share(x, cols, 1, group).handle, 0),
    share,
    workspaceOn,
    gramMatrix: (x, cols, bias, out) => gramMatrixWith(x, cols, bias, out, gramRows),
    gramRows,
    gramWorkspace: (q, n, group) => wasmGramWorkspace(module, q, n, group),
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
