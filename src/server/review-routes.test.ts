// The review console's routes over a real catalog service (memory store, the sample model) through
// app.inject: keys and roles, the queue and its paging, batch decisions, undo, taxonomy, and the static page.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleItems, sampleModels } from "../../test/fixtures/service-models.js";
import { CatalogService, MemoryStore } from "../index.js";
import { KeyRing } from "./api-keys.js";
import { buildServer } from "./build-server.js";
import { CONSOLE_CSP } from "./static.js";

const ADMIN = "admin-key-0123456789abcdef";
const READER = "read-key-0123456789abcdefg";
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe("review console routes", () => {
  const root = mkdtempSync(path.join(tmpdir(), "assort-review-routes-"));
  let service: CatalogService;
  let app: Awaited<ReturnType<typeof buildServer>>;
  const consoleDir = path.join(root, "console");

  beforeAll(async () => {
    const { modelA } = await sampleModels(root);
    service = await CatalogService.open({ store: new MemoryStore(), dataDir: path.join(root, "data"), offThreadWrites: false });
    await service.registerModel(modelA, { activate: true });
    // The test products without their categories: each is predicted, and the unsure ones need review.
    await service.upsertProducts(sampleItems("test.jsonl").map(({ category: _c, ...p }) => p));
    mkdirSync(path.join(consoleDir, "assets"), { recursive: true });
    writeFileSync(path.join(consoleDir, "index.html"), `<!doctype html><title>console</title><script type="module" src="/assets/app-abc123.js"></script>${" ".repeat(400)}`);
    writeFileSync(path.join(consoleDir, "assets", "app-abc123.js"), `console.log("console");\n${"// padding\n".repeat(100)}`);
    app = await buildServer({
      service,
      auth: { keys: new KeyRing().add(ADMIN, "admin").add(READER, "read") },
      review: service.reviewDesk({ minPrecision: 0.99 }),
      console: { dir: consoleDir },
    });
  }, 120_000);

  afterAll(async () => {
    await app.close();
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("whoami answers the key's role, what it may do and the review threshold", async () => {
    const none = (await app.inject({ url: "/v1/whoami" })).json();
    expect(none).toMatchObject({ role: null, canWrite: false, readAuth: false });
    // the sample model is uncalibrated: the threshold is the precision taken as a score
    expect(none.review).toEqual({ model: service.activeModel()!.version, minPrecision: 0.99, threshold: 0.99, coverage: null, calibrated: false });
    expect(none.review.threshold).toBeGreaterThan(0);
    expect((await app.inject({ url: "/v1/whoami", headers: auth(READER) })).json()).toMatchObject({ role: "read", canWrite: false });
    expect((await app.inject({ url: "/v1/whoami", headers: auth(ADMIN) })).json()).toMatchObject({ role: "admin", canWrite: true });
    expect((await app.inject({ url: "/v1/whoami", headers: auth("not-a-valid-key-at-all") })).statusCode).toBe(401);
  });

  it("pages the queue most uncertain first, with the live top-3, decision and explanation", async () => {
    const first = (await app.inject({ url: "/v1/review?limit=5" })).json();
    expect(first.total).toBeGreaterThan(5);
    expect(first.items).toHaveLength(5);
    const scores = first.items.map((i: { predicted: { score: number } }) => i.predicted.score);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    for (const s of scores) expect(s).toBeLessThan(first.threshold);
    const item = first.items[0];
    expect(item.prediction.categories.length).toBeLessThanOrEqual(3);
    expect(item.prediction.decision.needsReview).toBe(true);
    expect(item.prediction.explanation.features.length).toBeGreaterThan(0);
    const second = (await app.inject({ url: `/v1/review?limit=5&cursor=${first.next}` })).json();
    const ids = (p: { items: { id: string }[] }) => p.items.map((i) => i.id);
    expect(ids(second).some((id: string) => ids(first).includes(id))).toBe(false);
    expect(second.items[0].predicted.score).toBeGreaterThanOrEqual(scores[4]);
    const bad = await app.inject({ url: "/v1/review?cursor=bm90LWEtY3Vyc29y" });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((await app.inject({ url: "/v1/review?minScore=0.5&maxScore=0.2" })).statusCode).toBe(400);
    const slim = (await app.inject({ url: "/v1/review?limit=2&details=false&q=tefal" })).json();
    for (const i of slim.items) {
      expect(i.prediction).toBeUndefined();
      expect(i.title.toLowerCase()).toContain("tefal");
    }
  });

  it("records batch decisions for a write key only, and undoes them", async () => {
    const before = (await app.inject({ url: "/v1/review?limit=3&details=false" })).json();
    const [a, b] = before.items as { id: string; predicted: { category: string } }[];
    const items = [{ productId: a!.id, accept: true }, { productId: b!.id, category: "Home & Kitchen > Cookware > Woks" }];
    const refused = await app.inject({ method: "POST", url: "/v1/feedback/batch", headers: auth(READER), payload: { items } });
    expect(refused.statusCode).toBe(403);
    expect((await app.inject({ method: "POST", url: "/v1/feedback/batch", payload: { items } })).statusCode).toBe(401);
    const done = await app.inject({ method: "POST", url: "/v1/feedback/batch", headers: auth(ADMIN), payload: { items, user: "ana" } });
    expect(done.statusCode).toBe(200);
    const { corrections } = done.json();
    expect(corrections).toMatchObject([
      { productId: a!.id, category: a!.predicted.category, accepted: true, user: "ana" },
      { productId: b!.id, category: "Home & Kitchen > Cookware > Woks", accepted: false },
    ]);
    expect((await app.inject({ url: "/v1/review?limit=1&details=false" })).json().total).toBe(before.total - 2);
    expect((await service.getProduct(b!.id))!.correctedCategory).toBe("Home & Kitchen > Cookware > Woks");

    expect((await app.inject({ method: "DELETE", url: `/v1/feedback/${corrections[1].id}`, headers: auth(READER) })).statusCode).toBe(403);
    const undone = await app.inject({ method: "DELETE", url: `/v1/feedback/${corrections[1].id}`, headers: auth(ADMIN) });
    expect(undone.statusCode).toBe(200);
    expect(undone.json()).toMatchObject({ deleted: { id: corrections[1].id }, effectiveCategory: b!.predicted.category });
    expect((await service.getProduct(b!.id))!.correctedCategory).toBeUndefined();
    // the override is gone too: classify answers the model again
    const again = await service.classify([{ id: b!.id, title: "anything" }]);
    expect(again.results[0]!.corrected).toBeUndefined();
    const gone = await app.inject({ method: "DELETE", url: `/v1/feedback/${corrections[1].id}`, headers: auth(ADMIN) });
    expect(gone.statusCode).toBe(404);
    expect((await app.inject({ method: "DELETE", url: "/v1/feedback/abc", headers: auth(ADMIN) })).statusCode).toBe(400);
    expect((await app.inject({ method: "POST", url: "/v1/feedback/batch", headers: auth(ADMIN), payload: { items: [{ productId: "x" }] } })).statusCode).toBe(400);
    expect((await app.inject({ method: "POST", url: "/v1/feedback/batch", headers: auth(ADMIN), payload: { items: [{ productId: "no-such", accept: true }] } })).statusCode).toBe(404);
  });

  it("sums up the decisions: acceptance per suggested category and per day", async () => {
    const stats = (await app.inject({ url: "/v1/review/stats" })).json();
    // the batch test left one accepted decision (the correction was undone)
    expect(stats.decisions).toBe(1);
    expect(stats.accepted).toBe(1);
    expect(stats.categories).toHaveLength(1);
    expect(stats.categories[0]).toMatchObject({ decisions: 1, accepted: 1, acceptance: 1 });
    expect(stats.days).toEqual([{ day: new Date().toISOString().slice(0, 10), accepted: 1, corrected: 0 }]);
  });

  it("lists the latest clustering run with names, sizes and examples", async () => {
    expect((await app.inject({ url: "/v1/clusters" })).statusCode).toBe(404);
    const products = await service.store.scanIds({ limit: 6 });
    await service.store.saveClusterRun({
      id: "run-1",
      algorithm: "kmeans",
      assignments: products.map((productId, i) => ({ productId, cluster: i < 4 ? 0 : 1 })),
      clusters: [
        { cluster: 0, name: "pans", size: 4 },
        { cluster: 1, name: "tents", size: 2 },
      ],
    });
    const r = (await app.inject({ url: "/v1/clusters?examples=3" })).json();
    expect(r).toMatchObject({ id: "run-1", algorithm: "kmeans", clusters: [{ cluster: 0, name: "pans", size: 4 }, { cluster: 1, name: "tents", size: 2 }] });
    expect(r.clusters[0].examples.map((e: { id: string }) => e.id)).toEqual(products.slice(0, 3));
    expect(r.clusters[1].examples).toHaveLength(2);
    expect(typeof r.clusters[1].examples[0].title).toBe("string");
    const put = (url: string, name: unknown, key = ADMIN) => app.inject({ method: "PUT", url, headers: auth(key), payload: { name } });
    expect((await put("/v1/clusters/run-1/1/name", "Tents", READER)).statusCode).toBe(403);
    const renamed = await put("/v1/clusters/run-1/1/name", "  Tents  ");
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toEqual({ cluster: 1, name: "Tents", size: 2, named: true });
    expect((await app.inject({ url: "/v1/clusters" })).json().clusters[1].name).toBe("Tents");
    expect((await put("/v1/clusters/run-1/9/name", "x")).statusCode).toBe(404);
    expect((await put("/v1/clusters/run-1/1/name", "")).statusCode).toBe(400);
    expect((await put("/v1/clusters/run-1/1/name", "   ")).statusCode).toBe(400);
    const merge = (from: number, into: number, key = ADMIN) => app.inject({ method: "POST", url: `/v1/clusters/run-1/${from}/merge`, headers: auth(key), payload: { into } });
    expect((await merge(1, 0, READER)).statusCode).toBe(403);
    expect((await merge(1, 1)).statusCode).toBe(400);
    const merged = await merge(1, 0);
    expect(merged.json()).toEqual({ cluster: 0, name: "pans", size: 6 });
    expect((await app.inject({ url: "/v1/clusters?examples=10" })).json().clusters).toMatchObject([{ cluster: 0, size: 6 }]);
    expect((await merge(1, 0)).statusCode).toBe(404);
  });

  it("opens a cluster with its members, lists same-product groups apart, and makes a cluster a category whose members join the queue with it", async () => {
    const all = await service.store.scanProducts({ limit: 1000 });
    const open = all.filter((p) => p.correctedCategory === undefined && p.category === undefined).map((p) => p.id);
    const decided = all.find((p) => p.correctedCategory !== undefined)!.id;
    const members = [...open.slice(0, 3), decided].sort();
    await service.store.saveClusterRun({
      id: "run-2",
      algorithm: "kmeans",
      assignments: [...members.map((productId) => ({ productId, cluster: 5 })), { productId: open[3]!, cluster: 6 }],
      clusters: [
        { cluster: 5, name: "grill pans", size: 4, terms: ["grill", "pan"], x: 0.5, y: -0.25 },
        { cluster: 6, name: "other", size: 1 },
      ],
    });
    await service.store.saveClusterRun({ id: "groups-1", algorithm: "match", assignments: [{ productId: open[0]!, cluster: 0 }], clusters: [{ cluster: 0, name: "Tefal pan 28 cm", size: 1 }] });
    // the clusters page reads the latest clustering run, not the newer same-product groups
    const list = (await app.inject({ url: "/v1/clusters" })).json();
    expect(list).toMatchObject({ id: "run-2", kind: "clusters", clusters: [{ cluster: 5, name: "grill pans", terms: ["grill", "pan"], x: 0.5, y: -0.25 }, { cluster: 6 }] });
    expect((await app.inject({ url: "/v1/clusters?kind=groups" })).json()).toMatchObject({ id: "groups-1", kind: "groups", algorithm: "match", clusters: [{ cluster: 0, size: 1 }] });
    expect((await app.inject({ url: "/v1/clusters?kind=nope" })).statusCode).toBe(400);
    // one cluster, its members paged in id order
    const page1 = (await app.inject({ url: "/v1/clusters/run-2/5?limit=3" })).json();
    expect(page1).toMatchObject({ run: "run-2", cluster: 5, name: "grill pans", size: 4, next: members[2] });
    expect(page1.members.map((m: { id: string }) => m.id)).toEqual(members.slice(0, 3));
    const page2 = (await app.inject({ url: `/v1/clusters/run-2/5?limit=3&after=${encodeURIComponent(page1.next)}` })).json();
    expect(page2.members.map((m: { id: string }) => m.id)).toEqual(members.slice(3));
    expect(page2.next).toBeUndefined();
    expect((await app.inject({ url: "/v1/clusters/run-2/9" })).statusCode).toBe(404);

    const make = (body: unknown, key = ADMIN, url = "/v1/clusters/run-2/5/category") => app.inject({ method: "POST", url, headers: auth(key), payload: body as object });
    const parent = "Home & Kitchen > Cookware";
    expect((await make({ parent }, READER)).statusCode).toBe(403);
    const unknown = await make({ parent: "Nowhere > At all" });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().detail).toContain('Unknown parent category "Nowhere > At all"');
    expect((await make({ parent, name: "a > b" })).statusCode).toBe(400);
    expect((await make({ parent }, ADMIN, "/v1/clusters/run-2/9/category")).statusCode).toBe(404);
    const made = await make({ parent, name: "Grill Pans" });
    expect(made.statusCode).toBe(200);
    const path = "Home & Kitchen > Cookware > Grill Pans";
    expect(made.json()).toEqual({ path, parent, added: true, queued: 3, labelled: 0, decided: 1, suggestion: { category: path, score: 0, model: "cluster:run-2/5" } });
    // the picker finds the new path; adding it again adds nothing but queues again
    expect((await app.inject({ url: "/v1/taxonomy?q=grill pans" })).json().paths).toEqual([path]);
    expect((await make({ parent, name: "Grill Pans" })).json()).toMatchObject({ added: false, queued: 3 });
    // the undecided members head the queue with the suggestion; the decided one keeps its decision
    const queue = (await app.inject({ url: `/v1/review?limit=50&category=${encodeURIComponent(path)}&details=false` })).json();
    expect(queue.items.map((i: { id: string }) => i.id).sort()).toEqual(open.slice(0, 3).sort());
    for (const i of queue.items) expect(i.predicted).toEqual({ category: path, score: 0, model: "cluster:run-2/5" });
    expect((await service.getProduct(decided))!.effectiveCategory).not.toBe(path);
    // accepting the suggestion records the new category
    const accepted = await app.inject({ method: "POST", url: "/v1/feedback/batch", headers: auth(ADMIN), payload: { items: [{ productId: queue.items[0].id, accept: true }] } });
    expect(accepted.json().corrections[0]).toMatchObject({ productId: queue.items[0].id, category: path, accepted: true });
  });

  it("searches the model's labels for the picker", async () => {
    const r = (await app.inject({ url: "/v1/taxonomy?q=fry" })).json();
    expect(r.source).toBe("labels");
    expect(r.paths).toContain("Home & Kitchen > Cookware > Frying Pans");
    expect((await app.inject({ url: "/v1/taxonomy?q=zzzz" })).json()).toMatchObject({ total: 0, paths: [] });
  });

  it("serves the console at / with a strict CSP, gzip, ETags and immutable assets", async () => {
    const page = await app.inject({ url: "/", headers: { "accept-encoding": "gzip" } });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(page.headers["content-encoding"]).toBe("gzip");
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(gunzipSync(page.rawPayload).toString()).toContain("<title>console</title>");
    const etag = String(page.headers.etag);
    expect((await app.inject({ url: "/", headers: { "if-none-match": etag } })).statusCode).toBe(304);
    const js = await app.inject({ url: "/assets/app-abc123.js" });
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["content-encoding"]).toBeUndefined();
    expect(js.body).toContain('console.log("console")');
    expect((await app.inject({ url: "/assets/nope.js" })).statusCode).toBe(404);
    // the API is unchanged beside it
    expect((await app.inject({ url: "/v1/nope" })).headers["content-type"]).toMatch(/problem\+json/);
  });

  it("answers 503 on the review routes of a server without them, and refuses a missing console folder", async () => {
    const bare = await buildServer({ service });
    expect((await bare.inject({ url: "/v1/review" })).statusCode).toBe(503);
    expect((await bare.inject({ url: "/v1/whoami" })).json()).toMatchObject({ role: null, review: null });
    await bare.close();
    await expect(buildServer({ service, console: { dir: path.join(root, "nothing") } })).rejects.toThrow(/No built console/);
  });
});
