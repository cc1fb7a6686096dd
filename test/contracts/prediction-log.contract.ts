// The prediction-log half of the CatalogStore contract (append, aggregate by category and day over a time
// window of whole UTC days, prune by retention), run inside catalogStoreContract against every store. Every
// expectation is counted by hand from the rows written here; scores are binary fractions, so sums are exact in
// any engine.
import { describe, expect, it } from "vitest";
import type { CatalogStore, PredictionLogWrite } from "../../src/index.js";

const D1 = Date.UTC(2026, 2, 1); // 2026-03-01T00:00:00Z
const DAY1 = D1 / 86_400_000;
const H = 3_600_000;
const entry = (at: number, category: string, score: number, o: Partial<PredictionLogWrite> = {}): PredictionLogWrite => ({
  at,
  model: "m1",
  source: "classify",
  categories: [{ category, score }],
  ...o,
});

/** Six entries over two UTC days and two models. */
const SIX: PredictionLogWrite[] = [
  entry(D1 + 9 * H, "kitchen", 0.5, { productId: "p1", categories: [{ category: "kitchen", score: 0.5 }, { category: "garden", score: 0.25 }, { category: "toys", score: 0.125 }] }),
  entry(D1 + 10 * H, "kitchen", 0.75),
  entry(D1 + 24 * H - 1, "garden", 1, { source: "import" }),
  entry(D1 + 24 * H, "kitchen", 0.875, { model: "m2" }),
  entry(D1 + 30 * H, "toys", 0.25, { model: "m2", source: "upsert" }),
  entry(D1 + 31 * H, "garden", 0.9375, { model: "m2" }),
];

export function predictionLogCases(current: () => CatalogStore): void {
  describe("prediction log", () => {
    it("an empty log summarizes to nothing", async () => {
      const s = await current().predictionSummary({ fromDay: 0, thresholds: [0.5, 0.9] });
      expect(s).toEqual({ total: 0, categories: [], days: [], atLeast: [0, 0] });
    });

    it("appends entries and aggregates them by top-1 category and UTC day, with counts at each threshold", async () => {
      const store = current();
      expect(await store.appendPredictions(SIX)).toBe(6);
      expect(await store.appendPredictions([])).toBe(0);
      const s = await store.predictionSummary({ fromDay: DAY1, thresholds: [0.5, 0.9, 0.9375, 1, 0.9374, 0.8751] });
      expect(s.total).toBe(6);
      // kitchen 3, garden 2, toys 1 (most first).
      expect(s.categories).toEqual([
        { category: "kitchen", count: 3 },
        { category: "garden", count: 2 },
        { category: "toys", count: 1 },
      ]);
      // Day 1: 0.5, 0.75, 1 → mean 0.75; day 2: 0.875, 0.25, 0.9375 → mean 2.0625 / 3 = 0.6875.
      expect(s.days).toEqual([
        { day: "2026-03-01", count: 3, meanScore: 0.75 },
        { day: "2026-03-02", count: 3, meanScore: 0.6875 },
      ]);
      // ≥ 0.5: all but 0.25 → 5; ≥ 0.9: 1 and 0.9375 → 2; ≥ 0.9375 (inclusive): 2; ≥ 1: 1. On the 0.001 grid,
      // 0.9374 counts from 0.937 (2) and 0.8751 from 0.875, so 0.875 counts too (3).
      expect(s.atLeast).toEqual([5, 2, 2, 1, 2, 3]);
    });

    it("a window is whole UTC days, first and last included, and can keep one model", async () => {
      const store = current();
      await store.appendPredictions(SIX);
      const day2 = await store.predictionSummary({ fromDay: DAY1 + 1, toDay: DAY1 + 1 });
      expect(day2.categories).toEqual([
        { category: "garden", count: 1 },
        { category: "kitchen", count: 1 },
        { category: "toys", count: 1 },
      ]);
      expect(day2.atLeast).toEqual([]);
      expect((await store.predictionSummary({ fromDay: 0, toDay: DAY1 })).categories).toEqual([
        { category: "kitchen", count: 2 },
        { category: "garden", count: 1 },
      ]);
      const m1 = await store.predictionSummary({ fromDay: DAY1, model: "m1", thresholds: [0.75] });
      expect(m1.total).toBe(3);
      expect(m1.categories).toEqual([
        { category: "kitchen", count: 2 },
        { category: "garden", count: 1 },
      ]);
      expect(m1.atLeast).toEqual([2]);
      expect((await store.predictionSummary({ fromDay: DAY1 + 2 })).total).toBe(0);
      expect((await store.predictionSummary({ fromDay: DAY1, model: "nope", thresholds: [0] })).atLeast).toEqual([0]);
    });

    it("skips entries without a category", async () => {
      const store = current();
      expect(await store.appendPredictions([entry(D1, "kitchen", 0.5), { at: D1, model: "m1", source: "classify", categories: [] }])).toBe(1);
      expect((await store.predictionSummary({ fromDay: 0 })).total).toBe(1);
    });

    it("prunes the oldest entries before a time, at most `limit` per call, and the days that end before it", async () => {
      const store = current();
      await store.appendPredictions([...SIX].reverse());
      // Five entries are older than day 2, 07:00 (two per call, oldest first); day 1 ends before it, day 2 does not.
      const before = D1 + 31 * H;
      expect(await store.prunePredictions(before, 2)).toBe(2);
      const day2 = [{ day: "2026-03-02", count: 3, meanScore: 0.6875 }];
      expect((await store.predictionSummary({ fromDay: 0 })).days).toEqual(day2);
      expect(await store.prunePredictions(before, 2)).toBe(2);
      expect(await store.prunePredictions(before, 2)).toBe(1);
      expect(await store.prunePredictions(before, 2)).toBe(0);
      // A day partly before the cut keeps its aggregates until all of it is.
      const s = await store.predictionSummary({ fromDay: 0, thresholds: [0] });
      expect(s.days).toEqual(day2);
      expect(s.atLeast).toEqual([3]);
      expect(await store.prunePredictions(D1 + 48 * H, 10)).toBe(1);
      expect(await store.predictionSummary({ fromDay: 0, thresholds: [0] })).toEqual({ total: 0, categories: [], days: [], atLeast: [0] });
    });
  });
}
