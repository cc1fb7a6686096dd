// The scale-out contract end to end: two `assort worker` processes and two `assort serve` replicas over one
// PostgreSQL store and one Redis queue. `assort import --queue` puts batches of rows on the queue and exits
// 0 once every row is stored and classified; /health on either replica counts every product once; jobs
// started on one replica run on the workers, with their state on both; a cancelled job stays cancelled; a
// job kind nobody handles yet (the recommender extension point) fails saying so.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BullJobQueue } from "../../src/jobs/queue.js";
import { PostgresStore } from "../../src/store/postgres-store.js";
import { sampleModels } from "../fixtures/service-models.js";
import { ADMIN_KEY, start, startReplica, startWorker, syntheticCatalog, type Proc } from "../fixtures/processes.js";
import { dropSchema, eventually, freshRedis, freshSchema, missing, PG_URL, pgUrl, productCounts, REDIS_URL } from "../fixtures/services.js";

const N = 2000;

/** The nice value of every thread of process `pid` (Linux /proc; field 19 of each task's stat). */
function threadNice(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ")[16]));
}

/** The nice of process `pid`'s session group (sched_autogroup), undefined where the kernel has none. */
function autogroupNice(pid: number): number | undefined {
  try {
    if (readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() !== "1") return undefined;
    return Number(/nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, "utf8"))![1]);
  } catch {
    return undefined;
  }
}

describe.skipIf(missing("ASSORT_TEST_PG_URL", PG_URL) || missing("ASSORT_TEST_REDIS_URL", REDIS_URL))("scale-out: workers and replicas", () => {
  let root: string;
  const schema = freshSchema("queue");
  const procs: Proc[] = [];
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "assort-queue-"));
  });
  afterAll(async () => {
    for (const p of procs) await p.stop();
    rmSync(root, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it("imports through the queue, serves every product on every replica, runs jobs on the workers", async () => {
    const store = pgUrl(schema);
    const queue = await freshRedis(1);
    const { modelA } = await sampleModels(root);
    const file = path.join(root, "catalog.jsonl");
    syntheticCatalog(file, N);
    // The second in a session of its own (as setsid or a service manager starts it).
    procs.push(...(await Promise.all([startWorker(store, queue, path.join(root, "w1"), ["--concurrency", "2"]), startWorker(store, queue, path.join(root, "w2"), ["--nice", "7"], { session: true })])));
    // --nice: every thread of the second worker runs at nice 7 or lower priority (the featurization threads
    // included; never higher than the test's own: the processes inherit it), the first at the test's own.
    expect(procs[1]!.out()).toMatch(/worker ready \(pid \d+, concurrency 1, nice 7\)/);
    if (process.platform === "linux") {
      const own = os.getPriority();
      expect(new Set(threadNice(procs[1]!.child.pid!))).toEqual(new Set([Math.max(7, own)]));
      expect(threadNice(procs[0]!.child.pid!)).toContain(own);
      // With the kernel's session groups (sched_autogroup), nice only orders threads within a session: the
      // worker that leads its own session lowers its session's group too; the other, in this test's session,
      // leaves the group alone (lowering it would lower this process as well).
      if (autogroupNice(process.pid) !== undefined) {
        expect(autogroupNice(procs[1]!.child.pid!)).toBe(7);
        expect(autogroupNice(procs[0]!.child.pid!)).toBe(autogroupNice(process.pid));
      }
    }
    const imp = start(["import", "--data", file, "--model", modelA, "--store", store, "--queue", queue, "--data-dir", path.join(root, "i"), "--batch-size", "250"]);
    // The replicas start while the import runs (they follow the model it activates).
    const starting = Promise.all([startReplica(store, queue, path.join(root, "r1")), startReplica(store, queue, path.join(root, "r2"))]);
    expect(await imp.exited, imp.err()).toBe(0);
    expect(imp.out()).toMatch(new RegExp(`imported ${N} rows in .* through the queue .*: ${N} stored, ${N} classified`));
    expect(imp.err()).toMatch(/import/); // progress on stderr
    expect(await productCounts(schema)).toEqual({ products: N, predictions: N, distinct: N });

    const replicas = await starting;
    procs.push(...replicas);
    for (const r of replicas) await eventually(async () => expect(await (await fetch(`${r.url}/health`)).json()).toMatchObject({ ready: true, products: N }), 2000);
    const post = (r: number, p: string, body: unknown): Promise<Response> =>
      fetch(replicas[r]!.url + p, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify(body) });

    // A batch classification and a clustering started on replica 1 run on the workers; replica 2 sees them finish.
    const classify = (await (await post(0, "/v1/jobs", { kind: "classify" })).json()) as { id: string };
    const cluster = (await (await post(0, "/v1/jobs", { kind: "cluster", params: { k: 4 } })).json()) as { id: string };
    for (const id of [classify.id, cluster.id]) {
      await eventually(async () => expect((await (await fetch(`${replicas[1]!.url}/v1/jobs/${id}`)).json()) as object).toMatchObject({ state: "done" }), 60_000, 200);
    }
    expect((await (await fetch(`${replicas[1]!.url}/v1/jobs/${classify.id}`)).json()) as object).toMatchObject({ result: { classified: N }, progress: { done: N, total: N } });
    expect((await (await fetch(`${replicas[1]!.url}/v1/jobs/${cluster.id}`)).json()) as object).toMatchObject({ result: { clusters: 4, products: N } });

    // Cancelled on replica 2: it stays cancelled wherever it ran.
    const train = (await (await post(0, "/v1/jobs", { kind: "train" })).json()) as { id: string };
    expect((await (await post(1, `/v1/jobs/${train.id}/cancel`, {})).json()) as object).toMatchObject({ state: "cancelled" });
    await new Promise((r) => setTimeout(r, 500));
    expect((await (await fetch(`${replicas[0]!.url}/v1/jobs/${train.id}`)).json()) as object).toMatchObject({ state: "cancelled" });

    // The recommender fits of the shopper feature are an extension point: until a handler is registered, such a job fails clearly.
    const pg = await PostgresStore.open(store);
    const bull = new BullJobQueue(queue);
    try {
      const rec = await pg.createJob("recommender", {});
      await bull.enqueue(rec);
      await eventually(async () => expect(await pg.getJob(rec.id)).toMatchObject({ state: "failed", error: 'No worker handles "recommender" jobs yet' }), 20_000, 100);
    } finally {
      await bull.close();
      await pg.close();
    }
  });
});
