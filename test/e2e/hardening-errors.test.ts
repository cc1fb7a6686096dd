// Hardening, error answers: every error from every layer (Node's HTTP parser, the router, plugins, the body
// parser, the routes, draining) is application/problem+json; invalid UTF-8 is a 400, never stored as U+FFFD;
// /v1/models shows server folders to admin keys only.
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressOf, expectProblemAnswer, prepareCatalog, rawSend, serveCatalog, type RawAnswer } from "./hardening-http-helpers.js";
import { ADMIN_KEY, tempDir, type Server } from "./server-helpers.js";

const tmp = tempDir("hardening-errors");
let catalog: { model: string; dataDir: string };
let server: Server;
const READ_KEY = "hardening-errors-read-key-0123";

beforeAll(async () => {
  catalog = await prepareCatalog(tmp);
  const keys = path.join(tmp, "keys.txt");
  writeFileSync(keys, `${READ_KEY} read\n`);
  chmodSync(keys, 0o600);
  server = await serveCatalog(catalog, ["--keys-file", keys, "--cors-origin", "https://shop.example", "--body-limit", "64kb", "--rate-limit", "off"]);
}, 60_000);
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  rmSync(tmp, { recursive: true, force: true });
});

const json = (p: string, body: string | Buffer, extra = "") =>
  Buffer.concat([Buffer.from(`POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`), Buffer.from(body)]);
