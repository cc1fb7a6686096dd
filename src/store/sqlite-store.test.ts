import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { NotFoundError, type ProductWrite } from "../index.js";
import { SqliteStore, STORE_FILE } from "./sqlite-store.js";
import { SCHEMA_VERSION } from "./sqlite-schema.js";
import { matchExpression, MAX_QUERY_TERMS } from "./fts-query.js";

function row(id: string, title: string, category?: string, hash = `${id}:${title}:${category ?? ""}`): ProductWrite {
  return { id, title, description: "", ...(category ? { category } : {}), fields: { id, title, ...(category ? { category } : {}) }, hash };
}

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "assort-store-"));
  store = SqliteStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SqliteStore", () => {
  it("creates the schema in an empty directory, in WAL mode, and reopens it", async () => {
    expect(store.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    await store.close();
    store = SqliteStore.open(dir);
    expect((await store.counts()).products).toBe(0);
  });

  it("refuses a database from a newer schema version", async () => {
    await store.close();
    const db = new Database(path.join(dir, STORE_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => SqliteStore.open(dir)).toThrow(/newer than supported/);
    store = SqliteStore.open(mkdtempSync(path.join(tmpdir(), "assort-store-")));
  });

  it("upserts idempotently by id: inserted, then unchanged, then updated", async () => {
    expect(await store.upsertProducts([row("a", "Tefal pan"), row("b", "Bosch kettle")])).toEqual({ inserted: 2, updated: 0, unchanged: 0, changed: ["a", "b"], categories: [null, null] });
    expect(await store.upsertProducts([row("a", "Tefal pan"), row("b", "Bosch kettle")])).toEqual({ inserted: 0, updated: 0, unchanged: 2, changed: [], categories: [] });
    expect(await store.upsertProducts([row("a", "Tefal frying pan"), row("c", "Nike shoe")])).toEqual({ inserted: 1, updated: 1, unchanged: 0, changed: ["a", "c"], categories: [null, null] });
    const a = await store.getProduct("a");
    expect(a).toMatchObject({ id: "a", title: "Tefal frying pan", fields: { id: "a", title: "Tefal frying pan" } });
    expect((await store.counts()).products).toBe(3);
    // the old title is gone from the index, the new one is there
    expect((await store.search({ q: "frying", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["a"]);
  });

  it("stores predictions and derives the effective category: correction > given > predicted", async () => {
    await store.upsertProducts([{ ...row("a", "Tefal pan"), predicted: { category: "Pans", score: 0.9, model: "m1" } }, row("b", "kettle", "Kettles")]);
    expect((await store.getProduct("a"))?.effectiveCategory).toBe("Pans");
    expect((await store.getProduct("b"))?.effectiveCategory).toBe("Kettles");
    const c = await store.addCorrection({ productId: "a", category: "Frying Pans", user: "ann" });
    expect(c).toMatchObject({ productId: "a", category: "Frying Pans", previous: "Pans", accepted: false, user: "ann" });
    expect(await store.getProduct("a")).toMatchObject({ correctedCategory: "Frying Pans", effectiveCategory: "Frying Pans", predicted: { category: "Pans", score: 0.9, model: "m1" } });
    const accepted = await store.addCorrection({ productId: "b", accept: true });
    expect(accepted).toMatchObject({ category: "Kettles", accepted: true });
    await expect(store.addCorrection({ productId: "zz", category: "X" })).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.scanCorrectedCategories({ limit: 100 })).map((x) => [x.id, x.category])).toEqual([
      ["a", "Frying Pans"],
      ["b", "Kettles"],
    ]);
    expect((await store.listCorrections({ afterId: c.id })).map((x) => x.productId)).toEqual(["b"]);
  });

  it("deletes a product with its index entry and vectors", async () => {
    await store.upsertProducts([row("a", "Tefal pan"), row("b", "Tefal kettle")]);
    await store.putVectors("v1", [{ id: "a", vector: Float32Array.of(1, 0) }, { id: "b", vector: Float32Array.of(0, 1) }]);
    expect(await store.deleteProduct("a")).toBe(true);
    expect(await store.deleteProduct("a")).toBe(false);
    expect(await store.getProduct("a")).toBeUndefined();
    expect((await store.search({ q: "tefal", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["b"]);
    const v = await store.scanVectors("v1", { limit: 100 });
    expect(v.ids).toEqual(["b"]);
    expect(Array.from(v.data)).toEqual([0, 1]);
  });

  it("searches English with BM25 (title weighs most), facets and the category filter", async () => {
    await store.upsertProducts([
      row("1", "Samsung Galaxy S23 phone", "Phones"),
      row("2", "Samsung 55 inch TV", "TVs"),
      row("3", "LG 65 inch OLED TV", "TVs"),
      { ...row("4", "Phone case"), description: "fits samsung galaxy", category: "Accessories", fields: { id: "4" }, hash: "4" },
    ]);
    const r = await store.search({ q: "samsung", limit: 10, offset: 0 });
    expect(r.total).toBe(3);
    expect(r.hits.map((h) => h.id).slice(2)).toEqual(["4"]); // description match ranks last
    expect(r.facets).toEqual([
      { category: "Accessories", count: 1 },
      { category: "Phones", count: 1 },
      { category: "TVs", count: 1 },
    ]);
    const tv = await store.search({ q: "samsung", category: "TVs", limit: 10, offset: 0 });
    expect(tv.total).toBe(1);
    expect(tv.hits.map((h) => h.id)).toEqual(["2"]);
    expect(tv.facets.length).toBe(3);
    // every term must match; with no product having all terms, any term does
    expect((await store.search({ q: "inch tv", limit: 10, offset: 0 })).hits.map((h) => h.id).sort()).toEqual(["2", "3"]);
    expect((await store.search({ q: "oled galaxy", limit: 10, offset: 0 })).total).toBe(3);
    // paging
    expect((await store.search({ q: "samsung", limit: 1, offset: 1 })).hits.length).toBe(1);
    // boosting a category moves its hit to the top
    const boosted = await store.search({ q: "inch", limit: 10, offset: 0, boostCategory: "TVs", boostFactor: 100 });
    expect(boosted.hits.every((h) => h.category === "TVs")).toBe(true);
  });

  it("boost by predicted category changes the order", async () => {
    await store.upsertProducts([row("1", "apple apple apple", "Fruit"), row("2", "apple iphone", "Phones")]);
    const plain = await store.search({ q: "apple", limit: 10, offset: 0 });
    expect(plain.hits[0]!.id).toBe("1");
    const boosted = await store.search({ q: "apple", limit: 10, offset: 0, boostCategory: "Phones", boostFactor: 10 });
    expect(boosted.hits[0]!.id).toBe("2");
  });

  it("finds Chinese products through jieba segmentation", async () => {
    await store.upsertProducts([row("c1", "小米蓝牙耳机 Air2", "耳机"), row("c2", "华为手机 Mate60", "手机"), row("c3", "苏泊尔不粘炒锅", "炒锅")]);
    expect((await store.search({ q: "蓝牙耳机", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["c1"]);
    expect((await store.search({ q: "耳机", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["c1"]);
    expect((await store.search({ q: "华为", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["c2"]);
    expect((await store.search({ q: "mate60", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["c2"]);
  });

  it("never passes FTS syntax through and bounds huge queries", async () => {
    await store.upsertProducts([row("1", "USB-C cable \"braided\" NEAR me", "Cables")]);
    for (const q of ['"', "NEAR(", "usb AND OR NOT", "title:usb", "*", "^usb", "(", "usb) OR (", "-usb", "'; DROP TABLE products; --", "\u0000"]) {
      await expect(store.search({ q, limit: 5, offset: 0 })).resolves.toBeDefined();
    }
    expect((await store.search({ q: 'cable"', limit: 5, offset: 0 })).total).toBe(1);
    expect((await store.search({ q: "usb AND", limit: 5, offset: 0 })).total).toBe(1);
    const huge = "usb ".repeat(25_000) + Array.from({ length: 5000 }, (_, i) => `w${i}`).join(" ");
    expect(huge.length).toBeGreaterThan(100_000);
    const t = performance.now();
    const r = await store.search({ q: huge, limit: 5, offset: 0 });
    expect(performance.now() - t).toBeLessThan(1000);
    expect(r.total).toBe(1);
    const words = Array.from({ length: 500 }, (_, i) => `w${i}`).join(" ");
    expect(matchExpression(words)!.split('" "').length).toBe(MAX_QUERY_TERMS);
    expect(matchExpression('a"b')).toBe('"a" "b"');
    expect(matchExpression("!!!")).toBeUndefined();
  });

  it("lists a category without search terms", async () => {
    await store.upsertProducts([row("1", "a", "X"), row("2", "b", "X"), row("3", "c", "Y")]);
    expect(await store.search({ q: "", category: "X", limit: 10, offset: 0 })).toMatchObject({ total: 2, hits: [{ id: "1" }, { id: "2" }] });
    expect((await store.search({ q: " ", limit: 10, offset: 0 })).facets).toEqual([
      { category: "X", count: 2 },
      { category: "Y", count: 1 },
    ]);
  });

  it("keeps a model registry with an active pointer and history", async () => {
    await store.addModel({ version: "m1", dir: "/x/m1", registeredAt: "2026-01-01T00:00:00Z", labels: 3 });
    await store.addModel({ version: "m2", dir: "/x/m2", registeredAt: "2026-01-02T00:00:00Z", labels: 4, metrics: { a: 1 } });
    expect((await store.listModels()).map((m) => m.active)).toEqual([false, false]);
    await store.activateModel("m1");
    await store.activateModel("m2");
    await store.activateModel("m2");
    expect(await store.activationHistory()).toEqual(["m2", "m1"]);
    expect((await store.listModels()).map((m) => [m.version, m.active])).toEqual([
      ["m1", false],
      ["m2", true],
    ]);
    expect((await store.getModel("m2"))?.metrics).toEqual({ a: 1 });
    await expect(store.activateModel("nope")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("records jobs and fails the unfinished ones at reopen", async () => {
    const a = await store.createJob("train", { x: 1 });
    const b = await store.createJob("cluster", {});
    expect(a).toMatchObject({ kind: "train", state: "queued", params: { x: 1 } });
    await store.updateJob(a.id, { state: "running", progress: { stage: "fit", done: 1, total: 2 } });
    await store.updateJob(b.id, { state: "done", result: { k: 3 } });
    // a finished job keeps its state
    expect((await store.updateJob(b.id, { state: "cancelled" }))?.state).toBe("done");
    expect((await store.listJobs()).map((j) => j.id)).toEqual([b.id, a.id]);
    expect(await store.failUnfinishedJobs("stopped")).toBe(1);
    expect(await store.getJob(a.id)).toMatchObject({ state: "failed", error: "stopped", progress: { stage: "fit", done: 1, total: 2 } });
    expect((await store.counts()).jobs).toEqual({ done: 1, failed: 1 });
  });

  it("stores cluster runs and vectors", async () => {
    await store.saveClusterRun({ id: "r1", algorithm: "kmeans", assignments: [{ productId: "a", cluster: 0 }, { productId: "b", cluster: 1 }], clusters: [{ cluster: 0, name: "pans", size: 1 }, { cluster: 1, name: "kettles", size: 1 }] });
    expect(await store.getClusterRun()).toMatchObject({ id: "r1", algorithm: "kmeans", assignments: [{ productId: "a", cluster: 0 }, { productId: "b", cluster: 1 }] });
    await store.putVectors("v1", [{ id: "a", vector: Float32Array.of(0.5, 0.25) }]);
    await store.putVectors("v2", [{ id: "a", vector: Float32Array.of(1, 2) }]);
    await store.dropVectors("v2");
    expect((await store.scanVectors("v1", { limit: 100 })).ids).toEqual([]);
    expect(await store.scanVectors("v2", { limit: 100 })).toEqual({ ids: ["a"], categories: [undefined], dim: 2, data: Float32Array.of(1, 2) });
    await store.setMeta("k", "v");
    expect(await store.getMeta("k")).toBe("v");
  });
});
