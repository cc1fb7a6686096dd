// SQLite's FTS5 search ranks as the reference MemoryStore does (same BM25, weights, fallback and boost) on
// the example catalog: the two stores are interchangeable for the service.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore, type ProductWrite, type StoreSearch } from "../index.js";
import { SqliteStore } from "./sqlite-store.js";

const EXAMPLES = path.resolve(import.meta.dirname, "../../examples/catalog");
const dir = mkdtempSync(path.join(tmpdir(), "assort-search-"));
let sqlite: SqliteStore;
const memory = new MemoryStore();

beforeAll(async () => {
  const rows: ProductWrite[] = ["train.jsonl", "test.jsonl"].flatMap((f) =>
    readFileSync(path.join(EXAMPLES, f), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, string>)
      .map((p, i) => ({
        id: p.id!,
        title: p.title!,
        description: p.description ?? "",
        ...(p.category && i % 3 !== 0 ? { category: p.category } : {}),
        fields: p,
        hash: p.id!,
        ...(i % 3 === 0 && p.category ? { predicted: { category: p.category, score: 0.8, model: "m" } } : {}),
      })),
  );
  sqlite = SqliteStore.open(dir);
  for (const s of [sqlite, memory]) await s.upsertProducts(rows);
});
afterAll(async () => {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SQLite search and the reference MemoryStore", () => {
  const queries = ["shoe", "running shoe", "tent", "Tent 2 person", "nike", "kettle steel", "pan", "frying pan 28cm", "usb cable", "zzz nothing", "black", "men's", "bag", "phone case"];
  it.each(queries)("ranks %j alike", async (q) => {
    for (const o of [
      { limit: 20, offset: 0 },
      { limit: 5, offset: 3 },
      { limit: 20, offset: 0, boostCategory: "Clothing & Shoes > Shoes > Running Shoes" },
    ] satisfies Omit<StoreSearch, "q">[]) {
      const a = await sqlite.search({ q, ...o });
      const b = await memory.search({ q, ...o });
      expect(b.total).toBe(a.total);
      expect(b.facets).toEqual(a.facets);
      expect(b.hits.map((h) => h.id)).toEqual(a.hits.map((h) => h.id));
      b.hits.forEach((h, i) => expect(h.score).toBeCloseTo(a.hits[i]!.score, 6));
    }
    const category = (await sqlite.search({ q, limit: 1, offset: 0 })).facets[0]?.category;
    if (category) {
      const a = await sqlite.search({ q, category, limit: 20, offset: 0 });
      expect((await memory.search({ q, category, limit: 20, offset: 0 })).hits.map((h) => h.id)).toEqual(a.hits.map((h) => h.id));
    }
  });
});
