// ShopperService inside CatalogService on a MemoryStore: the recommender job saves a versioned artifact, swaps it in
// while answers keep coming, and a reopened service loads it again; a second fit replaces the segment set.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCatalogFile } from "../catalog/read-catalog.js";
import { CatalogService } from "./catalog-service.js";
import { MemoryStore } from "./memory-store.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let dir: string;
const store = new MemoryStore();

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "assort-shoppers-service-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function finish(service: CatalogService, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 1200; i++) {
    const j = (await service.getJob(id))!;
    if (j.state === "done") return j.result as Record<string, unknown>;
    if (j.state === "failed") throw new Error(j.error);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("job did not finish");
}

describe("ShopperService", () => {
  it("fits, saves and swaps the recommender; a reopened service loads it", async () => {
    const service = await CatalogService.open({ store, dataDir: dir });
    // before any fit: no recommender (503 over HTTP), no segments
    expect(() => service.shoppers.recommend("c1001")).toThrow(/No recommender/);
    expect(await service.shoppers.segments()).toEqual({ version: null, createdAt: null, segments: [] });
    const { products } = await readCatalogFile(path.join(ROOT, "examples/catalog/train.jsonl"), {});
    const imp = await service.shoppers.importFile(path.join(ROOT, "examples/shop/events.csv"), { items: products });
    expect(imp).toMatchObject({ read: 4385, inserted: 4385, productsAdded: 358 });

    const first = await finish(service, (await service.startJob("recommender", { excludeItems: ["p0001"] })).id);
    expect(first).toMatchObject({ events: 4385, shoppers: 300 });
    const v1 = first["version"] as string;
    expect(existsSync(path.join(dir, "recommenders", v1, "manifest.json"))).toBe(true);
    expect(readdirSync(path.join(dir, "recommenders")).filter((f) => f.startsWith(".tmp-"))).toEqual([]);
    expect(service.shoppers.describe()?.version).toBe(v1);
    const before = service.shoppers.recommend("c1001", { limit: 5 });
    expect(before.items.map((i) => i.itemId)).not.toContain("p0001");
    // A repeated request is answered from the version's cache (the same list), another limit or mode is not.
    expect(service.shoppers.recommend("c1001", { limit: 5 }).items).toBe(before.items);
    expect(service.shoppers.recommend("c1001", { limit: 4 }).items.map((i) => i.itemId)).toEqual(before.items.slice(0, 4).map((i) => i.itemId));
    expect(service.shoppers.recommend("c1001", { limit: 5, mode: "new" }).items).not.toBe(before.items);
    // Unknown shoppers share one list; an erased shopper gets it too, not their cached one.
    const stranger = service.shoppers.recommend("nobody-1", { limit: 5 });
    expect(stranger.knownShopper).toBe(false);
    expect(service.shoppers.recommend("nobody-2", { limit: 5 })).toMatchObject({ userId: "nobody-2", items: stranger.items });
    expect(service.shoppers.recommend("c1002", { limit: 5 }).knownShopper).toBe(true);
    await service.shoppers.eraseUser("c1002");
    expect(service.shoppers.recommend("c1002", { limit: 5 })).toMatchObject({ userId: "c1002", knownShopper: false, items: stranger.items });
    const segs = (await service.shoppers.segments()).segments;
    expect(segs.length).toBeGreaterThanOrEqual(2);
    expect(segs.reduce((a, s) => a + s.size, 0)).toBeLessThanOrEqual(300);

    // A refit while answers keep coming: every answer names one of the two versions, none fails.
    const job = await service.startJob("recommender", { k: 3 });
    const seen = new Set<string>();
    let state = "queued";
    while (state !== "done" && state !== "failed") {
      seen.add(service.shoppers.recommend("c1001", { limit: 3 }).recommender);
      await new Promise((r) => setTimeout(r, 5));
      state = (await service.getJob(job.id))!.state;
    }
    expect(state).toBe("done");
    const v2 = service.shoppers.describe()!.version;
    for (const v of seen) expect([v1, v2]).toContain(v);
    expect((await service.shoppers.segments()).segments).toHaveLength(3);
    await service.close();

    const again = await CatalogService.open({ store, dataDir: dir });
    try {
      expect(again.shoppers.describe()?.version).toBe(v2);
      expect(again.shoppers.recommend("c1001", { limit: 5 }).items.length).toBe(5);
    } finally {
      await again.close();
    }
  }, 120_000);
});
