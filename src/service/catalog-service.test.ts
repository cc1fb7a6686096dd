// The catalog service over the in-memory store (the SQLite store runs the same store contract; restarts over SQLite: src/store/catalog-service-sqlite.test.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleItems, sampleModels } from "../../test/fixtures/service-models.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CatalogService,
  ConfigError,
  ConflictError,
  InvalidInputError,
  LimitError,
  ModelFormatError,
  ModelNotFoundError,
  NotFoundError,
  UnavailableError,
  MemoryStore,
  type ProductInput,
} from "../index.js";

const EXAMPLES = path.resolve(import.meta.dirname, "../../examples/catalog");
let root: string;
let modelA: string;
let modelB: string;
let testItems: ProductInput[];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "assort-service-"));
  const m = await sampleModels(root, true);
  modelA = m.modelA;
  modelB = m.modelB!;
  testItems = sampleItems("test.jsonl");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dataDir: string;
/** The store outlives the service: reopening the service over it is a restart. */
let store: MemoryStore;
let service: CatalogService;
beforeEach(async () => {
  dataDir = mkdtempSync(path.join(root, "data-"));
  store = new MemoryStore();
  service = await CatalogService.open({ store, dataDir, maxBatch: 100, retrainAfter: 0 });
});
afterEach(() => service.close());

const items = (n: number): ProductInput[] => testItems.slice(0, n);

describe("CatalogService models", () => {
  it("needs an active model to classify, then classifies with its version", async () => {
    await expect(service.classify(items(1))).rejects.toThrow(UnavailableError);
    const rec = await service.registerModel(modelA, { activate: true });
    expect(rec.active).toBe(true);
    expect(rec.dir.startsWith(path.join(dataDir, "models"))).toBe(true);
    expect(service.activeModel()?.version).toBe(rec.version);
    const r = await service.classify(items(3), { topK: 2 });
    expect(r.model).toBe(rec.version);
    expect(r.results.map((x) => x.id)).toEqual(["t0001", "t0002", "t0003"]);
    expect(r.results[0]!.categories).toHaveLength(2);
    expect(r.results[0]!.categories[0]!.category).toBe("Sports & Outdoors > Camping > Tents");
    await expect(service.classify(testItems.concat(testItems))).rejects.toThrow(LimitError);
    await expect(service.classify(items(1), { topK: 0 })).rejects.toThrow(ConfigError);
    expect((await service.classify(items(1), { explain: true })).results[0]!.explanation).toBeDefined();
  });

  it("refuses a broken model and keeps the old one live; activates, rolls back", async () => {
    const a = await service.registerModel(modelA, { activate: true });
    const broken = path.join(root, `broken-${Date.now()}`);
    cpSync(modelB, broken, { recursive: true });
    writeFileSync(path.join(broken, "arrays.bin"), "garbage");
    await expect(service.registerModel(broken, { activate: true })).rejects.toBeInstanceOf(ModelFormatError);
    expect(service.activeModel()?.version).toBe(a.version);
    expect((await service.listModels()).map((m) => m.version)).toEqual([a.version]);

    const b = await service.registerModel(modelB);
    expect(b.active).toBe(false);
    await service.activateModel(b.version);
    expect((await service.classify(items(1))).model).toBe(b.version);
    expect((await service.rollback()).version).toBe(a.version);
    expect((await service.classify(items(1))).model).toBe(a.version);

    // the registered artifact of b breaks on disk: activating it is refused, a stays live
    writeFileSync(path.join(b.dir, "arrays.bin"), "garbage");
    await expect(service.activateModel(b.version)).rejects.toBeInstanceOf(ModelFormatError);
    expect((await service.classify(items(1))).model).toBe(a.version);
    await expect(service.activateModel("no-such-version")).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(service.activateModel("../../etc")).rejects.toBeInstanceOf(ConfigError);
  });

  it("swaps models under load without failing a request: each answer names the model that made it", async () => {
    const a = await service.registerModel(modelA, { activate: true });
    const b = await service.registerModel(modelB);
    const seen = new Set<string>();
    let failures = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        try {
          seen.add((await service.classify(items(5), { topK: 2 })).model);
        } catch {
          failures++;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 4; i++) await service.activateModel(i % 2 === 0 ? b.version : a.version);
    stop = true;
    await load;
    expect(failures).toBe(0);
    expect([...seen].sort()).toEqual([a.version, b.version].sort());
  });

  it("rollback without history is a conflict", async () => {
    await service.registerModel(modelA, { activate: true });
    await expect(service.rollback()).rejects.toBeInstanceOf(ConflictError);
  });

  it("loads the active model again after a restart", async () => {
    const a = await service.registerModel(modelA, { activate: true });
    await service.close();
    service = await CatalogService.open({ store, dataDir });
    expect(service.activeModel()?.version).toBe(a.version);
  });
});

