// What the in-memory store adds to the contract (test/contracts/catalog-store-memory.contract.test.ts): id
// order as SQLite's (code points, not UTF-16 units), diacritics folded as FTS5 folds them, data kept by close().
import { describe, expect, it } from "vitest";
import { compareIds, MemoryStore } from "./memory-store.js";
import type { ProductWrite } from "./catalog-store.js";

const row = (id: string, title: string): ProductWrite => ({ id, title, description: "", fields: { id, title }, hash: `${id}:${title}` });

describe("MemoryStore", () => {
  it("orders ids by code point, as SQLite orders their UTF-8 bytes", async () => {
    const ids = ["b", "a", "ab", "", "é", "z", "\uffff", "😀", "\ue000", "A"];
    const bytes = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...ids].sort(compareIds)).toEqual(bytes);
    expect(compareIds("😀", "\uffff")).toBeGreaterThan(0); // UTF-16 unit order would say less
    const store = new MemoryStore();
    await store.upsertProducts(ids.filter((id) => id !== "").map((id) => row(id, "x")));
    expect(await store.scanIds({ limit: 100 })).toEqual(bytes.filter((id) => id !== ""));
    expect(await store.scanIds({ afterId: "z", limit: 100 })).toEqual(["é", "\ue000", "\uffff", "😀"]);
  });

  it("folds Latin diacritics in text and queries, as FTS5's unicode61 tokenizer does", async () => {
    const store = new MemoryStore();
    await store.upsertProducts([row("a", "Crème brûlée torch"), row("b", "Cafe table")]);
    expect((await store.search({ q: "creme brulee", limit: 5, offset: 0 })).hits.map((h) => h.id)).toEqual(["a"]);
    expect((await store.search({ q: "café", limit: 5, offset: 0 })).hits.map((h) => h.id)).toEqual(["b"]);
  });

  it("keeps its data through close(), so a service can reopen over it", async () => {
    const store = new MemoryStore();
    await store.upsertProducts([row("a", "A")]);
    await store.close();
    expect((await store.counts()).products).toBe(1);
  });
});
