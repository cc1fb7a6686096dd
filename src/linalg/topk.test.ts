// topK against sorting, and its tie order (the lower index first).
import { describe, expect, it } from "vitest";
import { Random } from "./random.js";
import { topK } from "./topk.js";

/** The reference: indices sorted by value (descending), then by index. */
function sortedTop(values: ArrayLike<number>, offset: number, n: number, k: number): number[] {
  return Array.from({ length: n }, (_, j) => j)
    .sort((a, b) => values[offset + b]! - values[offset + a]! || a - b)
    .slice(0, k);
}

describe("topK", () => {
  it("keeps the lower index first among equal values, at the top and at the cut", () => {
    const out = new Int32Array(3);
    // 5 at 1 and 3, 2 at 0, 2 and 4: the top 3 are 1, 3 and the first 2 (index 0).
    expect(topK(Float32Array.of(2, 5, 2, 5, 2), 0, 5, 3, out)).toBe(3);
    expect(Array.from(out)).toEqual([1, 3, 0]);
    // From offset 2 (the values 2, 5, 2): 5 (at 1), then the first 2 (at 0).
    expect(topK(Float32Array.of(2, 5, 2, 5, 2), 2, 3, 2, out)).toBe(2);
    expect(Array.from(out.subarray(0, 2))).toEqual([1, 0]);
  });

  it("returns min(k, n) indices, as sorting does, on rows with many repeated values", () => {
    const r = new Random(7);
    for (let t = 0; t < 200; t++) {
      const n = 1 + r.int(60);
      const values = Float64Array.from({ length: n + 3 }, () => r.int(6) / 2);
      const k = 1 + r.int(n + 2);
      const out = new Int32Array(k);
      const m = topK(values, 3, n, k, out);
      expect(m).toBe(Math.min(k, n));
      expect(Array.from(out.subarray(0, m))).toEqual(sortedTop(values, 3, n, k));
    }
  });
});
