// Pins the isotonic calibrator to scikit-learn 1.2.1 (IsotonicRegression(out_of_bounds="clip")) values.
import { describe, expect, it } from "vitest";
import { IsotonicCalibrator, lexOrder } from "./calibration.js";

const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

// Computed with /usr/bin/python3, scikit-learn 1.2.1, numpy 1.24.2, scipy 1.10.1:
//   from sklearn.isotonic import IsotonicRegression
//   x = np.array([0.35, 0.2, 0.9, 0.55, 0.55, 0.7, 0.4, 0.8, 0.95, 0.6, 0.3, 0.85])
//   y = np.array([1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1], dtype=float)
//   w = np.array([1, 2, 1, 0.5, 1.5, 1, 3, 1, 2, 0, 1, 1])
//   t = np.array([0.0, 0.2, 0.3, 0.32, 0.5, 0.55, 0.6, 0.75, 0.8, 0.875, 0.95, 1.0])
//   ir = IsotonicRegression(out_of_bounds="clip").fit(x, y, sample_weight=w)
//   ir.X_thresholds_, ir.y_thresholds_, ir.transform(t), ir.transform([0.45, 0.825, 0.9])
//   ir2 = IsotonicRegression(out_of_bounds="clip").fit(x, y)   # unweighted
//   ir2.X_thresholds_, ir2.y_thresholds_, ir2.transform(t)
const X = [0.35, 0.2, 0.9, 0.55, 0.55, 0.7, 0.4, 0.8, 0.95, 0.6, 0.3, 0.85];
const Y = [1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1];
const W = [1, 2, 1, 0.5, 1.5, 1, 3, 1, 2, 0, 1, 1];
const T = [0.0, 0.2, 0.3, 0.32, 0.5, 0.55, 0.6, 0.75, 0.8, 0.875, 0.95, 1.0];
const SK_WEIGHTED = {
  x: [0.2, 0.3, 0.4, 0.55, 0.8, 0.85, 0.95],
  y: [0.0, 0.4, 0.4, 0.625, 0.625, 1.0, 1.0],
  t: [0.0, 0.0, 0.4, 0.4, 0.5499999999999999, 0.625, 0.625, 0.625, 0.625, 1.0, 1.0, 1.0],
  t3: [0.475, 0.8124999999999996, 1.0],
};
const SK_UNWEIGHTED = {
  x: [0.2, 0.3, 0.55, 0.6, 0.8, 0.85, 0.95],
  y: [0.0, 0.6, 0.6, 0.6666666666666666, 0.6666666666666666, 1.0, 1.0],
  t: [0.0, 0.0, 0.6, 0.6, 0.6, 0.6, 0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 1.0, 1.0, 1.0],
};

function expectClose(actual: Float64Array | number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 12);
}

