// Exact neighbour queries over dense or CSR rows (Euclidean or cosine): radius graphs and k nearest neighbours
// of every row, and blocked query-to-reference distances, in O(n · (d + block)) working memory, never O(n²).
import { throwIfAborted } from "../core/errors.js";
import type { RunOptions } from "../core/progress.js";
import { toCsr, toDense, type CsrMatrix, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { prepareRows } from "./kernels.js";

/**
 * Distance of the neighbour queries: Euclidean, or cosine distance 1 − cos(x, y). Under cosine a row with no
 * non-zero value lies at distance 1 from every other row (zero rows included) and 0 from itself.
 */
export type NeighborMetric = "euclidean" | "cosine";

/** Cancellation and progress for the all-rows queries; `stage` names the progress events. */
export type NeighborOptions = Pick<RunOptions, "signal" | "onProgress"> & { stage?: string };

/*
 * Internally every distance is the squared Euclidean distance e² = ‖x‖² + ‖y‖² − 2x·y between prepared rows
 * (unit rows for cosine, where 1 − cos = e²/2; a pair with a zero row is set to e² = 2 exactly, since a
 * normalized row's ‖x‖² is 1 only up to rounding).
 * Dot products add a row's values in ascending column order into one Float64 accumulator per pair, and norms
 * are the same sums, so dense and CSR twins give bit-identical distances and identical rows give exactly 0.
 */

/** A distance in the metric's units from the internal squared distance e². */
export function fromSquared(metric: NeighborMetric, e2: number): number {
  return metric === "cosine" ? e2 / 2 : Math.sqrt(e2);
}

/** The internal squared distance e² of a distance in the metric's units (inverse of {@link fromSquared}). */
export function toSquared(metric: NeighborMetric, d: number): number {
  return metric === "cosine" ? 2 * d : d * d;
}

/**
 * Rows prepared for exact distance queries: L2-normalized for cosine, with their squared norms, plus (for CSR)
 * a column index built on first use. O(nnz) to build.
 * @example const r = new NeighborRows(x, "cosine"); const g = radiusNeighbors(r, 0.3);
 */
export class NeighborRows {
  readonly metric: NeighborMetric;
  /** The rows as distances see them (unit rows for cosine). */
  readonly x: Matrix;
  /** ‖row‖² of {@link NeighborRows.x}; 1 for a zero row under cosine. */
  readonly sq: Float64Array;
  /** Cosine only: 1 marks a row with no non-zero value (its distances do not obey the triangle inequality). */
  readonly zero: Uint8Array | null;
  /** Column-major copy (CSC) of CSR rows: for each column, the rows using it and their values, rows ascending. */
  private csc: { ptr: Int32Array; rows: Int32Array; vals: Float32Array } | undefined;

  constructor(x: Matrix, metric: NeighborMetric) {
    const cosine = metric === "cosine";
    const p = prepareRows(x, cosine);
    this.metric = metric;
    this.x = p.x;
    this.sq = p.rn;
    let zero: Uint8Array | null = null;
    if (cosine) {
      for (let i = 0; i < x.rows; i++) {
        if (isZeroRow(p.x, i)) (zero ??= new Uint8Array(x.rows))[i] = 1;
      }
    }
    this.zero = zero;
  }

  get rows(): number {
    return this.x.rows;
  }

  /** New rows prepared the same way and stored in this set's kind (dense or CSR), so that distances agree bit for bit. */
  queries(q: Matrix): NeighborRows {
    if (q.kind === this.x.kind) return new NeighborRows(q, this.metric);
    return new NeighborRows(this.x.kind === "dense" ? toDense(q) : toCsr(q), this.metric);
  }

  /**
   * Squared distances e² from query rows q0 … q0+count−1 of `q` (from {@link NeighborRows.queries}, or these
   * rows themselves, whose own distance is then 0) to every row here: out[t · rows + j]. O(count · nnz).
   */
  squaredDistances(q: NeighborRows, q0: number, count: number, out: Float64Array): void {
    const n = this.rows;
    if (this.x.kind === "dense") {
      const qx = q.x as DenseMatrix;
      denseDots(qx.data, q0, count, this.x.data, 0, n, this.x.cols, out);
    } else {
      this.sparseDots(q.x as CsrMatrix, q0, count, out);
    }
    const sq = this.sq;
    const zero = this.zero;
    for (let t = 0; t < count; t++) {
      const a = q.sq[q0 + t];
      const o = t * n;
      if (q.zero && q.zero[q0 + t]) {
        out.fill(2, o, o + n);
      } else {
        for (let j = 0; j < n; j++) {
          const e2 = a + sq[j] - 2 * out[o + j];
          out[o + j] = e2 > 0 ? e2 : 0;
        }
        if (zero) for (let j = 0; j < n; j++) if (zero[j]) out[o + j] = 2;
      }
      if (q === this) out[o + q0 + t] = 0;
    }
  }

  /** out[t · rows + j] = q_(q0+t) · x_j through the column index: O(Σ over the query's columns of their row counts). */
  private sparseDots(q: CsrMatrix, q0: number, count: number, out: Float64Array): void {
    const n = this.rows;
    const csc = (this.csc ??= columnIndex(this.x as CsrMatrix));
    const { ptr, rows, vals } = csc;
    out.fill(0, 0, count * n);
    for (let t = 0; t < count; t++) {
      const o = t * n;
      for (let p = q.indptr[q0 + t]; p < q.indptr[q0 + t + 1]; p++) {
        const c = q.indices[p];
        if (c >= this.x.cols) continue;
        const v = q.data[p];
        for (let r = ptr[c]; r < ptr[c + 1]; r++) out[o + rows[r]] += v * vals[r];
      }
    }
  }
}

function isZeroRow(x: Matrix, i: number): boolean {
  if (x.kind === "csr") {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) if (x.data[p] !== 0) return false;
    return true;
  }
  for (let p = i * x.cols; p < (i + 1) * x.cols; p++) if (x.data[p] !== 0) return false;
  return true;
}

