// Agglomerative linkage kernels: condensed pairwise distances, the nearest-neighbour chain and Prim single linkage.
import type { FitOptions } from "../core/contracts.js";
import { throwIfAborted } from "../core/errors.js";
import type { Matrix } from "../linalg/matrix.js";
import { lowerBound } from "../linalg/search.js";
import type { AgglomerativeLinkage } from "./agglomerative-model.js";

/** What the pair kernels turn a dot product into (see {@link pairDistance}). */
export const enum Mode {
  /** ‖a − b‖² (ward, Euclidean). */
  SqEuclidean,
  /** ‖a − b‖. */
  Euclidean,
  /** 1 − cos(a, b). */
  Cosine,
  /** ‖â − b̂‖² = 2 (1 − cos) on unit rows (ward, cosine). */
  SqChord,
}

/**
 * Distance of two rows from their dot product `g` and squared norms. Zero rows under cosine: distance 1 to a
 * non-zero row, 0 to another zero row (squared chord likewise: the unit row lies at distance 1 from 0).
 */
function pairDistance(g: number, ni: number, nj: number, mode: Mode): number {
  if (mode === Mode.SqEuclidean || mode === Mode.Euclidean) {
    const s = ni + nj - 2 * g;
    const q = s > 0 ? s : 0;
    return mode === Mode.SqEuclidean ? q : Math.sqrt(q);
  }
  if (ni === 0 || nj === 0) return ni === nj ? 0 : 1;
  const c = 1 - g / Math.sqrt(ni * nj);
  const q = c > 0 ? c : 0;
  return mode === Mode.Cosine ? q : 2 * q;
}

/** Rows as the pair kernels read them: dense rows as Float64 (a copy), CSR as is, with squared norms. */
export interface Rows {
  x: Matrix;
  a: Float64Array | null;
  norms: Float64Array;
}

/*
 * Every dot product sums its terms in ascending column order in one Float64 accumulator (blocking is over
 * rows, never columns), so dense rows and their CSR twin give bit-identical distances, hence identical trees.
 */

/**
 * out[r·n + j] = x_{i0+r} · x_j for r < 4 and i0 < j < n (dense, 4 × 2 register block). The 4 rows are first
 * interleaved into `blk` (blk[c·4 + r]), so each column step reads them from one cache line. O(4·n·d).
 */
function denseDots4(a: Float64Array, d: number, n: number, i0: number, blk: Float64Array, out: Float64Array): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < d; c++) blk[c * 4 + r] = a[(i0 + r) * d + c]!;
  let j = i0 + 1;
  for (; j + 2 <= n; j += 2) {
    const p = j * d;
    const q = p + d;
    let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
    for (let c = 0, o = 0; c < d; c++, o += 4) {
      const b0 = a[p + c]!;
      const b1 = a[q + c]!;
      const x0 = blk[o]!;
      const x1 = blk[o + 1]!;
      const x2 = blk[o + 2]!;
      const x3 = blk[o + 3]!;
      s00 += x0 * b0;
      s01 += x0 * b1;
      s10 += x1 * b0;
      s11 += x1 * b1;
      s20 += x2 * b0;
      s21 += x2 * b1;
      s30 += x3 * b0;
      s31 += x3 * b1;
    }
    out[j] = s00;
    out[j + 1] = s01;
    out[n + j] = s10;
    out[n + j + 1] = s11;
    out[2 * n + j] = s20;
    out[2 * n + j + 1] = s21;
    out[3 * n + j] = s30;
    out[3 * n + j + 1] = s31;
  }
  for (; j < n; j++) {
    const p = j * d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let c = 0, o = 0; c < d; c++, o += 4) {
      const b = a[p + c]!;
      s0 += blk[o]! * b;
      s1 += blk[o + 1]! * b;
      s2 += blk[o + 2]! * b;
      s3 += blk[o + 3]! * b;
    }
    out[j] = s0;
    out[n + j] = s1;
    out[2 * n + j] = s2;
    out[3 * n + j] = s3;
  }
}