describe("IsotonicCalibrator", () => {
  it("matches scikit-learn with sample weights (ties at 0.55 merged, zero weight at 0.6 dropped)", () => {
    // Sorted: .2 (0, w2) .3 (1) .35 (1) .4 (0, w3) .55 (mean .75, w2) .7 (1) .8 (0) .85 .9 .95 (1)
    // PAV pools .3–.4 → 2/5 = .4 and .55–.8 → (1.5 + 1 + 0)/4 = .625; trimming drops .35, .7, .9.
    const cal = IsotonicCalibrator.fit(f64(X), Uint8Array.from(Y), f64(W));
    expectClose(cal.x, SK_WEIGHTED.x);
    expectClose(cal.y, SK_WEIGHTED.y);
    expectClose(cal.transform(f64(T)), SK_WEIGHTED.t);
    expectClose(cal.transform(f64([0.45, 0.825, 0.9])), SK_WEIGHTED.t3);
  });

  it("matches scikit-learn without weights", () => {
    const cal = IsotonicCalibrator.fit(f64(X), Uint8Array.from(Y));
    expectClose(cal.x, SK_UNWEIGHTED.x);
    expectClose(cal.y, SK_UNWEIGHTED.y);
    expectClose(cal.transform(f64(T)), SK_UNWEIGHTED.t);
  });

  it("merges confidences within 1e-15 and is constant with one knot (as scikit-learn)", () => {
    // fit([0.1, 0.1 + 1e-16, 0.7], [1, 0, 1]) → X_thresholds_ [0.1, 0.7], y_thresholds_ [0.5, 1.0]
    const merged = IsotonicCalibrator.fit(f64([0.1, 0.1 + 1e-16, 0.7]), f64([1, 0, 1]));
    expect(Array.from(merged.x)).toEqual([0.1, 0.7]);
    expect(Array.from(merged.y)).toEqual([0.5, 1]);
    // fit([0.5, 0.5, 0.5], [1, 0, 1]) → one knot 0.5 ↦ 2/3; transform([0.1, 0.9]) → [2/3, 2/3]
    const one = IsotonicCalibrator.fit(f64([0.5, 0.5, 0.5]), Uint8Array.from([1, 0, 1]));
    expect(one.x).toHaveLength(1);
    expectClose(one.transform(Float32Array.from([0.1, 0.9])), [2 / 3, 2 / 3]);
  });

  it("is monotone non-decreasing on unseen confidences", () => {
    const cal = IsotonicCalibrator.fit(f64(X), Uint8Array.from(Y), f64(W));
    let prev = -Infinity;
    for (let c = -0.1; c <= 1.1; c += 0.01) {
      const v = cal.transformOne(c);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
  });

  it("orders the samples as the comparator by confidence, target and index does (ties, -0, soft targets)", () => {
    let s = 7;
    const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    for (const n of [1, 2, 50, 3000]) {
      const confidence = Float64Array.from({ length: n }, () => [0, -0, 1, 0.5][Math.floor(rnd() * 5)] ?? Math.round(rnd() * 40) / 40);
      const correct = Float64Array.from({ length: n }, () => (rnd() < 0.5 ? Math.round(rnd() * 4) / 4 : 1));
      const idx = Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 !== 3);
      const want = idx.slice().sort((a, b) => confidence[a]! - confidence[b]! || correct[a]! - correct[b]! || a - b);
      lexOrder(idx, confidence, correct);
      expect(idx).toEqual(want);
      // Right-or-wrong targets (the runs of ties partitioned in one pass), in ascending and in scrambled index order.
      const binary = Uint8Array.from({ length: n }, () => (rnd() < 0.3 ? 0 : 1));
      for (const start of [idx.slice().sort((a, b) => a - b), idx.slice().sort((a, b) => (a * 7919) % 101 - (b * 7919) % 101 || b - a)]) {
        const got = start.slice();
        lexOrder(got, confidence, binary);
        expect(got).toEqual(start.slice().sort((a, b) => confidence[a]! - confidence[b]! || binary[a]! - binary[b]! || a - b));
      }
    }
  });

  it("round-trips through JSON", () => {
    const cal = IsotonicCalibrator.fit(f64(X), Uint8Array.from(Y), f64(W));
    const json = JSON.parse(JSON.stringify(cal)) as unknown;
    expect(json).toEqual({ kind: "isotonic", version: 1, x: SK_WEIGHTED.x, y: SK_WEIGHTED.y });
    const back = IsotonicCalibrator.fromJSON(json);
    expect(Array.from(back.transform(f64(T)))).toEqual(Array.from(cal.transform(f64(T))));
  });

  it("rejects malformed JSON and bad input", () => {
    expect(() => IsotonicCalibrator.fromJSON(null)).toThrow(SyntaxError);
    expect(() => IsotonicCalibrator.fromJSON({ kind: "isotonic", version: 2, x: [0], y: [0] })).toThrow(/version 2/);
    expect(() => IsotonicCalibrator.fromJSON({ kind: "isotonic", version: 1, x: [0.5, 0.2], y: [0, 1] })).toThrow(/increase strictly/);
    expect(() => IsotonicCalibrator.fromJSON({ kind: "isotonic", version: 1, x: [0.2, 0.5], y: [1, 0] })).toThrow(SyntaxError);
    expect(() => IsotonicCalibrator.fromJSON({ kind: "isotonic", version: 1, x: [], y: [] })).toThrow(SyntaxError);
    expect(() => IsotonicCalibrator.fit(f64([0.5]), f64([1, 0]))).toThrow(TypeError);
    expect(() => IsotonicCalibrator.fit(f64([0.5]), f64([1]), f64([0]))).toThrow(/positive weight/);
    expect(() => IsotonicCalibrator.fit(f64([0.5]), f64([1]), f64([-1]))).toThrow(RangeError);
    expect(() => IsotonicCalibrator.fit(f64([NaN]), f64([1]))).toThrow(RangeError);
    expect(() => IsotonicCalibrator.fit(f64([]), f64([]))).toThrow(RangeError);
    expect(() => IsotonicCalibrator.fit(f64([0.5]), f64([1])).transformOne(NaN)).toThrow(RangeError);
  });
});
