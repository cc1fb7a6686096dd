// The review half of the CatalogStore contract: the queue of doubtful products (threshold, filters, spread
// across categories, most uncertain first) and undoing corrections, run inside catalogStoreContract against
// every store.
import { beforeEach, describe, expect, it } from "vitest";
import type { CatalogStore } from "../../src/index.js";
import { pred, row } from "./catalog-rows.js";

/** The review-queue and undo cases, against the store `current` answers (a fresh one per test). */
export function reviewCases(current: () => CatalogStore): void {
  let store: CatalogStore;
  beforeEach(() => {
    store = current();
  });

  describe("review queue and undo", () => {
    /** Products to review below 0.9, and some that are not: labelled, corrected, sure, unpredicted. */
    const seed = async (): Promise<void> => {
      await store.upsertProducts([
        row("a1", "Steel pan", { predicted: pred("kitchen > pans", 0.3) }),
        row("a10", "Another pan", { predicted: pred("kitchen > pans", 0.3) }),
        row("a2", "Pan lid", { predicted: pred("kitchen > pans", 0.5) }),
        row("a3", "Kettle", { predicted: pred("kitchen > kettles", 0.4) }),
        row("a4", "Shoe", { predicted: pred("shoes", 0.2) }),
        row("a5", "Sure thing", { predicted: pred("shoes", 0.99) }),
        row("a6", "Labelled boot", { category: "shoes", predicted: pred("shoes", 0.1) }),
        row("a7", "Corrected pan", { predicted: pred("kitchen > pans", 0.15) }),
        row("a8", "Unpredicted"),
        row("a9", "Kitchenette", { predicted: pred("kitchenware", 0.35) }),
      ]);
      await store.addCorrection({ productId: "a7", category: "kitchen > lids" });
    };
    const idsOf = (page: { products: { id: string }[] }): string[] => page.products.map((p) => p.id);
    /** Every page of a query, following the cursors. */
    const all = async (q: Omit<Parameters<CatalogStore["reviewQueue"]>[0], "limit" | "after">, limit: number): Promise<string[]> => {
      const out: string[] = [];
      let after;
      for (let i = 0; i < 20; i++) {
        const page = await store.reviewQueue({ ...q, limit, ...(after ? { after } : {}) });
        expect(page.products.length).toBeLessThanOrEqual(limit);
        expect(page.cursors.length).toBe(page.products.length);
        out.push(...idsOf(page));
        if (page.products.length < limit) return out;
        after = page.cursors[page.cursors.length - 1];
      }
      throw new Error("the queue did not end");
    };

    it("lists predicted, unlabelled, uncorrected products below the threshold, most uncertain first, ties in id order", async () => {
      await seed();
      const page = await store.reviewQueue({ below: 0.9, limit: 10 });
      expect(idsOf(page)).toEqual(["a4", "a1", "a10", "a9", "a3", "a2"]);
      expect(page.total).toBe(6);
      expect(page.products[0]).toMatchObject({ id: "a4", title: "Shoe", predicted: pred("shoes", 0.2) });
      expect(page.cursors[0]).toEqual({ score: 0.2, id: "a4" });
      expect((await store.reviewQueue({ below: 0.3, limit: 10 })).products.map((p) => p.id)).toEqual(["a4"]);
      expect(await all({ below: 0.9 }, 2)).toEqual(["a4", "a1", "a10", "a9", "a3", "a2"]);
      expect(await all({ below: 0.9 }, 1)).toEqual(["a4", "a1", "a10", "a9", "a3", "a2"]);
    });

    it("filters by predicted category (the path and below it, not a longer name), score range and title text", async () => {
      await seed();
      expect(await all({ below: 0.9, category: "kitchen" }, 10)).toEqual(["a1", "a10", "a3", "a2"]);
      expect(await all({ below: 0.9, category: "kitchen > pans" }, 2)).toEqual(["a1", "a10", "a2"]);
      expect(await all({ below: 0.9, minScore: 0.3, maxScore: 0.45 }, 10)).toEqual(["a1", "a10", "a9", "a3"]);
      expect(await all({ below: 0.9, text: "PAN" }, 10)).toEqual(["a1", "a10", "a2"]);
      const f = await store.reviewQueue({ below: 0.9, category: "kitchen", text: "pan", limit: 1 });
      expect({ ids: idsOf(f), total: f.total }).toEqual({ ids: ["a1"], total: 3 });
      expect((await store.reviewQueue({ below: 0.9, text: "%", limit: 10 })).total).toBe(0);
      expect((await store.reviewQueue({ below: 0.9, category: "nothing", limit: 10 })).total).toBe(0);
    });

    it("spreads across categories: each category's most uncertain first, then each one's second", async () => {
      await seed();
      const page = await store.reviewQueue({ below: 0.9, spread: true, limit: 10 });
      expect(idsOf(page)).toEqual(["a4", "a1", "a9", "a3", "a10", "a2"]);
      expect(page.cursors.map((c) => c.rank)).toEqual([1, 1, 1, 1, 2, 3]);
      expect(await all({ below: 0.9, spread: true }, 4)).toEqual(["a4", "a1", "a9", "a3", "a10", "a2"]);
      expect(await all({ below: 0.9, spread: true }, 1)).toEqual(["a4", "a1", "a9", "a3", "a10", "a2"]);
    });

    it("a decided product leaves the queue; undoing its only correction brings it back", async () => {
      await seed();
      const c = await store.addCorrection({ productId: "a1", accept: true });
      expect(idsOf(await store.reviewQueue({ below: 0.9, limit: 10 }))).toEqual(["a4", "a10", "a9", "a3", "a2"]);
      expect(await store.deleteCorrection(c.id)).toEqual({ deleted: c });
      expect(idsOf(await store.reviewQueue({ below: 0.9, limit: 10 }))).toEqual(["a4", "a1", "a10", "a9", "a3", "a2"]);
    });

    it("undo deletes a correction and re-applies the product's latest remaining one, or none", async () => {
      await store.upsertProducts([row("x", "Thing", { predicted: pred("a") }), row("y", "Other", { category: "given" })]);
      const c1 = await store.addCorrection({ productId: "x", category: "b" });
      const c2 = await store.addCorrection({ productId: "x", category: "c" });
      const c3 = await store.addCorrection({ productId: "y", category: "d" });
      expect(await store.deleteCorrection(c2.id)).toEqual({ deleted: c2, correctedCategory: "b" });
      expect(await store.getProduct("x")).toMatchObject({ correctedCategory: "b", effectiveCategory: "b" });
      expect(await store.deleteCorrection(c2.id)).toBeUndefined();
      expect(await store.deleteCorrection(c1.id)).toEqual({ deleted: c1 });
      const x = (await store.getProduct("x"))!;
      expect(x.correctedCategory).toBeUndefined();
      expect(x.effectiveCategory).toBe("a");
      expect(await store.deleteCorrection(c3.id)).toEqual({ deleted: c3 });
      expect(await store.getProduct("y")).toMatchObject({ category: "given", effectiveCategory: "given" });
      expect(await store.deleteCorrection(999_999)).toBeUndefined();
      expect(await store.listCorrections()).toEqual([]);
      expect(await store.scanCorrectedCategories({ limit: 10 })).toEqual([]);
      expect((await store.counts()).corrections).toBe(0);
      // search facets follow the category the product has again
      expect((await store.search({ q: "thing", limit: 10, offset: 0 })).facets).toEqual([{ category: "a", count: 1 }]);
      // a new correction after an undo gets a new id
      const c4 = await store.addCorrection({ productId: "x", category: "e" });
      expect(c4.id).toBeGreaterThan(c3.id);
      expect(await store.listCorrections()).toEqual([c4]);
    });
  });
}