/** CSR → CSC (rows ascending within each column). O(nnz + cols). */
function columnIndex(x: CsrMatrix): { ptr: Int32Array; rows: Int32Array; vals: Float32Array } {
  const nz = x.indptr[x.rows];
  const ptr = new Int32Array(x.cols + 1);
  for (let p = 0; p < nz; p++) ptr[x.indices[p] + 1]++;
  for (let c = 0; c < x.cols; c++) ptr[c + 1] += ptr[c];
  const next = ptr.slice(0, x.cols);
  const rows = new Int32Array(nz);
  const vals = new Float32Array(nz);
  for (let i = 0; i < x.rows; i++) {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const at = next[x.indices[p]]++;
      rows[at] = i;
      vals[at] = x.data[p];
    }
  }
  return { ptr, rows, vals };
}

/**
 * Dot products of rows a0 … a0+an−1 of `a` with rows b0 … b0+bn−1 of `b` (both row-major with d columns):
 * out[i · bn + j]. Register tiles of 4 × 4 rows (16 running sums, each over the columns in ascending order),
 * so every value loaded serves four products. O(an · bn · d).
 */
export function denseDots(a: Float32Array, a0: number, an: number, b: Float32Array, b0: number, bn: number, d: number, out: Float64Array): void {
  const an4 = an - (an % 4);
  const bn4 = bn - (bn % 4);
  for (let j = 0; j < bn4; j += 4) {
    const y0 = (b0 + j) * d;
    const y1 = y0 + d;
    const y2 = y1 + d;
    const y3 = y2 + d;
    let i = 0;
    for (; i < an4; i += 4) {
      const x0 = (a0 + i) * d;
      const x1 = x0 + d;
      const x2 = x1 + d;
      const x3 = x2 + d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < d; k++) {
        const u0 = a[x0 + k], u1 = a[x1 + k], u2 = a[x2 + k], u3 = a[x3 + k];
        const v0 = b[y0 + k], v1 = b[y1 + k], v2 = b[y2 + k], v3 = b[y3 + k];
        s00 += u0 * v0; s01 += u0 * v1; s02 += u0 * v2; s03 += u0 * v3;
        s10 += u1 * v0; s11 += u1 * v1; s12 += u1 * v2; s13 += u1 * v3;
        s20 += u2 * v0; s21 += u2 * v1; s22 += u2 * v2; s23 += u2 * v3;
        s30 += u3 * v0; s31 += u3 * v1; s32 += u3 * v2; s33 += u3 * v3;
      }
      let o = i * bn + j;
      out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03;
      o += bn;
      out[o] = s10; out[o + 1] = s11; out[o + 2] = s12; out[o + 3] = s13;
      o += bn;
      out[o] = s20; out[o + 1] = s21; out[o + 2] = s22; out[o + 3] = s23;
      o += bn;
      out[o] = s30; out[o + 1] = s31; out[o + 2] = s32; out[o + 3] = s33;
    }
    for (; i < an; i++) {
      const x0 = (a0 + i) * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < d; k++) {
        const u = a[x0 + k];
        s0 += u * b[y0 + k];
        s1 += u * b[y1 + k];
        s2 += u * b[y2 + k];
        s3 += u * b[y3 + k];
      }
      const o = i * bn + j;
      out[o] = s0; out[o + 1] = s1; out[o + 2] = s2; out[o + 3] = s3;
    }
  }
  for (let j = bn4; j < bn; j++) {
    const y = (b0 + j) * d;
    for (let i = 0; i < an; i++) {
      const x = (a0 + i) * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += a[x + k] * b[y + k];
      out[i * bn + j] = s;
    }
  }
}

