// The HTTP layer against a fake service (app.inject, no sockets): validation, errors, keys, limits, docs.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ModelNotFoundError, NotFoundError } from "../index.js";
import { KeyRing, parseKeysFile } from "./api-keys.js";
import { buildServer, type ServerOptions } from "./build-server.js";
import type { CatalogServicePort } from "./service-port.js";

const ADMIN = "admin-key-0123456789abcdef";
const WRITER = "write-key-0123456789abcdef";
const READER = "read-key-0123456789abcdefg";

function fakeService(over: Partial<CatalogServicePort> = {}): CatalogServicePort & { calls: string[] } {
  const calls: string[] = [];
  const products = new Map<string, object>();
  return {
    calls,
    registerModel: async (dir) => (calls.push(`register ${dir}`), { version: "m2" }),
    listModels: () => [{ version: "m1", active: true }],
    activeModel: () => ({ version: "m1" }),
    activateModel: async (v) => {
      if (v !== "m1") throw new ModelNotFoundError(v);
      return { version: v };
    },
    rollback: async () => ({ version: "m0" }),
    upsertProducts: async (items) => {
      for (const i of items) products.set(String(i.id), i);
      return { inserted: items.length, updated: 0, unchanged: 0, classified: items.length };
    },
    getProduct: (id) => products.get(id),
    deleteProduct: (id) => products.delete(id),
    classify: (items, o) => ({ model: "m1", results: items.map((i) => ({ id: String(i.id), categories: [{ category: "Pans", score: 0.9 }].slice(0, o?.topK ?? 1) })) }),
    search: (q) => (calls.push(`search ${JSON.stringify(q)}`), { total: 0, hits: [], facets: [] }),
    similar: (id) => {
      throw new NotFoundError("product", id);
    },
    feedback: async (f) => ({ correction: f, applied: "override" }),
    startJob: (kind) => ({ id: "j1", kind, state: "queued" }),
    getJob: () => undefined,
    listJobs: () => [],
    cancelJob: (id) => ({ id, kind: "train", state: "cancelled" }),
    stats: () => ({ products: products.size }),
    close: async () => undefined,
    ...over,
  };
}

const keys = new KeyRing().add(ADMIN, "admin").add(WRITER, "write").add(READER, "read");
const make = (o: Partial<ServerOptions> = {}) => buildServer({ service: fakeService(), auth: { keys }, ...o });
const auth = (k: string) => ({ authorization: `Bearer ${k}` });

