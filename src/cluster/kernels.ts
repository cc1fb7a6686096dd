// Distance kernels of the k-means family on typed arrays: row norms, centre scores, assignment, cluster sums.
import type { Matrix } from "../linalg/matrix.js";
import { rowDot, rowDots, type Centers } from "./row-scores.js";

export type { Centers } from "./row-scores.js";

/**
 * Every kernel here adds a row's stored values in ascending column order with Float64 accumulators and
 * skips zeros, so a dense matrix and its CSR twin (sorted indices) give bit-identical norms, scores and sums.
 */

/** Squared L2 norm of each row. O(nnz). */
export function rowSquaredNorms(x: Matrix): Float64Array {
  const n = x.rows;
  const out = new Float64Array(n);
  const data = x.data;
  if (x.kind === "csr") {
    const indptr = x.indptr;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) s += data[p]! * data[p]!;
      out[i] = s;
    }
  } else {
    const cols = x.cols;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = i * cols; p < (i + 1) * cols; p++) s += data[p]! * data[p]!;
      out[i] = s;
    }
  }
  return out;
}

/** A copy of `x` whose non-zero rows have unit L2 norm (zero rows stay zero; CSR structure is shared). O(nnz). */
export function normalizeRows<M extends Matrix>(x: M): M {
  const n2 = rowSquaredNorms(x);
  const data = new Float32Array(x.data.length);
  if (x.kind === "csr") {
    for (let i = 0; i < x.rows; i++) {
      const inv = n2[i]! > 0 ? 1 / Math.sqrt(n2[i]!) : 0;
      for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) data[p] = x.data[p]! * inv;
    }
    return { ...x, data };
  }
  const cols = x.cols;
  for (let i = 0; i < x.rows; i++) {
    const inv = n2[i]! > 0 ? 1 / Math.sqrt(n2[i]!) : 0;
    for (let p = i * cols; p < (i + 1) * cols; p++) data[p] = x.data[p]! * inv;
  }
  return { ...x, data };
}

/**
 * The rows as k-means sees them: unit-normalized for cosine, with squared norms (a zero row counts as norm 1
 * under cosine, so it lies at cosine distance 1 from every centre). O(nnz).
 */
export function prepareRows(x: Matrix, cosine: boolean): { x: Matrix; rn: Float64Array } {
  const xw = cosine ? normalizeRows(x) : x;
  const rn = rowSquaredNorms(xw);
  if (cosine) for (let i = 0; i < rn.length; i++) if (rn[i] === 0) rn[i] = 1;
  return { x: xw, rn };
}

/**
 * Sum over features of the per-column variance, divided by `fullCols` (columns absent from `x` have
 * variance 0): scikit-learn's `mean(var(X, axis=0))`, the scale of k-means' `tol`. O(nnz + cols).
 */
export function meanColumnVariance(x: Matrix, fullCols: number): number {
  const d = x.cols;
  const s = new Float64Array(d);
  const q = new Float64Array(d);
  const data = x.data;
  if (x.kind === "csr") {
    const { indptr, indices } = x;
    for (let p = 0; p < indptr[x.rows]!; p++) {
      s[indices[p]!]! += data[p]!;
      q[indices[p]!]! += data[p]! * data[p]!;
    }
  } else {
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j]!;
        if (v === 0) continue;
        s[j]! += v;
        q[j]! += v * v;
      }
    }
  }
  const n = x.rows;
  let total = 0;
  for (let j = 0; j < d; j++) {
    const mean = s[j]! / n;
    total += Math.max(0, q[j]! / n - mean * mean);
  }
  return fullCols > 0 && n > 0 ? total / fullCols : 0;
}

/**
 * ‖c‖² of each centre into `cn`; under the cosine convention a zero centre counts as 1, so its distance to a
 * unit row is √2 (cosine distance 1) rather than 1. O(k·d).
 */
export function centerNorms(c: Centers, cosine: boolean): void {
  const { k, d, ct, cn } = c;
  cn.fill(0);
  for (let j = 0; j < d; j++) {
    const o = j * k;
    for (let a = 0; a < k; a++) cn[a]! += ct[o + a]! * ct[o + a]!;
  }
  if (cosine) for (let a = 0; a < k; a++) if (cn[a] === 0) cn[a] = 1;
}

/**
 * Nearest centre of each row (ties → lowest id) by d² = ‖x‖² − 2x·c + ‖c‖² (clamped at 0): labels, best d²
 * and, when `second` is given, the runner-up d². With `rowIds`, row t of the output is row rowIds[t] of x.
 * O(nnz · k).
 */
