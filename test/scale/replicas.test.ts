// Replicas over PostgreSQL stay consistent: two catalog services with their own data directories (two
// machines: nothing shared but the database) follow each other's model activations and rollbacks,
// corrections (read-your-writes on the replica that took it, the other within 1 s) and vector changes; the
// ANN indexes are built once and loaded by the others; a replica that starts late catches up; two
// activations at the same moment end on one model everywhere; two stores migrating at once both open.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, type ProductInput, type ServiceLogger } from "../../src/index.js";
import { PostgresStore } from "../../src/store/postgres-store.js";
import { PgSharedState } from "../../src/store/postgres-shared-state.js";
import { PgArtifacts } from "../../src/store/postgres-artifacts.js";
import { PG_SCHEMA_VERSION } from "../../src/store/postgres-schema.js";
import { sampleItems, sampleModels, EXAMPLES } from "../fixtures/service-models.js";
import { dropSchema, eventually, freshSchema, missing, PG_URL, pgExec, pgUrl } from "../fixtures/services.js";

interface Replica {
  service: CatalogService;
  logs: string[];
  close(): Promise<void>;
}

/** A replica: its own store connection, shared state, artifacts and data directory. */
async function replica(url: string, root: string, o: { exactLimit?: number } = {}): Promise<Replica> {
  const store = await PostgresStore.open(url);
  const shared = await PgSharedState.open(url, { pollMs: 200 });
  const logs: string[] = [];
  const logger: ServiceLogger = { info: (_o, m) => logs.push(String(m)), warn: (_o, m) => logs.push(String(m)), error: (_o, m) => logs.push(String(m)) };
  const service = await CatalogService.open({
    store,
    sharedState: shared,
    artifacts: new PgArtifacts(store.db),
    dataDir: mkdtempSync(path.join(root, "replica-")),
    retrainAfter: 0,
    logger,
    ...(o.exactLimit !== undefined ? { exactLimit: o.exactLimit } : {}),
  });
  return {
    service,
    logs,
    close: async () => {
      await service.close();
      await shared.close();
    },
  };
}

describe.skipIf(missing("ASSORT_TEST_PG_URL", PG_URL))("replicas over PostgreSQL", () => {
  let root: string;
  let modelA: string;
  let modelB: string;
  let items: ProductInput[];
  const schemas: string[] = [];
  const fresh = (): string => {
    const s = freshSchema("replicas");
    schemas.push(s);
    return pgUrl(s);
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "assort-replicas-"));
    const m = await sampleModels(root, true);
    modelA = m.modelA;
    modelB = m.modelB!;
    items = sampleItems("train.jsonl");
  });
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    for (const s of schemas) await dropSchema(s);
  });

  it("follow each other's models, corrections and vectors; ANN indexes are shared; a late starter catches up", async () => {
    const url = fresh();
    // exactLimit 100: the 358 products need an ANN index, built once by the replica that fits.
    const a = await replica(url, root, { exactLimit: 100 });
    const b = await replica(url, root, { exactLimit: 100 });
    try {
      // models: the artifact reaches b through the database (b has its own data directory)
      const ra = await a.service.registerModel(modelA, { activate: true });
      await eventually(() => expect(b.service.activeModel()?.version).toBe(ra.version));
      const rb = await b.service.registerModel(modelB, { activate: true });
      await eventually(() => expect(a.service.activeModel()?.version).toBe(rb.version));
      await a.service.rollback();
      expect(a.service.activeModel()?.version).toBe(ra.version);
      await eventually(() => expect(b.service.activeModel()?.version).toBe(ra.version));

      // vectors: a imports and fits; b loads the vector model and the shared ANN indexes
      const r = await a.service.importFile(path.join(EXAMPLES, "train.jsonl"));
      expect(r.rows).toBe(358);
      await eventually(async () => expect((await b.service.similar("p0001", { limit: 5 })).neighbors).toHaveLength(5), 5000);
      const fromA = await a.service.similar("p0001", { limit: 5 });
      expect(fromA.method).toBe("ann");
      expect(await b.service.similar("p0001", { limit: 5 })).toEqual(fromA);
      expect(b.logs).toContain("loaded the shared similar-items indexes");
      // a product a adds reaches b's index, and so does its deletion
      await a.service.upsertProducts([{ ...items[1]!, id: "twin" }]);
      await eventually(async () => expect((await b.service.similar("p0002", { limit: 1 })).neighbors.map((n) => n.id)).toEqual(["twin"]));
      await a.service.deleteProduct("twin");
      await eventually(async () => expect((await b.service.similar("p0002", { limit: 1 })).neighbors.map((n) => n.id)).not.toEqual(["twin"]));

      // corrections: read-your-writes on a, within 1 s on b (by id and by title)
      await a.service.feedback({ productId: "p0003", category: "Odd > One" });
      expect((await a.service.classify([{ id: "p0003", title: "anything" }])).results[0]).toMatchObject({ corrected: true, categories: [{ category: "Odd > One" }] });
      const t0 = Date.now();
      await eventually(async () => expect((await b.service.classify([{ id: "p0003", title: "anything" }])).results[0]).toMatchObject({ corrected: true }));
      expect(Date.now() - t0).toBeLessThan(1000);
      await eventually(async () => expect((await b.service.classify([{ id: "x", title: items[2]!.title as string }])).results[0]!.categories[0]!.category).toBe("Odd > One"));

      // a late starter reads everything from the store and the artifacts
      const c = await replica(url, root, { exactLimit: 100 });
      try {
        expect(c.service.activeModel()?.version).toBe(ra.version);
        expect((await c.service.classify([{ id: "p0003", title: "x" }])).results[0]).toMatchObject({ corrected: true, categories: [{ category: "Odd > One" }] });
        expect(await c.service.similar("p0001", { limit: 5 })).toEqual(await a.service.similar("p0001", { limit: 5 }));
        expect(c.logs).toContain("loaded the shared similar-items indexes");
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("two replicas activating different models at the same moment end on one model everywhere", async () => {
    const url = fresh();
    const a = await replica(url, root);
    const b = await replica(url, root);
    try {
      const va = (await a.service.registerModel(modelA)).version;
      const vb = (await b.service.registerModel(modelB)).version;
      for (let round = 0; round < 3; round++) {
        await Promise.all([a.service.activateModel(va), b.service.activateModel(vb)]);
        const store = a.service.store;
        const winner = (await store.listModels()).find((m) => m.active)!.version;
        await eventually(() => {
          expect(a.service.activeModel()?.version).toBe(winner);
          expect(b.service.activeModel()?.version).toBe(winner);
        });
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("two stores opening a new schema at once migrate it once", async () => {
    const schema = freshSchema("migrate");
    schemas.push(schema);
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(pgUrl(schema))));
    try {
      const rows = await pgExec(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
      await stores[0]!.upsertProducts([{ id: "a", title: "A", description: "", fields: { id: "a", title: "A" }, hash: "h" }]);
      expect((await stores[3]!.counts()).products).toBe(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
