// The up-front training-cost estimate: grows with categories, warns only for runs that are not quick.
import { describe, expect, it } from "vitest";
import { estimateTrainingCost, trainingCostWarning } from "./training-cost.js";

describe("training cost", () => {
  it("matches the measured runs within a factor of two", () => {
    // Measured: 1,000 rows × 300 categories, 63,191 features, 359k non-zeros: 15 s, 0.57 GB.
    const r = estimateTrainingCost({ rows: 1000, classes: 300, features: 63_191, nonZeros: 359_231, calibrated: true });
    expect(r.seconds).toBeGreaterThan(7.5);
    expect(r.seconds).toBeLessThan(30);
    expect(r.bytes / 1024 ** 3).toBeGreaterThan(0.28);
    expect(r.bytes / 1024 ** 3).toBeLessThan(1.2);
  });

  it("warns for 100,000 categories with the time and memory, and not for a small shop", () => {
    const w = trainingCostWarning({ rows: 120_000, classes: 100_000, features: 95_000, nonZeros: 120_000 * 80, calibrated: true });
    expect(w?.code).toBe("LARGE_TRAINING");
    expect(w?.message).toMatch(/^100,000 categories × 120,000 products \(95,000 features\): training will take roughly [\d.]+ h and [\d.]+ GB of memory/);
    expect(trainingCostWarning({ rows: 450, classes: 15, features: 27_000, nonZeros: 110_000, calibrated: true })).toBeUndefined();
  });
});
