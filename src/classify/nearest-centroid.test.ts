// Nearest centroid: hand-computed centroids and scores, ignored common features, the leave-one-out temperature.
import { describe, expect, it } from "vitest";
import type { CsrMatrix } from "../linalg/matrix.js";
import { NearestCentroid } from "./nearest-centroid.js";
import { SparseLinearModel } from "./sparse-linear-model.js";

function csr(rows: number[][]): CsrMatrix {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (const r of rows) {
    r.forEach((v, j) => {
      if (v !== 0) {
        indices.push(j);
        data.push(v);
      }
    });
    indptr.push(indices.length);
  }
  return { kind: "csr", rows: rows.length, cols: rows[0]!.length, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float32Array.from(data) };
}

// Class 0: (3, 4, 0) → (0.6, 0.8, 0) and (0, 1, 0); sum (0.6, 1.8, 0), norm √3.6.
// Class 1: (0, 0, 2) → (0, 0, 1) and (1, 0, 1) → (√½, 0, √½); sum (√½, 0, 1 + √½), norm √(0.5 + (1 + √½)²).
const X = csr([
  [3, 4, 0],
  [0, 1, 0],
  [0, 0, 2],
  [1, 0, 1],
]);
const Y = Int32Array.of(0, 0, 1, 1);
const H = Math.SQRT1_2;
const N0 = Math.sqrt(3.6);
const N1 = Math.sqrt(0.5 + (1 + H) ** 2);

describe("NearestCentroid", () => {
  it("scores x·centroid with each centroid the normalized sum of the normalized rows", async () => {
    const m = await new NearestCentroid().fit(X, Y, 2, { seed: 1 });
    expect(m).toBeInstanceOf(SparseLinearModel);
    expect(m.kind).toBe("nearest-centroid");
    const s = m.decisionFunction(csr([[1, 0, 0], [0, 2, 1]])).data;
    expect(s[0]).toBeCloseTo(0.6 / N0, 6);
    expect(s[1]).toBeCloseTo(H / N1, 6);
    expect(s[2]).toBeCloseTo(3.6 / N0, 6);
    expect(s[3]).toBeCloseTo((1 + H) / N1, 6);
    expect(Array.from(m.predict(csr([[1, 0, 0], [0, 2, 1]])))).toEqual([1, 0]);
    expect(Array.from(m.intercept)).toEqual([0, 0]);
  });

  it("ignores features found in more categories than maxCategoriesPerFeature", async () => {
    const m = await new NearestCentroid({ maxCategoriesPerFeature: 1 }).fit(X, Y, 2, { seed: 1 });
    // Feature 0 is in both centroids: dropped. The others stay, scaled by the full centroid norms.
    expect(m.meta["ignoredFeatures"]).toBe(1);
    expect(m.weight(0, 0)).toBe(0);
    expect(m.weight(0, 1)).toBe(0);
    expect(m.weight(1, 0)).toBeCloseTo(1.8 / N0, 6);
    expect(m.weight(2, 1)).toBeCloseTo((1 + H) / N1, 6);
    // A product with only the dropped feature touches no centroid: an even split.
    expect(Array.from(m.predictProba(csr([[1, 0, 0]])).data)).toEqual([0.5, 0.5]);
  });

  it("fits the temperature on leave-one-out scores, the same for the same seed", async () => {
    const a = await new NearestCentroid().fit(X, Y, 2, { seed: 3 });
    const b = await new NearestCentroid().fit(X, Y, 2, { seed: 3 });
    expect(a.temperature).toBe(b.temperature);
    expect(a.temperature).toBeGreaterThan(0);
    // Without another product in its category no row can be left out: no probe rows, temperature 1.
    const lone = await new NearestCentroid().fit(csr([[1, 0], [0, 1]]), Int32Array.of(0, 1), 2, { seed: 3 });
    expect(lone.temperature).toBe(1);
  });

  it("is the model its artifact restores, and checks its params", async () => {
    const m = await new NearestCentroid().fit(X, Y, 2);
    const back = SparseLinearModel.fromArtifact(m.toArtifact());
    expect(Array.from(back.decisionFunction(X).data)).toEqual(Array.from(m.decisionFunction(X).data));
    expect(() => new NearestCentroid({ maxCategoriesPerFeature: -1 })).toThrow();
  });
});
