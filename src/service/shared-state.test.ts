// Shared state: LocalSharedState delivers changes in order, as copies, after publish returns; two catalog
// services over one store follow each other's model activations, corrections and vector changes within 1 s,
// and a third one opened late catches up from the store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleItems, sampleModels } from "../../test/fixtures/service-models.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, LocalSharedState, MemoryStore, type CorrectedCategory, type ProductInput, type ScanPage, type SharedChange } from "../index.js";

describe("LocalSharedState", () => {
  it("delivers every change to every subscriber, in order, after publish returns, each as a copy", async () => {
    const shared = new LocalSharedState();
    const a: [SharedChange, string][] = [];
    const b: [SharedChange, string][] = [];
    const offA = shared.subscribe((c, o) => a.push([c, o]));
    shared.subscribe((c, o) => b.push([c, o]));
    shared.subscribe(() => {
      throw new Error("a broken listener");
    });
    const change: SharedChange = { kind: "vectors", model: "v1", changed: ["x", "y"] };
    const sent = shared.publish("one", change);
    expect(a).toEqual([]); // not during publish: delivery is asynchronous
    await sent;
    await shared.publish("two", { kind: "model", version: "m2" });
    await new Promise((r) => setImmediate(r));
    expect(a).toEqual([
      [change, "one"],
      [{ kind: "model", version: "m2" }, "two"],
    ]);
    expect(b).toEqual(a);
    expect(a[0]![0]).not.toBe(change);
    expect(a[0]![0]).not.toBe(b[0]![0]);
    offA();
    await shared.publish("one", { kind: "override", productId: "p1" });
    await shared.close();
    await shared.publish("one", { kind: "override", productId: "p2" });
    await new Promise((r) => setImmediate(r));
    expect(a).toHaveLength(2);
    expect(b.map(([c]) => c)).toContainEqual({ kind: "override", productId: "p1" });
    expect(b.map(([c]) => c)).not.toContainEqual({ kind: "override", productId: "p2" });
  });
});

const EXAMPLES = path.resolve(import.meta.dirname, "../../examples/catalog");
let root: string;
let modelA: string;
let modelB: string;
let trainItems: ProductInput[];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "assort-shared-"));
  const m = await sampleModels(root, true);
  modelA = m.modelA;
  modelB = m.modelB!;
  trainItems = sampleItems("train.jsonl");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Waits until `check` passes (1 s: the delivery bound of a SharedState). */