/**
 * out[r·n + j] = x_{i0+r} · x_j for r < `count` (≤ 4) and `from` ≤ j < n, CSR: the rows are scattered into an
 * interleaved dense buffer (buf[c·4 + r]), then each later row's stored values are dotted with it. O(count·d + nnz).
 */
function csrDots4(x: Matrix & { kind: "csr" }, i0: number, count: number, from: number, buf: Float64Array, out: Float64Array): void {
  const { indptr, indices, data, rows: n } = x;
  for (let r = 0; r < count; r++) {
    for (let p = indptr[i0 + r]!; p < indptr[i0 + r + 1]!; p++) buf[indices[p]! * 4 + r] = data[p]!;
  }
  for (let j = from; j < n; j++) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = indptr[j]!; p < indptr[j + 1]!; p++) {
      const v = data[p]!;
      const o = indices[p]! * 4;
      s0 += buf[o]! * v;
      s1 += buf[o + 1]! * v;
      s2 += buf[o + 2]! * v;
      s3 += buf[o + 3]! * v;
    }
    out[j] = s0;
    out[n + j] = s1;
    out[2 * n + j] = s2;
    out[3 * n + j] = s3;
  }
  for (let r = 0; r < count; r++) {
    for (let p = indptr[i0 + r]!; p < indptr[i0 + r + 1]!; p++) buf[indices[p]! * 4 + r] = 0;
  }
}

/** Offsets of the condensed matrix (scipy's layout): pair (i, j), i < j, sits at rowOff[i] + j. */
export function rowOffsets(n: number): Float64Array {
  const off = new Float64Array(n);
  for (let i = 0; i < n; i++) off[i] = i * n - (i * (i + 1)) / 2 - i - 1;
  return off;
}

/** The condensed pairwise distance matrix, rows in blocks of 4. O(n²·d) dense, O(n·nnz) CSR. */
export function condensedDistances(rows: Rows, mode: Mode, out: Float32Array | Float64Array, off: Float64Array, options: FitOptions): void {
  const { x, a, norms } = rows;
  const n = x.rows;
  const dots = new Float64Array(4 * n);
  const buf = new Float64Array(x.cols * 4);
  for (let i0 = 0; i0 < n; i0 += 4) {
    throwIfAborted(options.signal, "Agglomerative clustering");
    const count = Math.min(4, n - i0);
    if (x.kind === "csr") csrDots4(x, i0, count, i0 + 1, buf, dots);
    else if (count === 4) denseDots4(a!, x.cols, n, i0, buf, dots);
    else denseDotsTail(a!, x.cols, n, i0, count, dots);
    for (let r = 0; r < count; r++) {
      const i = i0 + r;
      const base = off[i]!;
      const ni = norms[i]!;
      const o = r * n;
      for (let j = i + 1; j < n; j++) out[base + j] = pairDistance(dots[o + j]!, ni, norms[j]!, mode);
    }
    if ((i0 & 255) === 0) options.onProgress?.({ stage: "agglomerative distances", done: i0, total: n });
  }
  options.onProgress?.({ stage: "agglomerative distances", done: n, total: n });
}

/** {@link denseDots4} for the last < 4 rows. */
function denseDotsTail(a: Float64Array, d: number, n: number, i0: number, count: number, out: Float64Array): void {
  for (let r = 0; r < count; r++) {
    const o = (i0 + r) * d;
    for (let j = i0 + 1; j < n; j++) {
      const p = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += a[o + c]! * a[p + c]!;
      out[r * n + j] = s;
    }
  }
}

/** Merges in the order found: slots (rows whose clusters merged; the larger slot keeps the union) and distance. */
export interface Merges {
  a: Int32Array;
  b: Int32Array;
  d: Float64Array;
}

