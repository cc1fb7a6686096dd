// The real `assort serve` on a random port: every endpoint, against a store imported from examples/catalog.
import { cpSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, cli, startServer, tempDir, trainExampleModel, TRAIN, type Server } from "./server-helpers.js";

const tmp = tempDir("server");
const dataDir = path.join(tmp, "data");
const roots = path.join(tmp, "models");
let server: Server;
let modelA: string;
let modelB: string;

beforeAll(async () => {
  modelA = await trainExampleModel(path.join(roots, "a"), 1);
  modelB = await trainExampleModel(path.join(roots, "b"), 2);
  const imp = await cli(["import", "--data", TRAIN, "--data-dir", dataDir, "--model", modelA, "--json"]);
  expect(imp.code, imp.stderr).toBe(0);
  expect(JSON.parse(imp.stdout)).toMatchObject({ rows: 358, inserted: 358, classified: 358, skipped: 0 });
  server = await startServer(["--data-dir", dataDir, "--model", modelA, "--model-root", roots, "--log-level", "info"]);
}, 60_000);
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  // Requests are logged as JSON lines, and the keys that authorized them never are.
  expect(server.stderr()).toMatch(/"msg":"request completed"/);
  expect(server.stderr()).not.toContain(ADMIN_KEY);
  rmSync(tmp, { recursive: true, force: true });
});

const manifest = (dir: string) => JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as { version: string };

