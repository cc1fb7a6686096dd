// Kernels of the randomized SVD on row-major Float64 blocks (rows × l): CSR products (transform, Gram-Schmidt
// path), Gram and cross products, products with small l × r matrices, the l × l helpers (Cholesky, triangular
// inverse, Householder R) and the sparse sign sketch.
import { gemmABt } from "./gemm.js";
import type { CsrMatrix, DenseMatrix } from "./matrix.js";

/*
 * Every tall block is row-major (row i at i·l), so a sparse product streams whole rows of its right factor and
 * the dense kernels walk rows contiguously. The dense kernels keep a 2 × 4 or 4 × 4 tile of sums in locals
 * (V8 keeps them in registers) and visit the rows in slabs that stay in L1/L2, so each loaded value feeds
 * two to four multiply-adds instead of one.
 */

/** Singular values (descending, `r` of them) and right singular vectors, component-major: vt[t·n + j]. */
export interface SvdFactors {
  sigma: Float64Array;
  vt: Float32Array;
}

/** Rows per slab of the Gram kernels: 64 rows of a 112-wide block (57 KB) stay in L2 while all tiles pass. */
const SLAB = 64;

/**
 * y (x.rows × l) = x · w, with w row-major (x.cols × l): each group of four stored values adds four scaled,
 * contiguous rows of w into the output row. O(nnz · l).
 */
export function csrTimes(x: CsrMatrix, w: Float64Array, l: number, y: Float64Array): Float64Array {
  const { indptr, indices, data } = x;
  y.fill(0, 0, x.rows * l);
  for (let i = 0; i < x.rows; i++) {
    const yo = i * l;
    const end = indptr[i + 1]!;
    let p = indptr[i]!;
    for (; p + 4 <= end; p += 4) {
      const v1 = data[p]!;
      const v2 = data[p + 1]!;
      const v3 = data[p + 2]!;
      const v4 = data[p + 3]!;
      const o1 = indices[p]! * l;
      const o2 = indices[p + 1]! * l;
      const o3 = indices[p + 2]! * l;
      const o4 = indices[p + 3]! * l;
      for (let t = 0; t < l; t++) y[yo + t]! += v1 * w[o1 + t]! + v2 * w[o2 + t]! + v3 * w[o3 + t]! + v4 * w[o4 + t]!;
    }
    for (; p + 2 <= end; p += 2) {
      const v1 = data[p]!;
      const v2 = data[p + 1]!;
      const o1 = indices[p]! * l;
      const o2 = indices[p + 1]! * l;
      for (let t = 0; t < l; t++) y[yo + t]! += v1 * w[o1 + t]! + v2 * w[o2 + t]!;
    }
    if (p < end) {
      const v = data[p]!;
      const o = indices[p]! * l;
      for (let t = 0; t < l; t++) y[yo + t]! += v * w[o + t]!;
    }
  }
  return y;
}

/** Rows with fewer stored values than this take the dot-product form in {@link csrTimes32}. */
const SHORT_ROW = 48;

/**
 * y (x.rows × l) = x · w for Float32 weights w (x.cols × l, row-major; the transform's components). Short rows
 * (titles) keep 8 sums in registers per block of 8 outputs, re-reading their few entries; long rows (descriptions)
 * add four scaled rows of w at a time into the output row, as {@link csrTimes}. O(nnz · l).
 */
export function csrTimes32(x: CsrMatrix, w: Float32Array, l: number, y: Float64Array): Float64Array {
  const { indptr, indices, data } = x;
  const l8 = l - (l % 8);
  y.fill(0, 0, x.rows * l);
  for (let i = 0; i < x.rows; i++) {
    const yo = i * l;
    const start = indptr[i]!;
    const end = indptr[i + 1]!;
    if (end - start < SHORT_ROW) {
      for (let c = 0; c < l8; c += 8) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        for (let p = start; p < end; p++) {
          const v = data[p]!;
          const o = indices[p]! * l + c;
          s0 += v * w[o]!; s1 += v * w[o + 1]!; s2 += v * w[o + 2]!; s3 += v * w[o + 3]!;
          s4 += v * w[o + 4]!; s5 += v * w[o + 5]!; s6 += v * w[o + 6]!; s7 += v * w[o + 7]!;
        }
        y[yo + c] = s0; y[yo + c + 1] = s1; y[yo + c + 2] = s2; y[yo + c + 3] = s3;
        y[yo + c + 4] = s4; y[yo + c + 5] = s5; y[yo + c + 6] = s6; y[yo + c + 7] = s7;
      }
      for (let c = l8; c < l; c++) {
        let acc = 0;
        for (let p = start; p < end; p++) acc += data[p]! * w[indices[p]! * l + c]!;
        y[yo + c] = acc;
      }
      continue;
    }
    let p = start;
    for (; p + 4 <= end; p += 4) {
      const v1 = data[p]!;
      const v2 = data[p + 1]!;
      const v3 = data[p + 2]!;
      const v4 = data[p + 3]!;
      const o1 = indices[p]! * l;
      const o2 = indices[p + 1]! * l;
      const o3 = indices[p + 2]! * l;
      const o4 = indices[p + 3]! * l;
      for (let t = 0; t < l; t++) y[yo + t]! += v1 * w[o1 + t]! + v2 * w[o2 + t]! + v3 * w[o3 + t]! + v4 * w[o4 + t]!;
    }
    for (; p < end; p++) {
      const v = data[p]!;
      const o = indices[p]! * l;
      for (let t = 0; t < l; t++) y[yo + t]! += v * w[o + t]!;
    }
  }
  return y;
}

