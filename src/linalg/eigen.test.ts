// Pins the small dense kernels behind the randomized SVD: Gram-Schmidt and the symmetric eigendecompositions.
import { describe, expect, it } from "vitest";
import { Random } from "./random.js";
import { orthonormalizeColumns, symmetricEigen, symmetricEigenQl } from "./eigen.js";

describe("symmetricEigen", () => {
  it("decomposes a 3×3 by hand: [[2,1,0],[1,2,0],[0,0,5]] has eigenvalues 5, 3, 1", () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(values[0]).toBeCloseTo(5, 12);
    expect(values[1]).toBeCloseTo(3, 12);
    expect(values[2]).toBeCloseTo(1, 12);
    // Eigenvector of 3 is ±(1, 1, 0)/√2.
    expect(Math.abs(vectors[0 * 3 + 1]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0 * 3 + 1]! * vectors[1 * 3 + 1]!).toBeCloseTo(0.5, 12);
  });

  it("reconstructs a random symmetric matrix as V Λ Vᵀ", () => {
    const n = 12;
    const rng = new Random(1);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = symmetricEigen(a, n);
    for (let t = 1; t < n; t++) expect(values[t]!).toBeLessThanOrEqual(values[t - 1]!);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += vectors[i * n + t]! * values[t]! * vectors[j * n + t]!;
        expect(s).toBeCloseTo(a[i * n + j]!, 10);
      }
    }
  });
});

describe("symmetricEigenQl", () => {
  it("decomposes the 3×3 by hand and agrees with Jacobi on a random 100×100 (values, V Λ Vᵀ, orthonormal V)", () => {
    const small = symmetricEigenQl(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(Array.from(small.values).map((v) => Number(v.toFixed(12)))).toEqual([5, 3, 1]);
    const n = 100;
    const rng = new Random(3);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = symmetricEigenQl(a, n);
    const jacobi = symmetricEigen(a, n);
    for (let t = 0; t < n; t++) expect(values[t]).toBeCloseTo(jacobi.values[t]!, 10);
    for (let i = 0; i < n; i += 7) {
      for (let j = 0; j < n; j += 5) {
        let s = 0;
        let o = 0;
        for (let t = 0; t < n; t++) {
          s += vectors[i * n + t]! * values[t]! * vectors[j * n + t]!;
          o += vectors[t * n + i]! * vectors[t * n + j]!;
        }
        expect(s).toBeCloseTo(a[i * n + j]!, 10);
        expect(o).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it("handles diagonal, zero and 1×1 matrices", () => {
    expect(Array.from(symmetricEigenQl(Float64Array.from([1, 0, 0, 3]), 2).values)).toEqual([3, 1]);
    expect(Array.from(symmetricEigenQl(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
    expect(Array.from(symmetricEigenQl(Float64Array.from([4]), 1).vectors)).toEqual([1]);
  });
});

describe("orthonormalizeColumns", () => {
  it("makes rank-deficient columns orthonormal (dependent ones become random directions)", () => {
    const m = 20;
    const l = 4;
    const rng = new Random(2);
    const a = new Float64Array(m * l);
    for (let i = 0; i < m; i++) {
      a[i * l] = rng.normal();
      a[i * l + 1] = 2 * a[i * l]!; // dependent on column 0
      a[i * l + 2] = rng.normal();
      a[i * l + 3] = 0; // zero column
    }
    orthonormalizeColumns(a, m, l, rng, 2);
    for (let p = 0; p < l; p++) {
      for (let q = 0; q < l; q++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += a[i * l + p]! * a[i * l + q]!;
        expect(s).toBeCloseTo(p === q ? 1 : 0, 12);
      }
    }
  });
});
