import { describe, expect, it } from "vitest";
import { fitTemperature, LinearModel } from "./linear-model.js";
import { denseFromRows } from "../linalg/matrix.js";

describe("fitTemperature", () => {
  it("finds T = s / logit(p) for two classes (hand-computed: s = 2, p = 3/4 → T = 2 / ln 3)", () => {
    const scores = Float32Array.from([2, 0, 2, 0, 2, 0, 2, 0]);
    const labels = Int32Array.from([0, 0, 0, 1]);
    // The search stops within ±1% of the optimum.
    expect(Math.abs(fitTemperature(scores, labels, 2) / (2 / Math.log(3)) - 1)).toBeLessThan(0.01);
  });
});

describe("LinearModel", () => {
  it("scores x·W + b with feature-major weights and softmax probabilities", () => {
    // 2 features, 2 classes: W = [[1, -1], [0, 2]] (feature-major), b = [0.5, 0].
    const m = new LinearModel({
      kind: "test",
      classCount: 2,
      featureCount: 2,
      weights: Float32Array.from([1, -1, 0, 2]),
      intercept: Float32Array.from([0.5, 0]),
      temperature: 1,
      params: {},
    });
    const x = denseFromRows([
      [1, 0],
      [0, 1],
    ]);
    expect(Array.from(m.decisionFunction(x).data)).toEqual([1.5, -1, 0.5, 2]);
    expect(Array.from(m.predict(x))).toEqual([0, 1]);
    const p = m.predictProba(x).data;
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-2.5)), 6);
    expect(p[2]! + p[3]!).toBeCloseTo(1, 6);
  });
});