/** y (x.rows × l) = x · w for dense rows, zeros skipped. O(rows · cols · l). */
export function denseTimes(x: DenseMatrix, w: Float32Array, l: number): Float64Array {
  const { rows, cols, data } = x;
  const y = new Float64Array(rows * l);
  for (let i = 0; i < rows; i++) {
    const yo = i * l;
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j]!;
      if (v === 0) continue;
      const o = j * l;
      for (let t = 0; t < l; t++) y[yo + t]! += v * w[o + t]!;
    }
  }
  return y;
}

/**
 * g (l × l, symmetric, both halves filled) = aᵀ·b for row-major m × l blocks a, b, computing only the tiles on
 * and above the diagonal: the Gram matrix aᵀa when a === b, the symmetric part's upper half otherwise (for
 * aᵀb that is symmetric in exact arithmetic). 4 × 4 tiles over row slabs. O(m · l² / 2).
 */
export function crossUpper(a: Float64Array, b: Float64Array, m: number, l: number, g: Float64Array): Float64Array {
  g.fill(0, 0, l * l);
  const l4 = l - (l % 4);
  for (let i0 = 0; i0 < m; i0 += SLAB) {
    const i1 = Math.min(m, i0 + SLAB);
    for (let s = 0; s < l4; s += 4) {
      for (let t = s; t < l4; t += 4) tile4(a, b, i0, i1, l, s, t, g);
      // Ragged right edge: columns l4..l-1 against the four rows s..s+3.
      for (let t = l4; t < l; t++) {
        for (let u = s; u < s + 4; u++) {
          let acc = 0;
          for (let i = i0, o = i0 * l; i < i1; i++, o += l) acc += a[o + u]! * b[o + t]!;
          g[u * l + t]! += acc;
        }
      }
    }
    for (let s = l4; s < l; s++) {
      for (let t = s; t < l; t++) {
        let acc = 0;
        for (let i = i0, o = i0 * l; i < i1; i++, o += l) acc += a[o + s]! * b[o + t]!;
        g[s * l + t]! += acc;
      }
    }
  }
  for (let s = 0; s < l; s++) for (let t = s + 1; t < l; t++) g[t * l + s] = g[s * l + t]!;
  // Tiles on the diagonal also filled their lower entries (s > t inside a tile); the mirror above overwrote them.
  return g;
}

/** Adds Σ_{i0 ≤ i < i1} a[i][s..s+3]ᵀ b[i][t..t+3] to g's 4 × 4 tile at (s, t). */
function tile4(a: Float64Array, b: Float64Array, i0: number, i1: number, l: number, s: number, t: number, g: Float64Array): void {
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let o = i0 * l, end = i1 * l; o < end; o += l) {
    const a0 = a[o + s]!;
    const a1 = a[o + s + 1]!;
    const a2 = a[o + s + 2]!;
    const a3 = a[o + s + 3]!;
    const b0 = b[o + t]!;
    const b1 = b[o + t + 1]!;
    const b2 = b[o + t + 2]!;
    const b3 = b[o + t + 3]!;
    s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
    s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
    s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
    s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
  }
  const g0 = s * l + t;
  g[g0]! += s00; g[g0 + 1]! += s01; g[g0 + 2]! += s02; g[g0 + 3]! += s03;
  const g1 = g0 + l;
  g[g1]! += s10; g[g1 + 1]! += s11; g[g1 + 2]! += s12; g[g1 + 3]! += s13;
  const g2 = g1 + l;
  g[g2]! += s20; g[g2 + 1]! += s21; g[g2 + 2]! += s22; g[g2 + 3]! += s23;
  const g3 = g2 + l;
  g[g3]! += s30; g[g3 + 1]! += s31; g[g3 + 2]! += s32; g[g3 + 3]! += s33;
}

/**
 * out (m × r) = y (m × l) · C, with C given transposed: ct is r × l (row c = column c of C). With `upper`,
 * C is upper triangular (C[s][c] = 0 for s > c) and each sum stops at the diagonal. The blocked A·Bᵀ kernel
 * of gemm.ts. `out` must not alias `y`. O(m · l · r), half that when upper.
 */
export function timesSmall(y: Float64Array, m: number, l: number, ct: Float64Array, r: number, out: Float64Array, upper = false): Float64Array {
  gemmABt(y, m, l, ct, r, undefined, out, upper);
  return out;
}

