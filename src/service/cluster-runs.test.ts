// Cluster runs as the service keeps them: terms and map places, and people's names carried to the next run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleItems, settleJob } from "../../test/fixtures/service-models.js";
import { CatalogService, MemoryStore, type JobRecord } from "../index.js";
import { carryNames, clusterRecords } from "./cluster-runs.js";

describe("clusterRecords", () => {
  it("places each cluster at the mean of its drawn members, keeps its top terms, and leaves undrawn clusters without a place", () => {
    const run = {
      labels: Int32Array.of(0, 0, 1, -1, 2),
      clusters: [
        { id: 0, label: "pan / tefal", size: 2, topTerms: [{ term: "pan", score: 3 }, { term: "tefal", score: 2 }, { term: "lid", score: 1 }], examples: [] },
        { id: 1, label: "tent", size: 1, topTerms: [{ term: "tent", score: 1 }], examples: [] },
        { id: 2, label: "lamp", size: 1, topTerms: [], examples: [] },
      ],
      // rows 0, 1, 2 and 3 (noise) drawn; row 4 (cluster 2) not
      map: { x: Float32Array.of(1, 3, -2, 9), y: Float32Array.of(0.5, 1.5, 4, 9), rows: Int32Array.of(0, 1, 2, 3), titles: [], method: "PCA" },
    };
    expect(clusterRecords(run, 2)).toEqual([
      { cluster: 0, name: "pan / tefal", size: 2, terms: ["pan", "tefal"], x: 2, y: 1 },
      { cluster: 1, name: "tent", size: 1, terms: ["tent"], x: -2, y: 4 },
      { cluster: 2, name: "lamp", size: 1, terms: [] },
    ]);
  });
});

describe("carryNames", () => {
  it("gives the clusters that kept an id the name a person gave it; automatic names do not carry", () => {
    const previous = [
      { cluster: 0, name: "Frying pans", size: 5, named: true },
      { cluster: 1, name: "tent / dome", size: 3 },
      { cluster: 4, name: "Lamps", size: 2, named: true },
    ];
    const next = [
      { cluster: 0, name: "pan / tefal", size: 6, terms: ["pan"] },
      { cluster: 1, name: "tent / pole", size: 3 },
      { cluster: 5, name: "kettle", size: 2 },
    ];
    expect(carryNames(previous, next)).toEqual({
      carried: 1,
      clusters: [
        { cluster: 0, name: "Frying pans", size: 6, terms: ["pan"], named: true },
        { cluster: 1, name: "tent / pole", size: 3 },
        { cluster: 5, name: "kettle", size: 2 },
      ],
    });
  });
});

describe("cluster jobs of the catalog service", () => {
  let root: string;
  let service: CatalogService;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "assort-cluster-runs-"));
    service = await CatalogService.open({ store: new MemoryStore(), dataDir: root, offThreadWrites: false });
    await service.upsertProducts(sampleItems("train.jsonl").slice(0, 150), { classify: false });
  });
  afterAll(async () => {
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  const settle = (id: string): Promise<JobRecord> => settleJob(service, id, 120_000);

  it("keeps the names people gave when clustering runs again (stable ids), stores terms and map places, and keeps same-product groups apart", async () => {
    const first = await settle((await service.startJob("cluster", { k: 4 })).id);
    expect(first.state).toBe("done");
    const run1 = (await service.store.getClusterRun(undefined, "clusters"))!;
    expect(run1.clusters).toHaveLength(4);
    for (const c of run1.clusters) {
      expect(c.terms!.length).toBeGreaterThan(0);
      expect(Number.isFinite(c.x) && Number.isFinite(c.y)).toBe(true);
    }
    const [a, b] = run1.clusters;
    await service.store.renameCluster(run1.id, a!.cluster, "Named by a person");
    // a same-product run in between must not be the "previous run" of the next clustering
    expect((await settle((await service.startJob("cluster", { algorithm: "match" })).id)).state).toBe("done");
    const second = await settle((await service.startJob("cluster", { k: 4 })).id);
    expect(second.result).toMatchObject({ previous: run1.id, namesCarried: 1, stability: { kept: 4, new: 0 } });
    const run2 = (await service.store.getClusterRun(undefined, "clusters"))!;
    expect(run2.id).not.toBe(run1.id);
    expect(run2.clusters.find((c) => c.cluster === a!.cluster)).toMatchObject({ name: "Named by a person", named: true, size: a!.size });
    // an automatic name is the new run's own
    expect(run2.clusters.find((c) => c.cluster === b!.cluster)!.named).toBeUndefined();
    expect(run2.assignments).toEqual(run1.assignments);
    expect((await service.store.getClusterRun(undefined, "groups"))!.algorithm).toBe("match");
  }, 120_000);
});