describe("buildServer", () => {
  it("classifies with the contract's shape and validates the body", async () => {
    const app = await make();
    const ok = await app.inject({ method: "POST", url: "/v1/classify", payload: { items: [{ id: "a", title: "pan" }], topK: 1 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ model: "m1", results: [{ id: "a", categories: [{ category: "Pans", score: 0.9 }] }] });
    // The compiled serializer keeps every field the service returns (decision, explanation, corrected, others).
    const rich = { id: "a", categories: [{ category: "Pans", score: 1 }], decision: { category: null, status: "abstain", needsReview: true }, explanation: { terms: [{ term: "pan", weight: 0.5 }] }, corrected: true as const, note: "kept" };
    const full = await buildServer({ service: fakeService({ classify: () => ({ model: "m1", results: [rich] }) }) });
    expect((await full.inject({ method: "POST", url: "/v1/classify", payload: { items: [{ id: "a", title: "pan" }] } })).json()).toEqual({ model: "m1", results: [rich] });
    const bad = await app.inject({ method: "POST", url: "/v1/classify", payload: { items: [{ id: "a", title: 5 }], topK: "x" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const p = bad.json();
    expect(p).toMatchObject({ status: 400, title: "Bad Request", instance: "/v1/classify" });
    expect(p.errors.map((e: { path: string }) => e.path).sort()).toEqual(["body.items.0.title", "body.topK"]);
  });

  it("answers malformed JSON 400, a wrong content type 415, a large body 413, too many items 413", async () => {
    const app = await make({ limits: { bodyLimit: 1000, maxItems: 3 } });
    const post = (payload: string, type = "application/json") => app.inject({ method: "POST", url: "/v1/classify", payload, headers: { "content-type": type } });
    const malformed = await post('{"items": [');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().detail).not.toMatch(/ at /);
    expect((await post("items", "text/plain")).statusCode).toBe(415);
    expect((await post(JSON.stringify({ items: [{ id: "a", title: "x".repeat(2000) }] }))).statusCode).toBe(413);
    const many = await post(JSON.stringify({ items: [1, 2, 3, 4].map((i) => ({ id: String(i), title: "t" })) }));
    expect(many.statusCode).toBe(413);
    expect(many.json().detail).toContain("the limit is 3");
  });

  it("needs a write key for writes and an admin key for models; reads are open unless readAuth", async () => {
    const app = await make();
    const put = (headers: Record<string, string>) => app.inject({ method: "PUT", url: "/v1/products", headers, payload: { items: [{ id: "p1", title: "Pan" }] } });
    const none = await put({});
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toContain("Bearer");
    expect((await put(auth("wrong-key-0123456789abcdef"))).statusCode).toBe(401);
    expect((await put(auth(READER))).statusCode).toBe(403);
    expect((await put(auth(WRITER))).json()).toEqual({ inserted: 1, updated: 0, unchanged: 0, classified: 1 });
    expect((await app.inject({ url: "/v1/products/p1" })).json()).toEqual({ id: "p1", title: "Pan" });
    expect((await app.inject({ method: "POST", url: "/v1/models/m1/activate", headers: auth(WRITER) })).statusCode).toBe(403);
    expect((await app.inject({ method: "POST", url: "/v1/models/m1/activate", headers: auth(ADMIN) })).statusCode).toBe(200);
    const keyed = await make({ auth: { keys, readAuth: true } });
    expect((await keyed.inject({ url: "/v1/models" })).statusCode).toBe(401);
    expect((await keyed.inject({ url: "/v1/models", headers: auth(READER) })).json()).toEqual({ active: "m1", models: [{ version: "m1", active: true }] });
  });

  it("maps typed errors to statuses and hides internal ones", async () => {
    const app = await make({ service: fakeService({ search: () => { throw new Error("secret /etc/path at line 3"); } }) });
    const unknown = await app.inject({ method: "POST", url: "/v1/models/v9/activate", headers: auth(ADMIN) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toContain("v9");
    const traversal = await app.inject({ method: "POST", url: "/v1/models/..%2F..%2Fetc/activate", headers: auth(ADMIN) });
    expect(traversal.statusCode).toBe(400);
    expect((await app.inject({ url: "/v1/products/nope/similar" })).statusCode).toBe(404);
    const boom = await app.inject({ url: "/v1/search?q=pan" });
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain("secret");
    expect(boom.json().detail).toMatch(/request id/);
    expect((await app.inject({ url: "/v1/search?q=" + "a".repeat(1001) })).statusCode).toBe(400);
    expect((await app.inject({ url: "/v1/nothing" })).statusCode).toBe(404);
  });

  it("passes plain query text through, coerced and defaulted", async () => {
    const service = fakeService();
    const app = await buildServer({ service });
    const q = 'NEAR( "a* OR b^:c';
    expect((await app.inject({ url: `/v1/search?q=${encodeURIComponent(q)}&limit=5` })).statusCode).toBe(200);
    expect(service.calls).toEqual([`search ${JSON.stringify({ q, limit: 5, offset: 0 })}`]);
  });

  it("rate-limits per key with 429 and Retry-After, and sheds load with 503 past the in-flight limit", async () => {
    const app = await make({ limits: { rateLimit: { max: 2, windowMs: 60_000 } } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await app.inject({ url: "/v1/models" })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const limited = await app.inject({ url: "/v1/models" });
    // A token bucket of 2 per minute: the next request fits in 30 s.
    expect(limited.headers["retry-after"]).toBe("30");
    expect(limited.headers["content-type"]).toMatch(/problem\+json/);
    expect(limited.json()).toMatchObject({ status: 429, detail: "Rate limit reached: 2 requests per 60 s; retry in 30 s", instance: "/v1/models" });
    expect([limited.headers["ratelimit-limit"], limited.headers["ratelimit-remaining"]]).toEqual(["2", "0"]);
    expect((await app.inject({ url: "/v1/models", headers: auth(READER) })).statusCode).toBe(200);
    expect((await app.inject({ url: "/health" })).statusCode).toBe(200);

    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = await buildServer({ service: fakeService({ search: async () => (await gate, { total: 0, hits: [], facets: [] }) }), limits: { maxInFlight: 1 } });
    const first = slow.inject({ url: "/v1/search?q=a" });
    await new Promise((r) => setTimeout(r, 20));
    const shed = await slow.inject({ url: "/v1/search?q=b" });
    expect(shed.statusCode).toBe(503);
    expect(shed.headers["retry-after"]).toBe("1");
    release();
    expect((await first).statusCode).toBe(200);
    expect((await slow.inject({ url: "/v1/search?q=c" })).statusCode).toBe(200);
    await slow.close();
  });

  it("sheds load with 503 while the event loop lags, and recovers", async () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const app = await buildServer({ service: fakeService({ search: () => (busy(400), { total: 0, hits: [], facets: [] }) }), limits: { maxEventLoopDelayMs: 150 } });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(120);
    expect((await app.inject({ url: "/v1/search?q=a" })).statusCode).toBe(200);
    await sleep(5);
    const shed = await app.inject({ url: "/v1/models" });
    expect(shed.statusCode).toBe(503);
    expect(shed.json().detail).toMatch(/event loop \d+ ms behind/);
    expect((await app.inject({ url: "/health" })).statusCode).toBe(200);
    await sleep(200);
    expect((await app.inject({ url: "/v1/models" })).statusCode).toBe(200);
    await app.close();
  });

  it("serves OpenAPI from the validation schemas, a docs page with a CSP, health and metrics", async () => {
    const app = await make();
    const doc = (await app.inject({ url: "/openapi.json" })).json();
    expect(doc.openapi).toBe("3.1.0");
    const classify = doc.paths["/v1/classify"].post;
    expect(classify.requestBody.content["application/json"].schema.properties.topK).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 3 });
    expect(doc.paths["/v1/products/{id}/similar"].get.parameters.map((p: { name: string }) => p.name)).toEqual(["id", "limit", "sameCategory"]);
    expect(doc.paths["/v1/products"].put.security).toEqual([{ bearer: [] }]);
    const docs = await app.inject({ url: "/docs" });
    expect(docs.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(docs.body).toContain("/v1/products/{id}/similar");
    expect(docs.body).not.toMatch(/<script|https?:\/\/(?!assort)/);
    expect((await app.inject({ url: "/health" })).json()).toMatchObject({ ready: true, model: "m1", db: "open" });
    await app.inject({ method: "POST", url: "/v1/classify", payload: { items: [{ id: "a", title: "x" }, { id: "b", title: "y" }] } });
    const m = (await app.inject({ url: "/metrics" })).body;
    expect(m).toContain('assort_http_requests_total{method="POST",route="/v1/classify",status="200"} 1');
    expect(m).toContain("assort_classified_items_total 2");
    expect(m).toContain('assort_model_info{version="m1"} 1');
    expect(m).toMatch(/process_resident_memory_bytes \d+/);
  });

  it("reports each read to the service while it is answered (not writes, not ops routes), and the ANN backlog in /metrics", async () => {
    const log: string[] = [];
    let open = 0;
    const beginRead = (): (() => void) => {
      open++;
      log.push("begin");
      return () => {
        open--;
        log.push("end");
      };
    };
    const service = fakeService({
      beginRead,
      // A read still counts while its handler runs; ended once its answer is sent.
      search: () => (log.push(`search with ${open} open`), { total: 0, hits: [], facets: [] }),
      stats: () => ({ products: 3, annBacklog: 1234 }),
    });
    const app = await buildServer({ service, auth: { keys } });
    expect((await app.inject({ method: "GET", url: "/v1/search?q=pan" })).statusCode).toBe(200);
    expect((await app.inject({ method: "POST", url: "/v1/classify", payload: { items: [{ id: "a", title: "pan" }] } })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/v1/products/nope/similar" })).statusCode).toBe(404);
    expect(log).toEqual(["begin", "search with 1 open", "end", "begin", "end", "begin", "end"]);
    log.length = 0;
    expect((await app.inject({ method: "PUT", url: "/v1/products", headers: auth(WRITER), payload: { items: [{ id: "a", title: "pan" }] } })).statusCode).toBe(200);
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    expect(log).toEqual([]);
    // A read that fails (a bad body) still ends.
    expect((await app.inject({ method: "POST", url: "/v1/classify", payload: { items: "x" } })).statusCode).toBe(400);
    expect(log).toEqual(["begin", "end"]);
    expect(open).toBe(0);
    expect(metrics.body).toMatch(/^assort_similar_ann_backlog 1234$/m);
    expect((await (await make()).inject({ method: "GET", url: "/metrics" })).body).not.toMatch(/assort_similar_ann_backlog/);
  });

  it("sends CORS headers only when an origin is configured, and only for that origin", async () => {
    const off = await make();
    const pre = { method: "OPTIONS" as const, url: "/v1/classify", headers: { origin: "https://shop.example", "access-control-request-method": "POST" } };
    expect((await off.inject(pre)).headers["access-control-allow-origin"]).toBeUndefined();
    const on = await make({ cors: { origin: ["https://shop.example"] } });
    expect((await on.inject(pre)).headers["access-control-allow-origin"]).toBe("https://shop.example");
    expect((await on.inject({ ...pre, headers: { ...pre.headers, origin: "https://evil.example" } })).headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("registers model directories only under an allowed root", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "assort-roots-"));
    mkdirSync(path.join(root, "allowed", "m2"), { recursive: true });
    mkdirSync(path.join(root, "other"), { recursive: true });
    const service = fakeService();
    const app = await buildServer({ service, auth: { keys }, modelRoots: [path.join(root, "allowed")] });
    const reg = (p: string) => app.inject({ method: "POST", url: "/v1/models", headers: auth(ADMIN), payload: { path: p } });
    expect((await reg(path.join(root, "allowed", "m2"))).statusCode).toBe(201);
    expect((await reg(path.join(root, "allowed", "..", "other"))).statusCode).toBe(403);
    expect((await reg("/etc")).statusCode).toBe(403);
    expect(service.calls).toEqual([`register ${path.join(root, "allowed", "m2")}`]);
    rmSync(root, { recursive: true, force: true });
  });
});

describe("KeyRing", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "assort-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("reads JSON and line keys files, refuses short keys, bad roles and world-readable files", () => {
    expect(parseKeysFile(`# comment\n${READER} read\n\n${WRITER} write\n`, "k")).toEqual([{ key: READER, role: "read" }, { key: WRITER, role: "write" }]);
    expect(parseKeysFile(JSON.stringify({ [ADMIN]: "admin" }), "k")).toEqual([{ key: ADMIN, role: "admin" }]);
    const f = path.join(dir, "keys.txt");
    writeFileSync(f, `${READER} read\n`);
    chmodSync(f, 0o600);
    const ring = KeyRing.load({ envKey: ADMIN, keysFile: f });
    expect(ring.roleOf(READER)).toBe("read");
    expect(ring.roleOf(ADMIN)).toBe("admin");
    expect(ring.roleOf("nope-nope-nope-nope")).toBeUndefined();
    chmodSync(f, 0o644);
    expect(() => KeyRing.load({ keysFile: f })).toThrow(/chmod 600/);
    expect(() => new KeyRing().add("short", "read")).toThrow(/at least 16/);
    expect(() => new KeyRing().add(READER, "root")).toThrow(/read, write or admin/);
  });
});

describe("buildServer hardening (inject)", () => {
  it("refuses an invalid key even on an open read, before the rate limiter counts it", async () => {
    const app = await make({ limits: { rateLimit: { max: 2, windowMs: 60_000 } } });
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: "/v1/models", headers: auth(`random-token-${i}-0123456789`) })).statusCode).toBe(401);
    expect((await app.inject({ url: "/v1/models", headers: { authorization: "Basic abc" } })).statusCode).toBe(401);
    expect([(await app.inject({ url: "/v1/models" })).statusCode, (await app.inject({ url: "/v1/models" })).statusCode]).toEqual([200, 200]);
    expect((await app.inject({ url: "/v1/models", headers: auth(READER) })).statusCode).toBe(200);
  });

  it("shows model folders to admin keys only", async () => {
    const app = await make({ service: fakeService({ listModels: () => [{ version: "m1", dir: "/srv/assort/models/m1", active: true }] as never }) });
    expect((await app.inject({ url: "/v1/models" })).json().models).toEqual([{ version: "m1", active: true }]);
    expect((await app.inject({ url: "/v1/models", headers: auth(WRITER) })).json().models[0].dir).toBeUndefined();
    expect((await app.inject({ url: "/v1/models", headers: auth(ADMIN) })).json().models[0].dir).toBe("/srv/assort/models/m1");
  });

  it("answers the router's own errors as problems: a long path segment 414, a bad URL 400, a bad query 400", async () => {
    const app = await make();
    const problem = async (url: string, status: number) => {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(status);
      expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
      return r.json();
    };
    expect((await problem(`/v1/products/${"a".repeat(3073)}`, 414)).detail).toMatch(/longer than 3072/);
    await problem(`/v1/products/${encodeURIComponent("鞋".repeat(256))}`, 404);
    await problem("/v1/products/%E0%A4%A", 400);
    await problem("/v1/search?q=%FF", 400);
  });
});
