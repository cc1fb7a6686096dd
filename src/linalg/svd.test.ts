// Pins the randomized SVD to planted and exact SVDs (singular values, orthonormal components, transform) and its kernels.
import { describe, expect, it } from "vitest";
import { Random } from "./random.js";
import { dense, denseFromRows, toCsr, type CsrMatrix, type DenseMatrix } from "./matrix.js";
import { orthonormalizeColumns, symmetricEigen } from "./eigen.js";
import { gramSchmidtSvd } from "./svd-fallback.js";
import { cholesky, crossUpper, csrTimes, csrTimes32, householderR, invertUpper, sparseSign, timesSmall, transposeSmall } from "./svd-kernels.js";
import {
  fromPairedPanels,
  fromPanels64,
  normalProduct64,
  normalProductPaired,
  panelCsr,
  panelTimesTransposed,
  panelWidth,
  toPanels,
} from "./svd-panels.js";
import { subspaceSvd } from "./svd-subspace.js";
import { truncatedSvd, TruncatedSvdModel } from "./svd.js";

const SIGMA = [8, 6, 5, 4];

/** X = U diag(SIGMA) Vᵀ (rows × cols) with random orthonormal U, V; about half the entries zeroed via a sparse V. */
function planted(rows: number, cols: number, seed: number, sparse = false): { x: DenseMatrix; v: Float64Array } {
  const rng = new Random(seed);
  const r = SIGMA.length;
  const u = new Float64Array(rows * r).map(() => rng.normal());
  orthonormalizeColumns(u, rows, r, rng, 2);
  const v = new Float64Array(cols * r).map(() => rng.normal());
  // Sparse variant: V lives on the first 2/3 of the columns, so a third of X's columns are empty.
  if (sparse) for (let j = Math.floor((cols * 2) / 3); j < cols; j++) v.fill(0, j * r, (j + 1) * r);
  orthonormalizeColumns(v, cols, r, rng, 2);
  const x = dense(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let t = 0; t < r; t++) s += u[i * r + t]! * SIGMA[t]! * v[j * r + t]!;
      x.data[i * cols + j] = s;
    }
  }
  return { x, v };
}

