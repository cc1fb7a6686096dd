// Fault: a worker killed with SIGKILL in the middle of a batch. Its batch's lock expires, BullMQ's
// stalled-job check hands the batch to the other worker, the import finishes: every product stored once,
// every one classified once (one prediction per product, one ledger entry per batch), counts printed.
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisOptions, BATCHES_QUEUE } from "../../src/jobs/queue.js";
import { sampleModels } from "../fixtures/service-models.js";
import { start, startWorker, syntheticCatalog } from "../fixtures/processes.js";
import { dropSchema, eventually, freshRedis, freshSchema, ledger, missing, PG_URL, pgUrl, productCounts, REDIS_URL } from "../fixtures/services.js";

const N = 6000;
const BATCH = 300;

describe.skipIf(missing("ASSORT_TEST_PG_URL", PG_URL) || missing("ASSORT_TEST_REDIS_URL", REDIS_URL))("fault: a worker killed mid-batch", () => {
  let root: string;
  const schema = freshSchema("kill");
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "assort-kill-"));
  });
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it("the other worker finishes its batch: nothing lost, nothing classified twice", async () => {
    const store = pgUrl(schema);
    const queue = await freshRedis(2);
    const { modelA } = await sampleModels(root);
    const file = path.join(root, "catalog.jsonl");
    syntheticCatalog(file, N);
    const a = await startWorker(store, queue, path.join(root, "a"), ["--lock-duration", "2000"]);
    const b = await startWorker(store, queue, path.join(root, "b"), ["--lock-duration", "2000"]);
    const q = new Queue(BATCHES_QUEUE, { connection: redisOptions(queue) });
    try {
      const imp = start(["import", "--data", file, "--model", modelA, "--store", store, "--queue", queue, "--data-dir", path.join(root, "i"), "--batch-size", String(BATCH), "--window", "4", "--json"]);
      const aName = `${hostname()}-${a.child.pid}`;
      const bName = `${hostname()}-${b.child.pid}`;
      // Kill worker a while it holds a batch, once the import is under way. Worker a is frozen (SIGSTOP)
      // first and the batch checked again: a batch seen active a moment before may have been finished by
      // a in between, and then nothing would be handed over. If so, a goes on (SIGCONT) and we look again.
      const victim = await eventually(
        async () => {
          expect((await ledger(schema)).length).toBeGreaterThanOrEqual(2);
          const held = (await q.getActive()).find((j) => j.processedBy === aName);
          expect(held).toBeDefined();
          a.child.kill("SIGSTOP");
          const state = await q.getJobState(held!.id!);
          if (state !== "active") {
            a.child.kill("SIGCONT");
            throw new Error(`batch ${held!.id} was ${state} once worker a was frozen; looking again`);
          }
          return held!.id!;
        },
        60_000,
        5,
      );
      a.child.kill("SIGKILL");
      expect(await imp.exited, imp.err()).toBe(0);
      const summary = JSON.parse(imp.out().trim().split("\n").pop()!) as { rows: number; batches: number; stored: number; classified: number; readded: number };
      const counts = await productCounts(schema);
      const entries = await ledger(schema);
      const taken = await q.getJob(victim);
      process.stderr.write(
        `worker-kill: rows ${summary.rows}, stored ${counts.products} (distinct ${counts.distinct}), predictions ${counts.predictions}, ledger ${entries.length}/${summary.batches} batches, ` +
          `stored per ledger ${entries.reduce((s, e) => s + e.stored, 0)}, classified per ledger ${entries.reduce((s, e) => s + e.classified, 0)}; killed batch ${victim} finished by ${taken?.processedBy === bName ? "the other worker" : taken?.processedBy}\n`,
      );
      expect(summary).toMatchObject({ rows: N, batches: N / BATCH, stored: N, classified: N });
      expect(counts).toEqual({ products: N, predictions: N, distinct: N });
      expect(entries).toHaveLength(N / BATCH);
      expect(entries.reduce((s, e) => s + e.stored, 0)).toBe(N);
      expect(entries.reduce((s, e) => s + e.classified, 0)).toBe(N);
      expect(await taken!.getState()).toBe("completed");
      expect(taken!.processedBy).toBe(bName);
    } finally {
      await q.close();
      a.child.kill("SIGKILL");
      await b.stop();
    }
  });
});
