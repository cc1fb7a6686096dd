// Bad input and attacks against the real server: each answered with a clear 4xx; nothing lost; still up.
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, cli, startServer, tempDir, trainExampleModel, TRAIN, type Answer, type Server } from "./server-helpers.js";

const tmp = tempDir("attacks");
const dataDir = path.join(tmp, "data");
let server: Server;

beforeAll(async () => {
  const model = await trainExampleModel(path.join(tmp, "models", "m"));
  const imp = await cli(["import", "--data", TRAIN, "--data-dir", dataDir, "--model", model, "--json"]);
  expect(imp.code, imp.stderr).toBe(0);
  server = await startServer(["--data-dir", dataDir, "--model", model, "--body-limit", "256kb", "--model-root", path.join(tmp, "models")]);
}, 60_000);
afterEach(async () => {
  // The server stays up after every attack.
  expect((await server.call("/health")).status).toBe(200);
});
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  expect(server.stderr()).not.toContain(ADMIN_KEY);
  rmSync(tmp, { recursive: true, force: true });
});

/** A 4xx answered as application/problem+json with no stack trace. */
function expectProblem(r: Answer, status: number, mention?: RegExp): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(r.json).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), instance: expect.any(String) });
  expect(r.text).not.toMatch(/\bat .*\.js:\d+/);
  if (mention) expect(r.json.detail).toMatch(mention);
}

