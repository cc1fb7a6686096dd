// The search half of the CatalogStore contract (ranking, facets, category filter, all-terms with an any-term
// fallback, paging, query boosts, plain-words parsing, bounds, Chinese segmentation, updates), run inside
// catalogStoreContract against every store. Expectations hold for any BM25-like ranking.
import { beforeEach, describe, expect, it } from "vitest";
import type { CatalogStore, ProductWrite } from "../../src/index.js";
import { ids, pred, row } from "./catalog-rows.js";

/** The search cases, against the store `current` answers (a fresh one per test). */
export function searchCases(current: () => CatalogStore): void {
  let store: CatalogStore;
  beforeEach(() => {
    store = current();
  });

  describe("search", () => {
    const catalog = (): ProductWrite[] => [
      row("p1", "Samsung Galaxy S23 phone 128 GB black", { category: "phones" }),
      row("p2", "Samsung 55 inch TV QLED 4K smart", { category: "tvs" }),
      row("p3", "LG 65 inch OLED TV", { category: "tvs" }),
      row("p4", "Phone case", { description: "fits samsung galaxy", category: "accessories" }),
      row("p5", "Braided cable", { predicted: pred("cables") }),
      row("p6", "Samsung charger"),
    ];

    it("ranks title matches above description matches, with facets over every match", async () => {
      await store.upsertProducts(catalog());
      const r = await store.search({ q: "samsung", limit: 10, offset: 0 });
      expect(r.total).toBe(4);
      expect(r.hits.map((h) => h.id).sort()).toEqual(["p1", "p2", "p4", "p6"]);
      // the description match ranks last, though it is shorter than two of the title matches
      expect(r.hits[r.hits.length - 1]!.id).toBe("p4");
      for (let i = 1; i < r.hits.length; i++) expect(r.hits[i - 1]!.score).toBeGreaterThanOrEqual(r.hits[i]!.score);
      expect(r.hits.every((h) => h.score > 0)).toBe(true);
      // facets: count desc, then category; a match without a category counts in the total only
      expect(r.facets).toEqual([
        { category: "accessories", count: 1 },
        { category: "phones", count: 1 },
        { category: "tvs", count: 1 },
      ]);
      expect(r.hits.find((h) => h.id === "p1")).toMatchObject({ id: "p1", title: "Samsung Galaxy S23 phone 128 GB black", category: "phones" });
      expect(r.hits.find((h) => h.id === "p6")!.category).toBeUndefined();
    });

    it("filters by effective category while the facets still cover every category", async () => {
      await store.upsertProducts(catalog());
      const tv = await store.search({ q: "samsung", category: "tvs", limit: 10, offset: 0 });
      expect(tv.total).toBe(1);
      expect(tv.hits.map((h) => h.id)).toEqual(["p2"]);
      expect(tv.facets.map((f) => f.category)).toEqual(["accessories", "phones", "tvs"]);
      expect(await store.search({ q: "samsung", category: "nope", limit: 10, offset: 0 })).toMatchObject({ total: 0, hits: [] });
      // the effective category counts: a prediction, then a correction
      expect((await store.search({ q: "cable", category: "cables", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["p5"]);
      await store.addCorrection({ productId: "p2", category: "monitors" });
      const after = await store.search({ q: "samsung", limit: 10, offset: 0 });
      expect(after.facets).toContainEqual({ category: "monitors", count: 1 });
      expect(after.facets.find((f) => f.category === "tvs")).toBeUndefined();
      expect((await store.search({ q: "samsung", category: "monitors", limit: 10, offset: 0 })).hits).toMatchObject([{ id: "p2", category: "monitors" }]);
    });

    it("needs every term, falling back to any term when no product has them all", async () => {
      await store.upsertProducts(catalog());
      expect((await store.search({ q: "inch tv", limit: 10, offset: 0 })).hits.map((h) => h.id).sort()).toEqual(["p2", "p3"]);
      expect((await store.search({ q: "samsung tv", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["p2"]);
      const any = await store.search({ q: "oled galaxy", limit: 10, offset: 0 });
      expect(any.total).toBe(3);
      expect(any.hits.map((h) => h.id).sort()).toEqual(["p1", "p3", "p4"]);
      expect((await store.search({ q: "zzzz", limit: 10, offset: 0 })).total).toBe(0);
      // case and width do not matter
      expect((await store.search({ q: "SAMSUNG ＴＶ", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["p2"]);
    });

    it("pages with limit and offset; the total does not depend on the page", async () => {
      await store.upsertProducts(ids(12).map((id, i) => row(id, `tent ${"x ".repeat(i)}`)));
      const full = await store.search({ q: "tent", limit: 12, offset: 0 });
      expect(full.total).toBe(12);
      const paged: string[] = [];
      for (let offset = 0; offset < 12; offset += 5) {
        const page = await store.search({ q: "tent", limit: 5, offset });
        expect(page.total).toBe(12);
        paged.push(...page.hits.map((h) => h.id));
      }
      expect(paged).toEqual(full.hits.map((h) => h.id));
      expect((await store.search({ q: "tent", limit: 5, offset: 20 })).hits).toEqual([]);
      // shorter titles with the term rank higher (BM25 length normalization)
      expect(full.hits[0]!.id).toBe("p000");
      expect(full.hits[11]!.id).toBe("p011");
    });

    it("boosts hits of the predicted category of the query", async () => {
      await store.upsertProducts([row("p1", "apple apple apple", { category: "fruit" }), row("p2", "apple iphone", { category: "phones" })]);
      const plain = await store.search({ q: "apple", limit: 10, offset: 0 });
      expect(plain.hits.map((h) => h.id)).toEqual(["p1", "p2"]);
      const boosted = await store.search({ q: "apple", limit: 10, offset: 0, boostCategory: "phones", boostFactor: 10 });
      expect(boosted.hits.map((h) => h.id)).toEqual(["p2", "p1"]);
      expect(boosted.hits[0]!.score).toBeGreaterThan(plain.hits.find((h) => h.id === "p2")!.score);
      expect(boosted.total).toBe(2);
      expect(boosted.facets).toEqual(plain.facets);
      // the default factor boosts too, and a category nobody has changes nothing
      const byDefault = await store.search({ q: "apple", limit: 10, offset: 0, boostCategory: "phones" });
      expect(byDefault.hits.find((h) => h.id === "p2")!.score).toBeGreaterThan(plain.hits.find((h) => h.id === "p2")!.score);
      expect((await store.search({ q: "apple", limit: 10, offset: 0, boostCategory: "nope", boostFactor: 10 })).hits).toEqual(plain.hits);
    });

    it("treats every query as plain words, never as query syntax", async () => {
      await store.upsertProducts([row("p1", 'USB-C cable "braided" NEAR me', { category: "cables" }), row("p2", "Kettle")]);
      const odd = ['"', "NEAR(", "usb AND OR NOT", "title:usb", "*", "^usb", "(", "usb) OR (", "-usb", "'; DROP TABLE products; --", "\u0000", "%", "_", "\\", "usb:*", "usb & !cable", "<->", "$1"];
      for (const q of odd) await expect(store.search({ q, limit: 5, offset: 0 })).resolves.toMatchObject({ total: expect.any(Number) });
      expect((await store.search({ q: 'cable"', limit: 5, offset: 0 })).total).toBe(1);
      expect((await store.search({ q: "usb AND", limit: 5, offset: 0 })).total).toBe(1);
      expect((await store.search({ q: "title:usb", limit: 5, offset: 0 })).hits.map((h) => h.id)).toEqual(["p1"]);
      expect((await store.search({ q: "NOT kettle", limit: 5, offset: 0 })).hits.map((h) => h.id)).toContain("p2");
      expect((await store.counts()).products).toBe(2);
    });

    it("bounds huge queries", async () => {
      await store.upsertProducts([row("p1", "USB cable", { category: "cables" })]);
      const huge = "usb ".repeat(25_000) + Array.from({ length: 5000 }, (_, i) => `w${i}`).join(" ");
      const t = performance.now();
      const r = await store.search({ q: huge, limit: 5, offset: 0 });
      expect(performance.now() - t).toBeLessThan(5000);
      expect(r.total).toBe(1);
    });

    it("finds Chinese products through word segmentation", async () => {
      await store.upsertProducts([row("c1", "小米蓝牙耳机 Air2", { category: "earphones" }), row("c2", "华为手机 Mate60", { category: "phones" }), row("c3", "苏泊尔不粘炒锅", { category: "woks" })]);
      expect((await store.search({ q: "蓝牙耳机", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["c1"]);
      expect((await store.search({ q: "耳机", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["c1"]);
      expect((await store.search({ q: "华为", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["c2"]);
      expect((await store.search({ q: "mate60", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["c2"]);
    });

    it("lists a category without search terms, facets over the whole catalog", async () => {
      await store.upsertProducts([row("p3", "c", { category: "x" }), row("p1", "a", { category: "x" }), row("p2", "b", { category: "y" }), row("p4", "d")]);
      expect(await store.search({ q: "", category: "x", limit: 10, offset: 0 })).toMatchObject({ total: 2, hits: [{ id: "p1", category: "x" }, { id: "p3" }] });
      expect((await store.search({ q: "", category: "x", limit: 1, offset: 1 })).hits.map((h) => h.id)).toEqual(["p3"]);
      const blank = await store.search({ q: " !!! ", limit: 10, offset: 0 });
      expect(blank).toMatchObject({ total: 0, hits: [] });
      expect(blank.facets).toEqual([
        { category: "x", count: 2 },
        { category: "y", count: 1 },
      ]);
      expect((await store.search({ q: "", limit: 10, offset: 0 })).hits).toEqual([]);
    });

    it("follows updates: an old title is gone from the index, the new one is there", async () => {
      await store.upsertProducts([row("a", "Tefal pan")]);
      await store.upsertProducts([row("a", "Tefal frying pan")]);
      expect((await store.search({ q: "frying", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["a"]);
      await store.upsertProducts([row("a", "Bosch kettle")]);
      expect((await store.search({ q: "tefal", limit: 10, offset: 0 })).total).toBe(0);
      expect((await store.search({ q: "kettle", limit: 10, offset: 0 })).total).toBe(1);
    });
  });
}
