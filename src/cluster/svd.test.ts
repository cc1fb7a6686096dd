// Pins the randomized SVD to a planted low-rank matrix: singular values, orthonormal components, transform.
import { describe, expect, it } from "vitest";
import { Random } from "../core/random.js";
import { dense, denseFromRows, toCsr, type DenseMatrix } from "../linalg/matrix.js";
import { orthonormalizeColumns } from "./orthogonal.js";
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