/**
 * Dot products of CSR row i with rows ids[0 … count−1] of the same matrix: out[t] = x_i · x_ids[t]. Scatters
 * row i into `scratch` (length cols, all zero; left zero on return), then walks each other row. O(Σ nnz).
 */
export function csrRowDots(x: CsrMatrix, i: number, ids: Int32Array, count: number, scratch: Float64Array, out: Float64Array): void {
  const { indptr, indices, data } = x;
  for (let p = indptr[i]; p < indptr[i + 1]; p++) scratch[indices[p]] = data[p];
  for (let t = 0; t < count; t++) {
    const j = ids[t];
    let s = 0;
    for (let p = indptr[j]; p < indptr[j + 1]; p++) s += data[p] * scratch[indices[p]];
    out[t] = s;
  }
  for (let p = indptr[i]; p < indptr[i + 1]; p++) scratch[indices[p]] = 0;
}

/** Query rows per block so that a block × n Float64 buffer stays near 8 MiB (a multiple of 4, 4 … 256). */
export function blockRows(n: number): number {
  return Math.max(4, Math.min(256, Math.floor((1 << 20) / Math.max(1, n)) & ~3));
}

/** Rows per leaf of the spatial partition that prunes dense all-rows queries. */
const LEAF_SIZE = 32;

/**
 * Dense rows in the order of a spatial partition (leaves of at most {@link LEAF_SIZE} consecutive rows), with
 * each leaf's centre and radius: two leaves whose centres are farther apart than their radii plus the query
 * radius cannot hold a pair within it (triangle inequality), so whole tiles of distances are skipped. Bounds
 * use the geometry of the prepared rows; a cosine zero row (defined distance 1, more than its geometric
 * distance to unit rows) only makes them looser, and its leaf gets radius ∞ so it is never skipped.
 */