describe("attacks on assort serve", () => {
  it("malformed JSON → 400; wrong content type → 415", async () => {
    expectProblem(await server.call("/v1/classify", { raw: '{"items": [{"id": "a", "title": ' }), 400);
    expectProblem(await server.call("/v1/classify", { raw: "title=pan", type: "application/x-www-form-urlencoded" }), 415);
    expectProblem(await server.call("/v1/classify", { raw: "pan", type: "text/plain" }), 415);
  });

  it("wrong types → 400 naming each field", async () => {
    const r = await server.call("/v1/classify", { body: { items: [{ id: 5, title: ["x"] }], topK: 0 } });
    expectProblem(r, 400);
    expect(r.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["body.items.0.id", "body.items.0.title", "body.topK"]);
    expectProblem(await server.call("/v1/classify", { body: [1, 2] }), 400);
    expectProblem(await server.call("/v1/search?q=a&limit=-3"), 400, /limit/);
    expectProblem(await server.call("/v1/products/p0001/similar?sameCategory=maybe"), 400, /sameCategory/);
  });

  it("a body over the limit → 413; 10,000 items in one call → 413 naming the limit", async () => {
    const big = { items: [{ id: "a", title: "x".repeat(300 * 1024) }] };
    expectProblem(await server.call("/v1/classify", { body: big }), 413);
    const many = { items: Array.from({ length: 10_000 }, (_, i) => ({ id: String(i), title: "t" })) };
    expectProblem(await server.call("/v1/classify", { body: many }), 413, /10000.*limit is 1000/);
    expectProblem(await server.call("/v1/products", { method: "PUT", body: many, key: ADMIN_KEY }), 413, /limit is 1000/);
  });

  it("unknown model version → 404; '../' in a model name → 400; a model outside the roots → 403", async () => {
    expectProblem(await server.call("/v1/models/v-does-not-exist/activate", { method: "POST", key: ADMIN_KEY }), 404);
    expectProblem(await server.call("/v1/models/..%2F..%2Fetc/activate", { method: "POST", key: ADMIN_KEY }), 400, /params.version/);
    expectProblem(await server.call("/v1/models/..%2e/activate", { method: "POST", key: ADMIN_KEY }), 400);
    expectProblem(await server.call("/v1/models", { body: { path: path.join(tmp, "models", "..", "data") }, key: ADMIN_KEY }), 403);
    expectProblem(await server.call("/v1/models", { body: { path: "/etc" }, key: ADMIN_KEY }), 403);
    expect((await server.call("/v1/models")).json.models).toHaveLength(1);
  });

  it("missing or wrong API key on writes → 401, and nothing is written", async () => {
    const body = { items: [{ id: "evil", title: "Injected product" }] };
    const none = await server.call("/v1/products", { method: "PUT", body });
    expectProblem(none, 401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expectProblem(await server.call("/v1/products", { method: "PUT", body, key: ADMIN_KEY.slice(0, -1) + "X" }), 401);
    expectProblem(await server.call("/v1/feedback", { body: { productId: "p0001", accept: true } }), 401);
    expectProblem(await server.call("/v1/products/p0001", { method: "DELETE", key: "not a key" }), 401);
    expectProblem(await server.call("/v1/models/rollback", { method: "POST" }), 401);
    expectProblem(await server.call("/v1/jobs", { body: { kind: "cluster" } }), 401);
    expect((await server.call("/v1/products/evil")).status).toBe(404);
    expect((await server.call("/v1/products/p0001")).status).toBe(200);
  });

  it("a 100 KB search query and FTS syntax are refused or searched as plain text, never as syntax", async () => {
    const huge = await server.call(`/v1/search?q=${"a".repeat(100 * 1024)}`);
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    expectProblem(await server.call(`/v1/search?q=${"shoe ".repeat(400)}`), 400, /q/);
    for (const q of ['"', '"running', "*", "shoe*", "NEAR(", "NEAR(shoe pan)", "OR", "shoe OR", "AND NOT", "^", "^shoe", ":", "title:shoe", "(", ")", "-shoe", "{title}: x", "'", "\\", "%", "\u0000"]) {
      const r = await server.call(`/v1/search?q=${encodeURIComponent(q)}`);
      expect(r.status, `q=${JSON.stringify(q)}: ${r.text}`).toBe(200);
      expect(r.json.hits).toBeInstanceOf(Array);
    }
    const phrase = await server.call(`/v1/search?q=${encodeURIComponent('running" OR "pan')}`);
    expect(phrase.status).toBe(200);
  });

  it("concurrent corrections to one product all succeed or conflict cleanly; the final state is consistent", async () => {
    const cats = ["Home & Kitchen > Cookware", "Toys & Games > Building Sets", "Sports & Outdoors > Fitness", "Electronics > Audio"];
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => server.call("/v1/feedback", { body: { productId: "p0003", category: cats[i % cats.length], user: `u${i}` }, key: ADMIN_KEY })),
    );
    for (const a of answers) expect([200, 409]).toContain(a.status);
    const ok = answers.filter((a) => a.status === 200).map((a) => a.json.correction as { id: number; category: string });
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok.map((c) => c.id)).size).toBe(ok.length);
    const last = ok.reduce((a, b) => (b.id > a.id ? b : a));
    const product = (await server.call("/v1/products/p0003")).json;
    expect(product.correctedCategory).toBe(last.category);
    const c = await server.call("/v1/classify", { body: { items: [{ id: "p0003", title: "whatever" }] } });
    expect(c.json.results[0].categories[0].category).toBe(last.category);
  });

  it("reports CLI mistakes of serve and import as errors, with no stack trace", async () => {
    const port = new URL(server.url).port;
    const inUse = await cli(["serve", "--port", port, "--data-dir", path.join(tmp, "other")]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/^error: Cannot listen on 127\.0\.0\.1:\d+: the address is in use/m);
    const keys = path.join(tmp, "keys.txt");
    writeFileSync(keys, "a-long-enough-read-key-123 read\n");
    chmodSync(keys, 0o644);
    const open = await cli(["serve", "--port", "0", "--keys-file", keys, "--data-dir", path.join(tmp, "other")]);
    expect(open.code).toBe(1);
    expect(open.stderr).toContain("chmod 600");
    const missing = await cli(["import", "--data", path.join(tmp, "nope.jsonl"), "--data-dir", path.join(tmp, "other")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot use ".*nope\.jsonl": no such file or directory/);
    expect((await cli(["serve", "--rate-limit", "lots"])).code).toBe(2);
  });
});
