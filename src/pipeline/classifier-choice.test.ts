// classifier "auto": linear-svm for ordinary taxonomies, nearest-centroid where one-vs-rest would be slow.
import { describe, expect, it } from "vitest";
import { chooseClassifier } from "./classifier-choice.js";

describe("chooseClassifier", () => {
  it("keeps a named kind", () => {
    expect(chooseClassifier("logistic-regression", { rows: 10, classes: 50_000, features: 10, nonZeros: 100, calibrated: true })).toEqual({ requested: "logistic-regression", chosen: "logistic-regression", reason: "as asked" });
  });

  it("picks linear-svm below 1,000 categories, however few products each has (flipkart-1050 leaf)", () => {
    const c = chooseClassifier("auto", { rows: 840, classes: 504, features: 67_702, nonZeros: 680_000, calibrated: true });
    expect(c.chosen).toBe("linear-svm");
    expect(c.reason).toBe("504 categories with 1.7 products each on average (fewer than 1,000 categories)");
  });

  it("picks nearest-centroid for PriceRunner's products as categories, and says one-vs-rest's cost", () => {
    // 8e-9 s × 12,057 × 4,774,250 ≈ 460 s ≈ 8 min.
    const c = chooseClassifier("auto", { rows: 28_250, classes: 12_057, features: 165_060, nonZeros: 4_774_250, calibrated: false });
    expect(c.chosen).toBe("nearest-centroid");
    expect(c.reason).toBe("12,057 categories with 2.3 products each on average: one-vs-rest would take about 8 min, nearest centroid trains in one pass");
  });

  it("keeps linear-svm past 1,000 categories when one-vs-rest is still quick", () => {
    // 8e-9 × 1,200 × 3,000,000 = 28.8 s.
    const c = chooseClassifier("auto", { rows: 3000, classes: 1200, features: 50_000, nonZeros: 3_000_000, calibrated: false });
    expect(c.chosen).toBe("linear-svm");
    expect(c.reason).toBe("1,200 categories with 2.5 products each on average: one-vs-rest still trains in about 29 s");
    // Either side of the two-minute limit: 8e-9 × 1,200 × 12.4M = 119 s keeps linear-svm, 121 s does not.
    expect(chooseClassifier("auto", { rows: 3000, classes: 1200, features: 50_000, nonZeros: 12_400_000, calibrated: false }).chosen).toBe("linear-svm");
    expect(chooseClassifier("auto", { rows: 3000, classes: 1200, features: 50_000, nonZeros: 12_600_000, calibrated: false }).chosen).toBe("nearest-centroid");
  });
});