interface Leaves {
  count: number;
  /** Leaf l holds permuted rows start[l] … start[l+1]−1. */
  start: Int32Array;
  /** Permuted position → original row. */
  perm: Int32Array;
  data: Float32Array;
  sq: Float64Array;
  /** Cosine zero rows, in permuted order (null when there are none). */
  zero: Uint8Array | null;
  centre: Float64Array;
  /** Largest distance of a leaf's rows to its centre (∞ when it holds a cosine zero row). */
  radius: Float64Array;
  /** Rounding allowance on the bounds, so that pruning never drops a pair the exact test would keep. */
  slack: number;
}

/**
 * Recursive splitting: two far-apart rows (the farthest from the centroid, then the farthest from that one)
 * seed a few 2-means steps, so a split follows the gap between groups rather than cutting one in two and
 * lumping its pieces with other groups; a lopsided split (a side under 1/16 of the rows) falls back to halving
 * at the median projection on the line through the seeds. O(n · d · depth), depth ≈ log(n / LEAF_SIZE).
 */
function buildLeaves(rows: NeighborRows): Leaves {
  const x = rows.x as DenseMatrix;
  const n = x.rows;
  const d = x.cols;
  const src = x.data;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const proj = new Float64Array(n);
  const c = new Float64Array(d);
  const ca = new Float64Array(d);
  const cb = new Float64Array(d);
  const side = new Uint8Array(n);
  const bounds: number[] = [];
  const stack: number[] = [0, n];
  while (stack.length > 0) {
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (hi - lo <= LEAF_SIZE) {
      bounds.push(lo);
      continue;
    }
    centroid(src, d, perm, lo, hi, c);
    const p1 = farthest(src, d, perm, lo, hi, c, 0);
    const p2 = farthest(src, d, perm, lo, hi, src, p1 * d);
    const mid2 = twoMeans(src, d, perm, lo, hi, p1, p2, side, ca, cb);
    const small = Math.min(mid2 - lo, hi - mid2);
    if (small > 0 && small * 16 >= hi - lo) {
      stack.push(mid2, hi, lo, mid2);
      continue;
    }
    for (let t = lo; t < hi; t++) {
      const r = perm[t] * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += src[r + k] * (src[p2 * d + k] - src[p1 * d + k]);
      proj[perm[t]] = s;
    }
    perm.subarray(lo, hi).sort((u, v) => proj[u] - proj[v] || u - v);
    const mid = (lo + hi) >> 1;
    stack.push(mid, hi, lo, mid);
  }
  const count = bounds.length;
  const start = new Int32Array(count + 1);
  for (let l = 0; l < count; l++) start[l] = bounds[l];
  start[count] = n;
  const data = new Float32Array(n * d);
  const sq = new Float64Array(n);
  const zero = rows.zero ? new Uint8Array(n) : null;
  let maxSq = 0;
  for (let t = 0; t < n; t++) {
    data.set(src.subarray(perm[t] * d, (perm[t] + 1) * d), t * d);
    sq[t] = rows.sq[perm[t]];
    if (zero) zero[t] = rows.zero![perm[t]];
    if (sq[t] > maxSq) maxSq = sq[t];
  }
  const centre = new Float64Array(count * d);
  const radius = new Float64Array(count);
  const ident = new Int32Array(LEAF_SIZE);
  for (let l = 0; l < count; l++) {
    const lo = start[l];
    const hi = start[l + 1];
    for (let t = lo; t < hi; t++) ident[t - lo] = t;
    centroid(data, d, ident, 0, hi - lo, c);
    centre.set(c, l * d);
    let r2 = 0;
    for (let t = lo; t < hi; t++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const v = data[t * d + k] - c[k];
        s += v * v;
      }
      if (s > r2) r2 = s;
      if (zero && zero[t]) r2 = Infinity;
    }
    radius[l] = Math.sqrt(r2);
  }
  return { count, start, perm, data, sq, zero, centre, radius, slack: 1e-6 * (1 + Math.sqrt(maxSq)) };
}

