// Reliability of the real server: kill -9 during imports, hot model swaps under load, graceful shutdown,
// rate limiting.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, cli, startServer, tempDir, trainExampleModel, TRAIN } from "./server-helpers.js";

const tmp = tempDir("reliability");
const roots = path.join(tmp, "models");
let modelA: string;
let modelB: string;
const version = (dir: string) => (JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as { version: string }).version;
const titles = readFileSync(TRAIN, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => (JSON.parse(l) as { title: string }).title);

beforeAll(async () => {
  [modelA, modelB] = await Promise.all([trainExampleModel(path.join(roots, "a"), 1), trainExampleModel(path.join(roots, "b"), 2)]);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("reliability of assort serve", () => {
  it("keeps every acknowledged write when killed with SIGKILL mid-import, and comes back healthy", async () => {
    const dataDir = path.join(tmp, "kill-http");
    let server = await startServer(["--data-dir", dataDir, "--model", modelA]);
    const acked: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let b = 0; !stop; b++) {
        const items = Array.from({ length: 200 }, (_, i) => ({ id: `k${b}-${i}`, title: titles[(b * 200 + i) % titles.length]! }));
        try {
          const r = await server.call("/v1/products", { method: "PUT", body: { items }, key: ADMIN_KEY });
          if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
          acked.push(...items.map((x) => x.id));
        } catch (e) {
          if (!stop) throw e;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await server.stop("SIGKILL");
    await writer;
    expect(acked.length).toBeGreaterThanOrEqual(200);

    server = await startServer(["--data-dir", dataDir, "--model", modelA]);
    const h = await server.call("/health");
    expect(h.json).toMatchObject({ ready: true, db: "open" });
    // Each batch is one transaction: the count is whole batches, at least every acknowledged one.
    expect(h.json.products).toBeGreaterThanOrEqual(acked.length);
    expect(h.json.products % 200).toBe(0);
    for (const id of [acked[0]!, acked[acked.length - 1]!, acked[Math.floor(acked.length / 2)]!]) {
      expect((await server.call(`/v1/products/${id}`)).status, id).toBe(200);
    }
    expect((await server.call("/v1/products", { method: "PUT", body: { items: [{ id: "after", title: "Lego City fire truck" }] }, key: ADMIN_KEY })).status).toBe(200);
    expect(await server.stop()).toBe(0);
  }, 30_000);

  it("survives SIGKILL during `assort import`: the database opens and holds whole batches", async () => {
    const dataDir = path.join(tmp, "kill-cli");
    const big = path.join(tmp, "big.jsonl");
    writeFileSync(big, Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ id: `b${i}`, title: `${titles[i % titles.length]} ${i}` })).join("\n") + "\n");
    const run = cli(["import", "--data", big, "--data-dir", dataDir, "--model", modelA, "--batch-size", "500", "--json"], {}, 2500);
    const r = await run;
    // Killed by the timeout (or finished, on a fast machine): either way the store must be usable.
    expect(r.code === null || r.code === 0).toBe(true);
    const server = await startServer(["--data-dir", dataDir, "--model", modelA]);
    const h = await server.call("/health");
    expect(h.json).toMatchObject({ ready: true, db: "open" });
    expect(h.json.products % 500).toBe(0);
    expect((await server.call("/v1/search?q=lego")).status).toBe(200);
    expect(await server.stop()).toBe(0);
  }, 30_000);

  it("swaps models under load without failing a request", async () => {
    const dataDir = path.join(tmp, "swap");
    const server = await startServer(["--data-dir", dataDir, "--model", modelB, "--model-root", roots]);
    expect((await server.call("/v1/models", { body: { path: modelA, activate: true }, key: ADMIN_KEY })).status).toBe(201);
    const statuses = new Map<number, number>();
    const seen = new Set<string>();
    let stop = false;
    const client = async (c: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const r = await server.call("/v1/classify", { body: { items: [{ id: `${c}-${i}`, title: titles[(c * 31 + i) % titles.length] }], topK: 2 } });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200) seen.add(r.json.model);
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    for (let s = 0; s < 6; s++) {
      const v = s % 2 === 0 ? version(modelB) : version(modelA);
      const a = await server.call(`/v1/models/${v}/activate`, { method: "POST", key: ADMIN_KEY });
      expect(a.status, a.text).toBe(200);
      await new Promise((r) => setTimeout(r, 150));
    }
    stop = true;
    await Promise.all(clients);
    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(seen).toEqual(new Set([version(modelA), version(modelB)]));
    expect(await server.stop()).toBe(0);
  }, 30_000);

  it("drains in-flight requests on SIGTERM, then exits 0; refuses past the rate limit with 429 and Retry-After", async () => {
    const dataDir = path.join(tmp, "drain");
    const server = await startServer(["--data-dir", dataDir, "--model", modelA, "--rate-limit", "8/min"]);
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: String(i), title: `${titles[i % titles.length]} ${i}` }));
    const slow = server.call("/v1/classify", { body: { items, topK: 3, explain: true } });
    await new Promise((r) => setTimeout(r, 30));
    const exit = server.stop("SIGTERM");
    const r = await slow;
    expect(r.status).toBe(200);
    expect(r.json.results).toHaveLength(1000);
    expect(await exit).toBe(0);

    const limited = await startServer(["--data-dir", dataDir, "--model", modelA, "--rate-limit", "3/min"]);
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await limited.call("/v1/search?q=shoe")).status);
    expect(codes).toEqual([200, 200, 200, 429]);
    const again = await limited.call("/v1/search?q=shoe");
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited.call("/health")).status).toBe(200);
    expect(await limited.stop()).toBe(0);
  }, 30_000);
});
