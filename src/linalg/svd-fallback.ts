// The rank-safe path of the randomized SVD: Gram-Schmidt range finder and B·Bᵀ eigendecomposition, for
// inputs whose rank is below the sketch width (dependent directions are replaced by random ones).
import { Random } from "./random.js";
import type { CsrMatrix } from "./matrix.js";
import { dotRange, orthonormalizeColumns, symmetricEigen } from "./eigen.js";
import { csrTimes, type SvdFactors } from "./svd-kernels.js";

/**
 * Halko's Algorithm 4.4 with modified Gram-Schmidt after every product and the small SVD of B = QᵀX from
 * the Jacobi eigendecomposition of BBᵀ; right singular vectors with σ ≈ 0 are completed by Gram-Schmidt, so
 * it copes with any rank. x is rows × n CSR, xt its transpose; l = sketch width ≤ min(rows, n).
 * O(q · rows · l² + n · l² + q · nnz · l) with poor constants: only for the rank-deficient case.
 */
export function gramSchmidtSvd(x: CsrMatrix, xt: CsrMatrix, l: number, r: number, powerIterations: number, seed: number): SvdFactors {
  const m = x.rows;
  const n = x.cols;
  const rng = new Random(seed);
  const omega = new Float64Array(n * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  let y = csrTimes(x, omega, l, new Float64Array(m * l));
  for (let q = 0; q < powerIterations; q++) {
    orthonormalizeColumns(y, m, l, rng, 1);
    const z = csrTimes(xt, y, l, new Float64Array(n * l));
    if (n <= m) orthonormalizeColumns(z, n, l, rng, 1);
    y = csrTimes(x, z, l, y);
  }
  orthonormalizeColumns(y, m, l, rng, 2);
  // B = QᵀX, kept as Bᵀ (n × l); BBᵀ = (Bᵀ)ᵀBᵀ is l × l.
  const bt = csrTimes(xt, y, l, new Float64Array(n * l));
  const b = new Float64Array(l * n);
  for (let j = 0; j < n; j++) for (let a = 0; a < l; a++) b[a * n + j] = bt[j * l + a]!;
  const g = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let c = a; c < l; c++) g[a * l + c] = g[c * l + a] = dotRange(b, a * n, b, c * n, n);
  }
  const { values, vectors } = symmetricEigen(g, l);
  // Right singular vectors v_t = Bᵀw_t / σ_t; directions with σ_t ≈ 0 are completed by Gram-Schmidt.
  const sigma = new Float64Array(r);
  for (let t = 0; t < r; t++) sigma[t] = Math.sqrt(Math.max(0, values[t]!));
  const v = new Float64Array(n * r);
  const tiny = 1e-10 * sigma[0]!;
  const w = new Float64Array(r * l); // w[t·l + a] = vectors[a][t] / σ_t: contiguous per t
  for (let t = 0; t < r; t++) {
    if (sigma[t]! > tiny) for (let a = 0; a < l; a++) w[t * l + a] = vectors[a * l + t]! / sigma[t]!;
  }
  for (let j = 0; j < n; j++) for (let t = 0; t < r; t++) v[j * r + t] = dotRange(bt, j * l, w, t * l, l);
  if (sigma[r - 1]! <= tiny) orthonormalizeColumns(v, n, r, rng, 2);
  const vt = new Float32Array(r * n);
  for (let j = 0; j < n; j++) for (let t = 0; t < r; t++) vt[t * n + j] = v[j * r + t]!;
  return { sigma, vt };
}