async function eventually(check: () => void | Promise<void>, ms = 1000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe("CatalogService over shared state", () => {
  it("follows another process's activations, corrections and vector changes; a late starter catches up", async () => {
    // Two "processes": one store, one data directory (shared model artifacts), one shared state.
    const store = new MemoryStore();
    const shared = new LocalSharedState();
    const dataDir = mkdtempSync(path.join(root, "data-"));
    const open = (): Promise<CatalogService> => CatalogService.open({ store, dataDir, sharedState: shared, retrainAfter: 0 });
    const a = await open();
    const b = await open();
    try {
      // the live model
      const ra = await a.registerModel(modelA, { activate: true });
      await eventually(() => expect(b.activeModel()?.version).toBe(ra.version));
      expect((await b.classify([{ id: "x", title: "tent" }])).model).toBe(ra.version);
      const rb = await b.registerModel(modelB, { activate: true });
      await eventually(() => expect(a.activeModel()?.version).toBe(rb.version));
      await a.rollback();
      await eventually(() => expect(b.activeModel()?.version).toBe(ra.version));

      // products and vectors: the import fits the vector model in a; b loads it
      const file = path.join(EXAMPLES, "train.jsonl");
      await a.importFile(file);
      await eventually(async () => expect((await b.similar("p0001", { limit: 5 })).neighbors).toHaveLength(5));
      expect((await b.similar("p0001", { limit: 5 })).neighbors).toEqual((await a.similar("p0001", { limit: 5 })).neighbors);
      // a product a adds reaches b's index (a twin of p0002 is its nearest neighbour there)
      const twin = { ...trainItems[1]!, id: "twin" };
      await a.upsertProducts([twin]);
      await eventually(async () => expect((await b.similar("p0002", { limit: 1 })).neighbors.map((n) => n.id)).toEqual(["twin"]));
      // and so does its deletion
      await a.deleteProduct("twin");
      await eventually(async () => {
        const ids = (await b.similar("p0002", { limit: 1 })).neighbors.map((n) => n.id);
        expect(ids).toHaveLength(1); // the deleted twin would be dropped from the answer, leaving none
        expect(ids[0]).not.toBe("twin");
      });

      // corrections: classify by id and by title, and "same category" follow them
      await a.feedback({ productId: "p0003", category: "Odd > One" });
      await a.feedback({ productId: "p0004", category: "Odd > One" });
      await eventually(async () => expect((await b.classify([{ id: "p0003", title: "anything" }])).results[0]).toMatchObject({ corrected: true, categories: [{ category: "Odd > One" }] }));
      await eventually(async () => expect((await b.classify([{ id: "other", title: trainItems[3]!.title }])).results[0]!.categories[0]!.category).toBe("Odd > One"));
      await eventually(async () => expect((await b.similar("p0003", { limit: 5, sameCategory: true })).neighbors.map((n) => n.id)).toEqual(["p0004"]));

      // a refit in b replaces a's vectors
      const refit = await b.fitVectors();
      await eventually(async () => expect((await a.similar("p0001", { limit: 5 })).neighbors).toEqual((await b.similar("p0001", { limit: 5 })).neighbors));
      expect(refit.products).toBe(358);

      // a late starter reads everything from the store
      const c = await open();
      try {
        expect(c.activeModel()?.version).toBe(ra.version);
        expect((await c.classify([{ id: "p0004", title: "anything" }])).results[0]).toMatchObject({ corrected: true, categories: [{ category: "Odd > One" }] });
        expect((await c.similar("p0001", { limit: 5 })).neighbors).toEqual((await a.similar("p0001", { limit: 5 })).neighbors);
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
      await shared.close();
    }
  });

  it("a service that opens while another activates a model ends on that model", async () => {
    const store = new MemoryStore();
    const shared = new LocalSharedState();
    const dataDir = mkdtempSync(path.join(root, "data-"));
    const a = await CatalogService.open({ store, dataDir, sharedState: shared });
    try {
      const opening = CatalogService.open({ store, dataDir, sharedState: shared });
      const r = await a.registerModel(modelA, { activate: true });
      const b = await opening;
      try {
        await eventually(() => expect(b.activeModel()?.version).toBe(r.version));
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });

  it("applies a change published while it was catching up from the store, after catching up", async () => {
    /** Holds a service's catch-up at the override map (after it read the model registry) while `gate` is set. */
    class GatedStore extends MemoryStore {
      gate: { reached: () => void; wait: Promise<void> } | undefined;
      override async scanCorrectedCategories(o: ScanPage): Promise<CorrectedCategory[]> {
        const g = this.gate;
        if (g) {
          g.reached();
          await g.wait;
        }
        return super.scanCorrectedCategories(o);
      }
    }
    const store = new GatedStore();
    const shared = new LocalSharedState();
    const dataDir = mkdtempSync(path.join(root, "data-"));
    const a = await CatalogService.open({ store, dataDir, sharedState: shared });
    let release = (): void => {};
    const reached = new Promise<void>((r) => (store.gate = { reached: r, wait: new Promise<void>((w) => (release = w)) }));
    const opening = CatalogService.open({ store, dataDir, sharedState: shared });
    try {
      await reached; // b has found no active model and waits
      const r = await a.registerModel(modelA, { activate: true });
      await new Promise((done) => setTimeout(done, 20)); // the change reached b's subscription
      store.gate = undefined;
      release();
      const b = await opening;
      try {
        await eventually(() => expect(b.activeModel()?.version).toBe(r.version));
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});