/** Index of `v` in the ascending active[0 .. m) (v is there, so the last slot needs no test). */
function find(active: Int32Array, m: number, v: number): number {
  return lowerBound(active, v, 0, m - 1);
}

/**
 * Nearest-neighbour chain (Murtagh 1983, scipy's `nn_chain`, same scan order and tie rules) over the condensed
 * matrix `D`, updated in place by Lance–Williams; ward works on squared distances. Merges come out of
 * distance order; {@link buildTree} sorts them. O(n²) time, O(n) extra memory.
 */
export function nnChain(D: Float32Array | Float64Array, n: number, off: Float64Array, linkage: AgglomerativeLinkage, options: FitOptions): Merges {
  const out: Merges = { a: new Int32Array(n - 1), b: new Int32Array(n - 1), d: new Float64Array(n - 1) };
  const size = new Float64Array(n).fill(1);
  const active = new Int32Array(n);
  for (let i = 0; i < n; i++) active[i] = i;
  let m = n;
  const chain = new Int32Array(n);
  let len = 0;
  const every = Math.max(1, Math.floor(n / 100));
  for (let step = 0; step < n - 1; step++) {
    if (step % every === 0) {
      throwIfAborted(options.signal, "Agglomerative clustering");
      options.onProgress?.({ stage: "agglomerative merges", done: step, total: n - 1 });
    }
    if (len === 0) chain[len++] = active[0]!;
    let x: number;
    let y: number;
    let best: number;
    for (;;) {
      x = chain[len - 1]!;
      if (len > 1) {
        y = chain[len - 2]!;
        best = D[x < y ? off[x]! + y : off[y]! + x]!;
      } else {
        y = -1;
        best = Infinity;
      }
      const px = find(active, m, x);
      for (let t = 0; t < px; t++) {
        const i = active[t]!;
        const v = D[off[i]! + x]!;
        if (v < best) {
          best = v;
          y = i;
        }
      }
      const ox = off[x]!;
      for (let t = px + 1; t < m; t++) {
        const i = active[t]!;
        const v = D[ox + i]!;
        if (v < best) {
          best = v;
          y = i;
        }
      }
      if (len > 1 && y === chain[len - 2]) break;
      chain[len++] = y;
    }
    len -= 2;
    if (x > y) [x, y] = [y, x];
    out.a[step] = x;
    out.b[step] = y;
    out.d[step] = linkage === "ward" ? Math.sqrt(best) : best;
    const nx = size[x]!;
    const ny = size[y]!;
    size[x] = 0;
    size[y] = nx + ny;
    const px = find(active, m, x);
    active.copyWithin(px, px + 1, m);
    m--;
    lanceWilliams(D, off, active, m, x, y, nx, ny, best, size, linkage);
  }
  options.onProgress?.({ stage: "agglomerative merges", done: n - 1, total: n - 1 });
  return out;
}

/** Distances from every active cluster i to the union of x and y (stored in y's slot). O(m). */
function lanceWilliams(
  D: Float32Array | Float64Array,
  off: Float64Array,
  active: Int32Array,
  m: number,
  x: number,
  y: number,
  nx: number,
  ny: number,
  dxy: number,
  size: Float64Array,
  linkage: AgglomerativeLinkage,
): void {
  const ox = off[x]!;
  const oy = off[y]!;
  const wx = nx / (nx + ny);
  const wy = ny / (nx + ny);
  for (let t = 0; t < m; t++) {
    const i = active[t]!;
    if (i === y) continue;
    const ix = i < x ? off[i]! + x : ox + i;
    const iy = i < y ? off[i]! + y : oy + i;
    const dx = D[ix]!;
    const dy = D[iy]!;
    let v: number;
    if (linkage === "ward") {
      // Squared distances: d²(i, x∪y) = ((ni+nx) d²ix + (ni+ny) d²iy − ni d²xy) / (ni+nx+ny).
      const ni = size[i]!;
      v = ((ni + nx) * dx + (ni + ny) * dy - ni * dxy) / (ni + nx + ny);
      if (v < 0) v = 0;
    } else if (linkage === "average") v = wx * dx + wy * dy;
    else if (linkage === "complete") v = dx > dy ? dx : dy;
    else v = dx < dy ? dx : dy;
    D[iy] = v;
  }
}

