// Sparse class weights: hand-computed scores, pruning, agreement with the dense model, artifacts old and new.
import { describe, expect, it } from "vitest";
import type { CsrMatrix } from "../linalg/matrix.js";
import { restoreClassifier } from "./registry.js";
import { LinearModel } from "./linear-model.js";
import { SparseLinearModel, sparseFromColumns } from "./sparse-linear-model.js";

// 3 features × 3 classes, feature-major: W = [[1, 0, -2], [0, 0, 0.5], [0.01, 3, 0]].
const DENSE = Float32Array.of(1, 0, -2, 0, 0, 0.5, 0.01, 3, 0);
const columns = [Float32Array.of(1, 0, 0.01), Float32Array.of(0, 0, 3), Float32Array.of(-2, 0.5, 0)];
const X: CsrMatrix = { kind: "csr", rows: 2, cols: 3, indptr: Int32Array.of(0, 2, 3), indices: Int32Array.of(0, 2, 1), data: Float32Array.of(2, 1, 4) };

function models(pruneBelow: number, intercept = Float32Array.of(0.5, 0, -0.5)) {
  const weights = sparseFromColumns(3, 3, (c) => columns[c]!, pruneBelow);
  const sparse = new SparseLinearModel({ kind: "linear-svm", classCount: 3, featureCount: 3, weights, intercept, temperature: 0.5, params: {} });
  const dense = new LinearModel({ kind: "linear-svm", classCount: 3, featureCount: 3, weights: DENSE, intercept, temperature: 0.5, params: {} });
  return { sparse, dense, weights };
}

describe("SparseLinearModel", () => {
  it("stores the non-zeros feature-major, classes ascending, dropping |w| below the threshold", () => {
    const { weights } = models(0.02);
    expect(Array.from(weights.indptr)).toEqual([0, 2, 3, 4]);
    expect(Array.from(weights.classes)).toEqual([0, 2, 2, 1]);
    expect(Array.from(weights.values)).toEqual([1, -2, 0.5, 3]);
    expect(models(0).weights.indptr[3]).toBe(5); // 0.01 kept
  });

  it("scores as x·W + b by hand", () => {
    const { sparse } = models(0.02);
    // Row 0 = 2·f0 + 1·f2: class 0 = 0.5 + 2, class 1 = 0 + 3, class 2 = -0.5 - 4. Row 1 = 4·f1: 0.5, 0, -0.5 + 2.
    expect(Array.from(sparse.decisionFunction(X).data)).toEqual([2.5, 3, -4.5, 0.5, 0, 1.5]);
    expect(Array.from(sparse.predict(X))).toEqual([1, 2]);
    expect(sparse.weight(0, 2)).toBe(-2);
    expect(sparse.weight(0, 1)).toBe(0);
    expect(sparse.weight(2, 0)).toBe(0); // pruned
    expect(Array.from(sparse.featureSums())).toEqual([-1, 0.5, 3]);
  });

  it("agrees with the dense model holding the same weights, dense input included", () => {
    const { sparse, dense } = models(0);
    expect(Array.from(sparse.decisionFunction(X).data)).toEqual(Array.from(dense.decisionFunction(X).data));
    const xd = { kind: "dense" as const, rows: 2, cols: 3, data: Float32Array.of(2, 0, 1, 0, 4, 0) };
    expect(Array.from(sparse.decisionFunction(xd).data)).toEqual(Array.from(dense.decisionFunction(X).data));
    const a = sparse.predictProba(X).data;
    const b = dense.predictProba(X).data;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6);
  });

  it("without intercepts, gives the untouched categories one shared probability and sums to 1", () => {
    const { sparse, dense } = models(0, new Float32Array(3));
    // Row 1 touches class 2 only (4·0.5 = 2): softmax(0, 0, 2 / 0.5) = (1, 1, e⁴) / (2 + e⁴).
    const p = sparse.predictProba(X).data;
    const e4 = Math.exp(4);
    expect(p[3]).toBeCloseTo(1 / (2 + e4), 7);
    expect(p[4]).toBeCloseTo(1 / (2 + e4), 7);
    expect(p[5]).toBeCloseTo(e4 / (2 + e4), 7);
    const q = dense.predictProba(X).data;
    for (let i = 0; i < p.length; i++) expect(p[i]).toBeCloseTo(q[i]!, 6);
  });

  it("round-trips its artifact through the registry, and a dense artifact still restores as a LinearModel", () => {
    const { sparse, dense } = models(0.02);
    const back = restoreClassifier(sparse.toArtifact());
    expect(back).toBeInstanceOf(SparseLinearModel);
    expect(Array.from(back.decisionFunction(X).data)).toEqual(Array.from(sparse.decisionFunction(X).data));
    expect((back as SparseLinearModel).meta["sparse"]).toBeUndefined();
    const old = restoreClassifier(dense.toArtifact()); // what every model saved before sparse weights holds
    expect(old).toBeInstanceOf(LinearModel);
    expect(Array.from(old.decisionFunction(X).data)).toEqual(Array.from(dense.decisionFunction(X).data));
  });

  it("refuses inconsistent arrays", () => {
    const w = sparseFromColumns(3, 3, (c) => columns[c]!, 0);
    expect(() => new SparseLinearModel({ kind: "x", classCount: 2, featureCount: 3, weights: w, intercept: new Float32Array(2), temperature: 1, params: {} })).toThrow(RangeError);
    expect(() => new SparseLinearModel({ kind: "x", classCount: 3, featureCount: 4, weights: w, intercept: new Float32Array(3), temperature: 1, params: {} })).toThrow(RangeError);
  });
});
