// Shoppers over PostgreSQL: two replicas with their own data directories (nothing shared but the database). Events
// posted to one are read by the other; a recommender fitted by one is fetched and loaded by the other (artifact in
// the database, a "recommender" change on the shared state); a replica that starts later loads it at open.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, readCatalogFile } from "../../src/index.js";
import { PostgresStore } from "../../src/store/postgres-store.js";
import { PgSharedState } from "../../src/store/postgres-shared-state.js";
import { PgArtifacts } from "../../src/store/postgres-artifacts.js";
import { dropSchema, eventually, freshSchema, missing, PG_URL, pgUrl } from "../fixtures/services.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

async function replica(url: string, root: string): Promise<{ service: CatalogService; close(): Promise<void> }> {
  const store = await PostgresStore.open(url);
  const shared = await PgSharedState.open(url, { pollMs: 200 });
  const service = await CatalogService.open({ store, sharedState: shared, artifacts: new PgArtifacts(store.db), dataDir: mkdtempSync(path.join(root, "replica-")) });
  return {
    service,
    close: async () => {
      await service.close();
      await shared.close();
    },
  };
}

describe.skipIf(missing("ASSORT_TEST_PG_URL", PG_URL))("shopper replicas over PostgreSQL", () => {
  let root: string;
  const schema = freshSchema("shoppers");
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "assort-shopper-replicas-"));
  });
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it("share events, the fitted recommender and the segments", async () => {
    const url = pgUrl(schema);
    const a = await replica(url, root);
    const b = await replica(url, root);
    try {
      const { products } = await readCatalogFile(path.join(ROOT, "examples/catalog/train.jsonl"), {});
      expect(await a.service.shoppers.importFile(path.join(ROOT, "examples/shop/events.csv"), { items: products })).toMatchObject({ inserted: 4385 });
      expect(await b.service.shoppers.addEvents([{ userId: "late", itemId: "p0003", type: "purchase", timestamp: "2026-01-06T10:00:00Z", quantity: 1, price: 300, eventId: "b-1" }])).toMatchObject({ inserted: 1 });
      expect((await a.service.shoppers.profile("late")).grossSpend).toBe(300);
      const job = await a.service.startJob("recommender", {});
      let state = "queued";
      for (let i = 0; i < 600 && state !== "done" && state !== "failed"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = (await b.service.getJob(job.id))!.state;
      }
      expect(state).toBe("done");
      const version = a.service.shoppers.describe()!.version;
      await eventually(() => expect(b.service.shoppers.describe()?.version).toBe(version));
      expect(b.service.shoppers.recommend("c1001", { limit: 5 })).toEqual(a.service.shoppers.recommend("c1001", { limit: 5 }));
      expect((await b.service.shoppers.segments()).segments.length).toBeGreaterThanOrEqual(2);
      const c = await replica(url, root);
      try {
        expect(c.service.shoppers.describe()?.version).toBe(version);
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  }, 180_000);
});