export function assignNearest(
  x: Matrix,
  rn: Float64Array,
  c: Centers,
  labels: Int32Array,
  best: Float64Array,
  second: Float64Array | null,
  rowIds: Int32Array | null = null,
): void {
  const { k, cn } = c;
  const dots = new Float64Array(k);
  const count = rowIds ? rowIds.length : x.rows;
  for (let t = 0; t < count; t++) {
    const i = rowIds ? rowIds[t]! : t;
    rowDots(x, i, c, dots);
    const r = rn[i]!;
    let b = 0;
    let bd = Infinity;
    let sd = Infinity;
    for (let a = 0; a < k; a++) {
      let dd = r - 2 * dots[a]! + cn[a]!;
      if (dd < 0) dd = 0;
      if (dd < bd) {
        sd = bd;
        bd = dd;
        b = a;
      } else if (dd < sd) sd = dd;
    }
    labels[t] = b;
    best[t] = bd;
    if (second) second[t] = sd;
  }
}

/** Squared distance of each row to its assigned centre. O(nnz). */
export function distanceToAssigned(x: Matrix, rn: Float64Array, c: Centers, labels: Int32Array, out: Float64Array): void {
  for (let i = 0; i < x.rows; i++) {
    const a = labels[i]!;
    const dd = rn[i]! - 2 * rowDot(x, i, c, a) + c.cn[a]!;
    out[i] = dd > 0 ? dd : 0;
  }
}

/** All row-to-centre squared distances into `out` (rows × k, Float32). O(nnz · k). */
export function allDistances(x: Matrix, rn: Float64Array, c: Centers, out: Float32Array): void {
  const { k, cn } = c;
  const dots = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    rowDots(x, i, c, dots);
    for (let a = 0; a < k; a++) {
      const dd = rn[i]! - 2 * dots[a]! + cn[a]!;
      out[i * k + a] = dd > 0 ? dd : 0;
    }
  }
}

/** Per-cluster sums (feature-major d×k, like {@link Centers}) and counts of the rows' values. O(nnz + k·d). */
export function clusterSums(x: Matrix, labels: Int32Array, k: number, sums: Float64Array, counts: Float64Array): void {
  sums.fill(0);
  counts.fill(0);
  const data = x.data;
  if (x.kind === "csr") {
    const { indptr, indices } = x;
    for (let i = 0; i < x.rows; i++) {
      const c = labels[i]!;
      counts[c]!++;
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) sums[indices[p]! * k + c]! += data[p]!;
    }
  } else {
    const cols = x.cols;
    for (let i = 0; i < x.rows; i++) {
      const c = labels[i]!;
      counts[c]!++;
      for (let j = 0; j < cols; j++) {
        const v = data[i * cols + j]!;
        if (v !== 0) sums[j * k + c]! += v;
      }
    }
  }
}

/** Moves row i's values from cluster a's sums to cluster b's (incremental M-step bookkeeping). O(nnz_i). */
export function moveRow(x: Matrix, i: number, a: number, b: number, sums: Float64Array, counts: Float64Array, k: number): void {
  counts[a]!--;
  counts[b]!++;
  const data = x.data;
  if (x.kind === "csr") {
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
      const o = x.indices[p]! * k;
      sums[o + a]! -= data[p]!;
      sums[o + b]! += data[p]!;
    }
  } else {
    const cols = x.cols;
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j]!;
      if (v === 0) continue;
      sums[j * k + a]! -= v;
      sums[j * k + b]! += v;
    }
  }
}

/** Copies row i of x into centre column `a` of a feature-major buffer with k columns (zeroing it first is the caller's job). */
export function scatterRow(x: Matrix, i: number, buf: Float64Array, k: number, a: number): void {
  if (x.kind === "csr") {
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) buf[x.indices[p]! * k + a] = x.data[p]!;
  } else {
    for (let j = 0; j < x.cols; j++) buf[j * k + a] = x.data[i * x.cols + j]!;
  }
}

/** Zeroes what {@link scatterRow} wrote. */
export function clearRow(x: Matrix, i: number, buf: Float64Array, k: number, a: number): void {
  if (x.kind === "csr") {
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) buf[x.indices[p]! * k + a] = 0;
  } else {
    for (let j = 0; j < x.cols; j++) buf[j * k + a] = 0;
  }
}
