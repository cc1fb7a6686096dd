// Small dense linear algebra for randomized SVD: column orthonormalization (Gram-Schmidt) and Jacobi eigen.
import type { Random } from "../core/random.js";

/**
 * Orthonormalizes the l columns of a row-major m×l Float64 block in place by modified Gram-Schmidt, repeated
 * `passes` times per column (2 = "twice is enough": orthogonal to working precision). A column that is
 * (numerically) dependent on the previous ones, i.e. keeps under 1e-10 of its norm, is replaced by a random
 * Gaussian direction, so the result always has orthonormal columns. Works on a column-major copy so every
 * step is a contiguous dot product or axpy. O(passes · m · l²) time, O(m · l) extra memory.
 */
export function orthonormalizeColumns(a: Float64Array, m: number, l: number, rng: Random, passes = 2): void {
  const q = new Float64Array(m * l);
  for (let i = 0; i < m; i++) for (let t = 0; t < l; t++) q[t * m + i] = a[i * l + t]!;
  for (let t = 0; t < l; t++) {
    const ot = t * m;
    for (let attempt = 0; ; attempt++) {
      const before = dotRange(q, ot, q, ot, m);
      for (let pass = 0; pass < passes; pass++) {
        for (let c = 0; c < t; c++) {
          const r = dotRange(q, c * m, q, ot, m);
          if (r === 0) continue;
          const oc = c * m;
          for (let i = 0; i < m; i++) q[ot + i]! -= r * q[oc + i]!;
        }
      }
      const after = dotRange(q, ot, q, ot, m);
      if (after > 1e-20 * before && after > 0) {
        const inv = 1 / Math.sqrt(after);
        for (let i = 0; i < m; i++) q[ot + i]! *= inv;
        break;
      }
      if (attempt >= 4) throw new RangeError(`Cannot orthonormalize ${l} columns in ${m} dimensions`);
      for (let i = 0; i < m; i++) q[ot + i] = rng.normal();
    }
  }
  for (let i = 0; i < m; i++) for (let t = 0; t < l; t++) a[i * l + t] = q[t * m + i]!;
}

/** Σ_{i<len} u[uo + i]·v[vo + i] with four accumulators (breaks the add latency chain). */
export function dotRange(u: Float64Array, uo: number, v: Float64Array, vo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    s0 += u[uo + i]! * v[vo + i]!;
    s1 += u[uo + i + 1]! * v[vo + i + 1]!;
    s2 += u[uo + i + 2]! * v[vo + i + 2]!;
    s3 += u[uo + i + 3]! * v[vo + i + 3]!;
  }
  for (; i < len; i++) s0 += u[uo + i]! * v[vo + i]!;
  return s0 + s1 + (s2 + s3);
}

/** Eigenvalues (descending) and eigenvectors (column j of the row-major n×n `vectors` belongs to values[j]). */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/**
 * Eigendecomposition of a symmetric n×n matrix (row-major; not modified) by cyclic Jacobi rotations, which
 * are accurate to working precision relative to the matrix norm. O(n³) per sweep, a handful of sweeps.
 */
export function symmetricEigen(input: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (off <= 1e-30 * norm || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J on columns p, q then rows p, q; V ← V J.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}
