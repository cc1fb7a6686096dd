// Pins the confidence metrics to hand-computed cases: ECE/MCE, bin edges, ties and unreachable targets.
import { describe, expect, it } from "vitest";
import {
  coverageAtPrecision,
  coverageByPrecision,
  expectedCalibrationError,
  maxCalibrationError,
  reliabilityTable,
  riskCoverageCurve,
} from "./calibration.js";

const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);
const u8 = (xs: number[]): Uint8Array => Uint8Array.from(xs);

/** The next double above x (x > 0). */
function nextUp(x: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  v.setBigUint64(0, v.getBigUint64(0) + 1n);
  return v.getFloat64(0);
}

describe("expectedCalibrationError / maxCalibrationError / reliabilityTable", () => {
  // 5 bins: [0, .2] (.2, .4] (.4, .6] (.6, .8] (.8, 1]
  //   conf .95 .85 → (.8, 1]: acc 1/2, conf .9,  gap .4,  weight 2/6
  //   conf .75 .65 → (.6, .8]: acc 1,   conf .7,  gap .3,  weight 2/6
  //   conf .45     → (.4, .6]: acc 0,   conf .45, gap .45, weight 1/6
  //   conf .2      → [0, .2]:  acc 1,   conf .2,  gap .8,  weight 1/6  (right-closed: .2 is in the first bin)
  // ECE = (2·.4 + 2·.3 + .45 + .8)/6 = 2.65/6; MCE = .8 (the Guo et al. loop in numpy gives the same).
  const conf = f64([0.95, 0.85, 0.75, 0.65, 0.45, 0.2]);
  const correct = u8([1, 0, 1, 1, 0, 1]);

  it("computes ECE and MCE of a hand-computed 6-item example", () => {
    expect(expectedCalibrationError(conf, correct, 5)).toBeCloseTo(2.65 / 6, 12);
    expect(maxCalibrationError(conf, correct, 5)).toBeCloseTo(0.8, 12);
  });

  it("lists every bin, empty ones with null accuracy and confidence", () => {
    const t = reliabilityTable(conf, correct, 5);
    expect(t.map((b) => [b.lo, b.hi, b.count])).toEqual([
      [0, 0.2, 1],
      [0.2, 0.4, 0],
      [0.4, 0.6000000000000001, 1], // edges as numpy.linspace(0, 1, 6): 3 · 0.2
      [0.6000000000000001, 0.8, 2],
      [0.8, 1, 2],
    ]);
    expect(t[1]).toMatchObject({ accuracy: null, confidence: null });
    expect(t[4]!.accuracy).toBe(0.5);
    expect(t[4]!.confidence).toBeCloseTo(0.9, 12);
    expect(t[0]).toMatchObject({ accuracy: 1, confidence: 0.2 });
  });

  it("puts a confidence on an edge in the bin below it, 0 in the first bin and 1 in the last", () => {
    for (const bins of [3, 7, 10, 15, 49]) {
      for (let i = 1; i <= bins; i++) {
        const e = i === bins ? 1 : i * (1 / bins);
        const counts = reliabilityTable(f64([e]), u8([1]), bins).map((b) => b.count);
        expect(counts.indexOf(1)).toBe(i - 1);
        if (i < bins) expect(reliabilityTable(f64([nextUp(e)]), u8([1]), bins).map((b) => b.count).indexOf(1)).toBe(i);
      }
    }
    expect(reliabilityTable(f64([0]), u8([0]), 15)[0]!.count).toBe(1);
  });

  it("is 0 for perfectly calibrated bins and uses 15 bins by default", () => {
    // Bin (13/15, 14/15]: conf 0.9 ×10 with 9 right → gap 0.
    const c = f64(new Array<number>(10).fill(0.9));
    const ok = u8([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(expectedCalibrationError(c, ok)).toBeCloseTo(0, 12);
    expect(reliabilityTable(c, ok)).toHaveLength(15);
  });

  it("accepts Float32 confidences", () => {
    expect(expectedCalibrationError(Float32Array.from([0.5, 0.5]), u8([1, 0]), 2)).toBeCloseTo(0, 12);
  });

  it("returns NaN for no items and rejects bad input", () => {
    expect(expectedCalibrationError(f64([]), u8([]))).toBeNaN();
    expect(maxCalibrationError(f64([]), u8([]))).toBeNaN();
    expect(reliabilityTable(f64([]), u8([]), 2).map((b) => b.count)).toEqual([0, 0]);
    expect(() => expectedCalibrationError(f64([0.5]), u8([]))).toThrow(TypeError);
    expect(() => expectedCalibrationError(f64([1.5]), u8([1]))).toThrow(/confidence 1.5 is outside/);
    expect(() => expectedCalibrationError(f64([NaN]), u8([1]))).toThrow(RangeError);
    expect(() => expectedCalibrationError(f64([0.5]), u8([2]))).toThrow(/0 or 1/);
    expect(() => expectedCalibrationError(f64([0.5]), u8([1]), 0)).toThrow(RangeError);
    expect(() => expectedCalibrationError(f64([0.5]), u8([1]), 2.5)).toThrow(RangeError);
  });
});

describe("riskCoverageCurve", () => {
  it("accumulates precision from the most confident item down, one point per distinct confidence", () => {
    const c = riskCoverageCurve(f64([0.8, 0.9, 0.8, 0.3]), u8([0, 1, 1, 0]));
    expect(Array.from(c.threshold)).toEqual([0.9, 0.8, 0.3]);
    expect(Array.from(c.coverage)).toEqual([0.25, 0.75, 1]);
    expect(Array.from(c.precision)).toEqual([1, 2 / 3, 0.5]);
    expect(Array.from(c.risk)).toEqual([0, 1 - 2 / 3, 0.5]);
    expect(riskCoverageCurve(f64([]), u8([])).coverage).toHaveLength(0);
  });

  it("takes scores outside [0, 1] but not NaN", () => {
    expect(Array.from(riskCoverageCurve(f64([2.5, -1]), u8([1, 0])).threshold)).toEqual([2.5, -1]);
    expect(() => riskCoverageCurve(f64([NaN]), u8([1]))).toThrow(RangeError);
  });
});

describe("coverageAtPrecision", () => {
  it("finds the largest coverage at each target, even past a dip in precision", () => {
    // Sorted: .99 ✓, .9 ✓, .8 ✗, .7 ✓ → precision 1, 1, 2/3, 3/4 at coverage 1/4, 1/2, 3/4, 1.
    const r = coverageAtPrecision(f64([0.7, 0.99, 0.8, 0.9]), u8([1, 1, 0, 1]), [0.7, 0.75, 0.8, 1]);
    expect(r.map((x) => [x.target, x.coverage, x.threshold, x.precision, x.reachable])).toEqual([
      [0.7, 1, 0.7, 0.75, true], // 3/4 ≥ 0.7 at full coverage, although 2/3 < 0.7 at 3/4 coverage
      [0.75, 1, 0.7, 0.75, true], // 3/4 = 0.75 exactly counts as reached
      [0.8, 0.5, 0.9, 1, true],
      [1, 0.5, 0.9, 1, true],
    ]);
    expect(r[0]!.bestPrecision).toEqual({ precision: 1, coverage: 0.5, threshold: 0.9 });
  });

  it("keeps ties together: equal confidences are accepted or rejected as one", () => {
    // .9 ✓ | .8 ✓ .8 ✓ .8 ✗ | .5 ✓ → precision 1 at 1/5, 3/4 at 4/5, 4/5 at 1.
    // Splitting the .8 tie would reach 0.9 at coverage 3/5; kept together, only the .9 item qualifies.
    const r = coverageAtPrecision(f64([0.8, 0.9, 0.8, 0.5, 0.8]), u8([1, 1, 1, 1, 0]), [0.9, 0.8]);
    expect(r.map((x) => [x.coverage, x.threshold, x.precision])).toEqual([
      [0.2, 0.9, 1],
      [1, 0.5, 0.8],
    ]);
  });

  it("reports an unreachable target with coverage 0, null threshold and the best precision on offer", () => {
    const r = coverageAtPrecision(f64([0.9, 0.8, 0.6]), u8([0, 1, 1]), [0.95, 0]);
    expect(r[0]).toEqual({
      target: 0.95,
      coverage: 0,
      threshold: null,
      precision: null,
      reachable: false,
      bestPrecision: { precision: 2 / 3, coverage: 1, threshold: 0.6 },
    });
    // Target 0 is met by accepting everything.
    expect(r[1]).toMatchObject({ coverage: 1, threshold: 0.6, reachable: true });
  });

  it("gives every target unreachable for no items, and rejects targets outside [0, 1]", () => {
    expect(coverageAtPrecision(f64([]), u8([]), [0.9])).toEqual([
      { target: 0.9, coverage: 0, threshold: null, precision: null, reachable: false, bestPrecision: null },
    ]);
    expect(() => coverageAtPrecision(f64([0.5]), u8([1]), [1.2])).toThrow(RangeError);
    expect(() => coverageAtPrecision(f64([0.5]), u8([1]), [NaN])).toThrow(RangeError);
  });

  it("turns into the report shape target → coverage", () => {
    const conf = f64([0.99, 0.97, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4]);
    const ok = u8([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    // Precision 1 down to .5 (coverage 9/10); all ten give 9/10 = 0.9.
    expect(coverageByPrecision(coverageAtPrecision(conf, ok, [0.9, 0.95, 0.98]))).toEqual({
      "0.9": 1,
      "0.95": 0.9,
      "0.98": 0.9,
    });
  });
});
