// Scores of a row against all centres (x·c): blocked dense/CSR twins, the hot loop of k-means and the SVD.
import type { Matrix } from "../linalg/matrix.js";

/**
 * Cluster centres in feature-major layout (`ct[j * k + c]` is feature j of centre c), so one stored value of
 * a row touches one contiguous run of k centre values. Float64 throughout: centres are running means.
 */
export interface Centers {
  k: number;
  d: number;
  ct: Float64Array;
  /** ‖c‖² per centre (1 for a zero centre under the cosine convention, see {@link centerNorms}). */
  cn: Float64Array;
}

/*
 * The two score kernels keep up to eight running sums in locals (blocks of 8, 4, 2, 1 centres): V8 keeps them
 * in registers, about twice as fast as accumulating into an array; each centre still sums in column order.
 */

/** out[c] = x_i · c for every centre (CSR row span [start, end)). O(nnz_i · k). */
function dotsCsr(indices: Int32Array, data: Float32Array, start: number, end: number, ct: Float64Array, k: number, out: Float64Array): void {
  let c = 0;
  for (; c + 8 <= k; c += 8) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let p = start; p < end; p++) {
      const v = data[p]!;
      const o = indices[p]! * k + c;
      s0 += v * ct[o]!;
      s1 += v * ct[o + 1]!;
      s2 += v * ct[o + 2]!;
      s3 += v * ct[o + 3]!;
      s4 += v * ct[o + 4]!;
      s5 += v * ct[o + 5]!;
      s6 += v * ct[o + 6]!;
      s7 += v * ct[o + 7]!;
    }
    out[c] = s0;
    out[c + 1] = s1;
    out[c + 2] = s2;
    out[c + 3] = s3;
    out[c + 4] = s4;
    out[c + 5] = s5;
    out[c + 6] = s6;
    out[c + 7] = s7;
  }
  if (c + 4 <= k) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = start; p < end; p++) {
      const v = data[p]!;
      const o = indices[p]! * k + c;
      s0 += v * ct[o]!;
      s1 += v * ct[o + 1]!;
      s2 += v * ct[o + 2]!;
      s3 += v * ct[o + 3]!;
    }
    out[c] = s0;
    out[c + 1] = s1;
    out[c + 2] = s2;
    out[c + 3] = s3;
    c += 4;
  }
  if (c + 2 <= k) {
    let s0 = 0, s1 = 0;
    for (let p = start; p < end; p++) {
      const v = data[p]!;
      const o = indices[p]! * k + c;
      s0 += v * ct[o]!;
      s1 += v * ct[o + 1]!;
    }
    out[c] = s0;
    out[c + 1] = s1;
    c += 2;
  }
  if (c < k) out[c] = dotOneCsr(indices, data, start, end, ct, k, c);
}

/** out[c] = x_i · c for every centre (dense row at `off`, zeros skipped). O(cols · k). */
function dotsDense(data: Float32Array, off: number, cols: number, ct: Float64Array, k: number, out: Float64Array): void {
  let c = 0;
  for (; c + 8 <= k; c += 8) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[off + j]!;
      if (v === 0) continue;
      const o = j * k + c;
      s0 += v * ct[o]!;
      s1 += v * ct[o + 1]!;
      s2 += v * ct[o + 2]!;
      s3 += v * ct[o + 3]!;
      s4 += v * ct[o + 4]!;
      s5 += v * ct[o + 5]!;
      s6 += v * ct[o + 6]!;
      s7 += v * ct[o + 7]!;
    }
    out[c] = s0;
    out[c + 1] = s1;
    out[c + 2] = s2;
    out[c + 3] = s3;
    out[c + 4] = s4;
    out[c + 5] = s5;
    out[c + 6] = s6;
    out[c + 7] = s7;
  }
  if (c + 4 <= k) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[off + j]!;
      if (v === 0) continue;
      const o = j * k + c;
      s0 += v * ct[o]!;
      s1 += v * ct[o + 1]!;
      s2 += v * ct[o + 2]!;
      s3 += v * ct[o + 3]!;
    }
    out[c] = s0;
    out[c + 1] = s1;
    out[c + 2] = s2;
    out[c + 3] = s3;
    c += 4;
  }
  if (c + 2 <= k) {
    let s0 = 0, s1 = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[off + j]!;
      if (v === 0) continue;
      const o = j * k + c;
      s0 += v * ct[o]!;
      s1 += v * ct[o + 1]!;
    }
    out[c] = s0;
    out[c + 1] = s1;
    c += 2;
  }
  if (c < k) out[c] = dotOneDense(data, off, cols, ct, k, c);
}

/** x_i · c for one centre `a`. */
function dotOneCsr(indices: Int32Array, data: Float32Array, start: number, end: number, ct: Float64Array, k: number, a: number): number {
  let s = 0;
  for (let p = start; p < end; p++) s += data[p]! * ct[indices[p]! * k + a]!;
  return s;
}

function dotOneDense(data: Float32Array, off: number, cols: number, ct: Float64Array, k: number, a: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) {
    const v = data[off + j]!;
    if (v !== 0) s += v * ct[j * k + a]!;
  }
  return s;
}

/** Row scores against all centres for row i of either kind (branch per row, loops stay monomorphic). */
export function rowDots(x: Matrix, i: number, c: Centers, out: Float64Array): void {
  if (x.kind === "csr") dotsCsr(x.indices, x.data, x.indptr[i]!, x.indptr[i + 1]!, c.ct, c.k, out);
  else dotsDense(x.data, i * x.cols, x.cols, c.ct, c.k, out);
}

/** x_i · c_a for row i of either kind. */
export function rowDot(x: Matrix, i: number, c: Centers, a: number): number {
  return x.kind === "csr"
    ? dotOneCsr(x.indices, x.data, x.indptr[i]!, x.indptr[i + 1]!, c.ct, c.k, a)
    : dotOneDense(x.data, i * x.cols, x.cols, c.ct, c.k, a);
}