const get = (p: string, extra = "") => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const badUtf8 = Buffer.concat([Buffer.from('{"items":[{"id":"u1","title":"pan '), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);

/** [what, raw request, expected status] for every way a request can fail before or inside the framework. */
const CASES: [string, string | Buffer, number][] = [
  ["unknown method", "FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ["binary garbage", Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]), 400],
  ["HTTP/2 preface on HTTP/1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400],
  ["unsupported HTTP version", "GET /health HTTP/3.0\r\nHost: x\r\n\r\n", 400],
  ["non-numeric Content-Length", "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400],
  ["Content-Length and Transfer-Encoding", "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400],
  ["bad chunk size", "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400],
  ["control character in a header", "GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", 400],
  ["headers over the size limit", get("/health", `X-A: ${"a".repeat(20_000)}\r\n`), 431],
  ["URL over the header size limit", get(`/v1/search?q=${"a".repeat(20_000)}`), 431],
  ["no Host header", "GET /v1/models HTTP/1.1\r\n\r\n", 400],
  ["unsupported Expect", json("/v1/classify", "{}", "Expect: teapot\r\n"), 417],
  ["CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405],
  ["malformed percent-encoding in the path", get("/v1/products/%E0%A4%A"), 400],
  ["percent-encoded invalid UTF-8 in the path", get("/v1/products/%FF%FE"), 400],
  ["percent-encoded invalid UTF-8 in the query", get("/v1/search?q=%FF"), 400],
  ["a lone % in the query", get("/v1/search?q=100%"), 400],
  ["path segment longer than any id", get(`/v1/products/${"a".repeat(4000)}`), 414],
  ["unknown route", get("/v1/nothing"), 404],
  ["unknown WebDAV method", "PROPFIND /v1/products HTTP/1.1\r\nHost: x\r\n\r\n", 404],
  ["PATCH", "PATCH /v1/products/p0001 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 404],
  ["OPTIONS that is not a CORS preflight", "OPTIONS /v1/classify HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ["malformed JSON", json("/v1/classify", '{"items": ['), 400],
  ["empty JSON body", json("/v1/classify", ""), 400],
  ["JSON that is not UTF-8", json("/v1/classify", badUtf8), 400],
  ["prototype poisoning", json("/v1/classify", '{"items":[{"id":"a","title":"t"}],"__proto__":{"x":1}}'), 400],
  ["form body", "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\n\r\na=b&c", 415],
  ["no content type", "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 415],
  ["body over the limit", json("/v1/classify", JSON.stringify({ items: [{ id: "a", title: "x".repeat(70_000) }] })), 413],
  ["invalid key on an open route", get("/v1/models", "Authorization: Bearer not-a-key-at-all-0000\r\n"), 401],
  ["write without a key", json("/v1/feedback", '{"productId":"p0001","accept":true}'), 401],
  ["read key on a write", json("/v1/feedback", '{"productId":"p0001","accept":true}', `Authorization: Bearer ${READ_KEY}\r\n`), 403],
  ["schema violation", json("/v1/classify", '{"items":[{"id":5}]}'), 400],
  ["too many items", json("/v1/classify", JSON.stringify({ items: Array.from({ length: 1001 }, (_, i) => ({ id: String(i), title: "t" })) })), 413],
  ["unknown job", get("/v1/jobs/job-0000"), 404],
];

describe("error answers", () => {
  it("answers every malformed, refused or failed request with application/problem+json", async () => {
    const answers = await Promise.all(CASES.map(([, raw]) => rawSend(server.url, [raw], { waitMs: 5000 })));
    const wrong: string[] = [];
    answers.forEach((a: RawAnswer, i) => {
      const [what, , status] = CASES[i]!;
      try {
        expectProblemAnswer(a, status);
        expect(a.headers["x-content-type-options"]).toBe("nosniff");
      } catch (e) {
        wrong.push(`${what}: ${a.status} ${a.headers["content-type"]} ${a.body.slice(0, 200)} (${(e as Error).message.split("\n")[0]})`);
      }
    });
    expect(wrong).toEqual([]);
    expect((await server.call("/health")).status).toBe(200);
    const m = await server.call("/metrics");
    expect(m.text).toMatch(/assort_http_rejected_total\{reason="bad-request"\} [1-9]/);
    expect(m.text).toMatch(/assort_http_rejected_total\{reason="header-size"\} [1-9]/);
  });

  it("never stores invalid UTF-8: the product is refused with 400 and absent", async () => {
    const body = Buffer.concat([Buffer.from('{"items":[{"id":"utf8-bad","title":"Pfanne '), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]);
    const put = await rawSend(server.url, [Buffer.concat([Buffer.from(`PUT /v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Length: ${body.length}\r\n\r\n`), body])]);
    expectProblemAnswer(put, 400, /not valid UTF-8/);
    expect((await server.call("/v1/products/utf8-bad")).status).toBe(404);
    const fine = await server.call("/v1/products", { method: "PUT", body: { items: [{ id: "utf8-ok", title: "Pfanne Größe 28 – 鞋 👟" }] }, key: ADMIN_KEY });
    expect(fine.status).toBe(200);
    expect((await server.call("/v1/products/utf8-ok")).json.title).toBe("Pfanne Größe 28 – 鞋 👟");
  });

  it("shows model folders (absolute server paths) to admin keys only", async () => {
    const open = await server.call("/v1/models");
    const read = await server.call("/v1/models", { key: READ_KEY });
    for (const r of [open, read]) {
      expect(r.status).toBe(200);
      expect(r.json.models.length).toBeGreaterThan(0);
      for (const m of r.json.models) expect(m.dir).toBeUndefined();
      expect(r.text).not.toContain(tmp);
      expect(r.text).not.toMatch(/"\/(?:tmp|home|srv|var|work)\//);
    }
    const admin = await server.call("/v1/models", { key: ADMIN_KEY });
    expect(admin.json.models[0].dir).toMatch(/^\//);
  });

  it("answers requests that arrive while it drains with 503 problem+json, Retry-After and Connection: close", async () => {
    const draining = await serveCatalog({ ...catalog, dataDir: path.join(tmp, "drain") }, ["--store", "memory:"]);
    const { host, port } = addressOf(draining.url);
    // A connection whose request has started (so shutdown waits for it) but whose headers are not finished.
    const s = net.connect(port, host);
    s.on("error", () => undefined);
    let got = "";
    s.on("data", (b: Buffer) => (got += b.toString("utf8")));
    const closed = new Promise<void>((r) => s.on("close", () => r()));
    await new Promise<void>((r) => s.on("connect", () => r()));
    s.write("GET /v1/models HTTP/1.1\r\nHost: x\r\n");
    await new Promise((r) => setTimeout(r, 200));
    const exit = draining.stop("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    s.write("\r\n");
    await closed;
    const [head, body] = got.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(head).toMatch(/\r\nretry-after: \d+/i);
    expect(head).toMatch(/\r\nconnection: close/i);
    expect(JSON.parse(body!)).toMatchObject({ status: 503, detail: expect.stringMatching(/shutting down/) });
    expect(await exit).toBe(0);
  });
});
