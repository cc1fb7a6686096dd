// Panel-major blocks and the sparse products of the randomized SVD that run on them.
import type { CsrMatrix } from "./matrix.js";
import type { SparseSign } from "./svd-kernels.js";

/*
 * A tall m × l block is stored as ceil(l/8) panels of m rows × 8 columns (zero padding past l), so a sparse
 * product runs panel by panel: each gathered row is 8 values wide and a whole panel of the short side stays
 * in cache while the sparse matrix streams by once per panel.
 *
 * Plain panels (Float32 or Float64) put column c of row i at (c >> 3)·m·8 + i·8 + (c & 7). Paired panels
 * (Float32, for the power steps) interleave two blocks: row i of panel p holds 8 values of the input block Q
 * at (p·m + i)·16 and the same 8 columns of the output block Y right after, so the scatter into Y hits the
 * cache line that the gather from Q just loaded.
 */

/** Columns of a block rounded up to whole panels of 8. */
export function panelWidth(l: number): number {
  return (l + 7) & ~7;
}

/**
 * A CSR matrix with its column indices pre-multiplied by 16: the offset of that row in a paired panel (half
 * of it in a plain Float32/Float64 panel), saving a multiply per entry and pass.
 */
export interface PanelCsr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  offsets: Int32Array;
  data: Float32Array;
}

/** {@link PanelCsr} of `scale` times x (shares indptr, and data when scale is 1). O(nnz). */
export function panelCsr(x: CsrMatrix, scale = 1): PanelCsr {
  const nnz = x.indptr[x.rows]!;
  const offsets = new Int32Array(nnz);
  for (let p = 0; p < nnz; p++) offsets[p] = x.indices[p]! * 16;
  const data = scale === 1 ? x.data : x.data.map((v) => v * scale);
  return { rows: x.rows, cols: x.cols, indptr: x.indptr, offsets, data };
}

/**
 * Copies `scale` times a row-major m × l Float64 block into plain Float32 panels `out` (stride 8) or, with
 * `paired`, into the Q half of paired panels (zeroing the Y half). With `round`, the block is overwritten
 * with the same scaled, Float32-rounded numbers, so both copies agree. O(m · l).
 */
export function toPanels(y: Float64Array, m: number, l: number, out: Float32Array, paired: boolean, round: boolean, scale = 1): Float32Array {
  const lp = panelWidth(l);
  const row = paired ? 16 : 8;
  const stride = m * row;
  for (let i = 0; i < m; i++) {
    const yo = i * l;
    for (let c = 0, o = i * row; c < lp; c += 8, o += stride) {
      const w = Math.min(8, l - c);
      for (let t = 0; t < w; t++) out[o + t] = scale * y[yo + c + t]!;
      for (let t = w; t < 8; t++) out[o + t] = 0;
      if (paired) for (let t = 8; t < 16; t++) out[o + t] = 0;
      if (round) for (let t = 0; t < w; t++) y[yo + c + t] = out[o + t]!;
    }
  }
  return out;
}

/**
 * The Y half of paired panels as a row-major m × l Float64 block; with a sketch, also S·Y (s × l) into `sy`,
 * adding each row while it is still in cache. O(m · l · (1 + zeta)).
 */
export function fromPairedPanels(p: Float32Array, m: number, l: number, out: Float64Array, sk: SparseSign | null, sy: Float64Array): Float64Array {
  const stride = m * 16;
  if (sk) sy.fill(0, 0, sk.s * l);
  for (let i = 0; i < m; i++) {
    const yo = i * l;
    for (let c = 0, o = i * 16 + 8; c < l; c += 8, o += stride) {
      const w = Math.min(8, l - c);
      for (let t = 0; t < w; t++) out[yo + c + t] = p[o + t]!;
    }
    if (sk) {
      const { zeta, rows, signs } = sk;
      for (let k = 0; k < zeta; k++) {
        const so = rows[i * zeta + k]! * l;
        const sg = signs[i * zeta + k]!;
        for (let t = 0; t < l; t++) sy[so + t]! += sg * out[yo + t]!;
      }
    }
  }
  return out;
}

/** Row-major m × l copy of plain Float64 panels. O(m · l). */
export function fromPanels64(p: Float64Array, m: number, l: number, out: Float64Array): Float64Array {
  const stride = m * 8;
  for (let i = 0; i < m; i++) {
    const yo = i * l;
    for (let c = 0, o = i * 8; c < l; c += 8, o += stride) {
      const w = Math.min(8, l - c);
      for (let t = 0; t < w; t++) out[yo + c + t] = p[o + t]!;
    }
  }
  return out;
}

/**
 * Y = A·(Aᵀ·Q) in place on paired panels (Q half in, Y half out), for at = Aᵀ (one row per column of A, with
 * at.cols rows of the block): for each row j of Aᵀ, z = Σ_i A_ij q_i over its entries (8 sums in registers),
 * then y_i += A_ij z over the same entries, so Z = AᵀQ is never stored and the matrix streams by once per
 * panel. Y accumulates in Float32 (relative error ~1e-7 · √terms of a row): for the power steps. O(2 · nnz · lp).
 */