describe("assort serve", () => {
  it("reports health, metrics, OpenAPI and docs", async () => {
    const h = await server.call("/health");
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ ready: true, db: "open", model: manifest(modelA).version, products: 358 });
    const doc = await server.call("/openapi.json");
    expect(doc.json.openapi).toBe("3.1.0");
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(["/v1/classify", "/v1/search", "/v1/products/{id}/similar", "/v1/feedback", "/v1/jobs/{id}/cancel"]));
    const docs = await server.call("/docs");
    expect(docs.headers.get("content-security-policy")).toContain("default-src 'none'");
    await server.call("/v1/classify", { body: { items: [{ id: "m", title: "Lego set" }] } });
    const m = await server.call("/metrics");
    expect(m.headers.get("content-type")).toContain("text/plain");
    expect(m.text).toMatch(/assort_http_requests_total\{method="POST",route="\/v1\/classify",status="200"\} [1-9]/);
    expect(m.text).toContain(`assort_model_info{version="${manifest(modelA).version}"} 1`);
  });

  it("classifies by the contract: model version, top-k categories with scores, optional explanations", async () => {
    const r = await server.call("/v1/classify", { body: { items: [{ id: "x1", title: "Kids' Nike Revolution running shoe" }, { id: "x2", title: "Tefal frying pan 28 cm" }], topK: 3 } });
    expect(r.status).toBe(200);
    expect(r.json.model).toBe(manifest(modelA).version);
    expect(r.json.results.map((x: { id: string }) => x.id)).toEqual(["x1", "x2"]);
    for (const x of r.json.results) {
      expect(x.categories).toHaveLength(3);
      expect(x.categories[0].score).toBeGreaterThanOrEqual(x.categories[1].score);
    }
    expect(r.json.results[0].categories[0].category).toBe("Clothing & Shoes > Shoes > Running Shoes");
    const ex = await server.call("/v1/classify", { body: { items: [{ id: "x1", title: "Nike running shoe" }], explain: true } });
    expect(ex.json.results[0].explanation).toBeDefined();
  });

  it("stores products idempotently, reads and deletes them", async () => {
    const items = [{ id: "n1", title: "Bosch cordless drill 18V", brand: "Bosch" }, { id: "n2", title: "Philips electric kettle 1.7 l" }];
    const put = await server.call("/v1/products", { method: "PUT", body: { items }, key: ADMIN_KEY });
    expect(put.json).toEqual({ inserted: 2, updated: 0, unchanged: 0, classified: 2 });
    expect((await server.call("/v1/products", { method: "PUT", body: { items }, key: ADMIN_KEY })).json).toMatchObject({ inserted: 0, unchanged: 2 });
    const changed = await server.call("/v1/products", { method: "POST", body: { items: [{ ...items[1], title: "Philips kettle 1.7 l, steel" }] }, key: ADMIN_KEY });
    expect(changed.json).toMatchObject({ inserted: 0, updated: 1 });
    const got = await server.call("/v1/products/n1");
    expect(got.json).toMatchObject({ id: "n1", title: "Bosch cordless drill 18V" });
    expect(got.json.predicted.model).toBe(manifest(modelA).version);
    expect((await server.call("/v1/products/n2", { method: "DELETE", key: ADMIN_KEY })).status).toBe(204);
    expect((await server.call("/v1/products/n2")).status).toBe(404);
    expect((await server.call("/v1/products/n2", { method: "DELETE", key: ADMIN_KEY })).status).toBe(404);
  });

  it("searches with facets and finds similar products", async () => {
    const s = await server.call("/v1/search?q=running%20shoe&limit=5");
    expect(s.status).toBe(200);
    expect(s.json.hits.length).toBeGreaterThan(0);
    expect(s.json.hits.length).toBeLessThanOrEqual(5);
    expect(s.json.facets[0].category).toBe("Clothing & Shoes > Shoes > Running Shoes");
    const cat = encodeURIComponent("Clothing & Shoes > Shoes > Running Shoes");
    const only = await server.call(`/v1/search?q=shoe&category=${cat}`);
    expect(only.json.hits.every((h: { category?: string; predicted?: string }) => (h.category ?? h.predicted) === "Clothing & Shoes > Shoes > Running Shoes")).toBe(true);
    const sim = await server.call("/v1/products/p0001/similar?limit=5&sameCategory=true");
    expect(sim.status).toBe(200);
    expect(sim.json).toMatchObject({ id: "p0001", method: "exact" });
    expect(sim.json.neighbors).toHaveLength(5);
    expect(sim.json.neighbors.map((n: { id: string }) => n.id)).not.toContain("p0001");
    expect(sim.json.neighbors.every((n: { category?: string }) => n.category === "Clothing & Shoes > Shoes > Running Shoes")).toBe(true);
    expect((await server.call("/v1/products/nope/similar")).status).toBe(404);
  });

  it("applies a correction at once: product, and classify of the same id", async () => {
    const f = await server.call("/v1/feedback", { body: { productId: "p0001", category: "Sports & Outdoors > Fitness" }, key: ADMIN_KEY });
    expect(f.status).toBe(200);
    expect(f.json.correction).toMatchObject({ productId: "p0001", category: "Sports & Outdoors > Fitness" });
    expect((await server.call("/v1/products/p0001")).json.correctedCategory).toBe("Sports & Outdoors > Fitness");
    const c = await server.call("/v1/classify", { body: { items: [{ id: "p0001", title: "Kids' Nike Revolution 7 running shoe, size 35.5" }] } });
    expect(c.json.results[0].categories[0]).toMatchObject({ category: "Sports & Outdoors > Fitness", score: 1 });
    expect((await server.call("/v1/feedback", { body: { productId: "p0002" }, key: ADMIN_KEY })).status).toBe(400);
    expect((await server.call("/v1/feedback", { body: { productId: "nope", accept: true }, key: ADMIN_KEY })).status).toBe(404);
  });

  it("lists, registers, activates and rolls back models", async () => {
    const a = manifest(modelA).version;
    const b = manifest(modelB).version;
    expect((await server.call("/v1/models")).json).toMatchObject({ active: a });
    const copy = path.join(roots, "b-copy");
    cpSync(modelB, copy, { recursive: true });
    const reg = await server.call("/v1/models", { body: { path: copy }, key: ADMIN_KEY });
    expect(reg.status).toBe(201);
    expect(reg.json.version).toBe(b);
    expect((await server.call(`/v1/models/${b}/activate`, { method: "POST", key: ADMIN_KEY })).status).toBe(200);
    expect((await server.call("/v1/classify", { body: { items: [{ id: "q", title: "pan" }] } })).json.model).toBe(b);
    expect((await server.call("/v1/models/rollback", { method: "POST", key: ADMIN_KEY })).json.version).toBe(a);
    expect((await server.call("/v1/classify", { body: { items: [{ id: "q", title: "pan" }] } })).json.model).toBe(a);
    expect((await server.call("/v1/models/no-such-version/activate", { method: "POST", key: ADMIN_KEY })).status).toBe(404);
  });

  it("runs a background job with progress, and refuses to cancel a finished one", async () => {
    const start = await server.call("/v1/jobs", { body: { kind: "cluster", params: { k: 4 } }, key: ADMIN_KEY });
    expect(start.status).toBe(202);
    const id = start.json.id as string;
    let job = start.json;
    for (let i = 0; i < 100 && !["done", "failed", "cancelled"].includes(job.state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await server.call(`/v1/jobs/${id}`)).json;
    }
    expect(job.state, JSON.stringify(job)).toBe("done");
    expect((await server.call("/v1/jobs")).json.jobs.map((j: { id: string }) => j.id)).toContain(id);
    expect((await server.call(`/v1/jobs/${id}/cancel`, { method: "POST", key: ADMIN_KEY })).status).toBe(409);
    expect((await server.call("/v1/jobs/job-unknown")).status).toBe(404);
  });
});
