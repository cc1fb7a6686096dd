// Checks that folds and splits are stratified, complete and reproducible per seed.
import { describe, expect, it } from "vitest";
import { Random } from "../core/random.js";
import { smallClasses, stratifiedKFold, stratifiedSplit } from "./split.js";

/** Class sizes 37, 20, 9, 3, 1, 0, 0, 12 (classes 5 and 6 unused), in a scrambled row order. */
function labels(): Int32Array {
  const sizes = [37, 20, 9, 3, 1, 0, 0, 12];
  const y: number[] = [];
  sizes.forEach((s, c) => {
    for (let i = 0; i < s; i++) y.push(c);
  });
  return new Random(7).shuffle(Int32Array.from(y));
}

function countsByClassAndGroup(y: Int32Array, group: Int32Array, groups: number): number[][] {
  const classes = Math.max(...y) + 1;
  const out = Array.from({ length: classes }, () => new Array<number>(groups).fill(0));
  y.forEach((c, i) => out[c]![group[i]!]!++);
  return out;
}

describe("stratifiedKFold", () => {
  it("puts every row in exactly one fold, each class spread ⌊n/k⌋ or ⌈n/k⌉ per fold", () => {
    const y = labels();
    for (const k of [2, 3, 5, 10]) {
      const fold = stratifiedKFold(y, k, 42);
      expect(fold).toHaveLength(y.length);
      for (const f of fold) expect(f >= 0 && f < k).toBe(true);
      const counts = countsByClassAndGroup(y, fold, k);
      counts.forEach((perFold) => {
        const n = perFold.reduce((a, b) => a + b, 0);
        for (const m of perFold) expect([Math.floor(n / k), Math.ceil(n / k)]).toContain(m);
      });
      // Dealing continues across classes, so fold sizes differ by at most one.
      const sizes = new Array<number>(k).fill(0);
      for (const f of fold) sizes[f]!++;
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it("is deterministic per seed and differs across seeds", () => {
    const y = labels();
    expect(stratifiedKFold(y, 5, 1)).toEqual(stratifiedKFold(y, 5, 1));
    expect(stratifiedKFold(y, 5, 1)).not.toEqual(stratifiedKFold(y, 5, 2));
  });

  it("accepts classes smaller than the fold count and lists them", () => {
    const y = labels();
    expect(() => stratifiedKFold(y, 5, 0)).not.toThrow();
    expect(smallClasses(y, 5)).toEqual([3, 4]);
    expect(smallClasses(y, 2)).toEqual([4]);
    expect(smallClasses(Int32Array.of(0, 0, 0, 1, 2, 2), 3)).toEqual([1, 2]);
  });

  it("rejects fold counts below 2, above the row count, or fractional", () => {
    const y = Int32Array.of(0, 1, 0, 1);
    expect(() => stratifiedKFold(y, 1, 0)).toThrow(RangeError);
    expect(() => stratifiedKFold(y, 5, 0)).toThrow(RangeError);
    expect(() => stratifiedKFold(y, 2.5, 0)).toThrow(RangeError);
    expect(() => stratifiedKFold(Int32Array.of(0, -1), 2, 0)).toThrow(RangeError);
    expect(Array.from(stratifiedKFold(y, 4, 0)).sort()).toEqual([0, 1, 2, 3]);
  });
});

describe("stratifiedSplit", () => {
  it("partitions the rows, with ⌈f·n⌉ test rows shared by class", () => {
    const y = labels();
    const n = y.length; // 82
    const { train, test } = stratifiedSplit(y, 0.25, 42);
    expect(test).toHaveLength(Math.ceil(0.25 * n));
    expect(train.length + test.length).toBe(n);
    const all = [...train, ...test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(Array.from(test)).toEqual([...test].sort((a, b) => a - b));

    const side = new Int32Array(n);
    for (const i of test) side[i] = 1;
    const counts = countsByClassAndGroup(y, side, 2);
    const ratio = test.length / n;
    counts.forEach(([tr, te]) => {
      const size = tr! + te!;
      if (size > 0) expect([Math.floor(size * ratio), Math.ceil(size * ratio)]).toContain(te);
    });
    // The single row of class 4 stays in training.
    expect(counts[4]).toEqual([1, 0]);
  });

  it("is deterministic per seed", () => {
    const y = labels();
    expect(stratifiedSplit(y, 0.2, 3)).toEqual(stratifiedSplit(y, 0.2, 3));
    expect(stratifiedSplit(y, 0.2, 3).test).not.toEqual(stratifiedSplit(y, 0.2, 4).test);
  });

  it("rejects fractions outside (0, 1) and splits that leave a side empty", () => {
    const y = Int32Array.of(0, 0, 1, 1);
    expect(() => stratifiedSplit(y, 0, 0)).toThrow(RangeError);
    expect(() => stratifiedSplit(y, 1, 0)).toThrow(RangeError);
    expect(() => stratifiedSplit(y, Number.NaN, 0)).toThrow(RangeError);
    expect(() => stratifiedSplit(Int32Array.of(0), 0.5, 0)).toThrow(RangeError);
    const { train, test } = stratifiedSplit(y, 0.5, 0);
    expect(countsByClassAndGroup(y, Int32Array.from([0, 1, 2, 3], (i) => (test.includes(i) ? 1 : 0)), 2)).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(train).toHaveLength(2);
  });
});