export function normalProductPaired(at: PanelCsr, qy: Float32Array, lp: number): Float32Array {
  const { indptr, offsets, data } = at;
  const sm = at.cols;
  const nRows = at.rows;
  for (let c0 = 0; c0 < lp; c0 += 8) {
    const a = qy.subarray(c0 * 2 * sm, (c0 + 8) * 2 * sm);
    for (let j = 0; j < nRows; j++) {
      const start = indptr[j]!;
      const end = indptr[j + 1]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let p = start; p < end; p++) {
        const v = data[p]!;
        const o = offsets[p]!;
        s0 += v * a[o]!; s1 += v * a[o + 1]!; s2 += v * a[o + 2]!; s3 += v * a[o + 3]!;
        s4 += v * a[o + 4]!; s5 += v * a[o + 5]!; s6 += v * a[o + 6]!; s7 += v * a[o + 7]!;
      }
      for (let p = start; p < end; p++) {
        const v = data[p]!;
        const o = offsets[p]! + 8;
        a[o]! += v * s0; a[o + 1]! += v * s1; a[o + 2]! += v * s2; a[o + 3]! += v * s3;
        a[o + 4]! += v * s4; a[o + 5]! += v * s5; a[o + 6]! += v * s6; a[o + 7]! += v * s7;
      }
    }
  }
  return qy;
}

/**
 * y = A·(Aᵀ·q) exactly: q from plain Float32 panels, y into plain Float64 panels (zeroed first), Float64
 * sums throughout, for the final Rayleigh-Ritz step. O(2 · nnz · lp).
 */
export function normalProduct64(at: PanelCsr, q: Float32Array, lp: number, y: Float64Array): Float64Array {
  const { indptr, offsets, data } = at;
  const sm = at.cols;
  const nRows = at.rows;
  y.fill(0, 0, sm * lp);
  for (let c0 = 0; c0 < lp; c0 += 8) {
    const qq = q.subarray(c0 * sm, (c0 + 8) * sm);
    const yy = y.subarray(c0 * sm, (c0 + 8) * sm);
    for (let j = 0; j < nRows; j++) {
      const start = indptr[j]!;
      const end = indptr[j + 1]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let p = start; p < end; p++) {
        const v = data[p]!;
        const o = offsets[p]! >> 1;
        s0 += v * qq[o]!; s1 += v * qq[o + 1]!; s2 += v * qq[o + 2]!; s3 += v * qq[o + 3]!;
        s4 += v * qq[o + 4]!; s5 += v * qq[o + 5]!; s6 += v * qq[o + 6]!; s7 += v * qq[o + 7]!;
      }
      for (let p = start; p < end; p++) {
        const v = data[p]!;
        const o = offsets[p]! >> 1;
        yy[o]! += v * s0; yy[o + 1]! += v * s1; yy[o + 2]! += v * s2; yy[o + 3]! += v * s3;
        yy[o + 4]! += v * s4; yy[o + 5]! += v * s5; yy[o + 6]! += v * s6; yy[o + 7]! += v * s7;
      }
    }
  }
  return y;
}

/**
 * out = (x · w)ᵀ (r × x.rows, Float32) for plain Float32 panels w with x.cols rows: per panel, 8 sums per
 * row of x in registers, written to 8 output rows that each fill front to back. O(nnz · r).
 */
export function panelTimesTransposed(x: PanelCsr, w: Float32Array, r: number, out: Float32Array): Float32Array {
  const { indptr, offsets, data } = x;
  const wr = x.cols;
  const n = x.rows;
  const rp = panelWidth(r);
  for (let c0 = 0; c0 < rp; c0 += 8) {
    const ww = w.subarray(c0 * wr, (c0 + 8) * wr);
    // Rows of out for this panel: the ragged last panel has only r − c0 (< 8) of them.
    const w8 = Math.min(8, r - c0);
    const o0 = c0 * n;
    for (let i = 0; i < n; i++) {
      const end = indptr[i + 1]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let p = indptr[i]!; p < end; p++) {
        const v = data[p]!;
        const o = offsets[p]! >> 1;
        s0 += v * ww[o]!; s1 += v * ww[o + 1]!; s2 += v * ww[o + 2]!; s3 += v * ww[o + 3]!;
        s4 += v * ww[o + 4]!; s5 += v * ww[o + 5]!; s6 += v * ww[o + 6]!; s7 += v * ww[o + 7]!;
      }
      if (w8 === 8) {
        out[o0 + i] = s0; out[o0 + n + i] = s1; out[o0 + 2 * n + i] = s2; out[o0 + 3 * n + i] = s3;
        out[o0 + 4 * n + i] = s4; out[o0 + 5 * n + i] = s5; out[o0 + 6 * n + i] = s6; out[o0 + 7 * n + i] = s7;
      } else {
        out[o0 + i] = s0;
        if (w8 > 1) out[o0 + n + i] = s1;
        if (w8 > 2) out[o0 + 2 * n + i] = s2;
        if (w8 > 3) out[o0 + 3 * n + i] = s3;
        if (w8 > 4) out[o0 + 4 * n + i] = s4;
        if (w8 > 5) out[o0 + 5 * n + i] = s5;
        if (w8 > 6) out[o0 + 6 * n + i] = s6;
      }
    }
  }
  return out;
}
