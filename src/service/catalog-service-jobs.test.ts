// Background jobs, retraining from corrections and similar items of the catalog service, over the in-memory store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleItems, sampleModels, settleJob } from "../../test/fixtures/service-models.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CatalogService, ConflictError, MemoryStore, NotFoundError, type JobRecord, type ProductInput } from "../index.js";

const EXAMPLES = path.resolve(import.meta.dirname, "../../examples/catalog");
let root: string;
let modelA: string;
let trainItems: ProductInput[];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "assort-service-jobs-"));
  ({ modelA } = await sampleModels(root));
  trainItems = sampleItems("train.jsonl");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dataDir: string;
/** The store outlives the service: reopening the service over it is a restart. */
let store: MemoryStore;
let service: CatalogService;
beforeEach(async () => {
  dataDir = mkdtempSync(path.join(root, "data-"));
  store = new MemoryStore();
  service = await CatalogService.open({ store, dataDir, maxBatch: 1000, retrainAfter: 3 });
  await service.registerModel(modelA, { activate: true });
});
afterEach(() => service.close());

const settle = (id: string): Promise<JobRecord> => settleJob(service, id, 30_000);

describe("CatalogService jobs", () => {
  it("runs a train job that registers and activates a new model", async () => {
    await service.upsertProducts(trainItems);
    const before = service.activeModel()!.version;
    const job = await service.startJob("train", { calibration: "none", seed: 5 });
    expect(job.state).toBe("queued");
    const done = await settle(job.id);
    expect(done.state).toBe("done");
    const result = done.result as { version: string; activated: boolean; rows: number };
    expect(result).toMatchObject({ activated: true, rows: 358 });
    expect(service.activeModel()!.version).toBe(result.version);
    expect(result.version).not.toBe(before);
    expect((await service.listModels()).length).toBe(2);
  });

  it("runs classify and cluster jobs and records their results", async () => {
    await service.upsertProducts(trainItems.slice(0, 120).map(({ category: _c, ...r }) => r), { classify: false });
    expect((await service.stats()).predictions).toBe(0);
    const c = await settle((await service.startJob("classify", {})).id);
    expect(c).toMatchObject({ state: "done", result: { classified: 120 } });
    expect((await service.stats()).predictions).toBe(120);
    const k = await settle((await service.startJob("cluster", { k: 3 })).id);
    expect(k).toMatchObject({ state: "done", result: { clusters: 3, products: 120 } });
    const run = await service.store.getClusterRun(k.id);
    expect(run?.assignments).toHaveLength(120);
  });

  it("marks a failing job failed with its message and keeps serving", async () => {
    const j = await settle((await service.startJob("train", {})).id); // no labelled products stored
    expect(j.state).toBe("failed");
    expect(j.error).toMatch(/empty catalog/);
    expect((await service.classify([{ id: "1", title: "tent" }])).results).toHaveLength(1);
  });

  it("cancels queued and running jobs; finished ones are a conflict", async () => {
    await service.upsertProducts(trainItems);
    const a = await service.startJob("train", { calibration: "none" });
    const b = await service.startJob("cluster", { k: 3 });
    expect((await service.cancelJob(b.id)).state).toBe("cancelled");
    expect((await service.cancelJob(a.id)).state).toBe("cancelled");
    expect((await settle(a.id)).state).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 100));
    expect((await service.getJob(b.id))!.state).toBe("cancelled");
    await expect(service.cancelJob(a.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(service.cancelJob("job-nope")).rejects.toBeInstanceOf(NotFoundError);
    expect((await service.listJobs()).map((j) => j.id)).toEqual([b.id, a.id]);
  });

  it("fails jobs left running by a dead process when it opens", async () => {
    const job = await service.store.createJob("train", {});
    await service.store.updateJob(job.id, { state: "running" });
    await service.close();
    service = await CatalogService.open({ store, dataDir });
    expect(await service.getJob(job.id)).toMatchObject({ state: "failed", error: expect.stringMatching(/stopped/) });
  });
});

describe("CatalogService corrections → retrain, similar items", () => {
  it("queues a retrain after N corrections that learns the corrected labels", async () => {
    await service.upsertProducts(trainItems);
    const before = service.activeModel()!.version;
    const ids = ["p0001", "p0002", "p0003"];
    const applied: string[] = [];
    for (const id of ids) applied.push((await service.feedback({ productId: id, category: "Clothing & Shoes > Shoes > Running Shoes" })).applied);
    expect(applied).toEqual(["recorded", "recorded", "queued"]); // they already had that category
    const job = (await service.listJobs())[0]!;
    expect(job.kind).toBe("retrain");
    const done = await settle(job.id);
    expect(done.state).toBe("done");
    expect(done.result).toMatchObject({ activated: true, validation: { holdout: 35 } });
    expect(service.activeModel()!.version).not.toBe(before);
  });

  it("answers similar items from vectors fitted at import, within the category on request", async () => {
    const file = path.join(EXAMPLES, "train.jsonl");
    await service.importFile(file);
    const r = await service.similar("p0001", { limit: 5 });
    expect(r.method).toBe("exact");
    expect(r.neighbors).toHaveLength(5);
    expect(r.neighbors.map((n) => n.id)).not.toContain("p0001");
    expect(r.neighbors[0]!.score).toBeGreaterThanOrEqual(r.neighbors[4]!.score);
    const same = await service.similar("p0001", { limit: 5, sameCategory: true });
    expect(same.neighbors.every((n) => n.category === "Clothing & Shoes > Shoes > Running Shoes")).toBe(true);
    // a product added later is embedded incrementally and found
    await service.upsertProducts([{ id: "new1", title: "On Cloudmonster men's running shoe, black" }]);
    const near = await service.similar("new1", { limit: 3 });
    expect(near.neighbors.map((n) => n.id)).toContain("p0002");
    await expect(service.similar("nope")).rejects.toBeInstanceOf(NotFoundError);
    // vectors survive a restart
    await service.close();
    service = await CatalogService.open({ store, dataDir });
    expect((await service.similar("new1", { limit: 3 })).neighbors.map((n) => n.id)).toEqual(near.neighbors.map((n) => n.id));
  });

  it("switches to the ANN index beyond exactLimit, and same-category follows corrections", async () => {
    await service.close();
    dataDir = mkdtempSync(path.join(root, "data-ann-"));
    store = new MemoryStore();
    service = await CatalogService.open({ store, dataDir, exactLimit: 100 });
    await service.importFile(path.join(EXAMPLES, "train.jsonl"));
    // The ANN index is built in the background; exact search answers until it is ready.
    let r = await service.similar("p0001", { limit: 5 });
    for (let i = 0; r.method !== "ann" && i < 200; i++) {
      expect(r.neighbors).toHaveLength(5);
      await new Promise((done) => setTimeout(done, 50));
      r = await service.similar("p0001", { limit: 5 });
    }
    expect(r.method).toBe("ann");
    expect(r.neighbors).toHaveLength(5);
    await service.feedback({ productId: "p0003", category: "Odd > One" });
    await service.feedback({ productId: "p0004", category: "Odd > One" });
    const same = await service.similar("p0003", { limit: 5, sameCategory: true });
    expect(same.neighbors.map((n) => n.id)).toEqual(["p0004"]);
  });
});