/**
 * Three 2-means steps on rows perm[lo … hi−1] seeded with rows p1 and p2, then a stable partition of that
 * range: rows nearer the first centre first. Returns where the second side starts.
 */
function twoMeans(
  src: Float32Array,
  d: number,
  perm: Int32Array,
  lo: number,
  hi: number,
  p1: number,
  p2: number,
  side: Uint8Array,
  ca: Float64Array,
  cb: Float64Array,
): number {
  for (let k = 0; k < d; k++) {
    ca[k] = src[p1 * d + k];
    cb[k] = src[p2 * d + k];
  }
  let ones = 0;
  for (let iter = 0; iter < 3; iter++) {
    ones = 0;
    for (let t = lo; t < hi; t++) {
      const r = perm[t] * d;
      let da = 0;
      let db = 0;
      for (let k = 0; k < d; k++) {
        const u = src[r + k] - ca[k];
        const v = src[r + k] - cb[k];
        da += u * u;
        db += v * v;
      }
      side[perm[t]] = db < da ? 1 : 0;
      ones += side[perm[t]];
    }
    if (ones === 0 || ones === hi - lo) break;
    ca.fill(0);
    cb.fill(0);
    for (let t = lo; t < hi; t++) {
      const r = perm[t] * d;
      const dst = side[perm[t]] ? cb : ca;
      for (let k = 0; k < d; k++) dst[k] += src[r + k];
    }
    for (let k = 0; k < d; k++) {
      ca[k] /= hi - lo - ones;
      cb[k] /= ones;
    }
  }
  const seg = perm.slice(lo, hi);
  let a = lo;
  let b = hi - ones;
  const mid = b;
  for (let t = 0; t < seg.length; t++) {
    if (side[seg[t]]) perm[b++] = seg[t];
    else perm[a++] = seg[t];
  }
  return mid;
}

function centroid(src: Float32Array, d: number, ids: Int32Array, lo: number, hi: number, c: Float64Array): void {
  c.fill(0);
  for (let t = lo; t < hi; t++) {
    const r = ids[t] * d;
    for (let k = 0; k < d; k++) c[k] += src[r + k];
  }
  for (let k = 0; k < d; k++) c[k] /= hi - lo;
}

/** The row of ids[lo … hi−1] farthest from the point at ref[off … off+d−1]. */
function farthest(src: Float32Array, d: number, ids: Int32Array, lo: number, hi: number, ref: Float64Array | Float32Array, off: number): number {
  let best = ids[lo];
  let bd = -1;
  for (let t = lo; t < hi; t++) {
    const r = ids[t] * d;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const v = src[r + k] - ref[off + k];
      s += v * v;
    }
    if (s > bd) {
      bd = s;
      best = ids[t];
    }
  }
  return best;
}

/** e² between permuted rows s and t of the leaves from their dot product (2 with a cosine zero row). */
function leafSquared(lv: Leaves, s: number, t: number, dot: number): number {
  if (lv.zero && (lv.zero[s] || lv.zero[t])) return 2;
  const e2 = lv.sq[s] + lv.sq[t] - 2 * dot;
  return e2 > 0 ? e2 : 0;
}

/** Lower bound on the distance between any row of leaf a and any row of leaf b (−∞ when a radius is infinite). */
function leafGap(lv: Leaves, d: number, a: number, b: number): number {
  const ca = a * d;
  const cb = b * d;
  let s = 0;
  for (let k = 0; k < d; k++) {
    const v = lv.centre[ca + k] - lv.centre[cb + k];
    s += v * v;
  }
  return Math.sqrt(s) - lv.radius[a] - lv.radius[b] - lv.slack;
}

/**
 * Whether no row i of leaf a can have a row of leaf b within reach_i: every ‖x_i − c_b‖ − r_b exceeds it
 * (reach_i = `reach`, or √limit2[perm] per row when `limit2` is given). Far tighter than the leaf-to-leaf
 * bound in many dimensions, where a row's own spread adds to the centre distance in quadrature, not linearly.
 * O(rows of a · d).
 */
