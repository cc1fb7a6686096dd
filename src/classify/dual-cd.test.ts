import { describe, expect, it } from "vitest";
import { rowSquaredNorms, solveBinary, type BinaryProblem } from "./dual-cd.js";

// Two points on a line, x = +1 (label +1) and x = -1 (label -1), no bias, C = 1.
const prob: BinaryProblem = {
  x: { rows: 2, cols: 1, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 0]), data: Float32Array.from([1, -1]) },
  y: Int8Array.from([1, -1]),
  cost: Float32Array.from([1, 1]),
  bias: 0,
};
const xsq = rowSquaredNorms(prob.x, 0);

describe("dual coordinate descent", () => {
  it("squared hinge: minimizes ½w² + Σ max(0, 1 − y·w·x)² → w = 0.8", () => {
    // d/dw [½w² + 2(1 − w)²] = w − 4(1 − w) = 0 → w = 4/5.
    const r = solveBinary(prob, xsq, { loss: "squared-hinge", tol: 1e-8, maxIter: 1000, seed: 1 });
    expect(r.converged).toBe(true);
    expect(r.w[0]).toBeCloseTo(0.8, 6);
  });

  it("hinge: the maximum-margin solution w = 1 with both points on the margin", () => {
    const r = solveBinary(prob, xsq, { loss: "hinge", tol: 1e-8, maxIter: 1000, seed: 1 });
    expect(r.w[0]).toBeCloseTo(1, 6);
    // Both points are support vectors: w = alpha_0 + alpha_1.
    expect(r.alpha[0]! + r.alpha[1]!).toBeCloseTo(1, 6);
  });

  it("logistic: minimizes ½w² + 2·log(1 + e^−w) → w(1 + e^w) = 2, w ≈ 0.6749", () => {
    const r = solveBinary(prob, xsq, { loss: "logistic", tol: 1e-10, maxIter: 1000, seed: 1 });
    const w = r.w[0]!;
    expect(w * (1 + Math.exp(w))).toBeCloseTo(2, 4);
  });

  it("learns an intercept through the bias feature", () => {
    // All points at x = 0: only the bias separates nothing, but with one class it must go positive.
    const p: BinaryProblem = {
      x: { rows: 3, cols: 1, indptr: Int32Array.from([0, 0, 0, 0]), indices: new Int32Array(0), data: new Float32Array(0) },
      y: Int8Array.from([1, 1, 1]),
      cost: Float32Array.from([1, 1, 1]),
      bias: 1,
    };
    const r = solveBinary(p, rowSquaredNorms(p.x, 1), { loss: "squared-hinge", tol: 1e-8, maxIter: 1000, seed: 1 });
    // ½b² + 3(1 − b)² → b = 6/7.
    expect(r.w[1]).toBeCloseTo(6 / 7, 6);
  });
});
