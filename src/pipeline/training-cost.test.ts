// The up-front training-cost estimate: grows with categories, warns only for runs that are not quick.
import { describe, expect, it } from "vitest";
import { estimateTrainingCost, trainingCostWarning } from "./training-cost.js";

describe("training cost", () => {
  it("matches the measured fits within a factor of three", () => {
    // Measured (the fit alone, 2-core machine): flipkart-1050 leaf, 504 categories × 680,649 non-zeros: ~1.0 s;
    // PriceRunner, 10 × 4,781,129: ~0.55 s; cn-online-shopping-10cats, 10 × 6,845,370: ~1.4 s.
    const measured = [
      { shape: { rows: 840, classes: 504, features: 67_702, nonZeros: 680_649, calibrated: false }, seconds: 1.0 },
      { shape: { rows: 28_250, classes: 10, features: 165_060, nonZeros: 4_781_129, calibrated: false }, seconds: 0.55 },
      { shape: { rows: 50_218, classes: 10, features: 413_824, nonZeros: 6_845_370, calibrated: false }, seconds: 1.4 },
    ];
    for (const m of measured) {
      const r = estimateTrainingCost(m.shape).seconds;
      expect(r / m.seconds).toBeGreaterThan(1 / 3);
      expect(r / m.seconds).toBeLessThan(3);
    }
    // Refitting on folds for calibration doubles it.
    const once = measured[0]!.shape;
    expect(estimateTrainingCost({ ...once, calibrated: true }).seconds).toBeCloseTo(2 * estimateTrainingCost(once).seconds, 9);
    // Memory: 1,000 rows × 300 categories, 63,191 features: 0.57 GB measured.
    const bytes = estimateTrainingCost({ rows: 1000, classes: 300, features: 63_191, nonZeros: 359_231, calibrated: true }).bytes;
    expect(bytes / 1024 ** 3).toBeGreaterThan(0.28);
    expect(bytes / 1024 ** 3).toBeLessThan(1.2);
  });

  it("warns for 100,000 categories with the time and memory, and not for a small shop", () => {
    const w = trainingCostWarning({ rows: 120_000, classes: 100_000, features: 95_000, nonZeros: 120_000 * 80, calibrated: true });
    expect(w?.code).toBe("LARGE_TRAINING");
    expect(w?.message).toMatch(/^100,000 categories × 120,000 products \(95,000 features\): training will take roughly [\d.]+ h and [\d.]+ GB of memory/);
    expect(trainingCostWarning({ rows: 450, classes: 15, features: 27_000, nonZeros: 110_000, calibrated: true })).toBeUndefined();
    // The 504 flipkart leaf categories (about a second) are not announced either.
    expect(trainingCostWarning({ rows: 840, classes: 504, features: 67_702, nonZeros: 680_649, calibrated: false })).toBeUndefined();
  });
});
