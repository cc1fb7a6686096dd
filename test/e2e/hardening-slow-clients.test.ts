// Hardening, slow clients: request bodies still arriving do not take the budget of requests in progress; every
// header, body and request deadline is enforced within its limit + 1 s with a 408 problem; idle keep-alive
// connections close; the connection cap refuses early; /health and /metrics report the pressure. Small limits
// through flags keep it fast.
import net from "node:net";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressOf, bytes, expectProblemAnswer, percentile, prepareCatalog, rawSend, serveCatalog, type RawAnswer } from "./hardening-http-helpers.js";
import { cli, startServer, tempDir, type Server } from "./server-helpers.js";

const tmp = tempDir("hardening-slow");
let catalog: { model: string; dataDir: string };
let server: Server;
const HEADER_MS = 1000;
const REQUEST_MS = 5000;
const BODY_MS = 1500;
const KEEP_ALIVE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const head = (p: string, length: number, extra = "") => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

beforeAll(async () => {
  catalog = await prepareCatalog(tmp);
  server = await serveCatalog(catalog, [
    "--header-timeout", `${HEADER_MS}ms`, "--request-timeout", `${REQUEST_MS}ms`, "--body-timeout", `${BODY_MS}ms`,
    "--keep-alive-timeout", `${KEEP_ALIVE_MS}ms`, "--max-in-flight", "8", "--max-connections", "512", "--rate-limit", "off",
  ]);
}, 60_000);
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  rmSync(tmp, { recursive: true, force: true });
});

/** A deadline answer: 408 problem+json, connection closed, within [limit − 300 ms, limit + 1 s] of `from` (default the connection). */
function expectDeadline(a: RawAnswer, limitMs: number, mention: RegExp, fromMs = 0): void {
  expectProblemAnswer(a, 408, mention);
  expect(a.closed).toBe(true);
  expect(a.ms - fromMs).toBeGreaterThanOrEqual(limitMs - 300);
  expect(a.ms - fromMs).toBeLessThanOrEqual(limitMs + 1000);
}

