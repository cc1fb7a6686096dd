// The contract every CatalogStore honours (hono's shared router tests, in spirit): each store's test file
// calls catalogStoreContract(name, factory). Engine-neutral: ids and categories are lower-case ASCII letters
// and digits (every collation orders them alike), search expectations hold for any BM25-like ranking, and
// nothing depends on reopening (durability is each engine's own test).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError, type CatalogStore } from "../../src/index.js";
import { ids, pred, row } from "./catalog-rows.js";
import { reviewCases } from "./catalog-store-review.contract.js";
import { searchCases } from "./catalog-store-search.contract.js";
import { shopperStoreCases } from "./shopper-store.contract.js";
import { predictionLogCases } from "./prediction-log.contract.js";

/** A fresh, empty store and how to dispose of it (close it, remove its files or schema). */
export interface StoreFixture {
  store: CatalogStore;
  cleanup(): Promise<void>;
}

/** A NotFoundError (by name and code: a store may raise it from another module instance, e.g. a worker thread's revived error). */
const notFound = { name: NotFoundError.name, code: "NOT_FOUND" };

/** Reads a whole keyset scan page by page, checking each page's size. */
async function scanAll<T>(fetch: (o: { afterId?: string; limit: number }) => Promise<T[]>, idOf: (t: T) => string, limit: number): Promise<T[]> {
  const out: T[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await fetch(afterId === undefined ? { limit } : { afterId, limit });
    expect(page.length).toBeLessThanOrEqual(limit);
    out.push(...page);
    if (page.length < limit) return out;
    afterId = idOf(page[page.length - 1]!);
  }
}

