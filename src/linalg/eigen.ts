// Small dense linear algebra for randomized SVD: column orthonormalization (Gram-Schmidt) and symmetric eigen.
import type { Random } from "./random.js";

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

/**
 * {@link symmetricEigen}'s result by Householder reduction to tridiagonal form and the implicit QL algorithm
 * (EISPACK tred2/tql2, as in JAMA): accurate to working precision relative to the matrix norm, so eigenvalues
 * far below it carry an absolute error of about 1e-16·‖A‖ (Jacobi resolves those to high relative accuracy).
 * O(n³) with a small constant: a tenth of cyclic Jacobi's time at n ≈ 100.
 */
export function symmetricEigenQl(input: Float64Array, n: number): SymmetricEigen {
  const v = Float64Array.from(input.subarray(0, n * n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(v, n, d, e);
    tridiagonalQl(v, n, d, e);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/** Householder tridiagonalization in place (tred2): v becomes the orthogonal transform, d/e the diagonals. */
function tridiagonalize(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[j * n + i] = f;
        g = e[j]! + v[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j]! * d[k]!;
          e[k]! += v[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[k * n + j]! -= f * e[k]! + g * d[k]!;
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i]!;
    v[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1]! * v[k * n + j]!;
        for (let k = 0; k <= i; k++) v[k * n + j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j]!;
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e) (tql2), rotating the columns of v: eigenvalues end up in d. */
function tridiagonalQl(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n && Math.abs(e[m]!) > eps * tst1) m++;
    if (m >= n) m = n - 1;
    if (m > l) {
      for (let iter = 0; ; iter++) {
        if (iter > 60) throw new RangeError("Symmetric eigendecomposition did not converge");
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        // Implicit QL transformation.
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          for (let k = 0; k < n; k++) {
            const o = k * n + i;
            h = v[o + 1]!;
            v[o + 1] = s * v[o]! + c * h;
            v[o] = c * v[o]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l]!) > eps * tst1)) break;
      }
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** √(a² + b²) without the overflow of the naive formula. */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const big = Math.max(x, y);
  if (big === 0) return 0;
  const small = Math.min(x, y) / big;
  return big * Math.sqrt(1 + small * small);
}