/**
 * Upper-triangular R with g = RᵀR (g symmetric positive definite, row-major l × l; not modified), or null when
 * a pivot falls to `relTol` times the largest diagonal entry or below (numerically singular). O(l³/3).
 */
export function cholesky(g: Float64Array, l: number, relTol: number): Float64Array | null {
  const r = new Float64Array(l * l);
  let big = 0;
  for (let s = 0; s < l; s++) big = Math.max(big, g[s * l + s]!);
  if (!(big > 0)) return null;
  for (let s = 0; s < l; s++) {
    let d = g[s * l + s]!;
    for (let k = 0; k < s; k++) d -= r[k * l + s]! * r[k * l + s]!;
    if (!(d > relTol * big)) return null;
    const rss = Math.sqrt(d);
    r[s * l + s] = rss;
    for (let t = s + 1; t < l; t++) {
      let v = g[s * l + t]!;
      for (let k = 0; k < s; k++) v -= r[k * l + s]! * r[k * l + t]!;
      r[s * l + t] = v / rss;
    }
  }
  return r;
}

/** Inverse of an upper-triangular l × l matrix with a non-zero diagonal (row-major; not modified). O(l³/3). */
export function invertUpper(r: Float64Array, l: number): Float64Array {
  const inv = new Float64Array(l * l);
  for (let c = l - 1; c >= 0; c--) {
    inv[c * l + c] = 1 / r[c * l + c]!;
    // Row s of column c: inv[s][c] = −(Σ_{s<k≤c} r[s][k]·inv[k][c]) / r[s][s], bottom-up.
    for (let s = c - 1; s >= 0; s--) {
      let v = 0;
      for (let k = s + 1; k <= c; k++) v += r[s * l + k]! * inv[k * l + c]!;
      inv[s * l + c] = -v / r[s * l + s]!;
    }
  }
  return inv;
}

/** Transpose of a row-major rows × cols matrix. */
export function transposeSmall(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/** Frobenius norm of a row-major matrix stored in the first `len` entries. */
export function frobenius(a: Float64Array, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * A sparse sign embedding S (s × m, `zeta` entries ±1 per column, Martinsson & Tropp 2020 §9.2): for row i
 * of the tall block, `rows[i·zeta + k]` is the sketch row it is added to with sign `signs[i·zeta + k]`.
 * S·Y keeps the geometry of range(Y) up to a small distortion, so the R of a QR of S·Y (s × l) has about
 * Y's condition number and Y·R⁻¹ is well conditioned, at O(m · zeta · l) instead of a Gram's O(m · l²).
 */
export interface SparseSign {
  s: number;
  zeta: number;
  rows: Int32Array;
  signs: Float64Array;
}

/** Draws a sparse sign embedding of m rows into s rows, `zeta` distinct rows per input row. O(m · zeta). */
export function sparseSign(m: number, s: number, zeta: number, next: () => number): SparseSign {
  const z = Math.min(zeta, s);
  const rows = new Int32Array(m * z);
  const signs = new Float64Array(m * z);
  for (let i = 0; i < m; i++) {
    const o = i * z;
    for (let k = 0; k < z; k++) {
      const u = next();
      let h = u % s;
      // Distinct rows per input row: linear probing past rows already taken.
      for (let j = 0; j < k; j++) {
        if (rows[o + j] === h) {
          h = (h + 1) % s;
          j = -1;
        }
      }
      rows[o + k] = h;
      signs[o + k] = u & 0x80000000 ? -1 : 1;
    }
  }
  return { s, zeta: z, rows, signs };
}

/**
 * The R factor (l × l upper triangular, row-major) of a Householder QR of the row-major s × l matrix a
 * (s ≥ l; overwritten). Backward stable at any condition number. O(s · l²).
 */
export function householderR(a: Float64Array, s: number, l: number): Float64Array {
  const v = new Float64Array(s);
  for (let k = 0; k < l; k++) {
    let norm = 0;
    for (let i = k; i < s; i++) norm += a[i * l + k]! * a[i * l + k]!;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const akk = a[k * l + k]!;
    const alpha = akk > 0 ? -norm : norm;
    // v = x − alpha·e1, H = I − 2vvᵀ/(vᵀv); Hx = alpha·e1.
    for (let i = k; i < s; i++) v[i] = a[i * l + k]!;
    v[k] = akk - alpha;
    const vv = norm * norm - akk * akk + v[k]! * v[k]!;
    if (vv === 0) continue;
    a[k * l + k] = alpha;
    for (let i = k + 1; i < s; i++) a[i * l + k] = 0;
    for (let c = k + 1; c < l; c++) {
      let d = 0;
      for (let i = k; i < s; i++) d += v[i]! * a[i * l + c]!;
      const f = (2 * d) / vv;
      if (f !== 0) for (let i = k; i < s; i++) a[i * l + c]! -= f * v[i]!;
    }
  }
  const r = new Float64Array(l * l);
  for (let k = 0; k < l; k++) for (let c = k; c < l; c++) r[k * l + c] = a[k * l + c]!;
  return r;
}