/** Runs the CatalogStore contract against fresh stores from `factory`. */
export function catalogStoreContract(name: string, factory: () => Promise<StoreFixture>): void {
  describe(`CatalogStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: CatalogStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe("products", () => {
      it("upserts by id and content hash: inserted, then unchanged, then updated", async () => {
        expect(await store.upsertProducts([row("a", "Tefal pan"), row("b", "Bosch kettle")])).toEqual({ inserted: 2, updated: 0, unchanged: 0, changed: ["a", "b"], categories: [null, null] });
        expect(await store.upsertProducts([row("a", "Tefal pan"), row("b", "Bosch kettle")])).toEqual({ inserted: 0, updated: 0, unchanged: 2, changed: [], categories: [] });
        expect(await store.upsertProducts([row("a", "Tefal frying pan"), row("c", "Nike shoe")])).toEqual({ inserted: 1, updated: 1, unchanged: 0, changed: ["a", "c"], categories: [null, null] });
        // same content under another hash is an update: the hash is the identity of the content
        expect(await store.upsertProducts([row("b", "Bosch kettle", { hash: "other" })])).toMatchObject({ updated: 1, changed: ["b"] });
        expect((await store.counts()).products).toBe(3);
        expect(await store.upsertProducts([])).toEqual({ inserted: 0, updated: 0, unchanged: 0, changed: [], categories: [] });
      });

      it("stores and returns every field, the given category and the update time", async () => {
        const fields = { id: "a", title: "Tefal pan", description: "28 cm", category: "pans", brand: "Tefal", price: 29.5, tags: ["x", "y"], nested: { a: 1 } };
        await store.upsertProducts([row("a", "Tefal pan", { description: "28 cm", category: "pans", fields })]);
        const a = await store.getProduct("a");
        expect(a).toMatchObject({ id: "a", title: "Tefal pan", description: "28 cm", category: "pans", fields, effectiveCategory: "pans" });
        expect(a!.predicted).toBeUndefined();
        expect(a!.correctedCategory).toBeUndefined();
        expect(Number.isNaN(Date.parse(a!.updatedAt))).toBe(false);
        // an empty description is left out
        await store.upsertProducts([row("b", "Kettle")]);
        expect((await store.getProduct("b"))!.description).toBeUndefined();
        expect(await store.getProduct("nope")).toBeUndefined();
        // a read is a copy: changing it changes nothing stored
        a!.fields.brand = "changed";
        expect((await store.getProduct("a"))!.fields.brand).toBe("Tefal");
      });

      it("getProducts answers the products that exist, in the order asked", async () => {
        await store.upsertProducts([row("a", "A"), row("b", "B"), row("c", "C")]);
        expect((await store.getProducts(["c", "nope", "a"])).map((p) => p.id)).toEqual(["c", "a"]);
        expect(await store.getProducts([])).toEqual([]);
      });

      it("deletes a product with its search entry, vectors and scan position", async () => {
        await store.upsertProducts([row("a", "Tefal pan"), row("b", "Tefal kettle")]);
        await store.putVectors("v1", [
          { id: "a", vector: Float32Array.of(1, 0) },
          { id: "b", vector: Float32Array.of(0, 1) },
        ]);
        expect(await store.deleteProduct("a")).toBe(true);
        expect(await store.deleteProduct("a")).toBe(false);
        expect(await store.getProduct("a")).toBeUndefined();
        expect((await store.search({ q: "tefal", limit: 10, offset: 0 })).hits.map((h) => h.id)).toEqual(["b"]);
        expect(await store.scanIds({ limit: 10 })).toEqual(["b"]);
        const v = await store.scanVectors("v1", { limit: 10 });
        expect(v.ids).toEqual(["b"]);
        expect(Array.from(v.data)).toEqual([0, 1]);
        expect((await store.counts()).products).toBe(1);
        // the id can be used again
        expect((await store.upsertProducts([row("a", "Tefal pan")])).inserted).toBe(1);
      });

      it("scans products and ids in id order, page by page, without gaps or repeats", async () => {
        const all = ids(23);
        const shuffled = [...all].sort((x, y) => (x.split("").reverse().join("") < y.split("").reverse().join("") ? -1 : 1));
        await store.upsertProducts(shuffled.map((id) => row(id, `product ${id}`)));
        for (const limit of [1, 5, 23, 100]) {
          expect((await scanAll((o) => store.scanProducts(o), (p) => p.id, limit)).map((p) => p.id)).toEqual(all);
          expect(await scanAll((o) => store.scanIds(o), (id) => id, limit)).toEqual(all);
        }
        expect((await store.scanProducts({ afterId: "p020", limit: 10 })).map((p) => p.id)).toEqual(["p021", "p022"]);
        expect(await store.scanIds({ afterId: "p022", limit: 10 })).toEqual([]);
        // a scan may start after an id that is not stored
        expect(await store.scanIds({ afterId: "p0205", limit: 2 })).toEqual(["p021", "p022"]);
        const first = (await store.scanProducts({ limit: 1 }))[0]!;
        expect(first).toMatchObject({ id: "p000", title: "product p000" });
      });

      it("a scan sees rows written between its pages once, in order", async () => {
        await store.upsertProducts(ids(10).map((id) => row(id, id)));
        const page1 = await store.scanIds({ limit: 5 });
        await store.upsertProducts([row("p001x", "before the cursor"), row("p007x", "after the cursor")]);
        await store.deleteProduct("p008");
        const page2 = await store.scanIds({ afterId: page1[page1.length - 1]!, limit: 100 });
        expect([...page1, ...page2]).toEqual(["p000", "p001", "p002", "p003", "p004", "p005", "p006", "p007", "p007x", "p009"]);
      });

      it("answers content hashes and the prediction model of existing products", async () => {
        await store.upsertProducts([row("a", "A", { hash: "h1", predicted: pred("x", 0.5, "m7") }), row("b", "B", { hash: "h2" })]);
        const h = await store.productHashes(["a", "b", "nope"]);
        expect([...h.keys()].sort()).toEqual(["a", "b"]);
        expect(h.get("a")).toEqual({ hash: "h1", model: "m7" });
        expect(h.get("b")).toEqual({ hash: "h2" });
        expect((await store.productHashes([])).size).toBe(0);
      });
    });

    describe("categories and predictions", () => {
      it("derives the effective category: corrected > given > predicted", async () => {
        await store.upsertProducts([row("a", "Tefal pan", { predicted: pred("pans") }), row("b", "Kettle", { category: "kettles", predicted: pred("pans") }), row("c", "Thing")]);
        expect((await store.getProduct("a"))!.effectiveCategory).toBe("pans");
        expect((await store.getProduct("b"))!.effectiveCategory).toBe("kettles");
        expect((await store.getProduct("c"))!.effectiveCategory).toBeUndefined();
        await store.addCorrection({ productId: "b", category: "teapots" });
        await store.addCorrection({ productId: "a", category: "woks" });
        expect(await store.getProduct("b")).toMatchObject({ category: "kettles", correctedCategory: "teapots", effectiveCategory: "teapots", predicted: pred("pans") });
        // later predictions and content updates do not undo a correction
        await store.setPredictions([{ id: "a", predicted: pred("lids", 0.7, "m2") }]);
        await store.upsertProducts([row("b", "Kettle 2", { category: "jugs" })]);
        expect(await store.getProduct("a")).toMatchObject({ predicted: pred("lids", 0.7, "m2"), effectiveCategory: "woks" });
        expect(await store.getProduct("b")).toMatchObject({ category: "jugs", correctedCategory: "teapots", effectiveCategory: "teapots" });
      });

      it("stores predictions for existing products only and counts them", async () => {
        await store.upsertProducts([row("a", "A"), row("b", "B", { category: "given" })]);
        expect(await store.setPredictions([{ id: "a", predicted: pred("x") }, { id: "b", predicted: pred("y") }, { id: "nope", predicted: pred("z") }])).toBe(2);
        expect(await store.getProduct("a")).toMatchObject({ predicted: pred("x"), effectiveCategory: "x" });
        expect(await store.getProduct("b")).toMatchObject({ predicted: pred("y"), effectiveCategory: "given" });
        expect(await store.getProduct("nope")).toBeUndefined();
        expect((await store.counts()).predictions).toBe(2);
        expect(await store.setPredictions([])).toBe(0);
      });

      it("an unchanged product still takes a new prediction; an update without one keeps the old", async () => {
        await store.upsertProducts([row("a", "A", { hash: "h" })]);
        expect(await store.upsertProducts([row("a", "A", { hash: "h", predicted: pred("x", 0.8, "m3") })])).toMatchObject({ unchanged: 1 });
        expect((await store.getProduct("a"))!.predicted).toEqual(pred("x", 0.8, "m3"));
        expect((await store.productHashes(["a"])).get("a")).toEqual({ hash: "h", model: "m3" });
        await store.upsertProducts([row("a", "A changed", { hash: "h2" })]);
        expect(await store.getProduct("a")).toMatchObject({ title: "A changed", predicted: pred("x", 0.8, "m3"), effectiveCategory: "x" });
      });

      it("answers the effective category of each changed product: corrected, else given, else predicted (or the kept prediction)", async () => {
        expect(await store.upsertProducts([row("a", "A", { category: "given" }), row("b", "B", { predicted: pred("x") }), row("c", "C")])).toMatchObject({ changed: ["a", "b", "c"], categories: ["given", "x", null] });
        await store.addCorrection({ productId: "c", category: "fixed" });
        expect(await store.upsertProducts([row("b", "B2"), row("c", "C2", { predicted: pred("y") }), row("a", "A", { category: "given" })])).toMatchObject({ changed: ["b", "c"], categories: ["x", "fixed"], unchanged: 1 });
      });
    });

    searchCases(() => store);

    describe("corrections", () => {
      it("records a correction and applies it in one step", async () => {
        await store.upsertProducts([row("a", "Tefal pan", { predicted: pred("pans") }), row("b", "Kettle", { category: "kettles" })]);
        const c = await store.addCorrection({ productId: "a", category: " frying pans ", user: "ann" });
        expect(c).toMatchObject({ productId: "a", category: "frying pans", previous: "pans", accepted: false, user: "ann" });
        expect(Number.isInteger(c.id)).toBe(true);
        expect(Number.isNaN(Date.parse(c.createdAt))).toBe(false);
        expect(await store.getProduct("a")).toMatchObject({ correctedCategory: "frying pans", effectiveCategory: "frying pans", predicted: pred("pans") });
        // accepting keeps the current category; naming the current category is an acceptance too
        const accepted = await store.addCorrection({ productId: "b", accept: true });
        expect(accepted).toMatchObject({ productId: "b", category: "kettles", previous: "kettles", accepted: true });
        expect(accepted.user).toBeUndefined();
        expect((await store.addCorrection({ productId: "b", category: "kettles" })).accepted).toBe(true);
        expect((await store.counts()).corrections).toBe(3);
      });

      it("refuses an unknown product, or accepting a product without a category, and records nothing", async () => {
        await store.upsertProducts([row("a", "A")]);
        await expect(store.addCorrection({ productId: "zz", category: "x" })).rejects.toMatchObject(notFound);
        await expect(store.addCorrection({ productId: "a", accept: true })).rejects.toMatchObject(notFound);
        expect((await store.counts()).corrections).toBe(0);
        expect(await store.listCorrections()).toEqual([]);
        expect((await store.getProduct("a"))!.correctedCategory).toBeUndefined();
      });

      it("lists corrections in order after an id, and the corrected products in id order", async () => {
        await store.upsertProducts(ids(6).map((id) => row(id, `title ${id}`, { category: "old" })));
        const made = [];
        for (const id of ["p004", "p001", "p004", "p002"]) made.push(await store.addCorrection({ productId: id, category: `new ${id}` }));
        const listed = await store.listCorrections();
        expect(listed.map((c) => c.id)).toEqual(made.map((c) => c.id));
        for (let i = 1; i < listed.length; i++) expect(listed[i]!.id).toBeGreaterThan(listed[i - 1]!.id);
        expect((await store.listCorrections({ afterId: made[1]!.id })).map((c) => c.productId)).toEqual(["p004", "p002"]);
        expect((await store.listCorrections({ afterId: made[0]!.id, limit: 2 })).map((c) => c.productId)).toEqual(["p001", "p004"]);
        expect(await store.listCorrections({ afterId: made[3]!.id })).toEqual([]);
        expect(made[2]).toMatchObject({ previous: "new p004", category: "new p004", accepted: true });
        const corrected = await scanAll((o) => store.scanCorrectedCategories(o), (c) => c.id, 2);
        expect(corrected).toEqual([
          { id: "p001", title: "title p001", category: "new p001" },
          { id: "p002", title: "title p002", category: "new p002" },
          { id: "p004", title: "title p004", category: "new p004" },
        ]);
        expect(await store.scanCorrectedCategories({ afterId: "p002", limit: 10 })).toEqual([{ id: "p004", title: "title p004", category: "new p004" }]);
      });

      it("serialises concurrent corrections to one product: each sees the one before", async () => {
        await store.upsertProducts([row("a", "A", { category: "c0" })]);
        const cats = Array.from({ length: 20 }, (_, i) => `cat${i + 1}`);
        const made = await Promise.all(cats.map((category) => store.addCorrection({ productId: "a", category })));
        expect(new Set(made.map((c) => c.id)).size).toBe(20);
        const sorted = [...made].sort((x, y) => x.id - y.id);
        expect(sorted[0]!.previous).toBe("c0");
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.previous).toBe(sorted[i - 1]!.category);
        expect((await store.getProduct("a"))!.correctedCategory).toBe(sorted[19]!.category);
        expect((await store.counts()).corrections).toBe(20);
      });
    });

    reviewCases(() => store);

    describe("clusters", () => {
      it("renames a cluster of a run, keeping the others and the assignments", async () => {
        await store.upsertProducts([row("a", "A"), row("b", "B")]);
        const clusters = [
          { cluster: 0, name: "pan / tefal", size: 1 },
          { cluster: 1, name: "shoe / nike", size: 1 },
        ];
        await store.saveClusterRun({ id: "r1", algorithm: "kmeans", assignments: [{ productId: "a", cluster: 0 }, { productId: "b", cluster: 1 }], clusters });
        expect(await store.renameCluster("r1", 1, "Running shoes")).toEqual({ cluster: 1, name: "Running shoes", size: 1, named: true });
        const run = (await store.getClusterRun("r1"))!;
        expect(run.clusters).toEqual([clusters[0], { cluster: 1, name: "Running shoes", size: 1, named: true }]);
        expect(run.assignments).toEqual([{ productId: "a", cluster: 0 }, { productId: "b", cluster: 1 }]);
        expect(await store.renameCluster("r1", 7, "x")).toBeUndefined();
        expect(await store.renameCluster("nope", 0, "x")).toBeUndefined();
      });

      it("merges one cluster of a run into another: its products move and the sizes add up", async () => {
        await store.upsertProducts([row("a", "A"), row("b", "B"), row("c", "C")]);
        await store.saveClusterRun({
          id: "r1",
          algorithm: "kmeans",
          assignments: [{ productId: "a", cluster: 0 }, { productId: "b", cluster: 1 }, { productId: "c", cluster: 2 }],
          clusters: [{ cluster: 0, name: "zero", size: 1 }, { cluster: 1, name: "one", size: 1 }, { cluster: 2, name: "two", size: 1 }],
        });
        expect(await store.mergeClusters("r1", 2, 0)).toEqual({ cluster: 0, name: "zero", size: 2 });
        const run = (await store.getClusterRun("r1"))!;
        expect(run.clusters).toEqual([{ cluster: 0, name: "zero", size: 2 }, { cluster: 1, name: "one", size: 1 }]);
        expect(run.assignments).toEqual([{ productId: "a", cluster: 0 }, { productId: "b", cluster: 1 }, { productId: "c", cluster: 0 }]);
        expect(await store.mergeClusters("r1", 2, 0)).toBeUndefined();
        expect(await store.mergeClusters("r1", 1, 1)).toBeUndefined();
        expect(await store.mergeClusters("nope", 1, 0)).toBeUndefined();
        expect((await store.getClusterRun("r1"))!.clusters).toHaveLength(2);
      });

      it("saves cluster runs and reads one by id, or the latest", async () => {
        expect(await store.getClusterRun()).toBeUndefined();
        const clusters = [
          { cluster: 0, name: "pans", size: 1 },
          { cluster: 1, name: "kettles", size: 2 },
        ];
        await store.saveClusterRun({ id: "r1", algorithm: "kmeans", assignments: [{ productId: "c", cluster: 1 }, { productId: "a", cluster: 0 }, { productId: "b", cluster: 1 }], clusters });
        await new Promise((r) => setTimeout(r, 5));
        await store.saveClusterRun({ id: "r2", algorithm: "hdbscan", assignments: [{ productId: "a", cluster: -1 }], clusters: [] });
        const r1 = await store.getClusterRun("r1");
        expect(r1).toMatchObject({ id: "r1", algorithm: "kmeans", clusters });
        expect(r1!.assignments).toEqual([
          { productId: "a", cluster: 0 },
          { productId: "b", cluster: 1 },
          { productId: "c", cluster: 1 },
        ]);
        expect(Number.isNaN(Date.parse(r1!.createdAt))).toBe(false);
        expect(await store.getClusterRun()).toMatchObject({ id: "r2", algorithm: "hdbscan", clusters: [], assignments: [{ productId: "a", cluster: -1 }] });
        expect(await store.getClusterRun("nope")).toBeUndefined();
      });

      it("keeps a cluster's terms and map place through a rename, and reads the latest run of a kind (groups: match runs)", async () => {
        const c0 = { cluster: 0, name: "pan / tefal", size: 2, terms: ["pan", "tefal"], x: -0.25, y: 1.5 };
        await store.saveClusterRun({ id: "k1", algorithm: "kmeans", assignments: [{ productId: "a", cluster: 0 }, { productId: "b", cluster: 0 }], clusters: [c0] });
        await new Promise((r) => setTimeout(r, 5));
        await store.saveClusterRun({ id: "m1", algorithm: "match", assignments: [{ productId: "a", cluster: 3 }], clusters: [{ cluster: 3, name: "Tefal pan 28", size: 1 }] });
        expect(await store.renameCluster("k1", 0, "Frying pans")).toEqual({ ...c0, name: "Frying pans", named: true });
        expect((await store.getClusterRun("k1"))!.clusters).toEqual([{ ...c0, name: "Frying pans", named: true }]);
        expect((await store.getClusterRun())!.id).toBe("m1");
        expect((await store.getClusterRun(undefined, "groups"))!.id).toBe("m1");
        expect((await store.getClusterRun(undefined, "clusters"))!.id).toBe("k1");
        // by id and kind: only a run of that kind
        expect(await store.getClusterRun("m1", "clusters")).toBeUndefined();
        expect((await store.getClusterRun("k1", "clusters"))!.assignments).toHaveLength(2);
      });
    });

    describe("taxonomy additions", () => {
      it("adds a path once, lists the additions in order with parent and source", async () => {
        expect(await store.listTaxonomyPaths()).toEqual([]);
        expect(await store.addTaxonomyPath({ path: "home > cookware > woks", parent: "home > cookware", source: "cluster r1/4" })).toBe(true);
        expect(await store.addTaxonomyPath({ path: "home > lamps", parent: "home" })).toBe(true);
        expect(await store.addTaxonomyPath({ path: "home > cookware > woks", parent: "other", source: "again" })).toBe(false);
        const list = await store.listTaxonomyPaths();
        expect(list.map(({ createdAt: _c, ...a }) => a)).toEqual([
          { path: "home > cookware > woks", parent: "home > cookware", source: "cluster r1/4" },
          { path: "home > lamps", parent: "home" },
        ]);
        for (const a of list) expect(Number.isNaN(Date.parse(a.createdAt))).toBe(false);
      });
    });

    describe("jobs", () => {
      it("creates, updates, reads and lists jobs, newest first", async () => {
        const a = await store.createJob("train", { x: 1, nested: { y: [1, 2] } });
        expect(a).toMatchObject({ kind: "train", state: "queued", params: { x: 1, nested: { y: [1, 2] } }, progress: { stage: "queued", done: 0, total: 0 } });
        expect(a.id).toMatch(/\S/);
        expect(a.result).toBeUndefined();
        const b = await store.createJob("cluster", {});
        const c = await store.createJob("classify", {});
        expect(new Set([a.id, b.id, c.id]).size).toBe(3);
        const running = await store.updateJob(a.id, { state: "running", progress: { stage: "fit", done: 1, total: 2 } });
        expect(running).toMatchObject({ id: a.id, state: "running", progress: { stage: "fit", done: 1, total: 2 }, params: { x: 1 } });
        expect(await store.updateJob(b.id, { state: "done", result: { k: 3, labels: [0, 1] } })).toMatchObject({ state: "done", result: { k: 3, labels: [0, 1] } });
        expect(await store.getJob(a.id)).toEqual(running);
        expect(await store.getJob("job-nope")).toBeUndefined();
        expect(await store.updateJob("job-nope", { state: "done" })).toBeUndefined();
        expect((await store.listJobs()).map((j) => j.id)).toEqual([c.id, b.id, a.id]);
        expect((await store.listJobs({ limit: 2 })).map((j) => j.id)).toEqual([c.id, b.id]);
        expect((await store.listJobs({ state: "running" })).map((j) => j.id)).toEqual([a.id]);
        expect(await store.listJobs({ state: "failed" })).toEqual([]);
      });

      it("a finished job keeps its final state", async () => {
        const a = await store.createJob("train", {});
        await store.updateJob(a.id, { state: "done", result: { ok: true } });
        expect(await store.updateJob(a.id, { state: "cancelled", error: "late" })).toMatchObject({ state: "done", result: { ok: true } });
        expect((await store.getJob(a.id))!.error).toBeUndefined();
        const b = await store.createJob("train", {});
        await store.updateJob(b.id, { state: "failed", error: "boom" });
        expect(await store.updateJob(b.id, { progress: { stage: "late", done: 1, total: 1 } })).toMatchObject({ state: "failed", error: "boom", progress: { stage: "queued" } });
      });

      it("fails the unfinished jobs (a stopped process) and counts jobs by state", async () => {
        const a = await store.createJob("train", {});
        const b = await store.createJob("cluster", {});
        const c = await store.createJob("classify", {});
        await store.updateJob(a.id, { state: "running", progress: { stage: "fit", done: 1, total: 2 } });
        await store.updateJob(c.id, { state: "done" });
        expect(await store.failUnfinishedJobs("stopped")).toBe(2);
        expect(await store.getJob(a.id)).toMatchObject({ state: "failed", error: "stopped", progress: { stage: "fit", done: 1, total: 2 } });
        expect(await store.getJob(b.id)).toMatchObject({ state: "failed", error: "stopped" });
        expect((await store.getJob(c.id))!.state).toBe("done");
        expect(await store.failUnfinishedJobs("again")).toBe(0);
        expect((await store.counts()).jobs).toEqual({ done: 1, failed: 2 });
      });
    });

    describe("model registry", () => {
      it("registers models, activates one at a time, and keeps the activation history", async () => {
        expect(await store.listModels()).toEqual([]);
        expect(await store.activationHistory()).toEqual([]);
        const m1 = await store.addModel({ version: "m1", dir: "/x/m1", registeredAt: "2026-01-01T00:00:00.000Z", labels: 3 });
        expect(m1).toEqual({ version: "m1", dir: "/x/m1", registeredAt: "2026-01-01T00:00:00.000Z", labels: 3, active: false });
        await store.addModel({ version: "m2", dir: "/x/m2", registeredAt: "2026-01-02T00:00:00.000Z", createdAt: "2025-12-31T00:00:00.000Z", labels: 4, source: "cli", metrics: { a: 1, b: { c: [1, 2] } } });
        await store.addModel({ version: "m0", dir: "/x/m0", registeredAt: "2026-01-03T00:00:00.000Z", labels: 2 });
        expect((await store.listModels()).map((m) => [m.version, m.active])).toEqual([
          ["m1", false],
          ["m2", false],
          ["m0", false],
        ]);
        expect(await store.activateModel("m1")).toMatchObject({ version: "m1", active: true });
        expect(await store.activateModel("m2")).toMatchObject({ version: "m2", active: true });
        await store.activateModel("m2");
        await store.activateModel("m1");
        await store.activateModel("m0");
        await store.activateModel("m0");
        expect(await store.activationHistory()).toEqual(["m0", "m1", "m2", "m1"]);
        expect(await store.activationHistory(2)).toEqual(["m0", "m1"]);
        expect((await store.listModels()).filter((m) => m.active).map((m) => m.version)).toEqual(["m0"]);
        expect(await store.getModel("m2")).toEqual({
          version: "m2",
          dir: "/x/m2",
          registeredAt: "2026-01-02T00:00:00.000Z",
          createdAt: "2025-12-31T00:00:00.000Z",
          labels: 4,
          active: false,
          source: "cli",
          metrics: { a: 1, b: { c: [1, 2] } },
        });
        expect((await store.getModel("m0"))!.active).toBe(true);
        expect(await store.getModel("nope")).toBeUndefined();
        await expect(store.activateModel("nope")).rejects.toMatchObject(notFound);
        expect((await store.activationHistory())[0]).toBe("m0");
        expect((await store.counts()).models).toBe(3);
      });
    });

    describe("vectors", () => {
      it("stores vectors per model and scans them in pages with each product's category", async () => {
        const all = ids(7);
        await store.upsertProducts(all.map((id, i) => row(id, id, i % 2 === 0 ? { category: `c${i}` } : {})));
        await store.putVectors("v1", all.map((id, i) => ({ id, vector: Float32Array.of(i, i + 0.5, -i) })));
        await store.putVectors("v2", [{ id: "p000", vector: Float32Array.of(9, 9) }]);
        const pages = [];
        let afterId: string | undefined;
        for (;;) {
          const page = await store.scanVectors("v1", afterId === undefined ? { limit: 3 } : { afterId, limit: 3 });
          pages.push(page);
          if (page.ids.length < 3) break;
          afterId = page.ids[page.ids.length - 1];
        }
        expect(pages.map((p) => p.ids.length)).toEqual([3, 3, 1]);
        expect(pages.flatMap((p) => p.ids)).toEqual(all);
        expect(pages.every((p) => p.dim === 3 && p.data.length === p.ids.length * 3 && p.data instanceof Float32Array)).toBe(true);
        expect(Array.from(pages[1]!.data)).toEqual([3, 3.5, -3, 4, 4.5, -4, 5, 5.5, -5]);
        expect(pages.flatMap((p) => p.categories)).toEqual(["c0", undefined, "c2", undefined, "c4", undefined, "c6"]);
        expect(await store.scanVectors("v2", { limit: 10 })).toEqual({ ids: ["p000"], categories: ["c0"], dim: 2, data: Float32Array.of(9, 9) });
        expect(await store.scanVectors("nope", { limit: 10 })).toEqual({ ids: [], categories: [], dim: 0, data: new Float32Array(0) });
      });

      it("replaces a vector, follows category changes, and keeps a vector whose product is unknown", async () => {
        await store.upsertProducts([row("a", "A", { predicted: pred("x") })]);
        await store.putVectors("v1", [{ id: "a", vector: Float32Array.of(1, 2) }]);
        await store.putVectors("v1", [{ id: "a", vector: Float32Array.of(3, 4) }, { id: "ghost", vector: Float32Array.of(5, 6) }]);
        await store.addCorrection({ productId: "a", category: "y" });
        expect(await store.scanVectors("v1", { limit: 10 })).toEqual({ ids: ["a", "ghost"], categories: ["y", undefined], dim: 2, data: Float32Array.of(3, 4, 5, 6) });
        // a stored vector is a copy of the one written
        const v = Float32Array.of(7, 8);
        await store.putVectors("v1", [{ id: "a", vector: v }]);
        v[0] = 0;
        expect(Array.from((await store.scanVectors("v1", { limit: 1 })).data)).toEqual([7, 8]);
        // a subarray view is stored as its own values
        const big = Float32Array.of(0, 0, 1, 1, 2, 2);
        await store.putVectors("v1", [{ id: "a", vector: big.subarray(2, 4) }]);
        expect(Array.from((await store.scanVectors("v1", { limit: 1 })).data)).toEqual([1, 1]);
      });

      it("counts the vectors of a model per effective category, as scanVectors pairs them", async () => {
        await store.upsertProducts([row("a", "A", { category: "x" }), row("b", "B", { predicted: pred("x") }), row("c", "C", { category: "y" }), row("d", "D")]);
        await store.putVectors("v1", ["a", "b", "c", "d", "ghost"].map((id) => ({ id, vector: Float32Array.of(1, 0) })));
        await store.putVectors("v2", [{ id: "a", vector: Float32Array.of(1, 0) }]);
        // A correction moves a product to its corrected category; "d" (no category) and "ghost" (no product) count as none.
        await store.addCorrection({ productId: "b", category: "y" });
        const byCategory = (rows: { category: string | undefined; count: number }[]) => [...rows].sort((p, q) => String(p.category).localeCompare(String(q.category)));
        expect(byCategory(await store.countVectors("v1"))).toEqual([
          { category: undefined, count: 2 },
          { category: "x", count: 1 },
          { category: "y", count: 2 },
        ]);
        expect(await store.countVectors("v2")).toEqual([{ category: "x", count: 1 }]);
        expect(await store.countVectors("nope")).toEqual([]);
      });

      it("drops the vectors of every model but one, or of all", async () => {
        await store.putVectors("v1", [{ id: "a", vector: Float32Array.of(0.5, 0.25) }]);
        await store.putVectors("v2", [{ id: "a", vector: Float32Array.of(1, 2) }]);
        await store.putVectors("v3", [{ id: "b", vector: Float32Array.of(1, 2) }]);
        await store.dropVectors("v2");
        expect((await store.scanVectors("v1", { limit: 10 })).ids).toEqual([]);
        expect((await store.scanVectors("v3", { limit: 10 })).ids).toEqual([]);
        expect((await store.scanVectors("v2", { limit: 10 })).ids).toEqual(["a"]);
        await store.dropVectors();
        expect((await store.scanVectors("v2", { limit: 10 })).ids).toEqual([]);
      });
    });

    shopperStoreCases(() => store);
    predictionLogCases(() => store);

    describe("meta, counts, idempotency, concurrency", () => {
      it("keeps settings by key", async () => {
        expect(await store.getMeta("k")).toBeUndefined();
        await store.setMeta("k", "v");
        await store.setMeta("k", "v");
        expect(await store.getMeta("k")).toBe("v");
        await store.setMeta("k", "w");
        await store.setMeta("other", "");
        expect(await store.getMeta("k")).toBe("w");
        expect(await store.getMeta("other")).toBe("");
      });

      it("counts products, predictions, corrections, models and jobs", async () => {
        expect(await store.counts()).toEqual({ products: 0, predictions: 0, corrections: 0, models: 0, jobs: {} });
        await store.upsertProducts([row("a", "A", { predicted: pred("x") }), row("b", "B", { category: "y" })]);
        await store.addCorrection({ productId: "b", accept: true });
        await store.addModel({ version: "m1", dir: "/x", registeredAt: "2026-01-01T00:00:00.000Z", labels: 2 });
        await store.createJob("train", {});
        expect(await store.counts()).toEqual({ products: 2, predictions: 1, corrections: 1, models: 1, jobs: { queued: 1 } });
      });

      it("repeating a write changes nothing", async () => {
        const rows = ids(5).map((id) => row(id, `t ${id}`, { category: "c" }));
        await store.upsertProducts(rows);
        const before = await store.scanProducts({ limit: 10 });
        expect(await store.upsertProducts(rows)).toEqual({ inserted: 0, updated: 0, unchanged: 5, changed: [], categories: [] });
        expect(await store.scanProducts({ limit: 10 })).toEqual(before);
        await store.putVectors("v", [{ id: "p000", vector: Float32Array.of(1) }]);
        await store.putVectors("v", [{ id: "p000", vector: Float32Array.of(1) }]);
        expect((await store.scanVectors("v", { limit: 10 })).ids).toEqual(["p000"]);
        expect((await store.search({ q: "t", limit: 10, offset: 0 })).total).toBe(5);
      });

      it("loses no write under concurrent upserts, predictions, corrections and jobs", async () => {
        const batches = Array.from({ length: 8 }, (_, b) => ids(25, `b${b}x`).map((id) => row(id, `product ${id}`, { category: "c" })));
        const results = await Promise.all(batches.map((rows) => store.upsertProducts(rows)));
        expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(200);
        expect((await store.counts()).products).toBe(200);
        // the same id written concurrently with different content: one of them wins, whole
        const variants = Array.from({ length: 10 }, (_, i) => row("same", `variant ${i}`, { category: `v${i}` }));
        await Promise.all(variants.map((r) => store.upsertProducts([r])));
        const same = (await store.getProduct("same"))!;
        const i = Number(same.title.split(" ")[1]);
        expect(same.category).toBe(`v${i}`);
        expect(same.fields).toEqual(variants[i]!.fields);
        expect((await store.search({ q: "variant", limit: 10, offset: 0 })).total).toBe(1);
        // concurrent predictions, corrections and jobs on different products all land
        const targets = batches.map((b) => b[0]!.id);
        await Promise.all([
          ...targets.map((id) => store.addCorrection({ productId: id, category: `fixed ${id}` })),
          ...targets.map((id) => store.setPredictions([{ id, predicted: pred("p") }])),
          ...targets.map(() => store.createJob("classify", {})),
          ...targets.map((id) => store.putVectors("v", [{ id, vector: Float32Array.of(1, 0) }])),
        ]);
        const c = await store.counts();
        expect(c).toMatchObject({ corrections: 8, predictions: 8, jobs: { queued: 8 } });
        for (const p of await store.getProducts(targets)) expect(p).toMatchObject({ correctedCategory: `fixed ${p.id}`, predicted: pred("p") });
        expect((await store.scanVectors("v", { limit: 100 })).ids).toEqual([...targets].sort());
      });

      it("closes once; a second close does nothing", async () => {
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });
    });
  });
}