function leafFar(lv: Leaves, d: number, a: number, b: number, reach: number, limit2: Float64Array | null, k: number): boolean {
  const rb = lv.radius[b] + lv.slack;
  if (rb === Infinity) return false;
  const cb = b * d;
  for (let t = lv.start[a]; t < lv.start[a + 1]; t++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = lv.data[t * d + j] - lv.centre[cb + j];
      s += v * v;
    }
    const g = Math.sqrt(s) - rb;
    if (g <= 0) return false;
    if (limit2 ? g * g <= limit2[lv.perm[t] * k + k - 1] : g <= reach) return false;
  }
  return true;
}

/** Neighbour lists of every row in CSR form (row i: indices[indptr[i] … indptr[i+1]−1], ascending, itself included). */
export interface RadiusGraph {
  indptr: Int32Array;
  indices: Int32Array;
}

/** Growable list of row pairs (i, j), i ≠ j. */
class Pairs {
  buf = new Int32Array(1 << 12);
  length = 0;
  push(i: number, j: number): void {
    if (this.length + 2 > this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = i;
    this.buf[this.length++] = j;
  }
}

/**
 * Every row's neighbours within `radius` (distance ≤ radius, compared as e² ≤ {@link toSquared}(radius);
 * every row is its own neighbour), as scikit-learn's `radius_neighbors` on the training rows. Dense rows run
 * over leaf pairs of a spatial partition, skipping pairs of leaves that are provably too far apart (on
 * clustered data most of them); CSR rows in blocks through a column index. Time O(n² · d) at worst, working
 * memory O(n · block) plus the output, which holds every pair within the radius.
 * @throws CancelledError when `options.signal` fires.
 */
export function radiusNeighbors(rows: NeighborRows, radius: number, options: NeighborOptions = {}): RadiusGraph {
  const n = rows.rows;
  const r2 = toSquared(rows.metric, radius);
  const pairs = new Pairs();
  const stage = options.stage ?? "radius neighbours";
  if (rows.x.kind === "dense") {
    const d = rows.x.cols;
    const lv = buildLeaves(rows);
    const tile = new Float64Array(LEAF_SIZE * LEAF_SIZE);
    const reach = Math.sqrt(r2);
    for (let a = 0; a < lv.count; a++) {
      throwIfAborted(options.signal, stage);
      const a0 = lv.start[a];
      const an = lv.start[a + 1] - a0;
      for (let b = a; b < lv.count; b++) {
        if (b !== a && (leafGap(lv, d, a, b) > reach || leafFar(lv, d, a, b, reach, null, 0))) continue;
        const b0 = lv.start[b];
        const bn = lv.start[b + 1] - b0;
        denseDots(lv.data, a0, an, lv.data, b0, bn, d, tile);
        for (let i = 0; i < an; i++) {
          const pi = lv.perm[a0 + i];
          for (let j = b === a ? i + 1 : 0; j < bn; j++) {
            if (leafSquared(lv, a0 + i, b0 + j, tile[i * bn + j]) <= r2) pairs.push(pi, lv.perm[b0 + j]);
          }
        }
      }
      options.onProgress?.({ stage, done: a + 1, total: lv.count });
    }
  } else {
    const block = blockRows(n);
    const buf = new Float64Array(block * n);
    for (let q0 = 0; q0 < n; q0 += block) {
      throwIfAborted(options.signal, stage);
      const count = Math.min(block, n - q0);
      rows.squaredDistances(rows, q0, count, buf);
      for (let t = 0; t < count; t++) {
        const i = q0 + t;
        for (let j = i + 1; j < n; j++) if (buf[t * n + j] <= r2) pairs.push(i, j);
      }
      options.onProgress?.({ stage, done: q0 + count, total: n });
    }
  }
  return pairsToGraph(n, pairs);
}

function pairsToGraph(n: number, pairs: Pairs): RadiusGraph {
  const indptr = new Int32Array(n + 1);
  const { buf, length } = pairs;
  for (let i = 0; i < n; i++) indptr[i + 1] = 1;
  for (let p = 0; p < length; p++) indptr[buf[p] + 1]++;
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  const next = indptr.slice(0, n);
  const indices = new Int32Array(indptr[n]);
  for (let i = 0; i < n; i++) indices[next[i]++] = i;
  for (let p = 0; p < length; p += 2) {
    indices[next[buf[p]]++] = buf[p + 1];
    indices[next[buf[p + 1]]++] = buf[p];
  }
  for (let i = 0; i < n; i++) indices.subarray(indptr[i], indptr[i + 1]).sort();
  return { indptr, indices };
}

/** The k nearest rows of every row: n × k, row-major, each row ascending by (distance, index). */
export interface NearestNeighbors {
  k: number;
  /** Distances in the metric's units. */
  distances: Float64Array;
  indices: Int32Array;
}

/**
 * The k nearest neighbours of every row among all rows, the row itself included (as scikit-learn's
 * `kneighbors` on the training rows: with distinct rows, column 0 is the row itself at distance 0); ties go to
 * the lower index, so the answer does not depend on the order of the search. k is capped at the number of
 * rows. Dense rows visit each leaf with itself and its nearest leaves first (so every row soon has a tight
 * k-th distance), then each other pair of leaves once, skipping pairs whose bounds show that no row of either
 * can gain; CSR rows scan all rows in blocks. Time O(n² · d) at worst (on clustered data about the pairs
 * within clusters), memory O(n · (d + k + block)) plus one byte per pair of leaves.
 * @throws CancelledError when `options.signal` fires.
 */
export function kNearestNeighbors(rows: NeighborRows, k: number, options: NeighborOptions = {}): NearestNeighbors {
  const r = kNearestSquared(rows, k, options);
  for (let p = 0; p < r.distances.length; p++) r.distances[p] = fromSquared(rows.metric, r.distances[p]);
  return r;
}

/** {@link kNearestNeighbors} with the internal squared distances e² (see {@link toSquared}) in `distances`. */
export function kNearestSquared(rows: NeighborRows, k: number, options: NeighborOptions = {}): NearestNeighbors {
  const n = rows.rows;
  const kk = Math.max(0, Math.min(k, n));
  const hd = new Float64Array(n * kk).fill(Infinity);
  const hi = new Int32Array(n * kk).fill(0x7fffffff);
  const stage = options.stage ?? "nearest neighbours";
  if (kk > 0 && rows.x.kind === "dense") {
    const d = rows.x.cols;
    const lv = buildLeaves(rows);
    const tile = new Float64Array(LEAF_SIZE * LEAF_SIZE);
    const count = lv.count;
    // Largest k-th squared distance among each leaf's rows: a leaf farther than that cannot improve them.
    const worst = new Float64Array(count).fill(Infinity);
    /** Offers every pair of leaves a and b (both ways when a ≠ b) and refreshes their worst k-th distance. */
    const visit = (a: number, b: number): void => {
      const a0 = lv.start[a];
      const an = lv.start[a + 1] - a0;
      const b0 = lv.start[b];
      const bn = lv.start[b + 1] - b0;
      denseDots(lv.data, a0, an, lv.data, b0, bn, d, tile);
      for (let i = 0; i < an; i++) {
        const pi = lv.perm[a0 + i];
        for (let j = 0; j < bn; j++) {
          const pj = lv.perm[b0 + j];
          const e2 = pi === pj ? 0 : leafSquared(lv, a0 + i, b0 + j, tile[i * bn + j]);
          offer(hd, hi, pi * kk, kk, e2, pj);
          if (a !== b) offer(hd, hi, pj * kk, kk, e2, pi);
        }
      }
      worst[a] = leafWorst(lv, a, hd, kk);
      if (b !== a) worst[b] = leafWorst(lv, b, hd, kk);
    };
    // First each leaf with itself and its nearest leaves until it has seen 2k rows, for tight bounds early;
    // then every other pair once, nearest leaves first, unless the bounds rule it out.
    const gap = new Float64Array(count);
    const order = new Int32Array(count);
    const done = new Uint8Array(count * count);
    for (let a = 0; a < count; a++) {
      throwIfAborted(options.signal, stage);
      visit(a, a);
      for (let b = 0; b < count; b++) {
        gap[b] = b === a ? Infinity : leafGap(lv, d, a, b);
        order[b] = b;
      }
      order.sort((u, v) => gap[u] - gap[v] || u - v);
      let seen = lv.start[a + 1] - lv.start[a];
      for (let t = 0; t < count - 1 && seen < 2 * kk; t++) {
        const b = order[t];
        seen += lv.start[b + 1] - lv.start[b];
        const key = a < b ? a * count + b : b * count + a;
        if (done[key]) continue;
        done[key] = 1;
        visit(a, b);
      }
    }
    for (let a = 0; a < count; a++) {
      throwIfAborted(options.signal, stage);
      let m = 0;
      for (let b = a + 1; b < count; b++) {
        if (done[a * count + b]) continue;
        gap[b] = leafGap(lv, d, a, b);
        order[m++] = b;
      }
      const todo = order.subarray(0, m).sort((u, v) => gap[u] - gap[v] || u - v);
      let most = 0;
      for (let b = a + 1; b < count; b++) if (worst[b] > most) most = worst[b];
      for (const b of todo) {
        const g = gap[b];
        if (g > 0) {
          const g2 = g * g;
          if (g2 > worst[a] && g2 > most) break;
          if (g2 > worst[a] && g2 > worst[b]) continue;
        }
        if (leafFar(lv, d, a, b, 0, hd, kk) && leafFar(lv, d, b, a, 0, hd, kk)) continue;
        visit(a, b);
      }
      options.onProgress?.({ stage, done: a + 1, total: count });
    }
  } else if (kk > 0) {
    const block = blockRows(n);
    const buf = new Float64Array(block * n);
    for (let q0 = 0; q0 < n; q0 += block) {
      throwIfAborted(options.signal, stage);
      const count = Math.min(block, n - q0);
      rows.squaredDistances(rows, q0, count, buf);
      for (let t = 0; t < count; t++) {
        const o = (q0 + t) * kk;
        for (let j = 0; j < n; j++) offer(hd, hi, o, kk, buf[t * n + j], j);
      }
      options.onProgress?.({ stage, done: q0 + count, total: n });
    }
  }
  return { k: kk, distances: hd, indices: hi };
}

/** The largest k-th squared distance among the rows of leaf l. */
function leafWorst(lv: Leaves, l: number, hd: Float64Array, k: number): number {
  let w = 0;
  for (let t = lv.start[l]; t < lv.start[l + 1]; t++) {
    const v = hd[lv.perm[t] * k + k - 1];
    if (v > w) w = v;
  }
  return w;
}

/**
 * Inserts candidate (e2, j) into the sorted list dist/ids[o … o+k−1] when it beats the last entry, ordering
 * by distance, then index. O(k) per accepted candidate.
 */
export function offer(dist: Float64Array, ids: Int32Array, o: number, k: number, e2: number, j: number): void {
  const last = o + k - 1;
  if (e2 > dist[last] || (e2 === dist[last] && j >= ids[last])) return;
  let p = last;
  while (p > o && (dist[p - 1] > e2 || (dist[p - 1] === e2 && ids[p - 1] > j))) {
    dist[p] = dist[p - 1];
    ids[p] = ids[p - 1];
    p--;
  }
  dist[p] = e2;
  ids[p] = j;
}
