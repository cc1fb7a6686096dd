// Decider.rankRaw against rank on whole calibrated rows: the same answers, bit for bit, including rounding ties.
import { describe, expect, it } from "vitest";
import { Random } from "../core/random.js";
import type { CalibrationInfo } from "./confidence.js";
import { Decider } from "./decisions.js";

/** A calibration whose map is the line through (0, y0) and (1, y1) (clamped to [0.5/rows, 1 − 0.5/rows]). */
function calibration(y0: number, y1: number): CalibrationInfo {
  return { method: "isotonic", x: [0, 1], y: [y0, y1], rows: 1000, confidence: [0.5, 0.9], correct: [0, 1] };
}

const labels = (n: number): string[] => Array.from({ length: n }, (_, i) => `c${String(i).padStart(3, "0")}`);

/** Rows of the kinds classifiers give: softmax of scores, many categories sharing one value, ties, certainty, zeros. */
function rows(n: number, count: number, seed: number): Float32Array {
  const r = new Random(seed);
  const out = new Float32Array(n * count);
  for (let i = 0; i < count; i++) {
    const row = out.subarray(i * n, (i + 1) * n);
    const kind = i % 5;
    if (kind === 4) continue; // all zero
    for (let c = 0; c < n; c++) row[c] = kind === 1 ? 1 : Math.exp(8 * r.float());
    // A nearest-centroid row: every category it shares no feature with gets the same probability.
    if (kind === 1) for (let t = 0; t < 4; t++) row[r.int(n)] = Math.exp(6 * r.float());
    if (kind === 2) row[r.int(n)] = row[r.int(n)]!; // a tie, maybe at the top
    let sum = 0;
    for (let c = 0; c < n; c++) sum += row[c]!;
    for (let c = 0; c < n; c++) row[c] = row[c]! / sum;
    if (kind === 3) {
      row.fill(0);
      row[r.int(n)] = 1;
    }
  }
  return out;
}

describe("Decider.rankRaw", () => {
  it("answers as rank on calibrated rows, for every top-k, calibration and kind of row", () => {
    for (const [n, cal] of [
      [7, calibration(0.7, 1)],
      [40, calibration(0, 0.5)],
      [300, calibration(0.2, 0.95)],
    ] as const) {
      const d = new Decider(labels(n), cal);
      const raw = rows(n, 60, n);
      const ids = Array.from({ length: 60 }, (_, i) => `p${i}`);
      for (const topK of [1, 2, 3, 5, n - 1, n]) {
        expect(d.rankRaw(ids, raw, { topK }, undefined)).toEqual(d.rank(ids, d.calibrate(raw), raw, { topK }, undefined));
      }
    }
  });

  it("orders ties that calibration's rounding makes by index, inside the top k and across its cut, as a whole calibrated row does", () => {
    // The top 0.5 is calibrated to 0.85; the others are scaled by (1 − 0.85) / (1 − 0.5) = 0.3, which rounds the
    // float32 values 2, 3 and 4 × 2⁻¹⁴⁹ all to 2⁻¹⁴⁹. The top 4 of the raw row are c1, c4, c3, c2, but calibrated,
    // c0 ties with c2 and c3 and comes first: the top 3 are c1, c4, c0.
    const tiny = 2 ** -149;
    const raw = Float32Array.of(2 * tiny, 0.5, 3 * tiny, 4 * tiny, 0.25);
    const d = new Decider(labels(5), calibration(0.7, 1));
    const [ranked] = d.rankRaw(["p"], raw, { topK: 3 }, undefined);
    expect(ranked!.categories.map((c) => c.category)).toEqual(["c001", "c004", "c000"]);
    expect(ranked!.categories.map((c) => c.score)).toEqual([Math.fround(0.85), Math.fround(0.25 * 0.3), tiny]);
    expect([ranked]).toEqual(d.rank(["p"], d.calibrate(raw), raw, { topK: 3 }, undefined));
    // Inside the top 4: 4 and 3 × 2⁻¹⁴⁹ (c2, c0) both become 2⁻¹⁴⁹ and 2⁻¹⁴⁹ (c3) becomes 0, so c0 comes before c2.
    const inside = Float32Array.of(3 * tiny, 0.5, 4 * tiny, tiny, 0.25, 0);
    const d6 = new Decider(labels(6), calibration(0.7, 1));
    const [top4] = d6.rankRaw(["p"], inside, { topK: 4 }, undefined);
    expect(top4!.categories.map((c) => c.category)).toEqual(["c001", "c004", "c000", "c002"]);
    expect([top4]).toEqual(d6.rank(["p"], d6.calibrate(inside), inside, { topK: 4 }, undefined));
  });

  it("calibrates whole rows when a decision is asked for, and ranks raw rows when the model is not calibrated", () => {
    const raw = rows(12, 20, 3);
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const d = new Decider(labels(12), calibration(0.1, 0.9));
    expect(d.rankRaw(ids, raw, { topK: 2 }, 0.4)).toEqual(d.rank(ids, d.calibrate(raw), raw, { topK: 2 }, 0.4));
    const plain = new Decider(labels(12), undefined);
    expect(plain.rankRaw(ids, raw, { topK: 3 }, undefined)).toEqual(plain.rank(ids, raw, raw, { topK: 3 }, undefined));
  });
});
