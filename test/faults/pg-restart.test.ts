// Fault: PostgreSQL restarted while two API replicas are under load. While it is down, requests that need
// it answer 503 with Retry-After (never 500), classify keeps answering from memory; once it is back the
// replicas recover without a restart (the pool and the LISTEN connection reconnect): every write that was
// acknowledged is in the database, and a model activated afterwards reaches the other replica.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleModels } from "../fixtures/service-models.js";
import { ADMIN_KEY, start, startReplica, ROOT } from "../fixtures/processes.js";
import { dropSchema, eventually, freshRedis, freshSchema, missing, PG_CTL, PG_URL, pgExec, pgUrl, REDIS_URL, serviceCtl, serviceCtlAsync } from "../fixtures/services.js";

describe.skipIf(missing("ASSORT_TEST_PG_URL", PG_URL) || missing("ASSORT_TEST_REDIS_URL", REDIS_URL) || missing("ASSORT_TEST_PG_CTL", PG_CTL))("fault: PostgreSQL restarted under load", () => {
  let root: string;
  const schema = freshSchema("pgrestart");
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "assort-pgrestart-"));
  });
  afterAll(async () => {
    serviceCtl(PG_CTL!, "start");
    rmSync(root, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it("answers 503 with Retry-After while it is down, no 500, and recovers without a restart", async () => {
    const store = pgUrl(schema);
    const queue = await freshRedis(4);
    const { modelA, modelB } = await sampleModels(root, true);
    const imp = start(["import", "--data", path.join(ROOT, "examples/catalog/train.jsonl"), "--model", modelA, "--store", store, "--data-dir", path.join(root, "i"), "--quiet"]);
    expect(await imp.exited, imp.err()).toBe(0);
    const replicas = [await startReplica(store, queue, path.join(root, "r1"), ["--model-root", root]), await startReplica(store, queue, path.join(root, "r2"))];
    const statuses = new Map<string, number>();
    const missingRetryAfter: string[] = [];
    const acknowledged: string[] = [];
    let down = false;
    let downFailures = 0;
    let stop = false;
    let seq = 0;
    const call = async (r: number, what: string, p: string, init: RequestInit = {}): Promise<number> => {
      const res = await fetch(replicas[r]!.url + p, init);
      await res.arrayBuffer();
      const key = `${what} ${res.status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (res.status === 503 && !res.headers.get("retry-after")) missingRetryAfter.push(key);
      if (down && res.status === 503) downFailures++;
      return res.status;
    };
    const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify(body) });
    const loop = async (r: number): Promise<void> => {
      while (!stop) {
        const n = seq++;
        await call(r, "search", "/v1/search?q=tent");
        await call(r, "product", `/v1/products/p${String((n % 300) + 1).padStart(4, "0")}`);
        await call(r, "classify", "/v1/classify", json({ items: [{ id: "q", title: "2-person dome tent" }] }));
        const id = `w${n}`;
        const put = await call(r, "write", "/v1/products", { ...json({ items: [{ id, title: `Trekking tent ${n}` }] }), method: "PUT" });
        if (put === 200) acknowledged.push(id);
      }
    };
    const loops = [0, 1, 0, 1].map((r) => loop(r));
    await new Promise((r) => setTimeout(r, 1500));
    down = true;
    await serviceCtlAsync(PG_CTL!, "stop");
    await new Promise((r) => setTimeout(r, 2000));
    await serviceCtlAsync(PG_CTL!, "start");
    down = false;
    // Recovery: both replicas answer a read and a write again, without a restart.
    await eventually(async () => {
      for (const r of [0, 1]) {
        expect(await call(r, "search", "/v1/search?q=tent")).toBe(200);
        expect(await call(r, "health", "/health")).toBe(200);
      }
    }, 20_000, 200);
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(loops);
    // The LISTEN connections reconnected: an activation on one replica reaches the other.
    const reg = await fetch(replicas[0]!.url + "/v1/models", json({ path: modelB, activate: true }));
    expect(reg.status, await reg.text()).toBe(201);
    const version = ((await (await fetch(replicas[0]!.url + "/health")).json()) as { model: string }).model;
    await eventually(async () => expect(((await (await fetch(replicas[1]!.url + "/health")).json()) as { model: string }).model).toBe(version), 2000, 50);
    const stored = await pgExec(`SELECT count(*)::int AS n FROM "${schema}".products WHERE id = ANY($1::text[])`, [acknowledged]);
    const summary = [...statuses].sort().map(([k, v]) => `${k}: ${v}`).join(", ");
    process.stderr.write(`pg-restart: ${summary}; 503s while down ${downFailures}; acknowledged writes ${acknowledged.length}, found ${stored[0]!.n}; replicas alive ${replicas.filter((r) => r.child.exitCode === null).length}/2\n`);
    expect([...statuses.keys()].filter((k) => !/ (200|503)$/.test(k))).toEqual([]);
    expect(missingRetryAfter).toEqual([]);
    expect(downFailures).toBeGreaterThan(0);
    expect(statuses.get("classify 503") ?? 0).toBe(0);
    expect(stored[0]!.n).toBe(acknowledged.length);
    for (const r of replicas) expect(r.child.exitCode).toBeNull();
    for (const r of replicas) await r.stop();
  });
});