/** Max |C Cᵀ − I| over the component rows. */
function orthError(c: DenseMatrix): number {
  let worst = 0;
  for (let a = 0; a < c.rows; a++) {
    for (let b = 0; b < c.rows; b++) {
      let s = 0;
      for (let j = 0; j < c.cols; j++) s += c.data[a * c.cols + j]! * c.data[b * c.cols + j]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

describe("truncatedSvd", () => {
  it("recovers a planted rank-4 matrix's singular values to 1e-6 with orthonormal components", () => {
    const { x, v } = planted(80, 50, 1);
    const svd = truncatedSvd(x, { components: 4, seed: 3 });
    for (let t = 0; t < 4; t++) expect(Math.abs(svd.singularValues[t]! / SIGMA[t]! - 1)).toBeLessThan(1e-6);
    expect(orthError(svd.components)).toBeLessThan(1e-6);
    // Each component lies in the planted row space: ‖Vᵀc‖ = 1.
    for (let t = 0; t < 4; t++) {
      let norm2 = 0;
      for (let a = 0; a < 4; a++) {
        let s = 0;
        for (let j = 0; j < 50; j++) s += v[j * 4 + a]! * svd.components.data[t * 50 + j]!;
        norm2 += s * s;
      }
      expect(norm2).toBeCloseTo(1, 6);
    }
  });

  it("gives U·Σ for the training rows: column t of transform(x) has norm σ_t", () => {
    const { x } = planted(60, 30, 2);
    const svd = truncatedSvd(x, { components: 3, seed: 1 });
    const y = svd.transform(x);
    expect([y.rows, y.cols]).toEqual([60, 3]);
    for (let t = 0; t < 3; t++) {
      let s = 0;
      for (let i = 0; i < 60; i++) s += y.data[i * 3 + t]! ** 2;
      expect(Math.sqrt(s) / SIGMA[t]!).toBeCloseTo(1, 5);
    }
  });

  it("completes components beyond the rank with orthonormal directions and σ ≈ 0", () => {
    const { x } = planted(40, 30, 3);
    const svd = truncatedSvd(x, { components: 6, oversamples: 4, seed: 2 });
    expect(svd.singularValues[3]! / 4).toBeCloseTo(1, 6);
    expect(svd.singularValues[4]!).toBeLessThan(1e-5);
    expect(orthError(svd.components)).toBeLessThan(1e-6);
  });

  it("works on CSR input with empty columns and agrees with dense input", () => {
    const { x } = planted(70, 45, 4, true);
    const a = truncatedSvd(x, { components: 4, seed: 5 });
    const b = truncatedSvd(toCsr(x), { components: 4, seed: 5 });
    for (let t = 0; t < 4; t++) expect(b.singularValues[t]! / a.singularValues[t]!).toBeCloseTo(1, 7);
    expect(orthError(b.components)).toBeLessThan(1e-6);
    // Same subspace up to sign, and the empty columns get zero weight.
    for (let t = 0; t < 4; t++) {
      let s = 0;
      for (let j = 0; j < 45; j++) s += a.components.data[t * 45 + j]! * b.components.data[t * 45 + j]!;
      expect(Math.abs(s)).toBeCloseTo(1, 5);
      for (let j = 30; j < 45; j++) expect(b.components.data[t * 45 + j]).toBe(0);
    }
  });

  it("is deterministic for a seed, normalizes rows on request and round-trips its artifact", () => {
    const { x } = planted(30, 20, 6);
    const a = truncatedSvd(x, { components: 2, seed: 9, normalize: true });
    const b = truncatedSvd(x, { components: 2, seed: 9, normalize: true });
    expect(Array.from(a.components.data)).toEqual(Array.from(b.components.data));
    const y = a.transform(x);
    for (let i = 0; i < 30; i++) expect(Math.hypot(y.data[2 * i]!, y.data[2 * i + 1]!)).toBeCloseTo(1, 5);
    const back = TruncatedSvdModel.fromArtifact(a.toArtifact());
    expect(Array.from(back.transform(x).data)).toEqual(Array.from(y.data));
  });

  it("rejects bad component counts, NaN and a width mismatch; survives a zero matrix", () => {
    const x = denseFromRows([[1, 2, 3], [4, 5, 6]]);
    expect(() => truncatedSvd(x, { components: 3 })).toThrow(RangeError);
    expect(() => truncatedSvd(x, { components: 0 })).toThrow(RangeError);
    expect(() => truncatedSvd(denseFromRows([[1, NaN], [0, 1]]), { components: 1 })).toThrow(TypeError);
    expect(() => truncatedSvd(x, { components: 1 }).transform(denseFromRows([[1, 2]]))).toThrow(TypeError);
    const zero = truncatedSvd(dense(4, 3), { components: 2 });
    expect(Array.from(zero.singularValues)).toEqual([0, 0]);
    expect(orthError(zero.components)).toBeLessThan(1e-6);
  });
});

/** X = U diag(σ) Vᵀ + noise·G (rows × cols), σ_k = 10·0.7^k for k < 30: full rank, decaying spectrum. */
function lowRankPlusNoise(rows: number, cols: number, seed: number, noise = 1e-3): DenseMatrix {
  const rng = new Random(seed);
  const k = Math.min(30, rows, cols);
  const u = new Float64Array(rows * k).map(() => rng.normal());
  orthonormalizeColumns(u, rows, k, rng, 2);
  const v = new Float64Array(cols * k).map(() => rng.normal());
  orthonormalizeColumns(v, cols, k, rng, 2);
  const x = dense(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = noise * rng.normal();
      for (let t = 0; t < k; t++) s += u[i * k + t]! * 10 * 0.7 ** t * v[j * k + t]!;
      x.data[i * cols + j] = s;
    }
  }
  return x;
}

/** Exact singular values (descending) and right singular vectors (column t of the cols × cols `vectors`) via XᵀX. */
function exactSvd(x: DenseMatrix): { sigma: number[]; vectors: Float64Array } {
  const { rows, cols, data } = x;
  const g = new Float64Array(cols * cols);
  for (let a = 0; a < cols; a++) {
    for (let b = a; b < cols; b++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += data[i * cols + a]! * data[i * cols + b]!;
      g[a * cols + b] = g[b * cols + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(g, cols);
  return { sigma: Array.from(values, (v) => Math.sqrt(Math.max(0, v))), vectors };
}

/** CSR of x and of its transpose. */
function csrPair(x: DenseMatrix): { a: CsrMatrix; at: CsrMatrix } {
  const a = toCsr(x);
  const t = toCsr(dense(x.cols, x.rows, Float32Array.from({ length: x.rows * x.cols }, (_, k) => x.data[(k % x.rows) * x.cols + Math.floor(k / x.rows)]!)));
  return { a, at: t };
}

describe("truncatedSvd against a dense exact SVD", () => {
  for (const [rows, cols] of [
    [160, 90],
    [70, 150],
  ] as const) {
    it(`matches the top singular values to 1e-6 and the vectors on low rank plus noise (${rows}×${cols}, fast path)`, () => {
      const x = lowRankPlusNoise(rows, cols, rows + cols);
      const r = 10;
      // The subspace path itself must succeed here (full rank): no fallback to Gram-Schmidt.
      const { a, at } = csrPair(x);
      const small = rows <= cols;
      expect(subspaceSvd(small ? at : a, !small, 24, r, 4, 7)).not.toBeNull();
      const svd = truncatedSvd(x, { components: r, seed: 7 });
      const exact = exactSvd(x);
      for (let t = 0; t < r; t++) expect(Math.abs(svd.singularValues[t]! / exact.sigma[t]! - 1)).toBeLessThan(1e-6);
      expect(orthError(svd.components)).toBeLessThan(1e-6);
      // Each component is ± the exact right singular vector (σ's are well separated).
      for (let t = 0; t < r; t++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += svd.components.data[t * cols + j]! * exact.vectors[j * cols + t]!;
        expect(Math.abs(s)).toBeCloseTo(1, 6);
      }
    });
  }

  it("is deterministic and gives U·Σ for the training rows on the fast path (dense and CSR alike)", () => {
    const x = lowRankPlusNoise(80, 50, 9, 0.01);
    const a = truncatedSvd(x, { components: 5, seed: 6 });
    const b = truncatedSvd(toCsr(x), { components: 5, seed: 6 });
    expect(Array.from(b.components.data)).toEqual(Array.from(a.components.data));
    const y = a.transform(toCsr(x));
    for (let t = 0; t < 5; t++) {
      let s = 0;
      for (let i = 0; i < 80; i++) s += y.data[i * 5 + t]! ** 2;
      expect(Math.sqrt(s) / a.singularValues[t]!).toBeCloseTo(1, 5);
    }
    const unit = truncatedSvd(x, { components: 5, seed: 6, normalize: true }).transform(x);
    for (let i = 0; i < 80; i++) expect(Math.hypot(...unit.data.subarray(i * 5, i * 5 + 5))).toBeCloseTo(1, 5);
  });

  it("gives empty columns zero weight on the fast path, with the short side either way", () => {
    for (const [rows, cols] of [
      [120, 90],
      [50, 90],
    ] as const) {
      // Every third column empty: 60 used columns, fewer than the rows in the first case.
      const full = lowRankPlusNoise(rows, cols, 5);
      const x = dense(rows, cols, full.data.map((v, k) => ((k % cols) % 3 === 2 ? 0 : v)));
      const svd = truncatedSvd(toCsr(x), { components: 8, seed: 4 });
      const exact = exactSvd(x);
      for (let t = 0; t < 8; t++) expect(Math.abs(svd.singularValues[t]! / exact.sigma[t]! - 1)).toBeLessThan(1e-6);
      expect(orthError(svd.components)).toBeLessThan(1e-6);
      for (let t = 0; t < 8; t++) for (let j = 2; j < cols; j += 3) expect(svd.components.data[t * cols + j]).toBe(0);
    }
  });

  it("captures at least the variance of the Gram-Schmidt path on a sparse, slowly decaying spectrum", () => {
    const rng = new Random(11);
    const rows = 300;
    const cols = 200;
    const x = dense(rows, cols);
    // Sparse rows over power-law columns, TF-IDF-like: no clear gap in the spectrum.
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < 12; k++) x.data[i * cols + Math.floor(cols * rng.float() ** 2)] = rng.float();
    }
    const r = 20;
    const { a, at } = csrPair(x);
    expect(subspaceSvd(a, true, 32, r, 4, 3)).not.toBeNull();
    // Defaults of both: 4 power iterations, 10 oversamples (30 columns before, rounded up to 32 now).
    const fast = truncatedSvd(x, { components: r, seed: 3 }).singularValues;
    const slow = gramSchmidtSvd(a, at, 30, r, 4, 3).sigma;
    const sum = (s: Float64Array): number => s.reduce((acc, v) => acc + v * v, 0);
    expect(sum(fast)).toBeGreaterThanOrEqual(sum(slow));
    const exact = exactSvd(x);
    const best = exact.sigma.slice(0, r).reduce((acc, v) => acc + v * v, 0);
    expect(sum(fast) / best).toBeGreaterThan(0.99);
    expect(sum(fast)).toBeLessThanOrEqual(best * (1 + 1e-9));
  });
});

describe("truncatedSvd at extreme scales", () => {
  it("gives the same singular values (scaled) and components for X·2⁻⁷⁰ and X·2⁷⁰ as for X", () => {
    const x = lowRankPlusNoise(90, 60, 21, 0.05);
    const ref = truncatedSvd(x, { components: 6, seed: 2 });
    for (const f of [2 ** -70, 2 ** 70]) {
      const scaled = dense(90, 60, x.data.map((v) => v * f));
      const svd = truncatedSvd(scaled, { components: 6, seed: 2 });
      for (let t = 0; t < 6; t++) expect(svd.singularValues[t]! / f).toBe(ref.singularValues[t]);
      expect(Array.from(svd.components.data)).toEqual(Array.from(ref.components.data));
    }
  });
});

describe("SVD kernels", () => {
  const rng = new Random(5);
  const randomBlock = (m: number, l: number): Float64Array => new Float64Array(m * l).map(() => rng.normal());

  it("computes Gram and cross products, including a ragged width", () => {
    for (const l of [8, 11]) {
      const m = 150;
      const a = randomBlock(m, l);
      const b = randomBlock(m, l);
      const g = crossUpper(a, b, m, l, new Float64Array(l * l));
      const gg = crossUpper(a, a, m, l, new Float64Array(l * l));
      for (let s = 0; s < l; s++) {
        for (let t = 0; t < l; t++) {
          let ab = 0;
          let aa = 0;
          for (let i = 0; i < m; i++) {
            ab += a[i * l + Math.min(s, t)]! * b[i * l + Math.max(s, t)]!;
            aa += a[i * l + s]! * a[i * l + t]!;
          }
          expect(g[s * l + t]).toBeCloseTo(ab, 10);
          expect(gg[s * l + t]).toBeCloseTo(aa, 10);
        }
      }
    }
  });

  it("factors R with Cholesky, Householder QR and inverts it; multiplies by small and triangular matrices", () => {
    const m = 60;
    const l = 7;
    const a = randomBlock(m, l);
    const g = crossUpper(a, a, m, l, new Float64Array(l * l));
    const rc = cholesky(g, l, 1e-14)!;
    const rh = householderR(Float64Array.from(a), m, l);
    // RᵀR = AᵀA for both (Householder's R may differ by row signs).
    for (const r of [rc, rh]) {
      for (let s = 0; s < l; s++) {
        for (let t = 0; t < l; t++) {
          let v = 0;
          for (let k = 0; k < l; k++) v += r[k * l + s]! * r[k * l + t]!;
          expect(v).toBeCloseTo(g[s * l + t]!, 9);
        }
      }
    }
    const inv = invertUpper(rc, l);
    // A·R⁻¹ has orthonormal columns; the upper-triangular product agrees with the dense one.
    const q = timesSmall(a, m, l, transposeSmall(inv, l, l), l, new Float64Array(m * l), true);
    const full = timesSmall(a, m, l, transposeSmall(inv, l, l), l, new Float64Array(m * l));
    for (let i = 0; i < m * l; i++) expect(q[i]).toBeCloseTo(full[i]!, 12);
    const qq = crossUpper(q, q, m, l, new Float64Array(l * l));
    for (let s = 0; s < l; s++) for (let t = 0; t < l; t++) expect(qq[s * l + t]).toBeCloseTo(s === t ? 1 : 0, 10);
    expect(cholesky(new Float64Array(4), 2, 1e-14)).toBeNull();
  });

  it("runs the panel products: A(Aᵀq) and Aᵀw agree with the plain sparse products", () => {
    const rows = 37;
    const cols = 53;
    const x = dense(rows, cols);
    for (let i = 0; i < x.data.length; i++) if (rng.float() < 0.2) x.data[i] = rng.normal();
    const { a, at } = csrPair(x);
    const l = 13;
    const lp = panelWidth(l);
    const q = randomBlock(rows, l);
    const qp = toPanels(q, rows, l, new Float32Array(rows * lp), false, true);
    const qy = toPanels(q, rows, l, new Float32Array(2 * rows * lp), true, false);
    const z = csrTimes(at, q, l, new Float64Array(cols * l));
    const want = csrTimes(a, z, l, new Float64Array(rows * l));
    const got64 = fromPanels64(normalProduct64(panelCsr(at), qp, lp, new Float64Array(rows * lp)), rows, l, new Float64Array(rows * l));
    const got32 = fromPairedPanels(normalProductPaired(panelCsr(at), qy, lp), rows, l, new Float64Array(rows * l), null, new Float64Array(0));
    for (let i = 0; i < rows * l; i++) {
      expect(got64[i]).toBeCloseTo(want[i]!, 10);
      expect(got32[i]).toBeCloseTo(want[i]!, 4);
    }
    const zt = panelTimesTransposed(panelCsr(at), qp, l, new Float32Array(l * cols));
    for (let j = 0; j < cols; j++) for (let t = 0; t < l; t++) expect(zt[t * cols + j]).toBeCloseTo(z[j * l + t]!, 5);
  });

  it("multiplies CSR rows by Float32 weights in both the short-row and the long-row form", () => {
    const cols = 120;
    const x = dense(6, cols);
    // Rows of 3, 47, 48, 49 and 120 stored values around the switch between the two forms, and an empty row.
    [3, 47, 48, 49, 120, 0].forEach((k, i) => {
      for (let j = 0; j < k; j++) x.data[i * cols + ((j * 7) % cols)] = rng.normal();
    });
    const a = toCsr(x);
    for (const l of [8, 13]) {
      const w = Float32Array.from({ length: cols * l }, () => rng.normal());
      const got = csrTimes32(a, w, l, new Float64Array(6 * l).fill(3));
      const want = csrTimes(a, Float64Array.from(w), l, new Float64Array(6 * l));
      for (let i = 0; i < 6 * l; i++) expect(got[i]).toBeCloseTo(want[i]!, 10);
    }
  });

  it("draws a sparse sign sketch with distinct rows per input row and applies it while unpacking panels", () => {
    const m = 500;
    const l = 3;
    const sk = sparseSign(m, 16, 4, () => rng.uint32());
    for (let i = 0; i < m; i++) expect(new Set(sk.rows.subarray(i * 4, i * 4 + 4)).size).toBe(4);
    const y = randomBlock(m, l);
    // Paired panels with y in the output half: fill the Q half, then swap halves by hand.
    const qy = toPanels(y, m, l, new Float32Array(2 * m * panelWidth(l)), true, true);
    for (let i = 0; i < m; i++) for (let t = 0; t < 8; t++) [qy[i * 16 + t], qy[i * 16 + 8 + t]] = [0, qy[i * 16 + t]!];
    const sy = new Float64Array(16 * l).fill(7);
    const back = fromPairedPanels(qy, m, l, new Float64Array(m * l), sk, sy);
    expect(Array.from(back)).toEqual(Array.from(y));
    const want = new Float64Array(16 * l);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < 4; k++) for (let t = 0; t < l; t++) want[sk.rows[i * 4 + k]! * l + t]! += sk.signs[i * 4 + k]! * y[i * l + t]!;
    }
    for (let i = 0; i < 16 * l; i++) expect(sy[i]).toBeCloseTo(want[i]!, 9);
  });
});
