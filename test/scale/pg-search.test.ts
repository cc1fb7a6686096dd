// PostgreSQL search beyond the exact bound (src/store/postgres-search.ts): with the bound lowered to a
// small catalog, several-term searches estimate total and facets from the pid sample and say so, while
// their hits (max-score scan) are exactly those of the exhaustive path, with and without a category, after
// corrections too. Skipped, with the reason, without ASSORT_TEST_PG_URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres-store.js";
import { row } from "../contracts/catalog-rows.js";
import { dropSchema, freshSchema, missing, PG_URL, pgUrl } from "../fixtures/services.js";

describe.skipIf(missing("ASSORT_TEST_PG_URL", PG_URL))("PostgreSQL search: sampled counts, exact hits", () => {
  const schema = freshSchema("pgsearch");
  let sampled: PostgresStore;
  let exact: PostgresStore;
  // Imported category by category (the sample must not follow import order): "alpha beta" in 3,000 products
  // (cats a 2,000 and b 1,000), "alpha" alone in 1,000 (c), "beta" alone in 500 (d); titles of varied length.
  const catalog = (): ReturnType<typeof row>[] => {
    const out: ReturnType<typeof row>[] = [];
    const add = (n: number, words: string, category: string): void => {
      for (let i = 0; i < n; i++) out.push(row(`${category}${String(i).padStart(5, "0")}`, `${words} ${"x ".repeat(i % 13)}k${i}`, { category }));
    };
    add(2000, "alpha beta", "a");
    add(1000, "beta alpha", "b");
    add(1000, "alpha", "c");
    add(500, "beta", "d");
    return out;
  };

  beforeAll(async () => {
    sampled = await PostgresStore.open(pgUrl(schema), { search: { exactBound: 100, sample: 1200 } });
    exact = await PostgresStore.open(pgUrl(schema), { search: { exactBound: Number.MAX_SAFE_INTEGER } });
    const rows = catalog();
    for (let i = 0; i < rows.length; i += 1000) await sampled.upsertProducts(rows.slice(i, i + 1000));
  }, 60_000);
  afterAll(async () => {
    await sampled?.close();
    await exact?.close();
    await dropSchema(schema);
  });

  it("estimates total and facets of a large intersection from the sample, and says so", async () => {
    const full = await exact.search({ q: "alpha beta", limit: 20, offset: 0 });
    expect(full).toMatchObject({ total: 3000, facets: [{ category: "a", count: 2000 }, { category: "b", count: 1000 }] });
    expect(full.totalExact).toBeUndefined();
    expect(full.facetsExact).toBeUndefined();
    const r = await sampled.search({ q: "alpha beta", limit: 20, offset: 0 });
    expect(r).toMatchObject({ totalExact: false, facetsExact: false });
    // About a third of beta's 3,500 postings are sampled: the estimates are within a few percent.
    expect(Math.abs(r.total - 3000) / 3000).toBeLessThan(0.08);
    expect(r.facets.map((f) => f.category)).toEqual(["a", "b"]);
    expect(Math.abs(r.facets[0]!.count - 2000) / 2000).toBeLessThan(0.1);
    expect(Math.abs(r.facets[1]!.count - 1000) / 1000).toBeLessThan(0.15);
    // The hits are the exhaustive ranking's, in order, with the same scores.
    expect(r.hits).toEqual(full.hits);
    expect(r.hits.length).toBe(20);
  });

  it("pages, filters by category and boosts exactly as the exhaustive path", async () => {
    for (const q of [
      { q: "alpha beta", limit: 10, offset: 190 },
      { q: "beta alpha", category: "b", limit: 15, offset: 30 },
      { q: "alpha beta", limit: 20, offset: 0, boostCategory: "b", boostFactor: 1.3 },
    ]) {
      const r = await sampled.search(q);
      const x = await exact.search(q);
      expect(r.hits).toEqual(x.hits);
      expect(r.hits.length).toBe(q.limit);
    }
    // A category nobody has: no hits (then any term, as every store does: the facets of either word, exact).
    const nope = await sampled.search({ q: "alpha beta", category: "nope", limit: 5, offset: 0 });
    expect(nope).toMatchObject({ total: 0, hits: [] });
    expect(nope.facets).toEqual((await exact.search({ q: "alpha beta", category: "nope", limit: 5, offset: 0 })).facets);
  });

  it("a correction moves the product's postings to its new category at once", async () => {
    const best = (await exact.search({ q: "alpha beta", category: "a", limit: 1, offset: 0 })).hits[0]!;
    await sampled.addCorrection({ productId: best.id, category: "e" });
    const inE = await sampled.search({ q: "alpha beta", category: "e", limit: 5, offset: 0 });
    expect(inE.hits.map((h) => h.id)).toEqual([best.id]);
    expect(inE.total).toBeGreaterThanOrEqual(1); // never below the hits found
    expect((await exact.search({ q: "alpha beta", limit: 1, offset: 0 })).facets).toContainEqual({ category: "e", count: 1 });
    expect((await sampled.search({ q: "alpha beta", category: "a", limit: 3, offset: 0 })).hits).toEqual((await exact.search({ q: "alpha beta", category: "a", limit: 3, offset: 0 })).hits);
  });

  it("keeps small intersections exact (no flags) and falls back to any term", async () => {
    const r = await sampled.search({ q: "alpha k7", limit: 10, offset: 0 });
    expect(r.totalExact).toBeUndefined();
    expect(r.total).toBe((await exact.search({ q: "alpha k7", limit: 10, offset: 0 })).total);
    // No product holds both: every product with either, counted exactly (two disjoint terms).
    const any = await sampled.search({ q: "k1999 k999", limit: 10, offset: 0 });
    expect(any.totalExact).toBeUndefined();
    expect(any.total).toBe(4);
    expect(any.hits.map((h) => h.id).sort()).toEqual(["a00999", "a01999", "b00999", "c00999"]);
  });
});
