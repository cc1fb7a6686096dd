// GET /v1/monitoring and the drift gauges of /metrics over a real catalog service (memory store, a calibrated
// model trained on the sample catalog) through app.inject: a batch in the training mix flags nothing, a batch
// skewed to tents flags tents (there and in /metrics); product writes are logged, review look-ups are not.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES, sampleItems } from "../../test/fixtures/service-models.js";
import { CatalogService, MemoryStore, readCatalogFile, train, type ProductInput } from "../index.js";
import { KeyRing } from "./api-keys.js";
import { buildServer } from "./build-server.js";

const WRITER = "write-key-0123456789abcdef";
const TENTS = "Sports & Outdoors > Camping > Tents";

describe("monitoring routes", () => {
  const root = mkdtempSync(path.join(tmpdir(), "assort-monitoring-routes-"));
  let service: CatalogService;
  let app: Awaited<ReturnType<typeof buildServer>>;
  const trainItems = sampleItems("train.jsonl").map(({ category: _c, ...p }) => p);
  const tents = sampleItems("test.jsonl").filter((p) => p.category === TENTS);
  const skewed: ProductInput[] = Array.from({ length: 100 }, (_, i) => {
    const { category: _c, ...p } = tents[i % tents.length]!;
    return { ...p, id: `tent-${i}` };
  });

  beforeAll(async () => {
    const { products } = await readCatalogFile(path.join(EXAMPLES, "train.jsonl"), { requireLabel: true });
    const dir = path.join(root, "model");
    await (await train(products, { seed: 1 })).save(dir);
    service = await CatalogService.open({ store: new MemoryStore(), dataDir: path.join(root, "data"), offThreadWrites: false });
    await service.registerModel(dir, { activate: true });
    app = await buildServer({ service, auth: { keys: new KeyRing().add(WRITER, "write") }, review: service.reviewDesk({ minPrecision: 0.9 }),
      // Classifying the whole training set holds the loop for a while on a shared machine: no load shedding here.
      limits: { maxEventLoopDelayMs: 0, maxQueueMs: 0 },
    });
  }, 120_000);

  afterAll(async () => {
    await app.close();
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  // Two days: a run across midnight (UTC) still sees what it served.
  const monitoring = async (q = "days=2") => {
    const r = await app.inject({ url: `/v1/monitoring?${q}` });
    expect(r.statusCode).toBe(200);
    return r.json();
  };

  it("before anything is served: the training mix, no drift, every day of the window, the operating points", async () => {
    const m = await monitoring("days=7");
    expect(m).toMatchObject({ days: 7, model: service.activeModel()!.version, served: 0, threshold: 0.2, drift: null, retentionDays: 30 });
    expect(m.training).toEqual({ available: true, rows: 358, categories: 15 });
    expect(m.daily).toHaveLength(7);
    expect(m.daily[6]).toEqual({ day: new Date().toISOString().slice(0, 10), count: 0, meanScore: null });
    expect(m.coverage.calibrated).toBe(true);
    expect(m.coverage.points.map((p: { precision: number }) => p.precision)).toEqual([0.9, 0.95, 0.98, 0.99]);
    const p90 = m.coverage.points[0];
    expect(p90.threshold).toBeGreaterThan(0);
    expect(p90.heldOutCoverage).toBeGreaterThan(0);
    expect(p90.coverage).toBeNull();
  });

  it("a batch in the training mix flags nothing; a batch skewed to tents flags tents, here and in /metrics", async () => {
    const r = await app.inject({ method: "POST", url: "/v1/classify", payload: { items: trainItems, topK: 3 } });
    expect(r.statusCode, r.body).toBe(200);
    const even = await monitoring();
    expect(even.served).toBe(358);
    expect(even.drift.flagged).toEqual([]);
    expect(even.drift.psi).toBeLessThan(0.2);
    expect(even.drift.js).toBeLessThan(0.05);
    expect(even.daily).toHaveLength(2);
    expect(even.daily.reduce((n: number, d: { count: number }) => n + d.count, 0)).toBe(358);
    const today = even.daily.find((d: { count: number }) => d.count > 0);
    expect(today.meanScore).toBeGreaterThan(0);
    expect(today.meanScore).toBeLessThanOrEqual(1);
    // Coverage: the share of the served predictions at or above each reachable threshold.
    const p90 = even.coverage.points[0];
    expect(even.coverage.served).toBe(358);
    expect(p90.coverage).toBeCloseTo(p90.decided / 358, 12);
    expect(p90.decided).toBeGreaterThan(0);
    const reachable = even.coverage.points.filter((p: { threshold: number | null }) => p.threshold !== null);
    for (let i = 1; i < reachable.length; i++) expect(reachable[i].decided).toBeLessThanOrEqual(reachable[i - 1].decided);

    const r2 = await app.inject({ method: "POST", url: "/v1/classify", payload: { items: skewed } });
    expect(r2.statusCode, r2.body).toBe(200);
    const m = await monitoring();
    expect(m.served).toBe(458);
    const tent = m.drift.categories.find((c: { category: string }) => c.category === TENTS);
    expect(tent.served).toBeGreaterThanOrEqual(24 + 90);
    expect(tent.trainingShare).toBeCloseTo(24 / 358, 12);
    expect(tent.servedShare).toBeCloseTo(tent.served / 458, 12);
    expect(tent.flagged).toBe(true);
    expect(m.drift.flagged[0]).toBe(TENTS);
    expect(m.drift.categories[0].category).toBe(TENTS);
    expect(m.drift.psi).toBeGreaterThan(even.drift.psi);

    const metrics = (await app.inject({ url: "/metrics" })).body;
    expect(metrics).toContain(`assort_drift_category_flagged{category="${TENTS}"} 1`);
    expect(metrics).toMatch(new RegExp(`^assort_drift_flagged ${m.drift.flagged.length}$`, "m"));
    expect(metrics).toMatch(new RegExp(`^assort_drift_psi\\{category="${TENTS}"\\} ${tent.psi}$`, "m"));
    expect(metrics).toMatch(/^assort_drift_psi_overall \d/m);
    expect(metrics).toMatch(/^assort_drift_js_divergence \d/m);
    expect(metrics).toContain("assort_drift_threshold 0.2");
  });

  it("logs the classifications of product writes, not the review queue's look-ups", async () => {
    const before = (await monitoring()).served;
    const put = await app.inject({ method: "PUT", url: "/v1/products", headers: { authorization: `Bearer ${WRITER}` }, payload: { items: trainItems.slice(0, 5) } });
    expect(put.statusCode).toBe(200);
    expect((await monitoring()).served).toBe(before + 5);
    expect((await app.inject({ url: "/v1/review?limit=5" })).statusCode).toBe(200);
    expect((await monitoring()).served).toBe(before + 5);
    const lookup = await app.inject({ method: "POST", url: "/v1/classify", payload: { items: skewed.slice(0, 3), log: false } });
    expect(lookup.statusCode).toBe(200);
    expect((await monitoring()).served).toBe(before + 5);
  });

  it("refuses a bad window with problem+json, and the operation is in the OpenAPI document", async () => {
    for (const q of ["days=0", "days=367", "days=two"]) {
      const r = await app.inject({ url: `/v1/monitoring?${q}` });
      expect(r.statusCode).toBe(400);
      expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
    const doc = (await app.inject({ url: "/openapi.json" })).json();
    expect(doc.paths["/v1/monitoring"].get.tags).toEqual(["monitoring"]);
  });

  it("with retention 0 nothing is logged", async () => {
    const off = await CatalogService.open({ store: new MemoryStore(), dataDir: path.join(root, "data-off"), offThreadWrites: false, predictionLogDays: 0 });
    try {
      await off.registerModel(path.join(root, "model"), { activate: true });
      await off.classify(skewed);
      const m = await off.monitoring({ days: 2 });
      expect(m).toMatchObject({ served: 0, retentionDays: 0, drift: null });
    } finally {
      await off.close();
    }
  });
});
