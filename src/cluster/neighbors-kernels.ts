// Neighbour kernels: blocked dense and CSR dot products, the leaf partition of dense rows and its pruning bounds.
import type { DenseMatrix, CsrMatrix } from "../linalg/matrix.js";

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
export const LEAF_SIZE = 32;

/**
 * Dense rows in the order of a spatial partition (leaves of at most {@link LEAF_SIZE} consecutive rows), with
 * each leaf's centre and radius: two leaves whose centres are farther apart than their radii plus the query
 * radius cannot hold a pair within it (triangle inequality), so whole tiles of distances are skipped. Bounds
 * use the geometry of the prepared rows; a cosine zero row (defined distance 1, more than its geometric
 * distance to unit rows) only makes them looser, and its leaf gets radius ∞ so it is never skipped.
 */
export interface Leaves {
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

/** The prepared rows a leaf partition is built from (NeighborRows in neighbors.ts has this shape). */
export interface LeafRows {
  readonly x: DenseMatrix | CsrMatrix;
  readonly sq: Float64Array;
  readonly zero: Uint8Array | null;
}

/**
 * Recursive splitting: two far-apart rows (the farthest from the centroid, then the farthest from that one)
 * seed a few 2-means steps, so a split follows the gap between groups rather than cutting one in two and
 * lumping its pieces with other groups; a lopsided split (a side under 1/16 of the rows) falls back to halving
 * at the median projection on the line through the seeds. O(n · d · depth), depth ≈ log(n / LEAF_SIZE).
 */
export function buildLeaves(rows: LeafRows): Leaves {
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
export function leafSquared(lv: Leaves, s: number, t: number, dot: number): number {
  if (lv.zero && (lv.zero[s] || lv.zero[t])) return 2;
  const e2 = lv.sq[s] + lv.sq[t] - 2 * dot;
  return e2 > 0 ? e2 : 0;
}

/** Lower bound on the distance between any row of leaf a and any row of leaf b (−∞ when a radius is infinite). */
export function leafGap(lv: Leaves, d: number, a: number, b: number): number {
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
export function leafFar(lv: Leaves, d: number, a: number, b: number, reach: number, limit2: Float64Array | null, k: number): boolean {
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

/** The largest k-th squared distance among the rows of leaf l. */
export function leafWorst(lv: Leaves, l: number, hd: Float64Array, k: number): number {
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