describe("slow clients", () => {
  it("256 trickling bodies take none of the in-flight budget: fast classify calls answer 200, /health reports the pressure", async () => {
    // Headers, then a byte every 400 ms (under the body deadline) of a 1000-byte body: only the request deadline ends them.
    const slow = Array.from({ length: 256 }, () => rawSend(server.url, [head("/v1/classify", 1000), ...bytes('{"items": [{"id": "s", "title": "slow slow slow slow')], { everyMs: 400, waitMs: REQUEST_MS + 3000 }));
    // Wait until (nearly) all are sending and over a second old (a busy machine opens 256 sockets slowly).
    let health = await server.call("/health");
    for (let i = 0; i < 30 && health.json.pressure.slowUploads < 200; i++) {
      await sleep(100);
      health = await server.call("/health");
    }
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ ready: true, degraded: true, status: "degraded" });
    // Far more bodies arriving than the in-flight limit (all 256 on a quiet machine; a busy one opens them slowly).
    expect(health.json.pressure.uploads).toBeGreaterThanOrEqual(32);
    expect(health.json.pressure.slowUploads).toBeGreaterThanOrEqual(32);
    expect(health.json.pressure.connections).toBeGreaterThanOrEqual(32);
    expect(health.json.pressure.reasons.join(" ")).toMatch(/request bodies arriving slowly/);
    const metrics = await server.call("/metrics");
    expect(Number(/^assort_http_slow_uploads (\d+)/m.exec(metrics.text)?.[1])).toBeGreaterThanOrEqual(32);
    expect(metrics.text).toMatch(/^assort_degraded 1$/m);
    // --max-in-flight 8, all those bodies arriving: classify calls from another client still all answer 200.
    const ms: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const r = await server.call("/v1/classify", { body: { items: [{ id: `f${i}`, title: "Tefal frying pan 28 cm" }] } });
      ms.push(performance.now() - t0);
      expect(r.status, r.text).toBe(200);
    }
    expect(percentile(ms, 99)).toBeLessThan(1000);
    // The request deadline ends each of them with a 408 problem.
    // The request deadline ends each of them with a 408 problem (on a busy machine, a few of the 256 arriving at
    // once may have been shed at their headers instead: 503 with Retry-After).
    let deadlines = 0;
    for (const a of await Promise.all(slow)) {
      if (a.status === 503) {
        expectProblemAnswer(a, 503, /Server busy/);
        expect(a.headers["retry-after"]).toBe("1");
        continue;
      }
      expectDeadline(a, REQUEST_MS, /did not arrive within 5 s/);
      deadlines++;
    }
    expect(deadlines).toBeGreaterThanOrEqual(128);
    const after = await server.call("/health");
    expect(after.json.pressure.uploads).toBe(0);
  }, 30_000);

  it("enforces every header, body and request deadline within the limit + 1 s, with a 408 problem", async () => {
    const [idle, lineCut, slowloris, slowHeaders, stalled, trickle, chunked, slowPipelined] = await Promise.all([
      // A connection that sends nothing.
      rawSend(server.url, []),
      // A request line cut short.
      rawSend(server.url, ["GET /v1/sea"]),
      // Slowloris: header bytes keep coming (every 100 ms), the headers never end.
      rawSend(server.url, bytes(`GET /v1/search?q=pan HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(200)}`), { everyMs: 100 }),
      // Whole header lines, slowly, never the blank line.
      rawSend(server.url, ["GET /health HTTP/1.1\r\n", "Host: x\r\n", "X-A: 1\r\n", "X-B: 2\r\n", "X-C: 3\r\n", "X-D: 4\r\n", "X-E: 5\r\n"], { everyMs: 300 }),
      // A body that starts, then stops.
      rawSend(server.url, [head("/v1/classify", 100) + '{"items": [']),
      // A body trickling a byte every 300 ms: under the body deadline, over the request deadline.
      rawSend(server.url, [head("/v1/classify", 100), ...bytes('{"items": [{"id": "a", "title": "slow slow slow slow slow slow slow"}]}')], { everyMs: 300 }),
      // A chunked body trickling one-byte chunks.
      rawSend(server.url, [`POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, ...Array.from({ length: 40 }, () => "1\r\n \r\n")], { everyMs: 300 }),
      // A keep-alive connection: one fine request, then a second whose headers never end.
      rawSend(server.url, ["GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n"]),
    ]);
    expectDeadline(idle, HEADER_MS, /headers did not arrive within 1 s/);
    expectDeadline(lineCut, HEADER_MS, /headers did not arrive/);
    expectDeadline(slowloris, HEADER_MS, /headers did not arrive/);
    expectDeadline(slowHeaders, HEADER_MS, /headers did not arrive/);
    expectDeadline(stalled, BODY_MS, /body stopped arriving for over 1500 ms/);
    expectDeadline(trickle, REQUEST_MS, /did not arrive within 5 s/);
    expectDeadline(chunked, REQUEST_MS, /did not arrive within 5 s/);
    // The first answer on the pipelined connection is the 200; the connection is then closed by the header deadline.
    expect(slowPipelined.status).toBe(200);
  }, 30_000);

  it("takes deadlines as durations with a unit, and refuses a header deadline past the request deadline", async () => {
    const noUnit = await cli(["serve", "--port", "0", "--header-timeout", "10", "--data-dir", path.join(tmp, "flags")]);
    expect(noUnit.code).toBe(2);
    expect(noUnit.stderr).toMatch(/--header-timeout must be a duration .* got "10"/);
    const crossed = await cli(["serve", "--port", "0", "--header-timeout", "40s", "--request-timeout", "30s", "--store", "memory:", "--data-dir", path.join(tmp, "flags")]);
    expect(crossed.code).toBe(1);
    expect(crossed.stderr).toMatch(/^error: Invalid server limits: the header timeout \(40000 ms\) must not exceed the request timeout \(30000 ms\)/m);
  });

  it("closes idle keep-alive connections after the keep-alive timeout", async () => {
    const { host, port } = addressOf(server.url);
    const closedAfter = await new Promise<number>((resolve) => {
      const s = net.connect(port, host);
      let answeredAt = 0;
      s.on("data", () => (answeredAt ||= performance.now()));
      s.on("close", () => resolve(performance.now() - answeredAt));
      s.on("error", () => undefined);
      s.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    expect(closedAfter).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 300);
    // Node waits 1 s longer than the Keep-Alive header advertises, so a client reusing the connection at the
    // advertised limit never races the close.
    expect(closedAfter).toBeLessThanOrEqual(KEEP_ALIVE_MS + 1000 + 500);
  });

  it("refuses early past the connection cap (503, Retry-After, closed) and drops connections far past it; /health still answers", async () => {
    const capped = await startServer(["--data-dir", path.join(tmp, "capped"), "--store", "memory:", "--model", catalog.model, "--max-connections", "16", "--header-timeout", "5s", "--request-timeout", "6s"]);
    const { host, port } = addressOf(capped.url);
    const open = async (n: number): Promise<net.Socket[]> =>
      Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, host, () => resolve(s));
        s.on("error", () => undefined);
      })));
    try {
      const hogs = await open(16);
      await sleep(100);
      const refused = await rawSend(capped.url, "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
      expectProblemAnswer(refused, 503, /over 16 connections/);
      expect(refused.headers["retry-after"]).toBe("1");
      expect(refused.headers.connection).toBe("close");
      const health = await capped.call("/health");
      expect(health.status, health.text).toBe(200);
      expect(health.json.pressure.connections).toBeGreaterThanOrEqual(17);
      expect(health.json.degraded).toBe(true);
      // Far past the cap (1.25× and more) connections are dropped at once, without reading them.
      const flood = await open(40);
      const dropped = await new Promise<number>((resolve) => {
        let n = 0;
        for (const s of flood) s.on("close", () => n++);
        setTimeout(() => resolve(n), 500);
      });
      expect(dropped).toBeGreaterThan(0);
      for (const s of [...hogs, ...flood]) s.destroy();
      await sleep(200);
      const back = await capped.call("/v1/models");
      expect(back.status, back.text).toBe(200);
      expect((await capped.call("/metrics")).text).toMatch(/assort_http_rejected_total\{reason="connections"\} [1-9]/);
    } finally {
      expect(await capped.stop()).toBe(0);
    }
  });
});
