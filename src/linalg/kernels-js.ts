// The JavaScript backend of the kernels (./kernels-shared.ts has the interface): the fallback when the WebAssembly
// module is missing or cannot be instantiated, or when ASSORT_NO_WASM=1. The same floating-point operations in
// the same order as ./wasm/kernels.as.ts, so both give identical bits (kernels.test.ts checks it).
import { checkCapacity, checkGram, checkGroup, checkScan, gramArrays, gramMatrixWith, gramRowsInto, mapInto, type DualRows, type GramPlan, type GramWorkspace, type GroupRows, type LinalgKernels, type PassResult, type Scorer, type SparseRows, type SparseWorkspace, countOrderJs } from "./kernels-shared.js";

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

const f32 = Math.fround;

/**
 * The twin of kernels.as.ts's rowDots: out[o + c] = W[base + c]·bias + Σ_p W[indices[p]·k + c]·data[p] over
 * [start, end) for c < k, each product and sum rounded to float32, in order (a float64 product of two float32
 * values is exact, so rounding it gives the float32 product).
 */
function rowDotsJs(x: SparseRows, w: Float32Array, k: number, base: number, bias: number, start: number, end: number, out: Float64Array, o: number): void {
  const { indices, data } = x;
  const b = f32(bias);
  for (let c = 0; c < k; c++) out[o + c] = f32(w[base + c]! * b);
  for (let p = start; p < end; p++) {
    const v = data[p]!;
    const wr = indices[p]! * k;
    for (let c = 0; c < k; c++) out[o + c] = f32(out[o + c]! + f32(w[wr + c]! * v));
  }
}

/**
 * The twin of kernels.as.ts's rowAxpys: W[indices[p]·k + c] += step[c]·data[p] over [start, end) and
 * W[base + c] += step[c]·bias, with step[c] rounded to float32 once and each product rounded to float32 (the sum
 * is rounded when stored: a float64 sum of two float32 values rounds to the float32 sum).
 */
function rowAxpysJs(x: SparseRows, w: Float32Array, k: number, base: number, bias: number, start: number, end: number, step: Float64Array): void {
  const { indices, data } = x;
  for (let c = 0; c < k; c++) step[c] = f32(step[c]!);
  for (let p = start; p < end; p++) {
    const v = data[p]!;
    const wr = indices[p]! * k;
    for (let c = 0; c < k; c++) w[wr + c]! += f32(step[c]! * v);
  }
  const b = f32(bias);
  for (let c = 0; c < k; c++) w[base + c]! += f32(step[c]! * b);
}

/** The JavaScript twin of the WebAssembly `svmPassGroup` (see {@link SparseWorkspace.svmPassGroup}). */
export function svmPassGroupJs(x: SparseRows, t: DualRows, g: GroupRows, k: number, active: number, squared: boolean, bias: number): number {
  const { indptr } = x;
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
    rowDotsJs(x, w, k, base, bias, start, end, dot, 0);
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
    if (moved) rowAxpysJs(x, w, k, base, bias, start, end, step);
    else if (allOff(off, ik, k)) {
      // Every class of the row shrunk now: it leaves the active head at once (as svmPass's rows do).
      swapOut(index, s, --active, i);
      s--;
    }
  }
  return active;
}

/** The JavaScript twin of the WebAssembly `groupRemove`. */
export function groupRemoveJs(x: SparseRows, g: GroupRows, k: number, n: number, bias: number): void {
  const { indptr } = x;
  const { w, y, alpha, list } = g;
  const base = (w.length / g.capacity - 1) * k;
  const step = new Float64Array(k);
  for (let t = 0; t < n; t++) {
    const ik = list[t]! * k;
    let any = false;
    for (let c = 0; c < k; c++) {
      any ||= alpha[ik + c] !== 0;
      step[c] = -alpha[ik + c]! * y[ik + c]!;
      alpha[ik + c] = 0;
    }
    const i = list[t]!;
    if (any) rowAxpysJs(x, w, k, base, bias, indptr[i]!, indptr[i + 1]!, step);
  }
}

/** The JavaScript twin of the WebAssembly `groupDots`. */
export function groupDotsJs(x: SparseRows, g: GroupRows, k: number, n: number, bias: number): void {
  const { indptr } = x;
  const { w, list, dots } = g;
  const base = (w.length / g.capacity - 1) * k;
  for (let t = 0; t < n; t++) {
    const i = list[t]!;
    rowDotsJs(x, w, k, base, bias, indptr[i]!, indptr[i + 1]!, dots, t * k);
  }
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

/** The JavaScript twin of the WebAssembly `keptScan` (see {@link SparseWorkspace.groupKept}). */
export function keptScanJs(w: Float32Array, from: number, to: number, lim: number, out: Int32Array): number {
  let m = 0;
  for (let p = from; p < to; p++) {
    const v = w[p]!;
    if (v >= lim || v <= -lim) out[m++] = p;
  }
  return m;
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
  share(x, cols, slots, group = 1, columnAt) {
    const indices = columnAt ? mapInto(new Int32Array(new SharedArrayBuffer(x.indices.byteLength)), x.indices, columnAt) : toShared(x.indices);
    const rows = { rows: x.rows, indptr: toShared(x.indptr), indices, data: toShared(x.data) };
    return { x: rows, handle: { backend: "js", cols, slots, group, ...rows } };
  },
  gramMatrix: (x, cols, bias, out) => gramMatrixWith(x, cols, bias, out, jsKernels.gramRows),
  gramRows: (plan, r, bias, q) => gramRowsInto(q, plan, r, (out) => gramRowsJs(plan, r, bias, out)),
  gramWorkspace: jsGramWorkspace,
  countOrder: countOrderJs,
  prepareSolvers() {
    // Plain JavaScript: the engine optimizes the loops as they run.
  },
  workspaceOn(h, slot) {
    if (h.backend !== "js" || !h.indptr || !h.indices || !h.data) throw new TypeError("These shared rows belong to the WebAssembly kernels");
    if (!(slot >= 0 && slot < h.slots)) throw new RangeError(`Slot ${slot} is outside [0, ${h.slots})`);
    return new JsWorkspace({ rows: h.rows, indptr: h.indptr, indices: h.indices, data: h.data }, h.cols, h.group);
  },
};
