// Hardening, overload: invalid keys are refused (401) before they can create rate-limit state; past capacity the
// server sheds with 503 + Retry-After instead of queueing, so only 200/503 come back and accepted requests stay
// fast (compared with the same load on the same server with shedding off); a few heavy requests at once are never
// shed. The strict latency figures are in `npm run bench:hardening`.
import { randomBytes } from "node:crypto";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedLoop, httpRequest, paced, type LoadSummary } from "../../bench/load.mjs";
import { expectProblemAnswer, prepareCatalog, serveCatalog } from "./hardening-http-helpers.js";
import { tempDir, type Answer } from "./server-helpers.js";

const tmp = tempDir("hardening-overload");
let catalog: { model: string; dataDir: string };
const READ_KEY = "hardening-read-key-0123456789";
const titles = ["Tefal frying pan 28 cm", "Lego City fire truck 60374", "Nike Revolution running shoe", "Bosch cordless drill 18V", "Samsung Galaxy phone case"];

beforeAll(async () => {
  catalog = await prepareCatalog(tmp);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("overload", () => {
  it("refuses invalid keys with 401 before the rate limiter, so random tokens mint no buckets", async () => {
    const keys = path.join(tmp, "keys.txt");
    writeFileSync(keys, `${READ_KEY} read\n`);
    chmodSync(keys, 0o600);
    const server = await serveCatalog(catalog, ["--rate-limit", "5/min", "--keys-file", keys]);
    try {
      // In rounds of 8: this test is about keys, not load (a burst of 40 on a busy machine may be shed).
      const random = [];
      for (let i = 0; i < 5; i++) random.push(...(await Promise.all(Array.from({ length: 8 }, () => server.call("/v1/search?q=pan", { key: randomBytes(24).toString("hex") })))));
      for (const r of random) {
        expectProblemAnswer(r, 401, /not valid/);
        expect(r.headers.get("www-authenticate")).toContain('error="invalid_token"');
      }
      const malformed = await fetch(`${server.url}/v1/search?q=pan`, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
      expect(malformed.status).toBe(401);
      // None of them touched the rate limit: the IP's bucket (no key) still holds all 5, a valid key has its own 5.
      const codes = async (key?: string): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < 6; i++) out.push((await server.call("/v1/search?q=pan", key ? { key } : {})).status);
        return out;
      };
      expect(await codes()).toEqual([200, 200, 200, 200, 200, 429]);
      expect(await codes(READ_KEY)).toEqual([200, 200, 200, 200, 200, 429]);
      // The 429 is a problem with Retry-After (5/min: the next request fits 12 s after the burst) and the RateLimit
      // headers, answered before routing (the transport's route label), like the 401s.
      const limited = await server.call("/v1/search?q=pan", { key: READ_KEY });
      expectProblemAnswer(limited, 429, /5 requests per 60 s/);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(11);
      expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(12);
      expect([limited.headers.get("ratelimit-limit"), limited.headers.get("ratelimit-remaining")]).toEqual(["5", "0"]);
      const m = await server.call("/metrics");
      expect(Number(/assort_http_rejected_total\{reason="auth"\} (\d+)/.exec(m.text)?.[1])).toBeGreaterThanOrEqual(41);
      expect(Number(/assort_http_rejected_total\{reason="rate-limit"\} (\d+)/.exec(m.text)?.[1])).toBe(3);
      expect(m.text).toMatch(/assort_http_requests_total\{method="GET",route="\(transport\)",status="429"\} 3/);
      expect(m.text).toMatch(/assort_http_requests_total\{method="GET",route="\(transport\)",status="401"\} 41/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it("past capacity answers only 200 or 503 (with Retry-After) at once, where without shedding requests queue", async () => {
    const next = (url: string) => (i: number) => httpRequest(url, { method: "POST", path: "/v1/classify", body: JSON.stringify({ items: [{ id: `q${i}`, title: `${titles[i % titles.length]} ${i}` }], topK: 3 }) });
    const run = async (flags: string[], rate?: number): Promise<{ capacity: LoadSummary; load: LoadSummary; probes: Answer[]; metrics: string }> => {
      const server = await serveCatalog(catalog, ["--rate-limit", "off", "--log-level", "error", ...flags]);
      try {
        await closedLoop(server.url, { connections: 8, seconds: 0.5, next: next(server.url) }); // warm-up
        const capacity = await closedLoop(server.url, { connections: 8, seconds: 1.5, next: next(server.url) });
        const probes: Promise<Answer>[] = [];
        const probing = setInterval(() => probes.push(server.call("/v1/classify", { body: { items: [{ id: "p", title: "Lego set" }] } })), 50);
        // Three times capacity (a busy machine's capacity moves: twice might not overload it), paced, for 3 s.
        const load = await paced(server.url, { rate: rate ?? 3 * Math.max(50, capacity.okPerSecond), seconds: 3, connections: 128, next: next(server.url) });
        clearInterval(probing);
        return { capacity, load, probes: await Promise.all(probes), metrics: (await server.call("/metrics")).text };
      } finally {
        expect(await server.stop()).toBe(0);
      }
    };
    // The pair compares only when the server without shedding was past its capacity (it answered less than 90% of
    // the offered rate): the capacity measured before the shedding run moves with the machine's other work, so
    // when the baseline kept up, the pair is redone at twice the rate (up to two more times).
    let shed = await run([]);
    let baseline = await run(["--max-queue", "0", "--max-lag", "0"], shed.load.offeredRate);
    for (let more = 2; more > 0 && baseline.load.answeredPerSecond >= 0.9 * baseline.load.offeredRate!; more--) {
      const rate = 2 * baseline.load.offeredRate!;
      shed = await run([], rate);
      baseline = await run(["--max-queue", "0", "--max-lag", "0"], rate);
    }
    const info = JSON.stringify({ shed: shed.load, baseline: baseline.load });
    if (process.env.HARDENING_DEBUG) console.log(JSON.stringify({ shed, baseline }, (k, v) => (k === "probes" || k === "metrics" ? undefined : v)));
    expect(Object.keys(shed.load.statusCodes).sort(), info).toEqual(["200", "503"]);
    expect(shed.load.errors, info).toBe(0);
    expect(shed.metrics).toMatch(/assort_http_rejected_total\{reason="(queue|lag)"\} [1-9]/);
    for (const p of shed.probes) {
      if (p.status === 200) continue;
      expectProblemAnswer(p, 503, /Server busy/);
      expect(p.headers.get("retry-after")).toBe("1");
    }
    // Without shedding, everything is accepted and waits in a growing queue; with it, accepted requests wait less.
    // Only that is asserted here: on a shared CI machine the generator shares the cores (the benchmark, with server
    // and generator pinned to their own cores, measures p99 < 50 ms at 2×).
    expect(Object.keys(baseline.load.statusCodes), info).toEqual(["200"]);
    expect(shed.load.okP99Ms!, info).toBeLessThan(baseline.load.okP99Ms!);
  }, 120_000);

  it("never sheds a few heavy requests at once (1000-item batches from 4 clients back to back)", async () => {
    // The event-loop delay limit is off: on a busy machine one batch can take over a second, which it would shed.
    const server = await serveCatalog(catalog, ["--rate-limit", "off", "--max-lag", "0"]);
    try {
      const body = JSON.stringify({ items: Array.from({ length: 1000 }, (_, i) => ({ id: `b${i}`, title: `${titles[i % titles.length]} ${i}` })), topK: 3 });
      const load = await closedLoop(server.url, { connections: 4, seconds: 2, next: () => httpRequest(server.url, { method: "POST", path: "/v1/classify", body }) });
      expect(load.statusCodes, JSON.stringify(load)).toEqual({ 200: load.answered });
      expect(load.answered).toBeGreaterThan(4);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 30_000);
});
