// Pins the shared binary searches on hand-computed cases: ties, both ends, sub-ranges, typed and plain arrays.
import { describe, expect, it } from "vitest";
import { lowerBound, upperBound, upperBoundBy } from "./search.js";

describe("lowerBound and upperBound", () => {
  const a = Int32Array.from([1, 3, 3, 3, 7, 9]);

  it("find the first index at or above (lower) and above (upper) a value, ties included", () => {
    expect([0, 1, 2, 3, 4, 7, 8, 9, 10].map((v) => lowerBound(a, v))).toEqual([0, 0, 1, 1, 4, 4, 5, 5, 6]);
    expect([0, 1, 2, 3, 4, 7, 8, 9, 10].map((v) => upperBound(a, v))).toEqual([0, 1, 1, 4, 4, 5, 5, 6, 6]);
  });

  it("search only [lo, hi) and return hi when every value there is smaller", () => {
    expect(lowerBound(a, 3, 2, 5)).toBe(2);
    expect(upperBound(a, 3, 2, 5)).toBe(4);
    expect(lowerBound(a, 100, 1, 4)).toBe(4);
    expect(upperBound(a, 0, 3, 6)).toBe(3);
    expect(lowerBound(a, 5, 3, 3)).toBe(3); // empty range
  });

  it("work on float and plain arrays, and on an empty array", () => {
    const cum = Float64Array.from([0.1, 0.30000000000000004, 0.6, 1]);
    expect(lowerBound(cum, 0.3)).toBe(1);
    expect(upperBound(cum, 0.6)).toBe(3);
    expect(lowerBound([-2, -1.5, 4], -1.5)).toBe(1);
    expect(lowerBound(new Float32Array(0), 1)).toBe(0);
    expect(upperBound([], 1)).toBe(0);
  });

  it("treat a NaN value as smaller than everything (comparisons with NaN are false)", () => {
    expect(lowerBound(a, Number.NaN)).toBe(0);
    expect(upperBound(a, Number.NaN)).toBe(0);
  });

  it("upperBoundBy finds the first element after a key under a comparator (strings, a range)", () => {
    const ids = ["a1", "a2", "b", "b", "c"];
    const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    expect(upperBoundBy(ids, "b", cmp)).toBe(4);
    expect(upperBoundBy(ids, "a", cmp)).toBe(0);
    expect(upperBoundBy(ids, "z", cmp)).toBe(5);
    expect(upperBoundBy(ids, "a1", cmp, 1, 3)).toBe(1);
  });
});