/**
 * Single linkage as a minimum spanning tree (Prim, scipy's `mst_single_linkage` order and tie rules), with
 * each new tree row's distances to the rows outside computed on the fly. O(n²·d) dense, O(n·nnz) CSR; O(n) memory.
 */
export function primSingle(rows: Rows, mode: Mode, options: FitOptions): Merges {
  const { x, a, norms } = rows;
  const n = x.rows;
  const out: Merges = { a: new Int32Array(n - 1), b: new Int32Array(n - 1), d: new Float64Array(n - 1) };
  const rest = new Int32Array(n);
  for (let i = 0; i < n; i++) rest[i] = i;
  let m = n;
  const near = new Float64Array(n).fill(Infinity);
  const dots = new Float64Array(n);
  const buf = x.kind === "csr" ? new Float64Array(x.cols) : null;
  const every = Math.max(1, Math.floor(n / 100));
  let cur = 0;
  for (let step = 0; step < n - 1; step++) {
    if (step % every === 0) {
      throwIfAborted(options.signal, "Agglomerative clustering");
      options.onProgress?.({ stage: "agglomerative merges", done: step, total: n - 1 });
    }
    const pc = find(rest, m, cur);
    rest.copyWithin(pc, pc + 1, m);
    m--;
    if (x.kind === "csr") {
      const { indptr, indices, data } = x;
      for (let p = indptr[cur]!; p < indptr[cur + 1]!; p++) buf![indices[p]!] = data[p]!;
      for (let t = 0; t < m; t++) {
        const j = rest[t]!;
        let s = 0;
        for (let p = indptr[j]!; p < indptr[j + 1]!; p++) s += buf![indices[p]!]! * data[p]!;
        dots[t] = s;
      }
      for (let p = indptr[cur]!; p < indptr[cur + 1]!; p++) buf![indices[p]!] = 0;
    } else denseDotsList(a!, x.cols, cur, rest, m, dots);
    let best = Infinity;
    let y = -1;
    const nc = norms[cur]!;
    for (let t = 0; t < m; t++) {
      const i = rest[t]!;
      const v = pairDistance(dots[t]!, nc, norms[i]!, mode);
      if (near[i]! > v) near[i] = v;
      if (near[i]! < best) {
        best = near[i]!;
        y = i;
      }
    }
    out.a[step] = cur;
    out.b[step] = y;
    out.d[step] = best;
    cur = y;
  }
  options.onProgress?.({ stage: "agglomerative merges", done: n - 1, total: n - 1 });
  return out;
}

/** out[t] = x_i · x_{list[t]} for t < m (dense, 4 rows of the list at a time). O(m·d). */
function denseDotsList(a: Float64Array, d: number, i: number, list: Int32Array, m: number, out: Float64Array): void {
  const o = i * d;
  let t = 0;
  for (; t + 4 <= m; t += 4) {
    const p0 = list[t]! * d;
    const p1 = list[t + 1]! * d;
    const p2 = list[t + 2]! * d;
    const p3 = list[t + 3]! * d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let c = 0; c < d; c++) {
      const v = a[o + c]!;
      s0 += v * a[p0 + c]!;
      s1 += v * a[p1 + c]!;
      s2 += v * a[p2 + c]!;
      s3 += v * a[p3 + c]!;
    }
    out[t] = s0;
    out[t + 1] = s1;
    out[t + 2] = s2;
    out[t + 3] = s3;
  }
  for (; t < m; t++) {
    const p = list[t]! * d;
    let s = 0;
    for (let c = 0; c < d; c++) s += a[o + c]! * a[p + c]!;
    out[t] = s;
  }
}
