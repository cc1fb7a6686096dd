// The catalog service over SQLite, across restarts: what it kept in the database comes back (the service's
// other tests run on the in-memory store, which passes the same store contract; see src/service/).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CatalogService, readCatalogFile, train } from "../index.js";
import { SqliteStore } from "./sqlite-store.js";

const EXAMPLES = path.resolve(import.meta.dirname, "../../examples/catalog");
let root: string;
let modelA: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "assort-service-sqlite-"));
  const { products } = await readCatalogFile(path.join(EXAMPLES, "train.jsonl"), { requireLabel: true });
  modelA = path.join(root, "model-a");
  await (await train(products, { seed: 1, calibration: "none" })).save(modelA);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dataDir: string;
let service: CatalogService;
beforeEach(async () => {
  dataDir = mkdtempSync(path.join(root, "data-"));
  service = await CatalogService.open({ store: SqliteStore.open(dataDir), dataDir, retrainAfter: 0 });
});
afterEach(() => service.close());

async function restart(): Promise<void> {
  await service.close();
  service = await CatalogService.open({ store: SqliteStore.open(dataDir), dataDir });
}

describe("CatalogService over SQLite, restarted", () => {
  it("loads the active model again after a restart", async () => {
    const a = await service.registerModel(modelA, { activate: true });
    await restart();
    expect(service.activeModel()?.version).toBe(a.version);
  });

  it("fails jobs left running by a dead process when it opens", async () => {
    const job = await service.store.createJob("train", {});
    await service.store.updateJob(job.id, { state: "running" });
    await restart();
    expect(await service.getJob(job.id)).toMatchObject({ state: "failed", error: expect.stringMatching(/stopped/) });
  });

  it("keeps products, corrections and vectors: similar items and overrides answer alike after a restart", async () => {
    await service.registerModel(modelA, { activate: true });
    await service.importFile(path.join(EXAMPLES, "train.jsonl"));
    await service.upsertProducts([{ id: "new1", title: "On Cloudmonster men's running shoe, black" }]);
    await service.feedback({ productId: "p0003", category: "Odd > One" });
    await service.feedback({ productId: "p0004", category: "Odd > One" });
    const near = await service.similar("new1", { limit: 3 });
    const same = await service.similar("p0003", { limit: 5, sameCategory: true });
    expect(same.neighbors.map((n) => n.id)).toEqual(["p0004"]);
    await restart();
    expect((await service.stats()).products).toBe(359);
    expect((await service.similar("new1", { limit: 3 })).neighbors.map((n) => n.id)).toEqual(near.neighbors.map((n) => n.id));
    expect((await service.similar("p0003", { limit: 5, sameCategory: true })).neighbors.map((n) => n.id)).toEqual(["p0004"]);
    expect((await service.classify([{ id: "p0004", title: "anything" }])).results[0]).toMatchObject({ corrected: true, categories: [{ category: "Odd > One" }] });
  });
});
