// Sparse (CSR) reshaping kernels: transposing, and renumbering the columns a matrix uses.
import { csr, toCsr, type CsrMatrix, type Matrix } from "./matrix.js";

/** Xᵀ as CSR (X's columns as rows), so products with Xᵀ gather rows of the left factor instead of scattering. O(nnz + cols). */
export function transposeCsr(x: Matrix): CsrMatrix {
  const c = toCsr(x);
  const nz = c.indptr[c.rows]!;
  const indptr = new Int32Array(c.cols + 1);
  for (let p = 0; p < nz; p++) indptr[c.indices[p]! + 1]!++;
  for (let j = 0; j < c.cols; j++) indptr[j + 1]! += indptr[j]!;
  const fill = indptr.slice(0, c.cols);
  const indices = new Int32Array(nz);
  const data = new Float32Array(nz);
  for (let i = 0; i < c.rows; i++) {
    for (let p = c.indptr[i]!; p < c.indptr[i + 1]!; p++) {
      const q = fill[c.indices[p]!]!++;
      indices[q] = i;
      data[q] = c.data[p]!;
    }
  }
  return csr(c.cols, c.rows, indptr, indices, data);
}

/**
 * Renumbers the columns a CSR matrix uses to 0..m−1, so per-centre work is O(k·m) rather than O(k·cols) on
 * hashed text features. Order kept, or with `byFrequency` most-used first (dense per-column tables then keep
 * their hot rows together in cache; each row keeps its entries' order). Null when nothing would be gained:
 * at least 3/4 of the columns used and no reordering asked for. O(nnz + cols log cols).
 */
export function compactColumns(x: CsrMatrix, byFrequency = false): { x: CsrMatrix; colMap: Int32Array } | null {
  const nz = x.indptr[x.rows]!;
  const freq = new Int32Array(x.cols);
  for (let p = 0; p < nz; p++) freq[x.indices[p]!]!++;
  let m = 0;
  for (let j = 0; j < x.cols; j++) if (freq[j]! > 0) m++;
  if (!byFrequency && m * 4 >= x.cols * 3) return null;
  const colMap = new Int32Array(m);
  for (let j = 0, t = 0; j < x.cols; j++) if (freq[j]! > 0) colMap[t++] = j;
  if (byFrequency) colMap.sort((a, b) => freq[b]! - freq[a]! || a - b);
  const used = new Int32Array(x.cols);
  for (let t = 0; t < m; t++) used[colMap[t]!] = t;
  const indices = new Int32Array(nz);
  for (let p = 0; p < nz; p++) indices[p] = used[x.indices[p]!]!;
  return { x: csr(x.rows, m, x.indptr, indices, x.data), colMap };
}
