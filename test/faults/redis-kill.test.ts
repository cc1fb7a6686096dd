// Fault: Redis killed with SIGKILL and started again while an import runs. The workers and the importing
// process reconnect; batches whose state Redis lost (its append-only file is fsynced every second) are put
// back or run again, idempotently: the import finishes with every product stored and classified once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleModels } from "../fixtures/service-models.js";
import { start, startWorker, syntheticCatalog } from "../fixtures/processes.js";
import { dropSchema, eventually, freshRedis, freshSchema, ledger, missing, PG_URL, pgUrl, productCounts, REDIS_CTL, REDIS_URL, serviceCtl } from "../fixtures/services.js";

const N = 6000;
const BATCH = 300;

describe.skipIf(missing("ASSORT_TEST_PG_URL", PG_URL) || missing("ASSORT_TEST_REDIS_URL", REDIS_URL) || missing("ASSORT_TEST_REDIS_CTL", REDIS_CTL))("fault: Redis killed during a job", () => {
  let root: string;
  const schema = freshSchema("rkill");
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "assort-rkill-"));
  });
  afterAll(async () => {
    serviceCtl(REDIS_CTL!, "start");
    rmSync(root, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it("the import finishes once Redis is back: nothing lost, nothing classified twice", async () => {
    const store = pgUrl(schema);
    const queue = await freshRedis(3);
    const { modelA } = await sampleModels(root);
    const file = path.join(root, "catalog.jsonl");
    syntheticCatalog(file, N);
    const workers = [await startWorker(store, queue, path.join(root, "a"), ["--lock-duration", "3000"]), await startWorker(store, queue, path.join(root, "b"), ["--lock-duration", "3000"])];
    try {
      const imp = start(["import", "--data", file, "--model", modelA, "--store", store, "--queue", queue, "--data-dir", path.join(root, "i"), "--batch-size", String(BATCH), "--window", "4", "--json"]);
      await eventually(async () => expect((await ledger(schema)).length).toBeGreaterThanOrEqual(3), 60_000, 5);
      const before = (await ledger(schema)).length;
      serviceCtl(REDIS_CTL!, "kill");
      await new Promise((r) => setTimeout(r, 1500));
      serviceCtl(REDIS_CTL!, "start");
      expect(await imp.exited, imp.err()).toBe(0);
      const summary = JSON.parse(imp.out().trim().split("\n").pop()!) as { rows: number; batches: number; stored: number; classified: number; readded: number };
      const counts = await productCounts(schema);
      const entries = await ledger(schema);
      process.stderr.write(
        `redis-kill: killed after ${before} of ${summary.batches} batches; rows ${summary.rows}, stored ${counts.products} (distinct ${counts.distinct}), predictions ${counts.predictions}, ` +
          `ledger ${entries.length} batches, classified per ledger ${entries.reduce((s, e) => s + e.classified, 0)}, batches put back ${summary.readded}, workers alive ${workers.filter((w) => w.child.exitCode === null).length}/2\n`,
      );
      expect(summary).toMatchObject({ rows: N, batches: N / BATCH, stored: N, classified: N });
      expect(counts).toEqual({ products: N, predictions: N, distinct: N });
      expect(entries).toHaveLength(N / BATCH);
      expect(entries.reduce((s, e) => s + e.classified, 0)).toBe(N);
      for (const w of workers) expect(w.child.exitCode).toBeNull();
    } finally {
      for (const w of workers) await w.stop();
    }
  });
});
