import { describe, expect, it } from "vitest";
import { unitRows } from "../../test/support/unit-rows.js";
import { AnnIndex } from "./ann-index.js";
import { SimilarIndex } from "./similar-index.js";

describe("AnnIndex (usearch HNSW)", () => {
  it("reaches recall@10 ≥ 0.95 against exact search on 5,000 random 32-d vectors", async () => {
    const n = 5000;
    const d = 32;
    const x = unitRows(n, d, 1);
    const ids = Array.from({ length: n }, (_, i) => `p${i}`);
    const ix = new SimilarIndex(d, { exactLimit: 1_000_000, ann: { threads: 1 } });
    await ix.add(ids, x);
    await ix.useAnn();
    expect(ix.mode).toBe("ann");
    const q = unitRows(200, d, 2);
    expect(ix.recallAgainstExact(q, 10)).toBeGreaterThanOrEqual(0.95);
  });

  it("finds a stored vector first, filters, removes, and survives a bytes round trip", async () => {
    const d = 8;
    const x = unitRows(300, d, 3);
    const ids = Array.from({ length: 300 }, (_, i) => `p${i}`);
    const ann = await AnnIndex.create(d, { threads: 1 });
    ann.add(ids, x);
    const q = x.subarray(5 * d, 6 * d);
    expect(ann.search(q, 1)[0]!.id).toBe("p5");
    expect(ann.search(q, 1)[0]!.score).toBeCloseTo(1, 4);
    const even = ann.search(q, 5, { filter: (_r, id) => Number(id.slice(1)) % 2 === 0 });
    expect(even).toHaveLength(5);
    expect(even.every((h) => Number(h.id.slice(1)) % 2 === 0)).toBe(true);
    expect(ann.remove("p5")).toBe(true);
    expect(ann.search(q, 3).map((h) => h.id)).not.toContain("p5");
    expect(ann.size).toBe(299);
    const back = await AnnIndex.fromBytes(d, ann.params, await ann.toBytes(), ann.rowIds());
    expect(back.size).toBe(299);
    expect(back.search(q, 3).map((h) => h.id)).toEqual(ann.search(q, 3).map((h) => h.id));
  });

  it("rejects bad params", async () => {
    await expect(AnnIndex.create(8, { connectivity: 1 })).rejects.toThrow(/connectivity/);
  });
});
