// Pins the ranking metrics to hand-computed lists (the definitions of ../shared/bench/anchors/recs_anchor.py).
import { describe, expect, it } from "vitest";
import { RankingAccumulator, scoreList } from "./ranking.js";

const L3 = 1 / Math.log2(3); // discount of rank 2
const L4 = 1 / Math.log2(4); // discount of rank 3 = 0.5

describe("scoreList", () => {
  it("scores a list with one hit at rank 2 of two relevant items (one outside the catalogue)", () => {
    const s = scoreList([3, 1, 2], new Set([1, 9]), 3);
    expect(s.hitRate).toBe(1);
    expect(s.recall).toBe(0.5);
    expect(s.precision).toBeCloseTo(1 / 3, 12);
    expect(s.ndcg).toBeCloseTo(L3 / (1 + L3), 12); // 0.3869
    expect(s.averagePrecision).toBeCloseTo(0.5 / 2, 12); // precision@2 = 1/2, over min(3, 2) = 2
  });

  it("divides precision by k even when the list is shorter, and NDCG by min(k, |relevant|) ideal hits", () => {
    const s = scoreList([5, 6], new Set([5, 6, 7]), 10);
    expect(s.precision).toBeCloseTo(0.2, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    expect(s.ndcg).toBeCloseTo((1 + L3) / (1 + L3 + L4), 12); // 0.7654
    expect(s.averagePrecision).toBeCloseTo((1 + 1) / 3, 12);
  });

  it("looks at the first k items only, and gives a miss zeros", () => {
    const s = scoreList([1, 2, 3, 4], new Set([4]), 3);
    expect(s).toEqual({ hitRate: 0, recall: 0, precision: 0, ndcg: 0, averagePrecision: 0 });
    expect(scoreList([4], new Set([4]), 1).ndcg).toBe(1);
  });

  it("refuses an empty ground truth and k < 1", () => {
    expect(() => scoreList([1], new Set(), 10)).toThrow(RangeError);
    expect(() => scoreList([1], new Set([1]), 0)).toThrow(RangeError);
  });
});

describe("RankingAccumulator", () => {
  it("averages over scored lists and counts coverage over every list", () => {
    const acc = new RankingAccumulator(3, 10);
    acc.add([3, 1, 2], new Set([1, 9]));
    acc.add([5, 6], new Set([5, 6, 7]));
    acc.add([8], new Set()); // not scored, but recommended
    const r = acc.result();
    expect(r.lists).toBe(2);
    expect(r.hitRate).toBe(1);
    expect(r.recall).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(r.precision).toBeCloseTo((1 / 3 + 2 / 3) / 2, 12);
    expect(r.ndcg).toBeCloseTo((L3 / (1 + L3) + (1 + L3) / (1 + L3 + L4)) / 2, 12);
    expect(r.coverage).toBeCloseTo(6 / 10, 12);
  });

  it("rejects ids outside the catalogue and answers zeros when nothing was scored", () => {
    const acc = new RankingAccumulator(10, 3);
    expect(() => acc.add([3], new Set([3]))).toThrow(RangeError);
    expect(new RankingAccumulator(10, 0).result()).toMatchObject({ lists: 0, ndcg: 0, coverage: 0 });
  });
});