describe("CatalogService products, search, feedback", () => {
  beforeEach(async () => {
    await service.registerModel(modelA, { activate: true });
  });

  it("upserts idempotently with classification and validates items", async () => {
    const noCategory = items(50).map(({ category: _c, ...rest }) => rest);
    expect(await service.upsertProducts(noCategory)).toEqual({ inserted: 50, updated: 0, unchanged: 0, classified: 50 });
    expect(await service.upsertProducts(noCategory, { classify: false })).toEqual({ inserted: 0, updated: 0, unchanged: 50, classified: 0 });
    const p = await service.getProduct("t0001");
    expect(p?.predicted).toMatchObject({ category: "Sports & Outdoors > Camping > Tents", model: service.activeModel()!.version });
    expect(p?.effectiveCategory).toBe("Sports & Outdoors > Camping > Tents");
    await expect(service.upsertProducts([{ id: "x" }, { title: "no id" }, { id: "y", title: "ok", category: 3 }])).rejects.toSatisfy(
      (e: unknown) => e instanceof InvalidInputError && e.total === 3 && e.issues.map((i) => `${i.line}:${i.field}`).join(",") === "1:title,2:id,3:category",
    );
    await expect(service.upsertProducts(testItems.concat(testItems))).rejects.toBeInstanceOf(LimitError);
    expect(await service.deleteProduct("t0001")).toBe(true);
    expect(await service.getProduct("t0001")).toBeUndefined();
    expect((await service.stats()).products).toBe(49);
  });

  it("searches with facets and the predicted-category boost", async () => {
    await service.upsertProducts(items(90));
    const r = await service.search({ q: "tent" });
    expect(r.total).toBeGreaterThan(0);
    expect(r.hits[0]!.category).toBe("Sports & Outdoors > Camping > Tents");
    expect(r.facets.reduce((s, f) => s + f.count, 0)).toBe(r.total);
    await expect(service.search({ q: "x", limit: 1000 })).rejects.toBeInstanceOf(ConfigError);
    const huge = await service.search({ q: "tent ".repeat(30_000) });
    expect(huge.total).toBe(r.total);
  });

  it("applies a correction at once: product, search facets and classify by id and title", async () => {
    await service.upsertProducts(items(10));
    const t = testItems[0]!;
    const { correction, applied } = await service.feedback({ productId: "t0001", category: "Sports & Outdoors > Camping > Sleeping Bags", user: "ann" });
    expect(applied).toBe("override");
    expect(correction).toMatchObject({ productId: "t0001", previous: "Sports & Outdoors > Camping > Tents", accepted: false });
    expect((await service.getProduct("t0001"))?.correctedCategory).toBe("Sports & Outdoors > Camping > Sleeping Bags");
    const byId = (await service.classify([{ id: "t0001", title: "anything" }], { topK: 2 })).results[0]!;
    expect(byId).toMatchObject({ corrected: true, categories: [{ category: "Sports & Outdoors > Camping > Sleeping Bags", score: 1 }, {}] });
    const byTitle = (await service.classify([{ id: "other", title: t.title }])).results[0]!;
    expect(byTitle.categories[0]!.category).toBe("Sports & Outdoors > Camping > Sleeping Bags");
    const facets = (await service.search({ q: "tent" })).facets.map((f) => f.category);
    expect(facets).toContain("Sports & Outdoors > Camping > Sleeping Bags");
    await expect(service.feedback({ productId: "nope", category: "X" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.feedback({ productId: "t0001" })).rejects.toBeInstanceOf(ConfigError);
    expect((await service.feedback({ productId: "t0002", accept: true })).correction.accepted).toBe(true);
  });

  it("serialises concurrent corrections to one product: every one stored, the product ends on one of them", async () => {
    await service.upsertProducts(items(3));
    const cats = Array.from({ length: 20 }, (_, i) => `Cat ${i}`);
    const answers = await Promise.all(cats.map((category) => service.feedback({ productId: "t0003", category })));
    expect(new Set(answers.map((a) => a.correction.id)).size).toBe(20);
    const stats = await service.stats();
    expect(stats.corrections).toBe(20);
    const last = answers.reduce((m, a) => (a.correction.id > m.correction.id ? a : m));
    expect((await service.getProduct("t0003"))?.correctedCategory).toBe(last.correction.category);
    // each correction saw the previous one's category
    const sorted = answers.map((a) => a.correction).sort((x, y) => x.id - y.id);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.previous).toBe(sorted[i - 1]!.category);
  });

  it("imports a catalog file in batches, skipping bad rows", async () => {
    const file = path.join(dataDir, "in.jsonl");
    writeFileSync(file, readFileSync(path.join(EXAMPLES, "train.jsonl"), "utf8") + '{"id": "bad"\n');
    const r = await service.importFile(file, { batchSize: 100 });
    expect(r).toMatchObject({ rows: 358, inserted: 358, updated: 0, unchanged: 0, classified: 358 });
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]!.line).toBe(359);
    const again = await service.importFile(file);
    expect(again).toMatchObject({ inserted: 0, unchanged: 358 });
    expect((await service.getProduct("p0001"))?.category).toBe("Clothing & Shoes > Shoes > Running Shoes");
  });
});
