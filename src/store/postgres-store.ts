// The scale-out catalog store: PostgreSQL through a pg pool, on one schema, migrated at open (versioned,
// under an advisory lock). Any number of `assort serve` replicas and `assort worker` processes share it;
// what they keep in memory follows it through PgSharedState (src/store/postgres-shared-state.ts).
//
// Durability: a call resolves after COMMIT, so with PostgreSQL's defaults (synchronous_commit on) an
// acknowledged write survives a crash of either side. While the database is down or restarting every call
// rejects with UnavailableError (HTTP 503 + Retry-After) and the pool reconnects once it is back.
import { randomBytes } from "node:crypto";
import {
  ConflictError,
  NotFoundError,
  type CatalogStore,
  type ClusterRecord,
  type ClusterRunKind,
  type TaxonomyAddition,
  type CorrectedCategory,
  type CorrectionInput,
  type CorrectionRecord,
  type JobKind,
  type JobPatch,
  type JobRecord,
  type JobState,
  type ModelRecord,
  type ProductWrite,
  type ScanPage,
  type StoredPrediction,
  type StoredProduct,
  type StoreSearch,
  type StoreSearchResult,
  type UpsertResult,
  type VectorPage,
  type ReviewPage,
  type ReviewQuery,
  type PredictionLogWrite,
  type PredictionSummary,
  type PredictionSummaryQuery,
} from "../index.js";
import { parsePgUrl, PgPool, translate, type PgTarget } from "./pg-pool.js";
import { migrate } from "./postgres-schema.js";
import { PgShopperData } from "./postgres-events.js";
import { PgPredictionLog } from "./postgres-prediction-log.js";
import type { EventInsertResult, EventPage, EventWrite, SegmentSet, SegmentSetWrite, StoredEvent } from "../index.js";
import { PgSearch, type PgSearchOptions } from "./postgres-search.js";
import { pgDeleteCorrection, pgMergeClusters, pgRenameCluster, pgReviewQueue } from "./postgres-review.js";
import { PRODUCT_COLUMNS, toCorrection, toJob, toModel, toProduct, type CorrectionRow, type JobRow, type ModelRow, type ProductRow } from "./postgres-rows.js";
import { ALL_TERM, correctRow, deleteRow, hotTerms, PREDICTED_TERM, setPredictionRows, upsertRows } from "./postgres-writes.js";

/** Upsert batches between two compactions of their common terms' facet counts. */
const COMPACT_EVERY = 8;

function now(): string {
  return new Date().toISOString();
}

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** Connection problems of idle pooled clients (the database restarted): logged, never thrown. */
  onError?: (e: Error) => void;
  /** Where several-term searches switch from exact counts to a sample (tests lower it; see PgSearchOptions). */
  search?: PgSearchOptions;
}

/**
 * PostgreSQL implementation of {@link CatalogStore}; each multi-row write is one transaction.
 * @example const store = await PostgresStore.open("postgres://assort:secret@db:5432/assort");
 */
export class PostgresStore implements CatalogStore {
  readonly db: PgPool;
  readonly target: PgTarget;
  private readonly searcher: PgSearch;
  private writes = 0;

  private constructor(db: PgPool, target: PgTarget, search: PgSearchOptions = {}) {
    this.db = db;
    this.target = target;
    this.searcher = new PgSearch(db, search);
  }

  /** Connects to the database a `postgres://…` URL names and migrates its schema (`?schema=`, default public). */
  static async open(url: string, o: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const target = parsePgUrl(url);
    const db = new PgPool(target, o.onError);
    try {
      const client = await db.pool.connect().catch((e: unknown) => {
        throw translate(e);
      });
      let broken: Error | undefined;
      const onError = (e: Error): void => {
        broken = e;
      };
      client.on("error", onError);
      try {
        await migrate(client, target.schema);
      } finally {
        client.removeListener("error", onError);
        client.release(broken);
      }
    } catch (e) {
      await db.close();
      throw translate(e);
    }
    return new PostgresStore(db, target, o.search);
  }

  // ---- products

  async upsertProducts(rows: readonly ProductWrite[]): Promise<UpsertResult> {
    if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, changed: [], categories: [] };
    const out = await this.db.tx((c) => upsertRows(c, rows));
    // Every few batches, sum the facet-count deltas of the batch's most common terms: the ones that pile
    // up fastest (a frequent word gains a row per batch), so searches read a handful of rows per term.
    if (++this.writes % COMPACT_EVERY === 0 && out.changed.length > 0) await this.searcher.compactPiledUp(hotTerms(rows)).catch(() => undefined);
    return out;
  }

  async getProduct(id: string): Promise<StoredProduct | undefined> {
    const [r] = await this.db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [id]);
    return r ? toProduct(r) : undefined;
  }

  async getProducts(ids: readonly string[]): Promise<StoredProduct[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ANY($1::text[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const r = byId.get(id);
      return r ? [toProduct(r)] : [];
    });
  }

  deleteProduct(id: string): Promise<boolean> {
    return this.db.tx((c) => deleteRow(c, id));
  }

  async scanProducts(o: ScanPage): Promise<StoredProduct[]> {
    return (await this.db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id > $1 ORDER BY id LIMIT $2`, [o.afterId ?? "", o.limit])).map(toProduct);
  }

  async scanIds(o: ScanPage): Promise<string[]> {
    return (await this.db.query<{ id: string }>("SELECT id FROM products WHERE id > $1 ORDER BY id LIMIT $2", [o.afterId ?? "", o.limit])).map((r) => r.id);
  }

  async productHashes(ids: readonly string[]): Promise<Map<string, { hash: string; model?: string }>> {
    const out = new Map<string, { hash: string; model?: string }>();
    if (ids.length === 0) return out;
    for (const r of await this.db.query<{ id: string; hash: string; pred_model: string | null }>("SELECT id, hash, pred_model FROM products WHERE id = ANY($1::text[])", [ids])) {
      out.set(r.id, r.pred_model !== null ? { hash: r.hash, model: r.pred_model } : { hash: r.hash });
    }
    return out;
  }

  setPredictions(rows: readonly { id: string; predicted: StoredPrediction }[]): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    return this.db.tx((c) => setPredictionRows(c, rows));
  }

  search(q: StoreSearch): Promise<StoreSearchResult> {
    return this.searcher.run(q);
  }

  // ---- corrections

  addCorrection(c: CorrectionInput): Promise<CorrectionRecord> {
    return this.db.tx((client) => correctRow(client, c));
  }

  deleteCorrection(id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string } | undefined> {
    if (!Number.isInteger(id) || id < 1 || id > 2 ** 31 - 1) return Promise.resolve(undefined);
    return this.db.tx((c) => pgDeleteCorrection(c, id));
  }

  renameCluster(runId: string, cluster: number, name: string): Promise<ClusterRecord | undefined> {
    return this.db.tx((c) => pgRenameCluster(c, runId, cluster, name));
  }

  mergeClusters(runId: string, from: number, into: number): Promise<ClusterRecord | undefined> {
    return this.db.tx((c) => pgMergeClusters(c, runId, from, into));
  }

  reviewQueue(q: ReviewQuery): Promise<ReviewPage> {
    return pgReviewQueue(this.db, q);
  }

  async listCorrections(o: { afterId?: number; limit?: number } = {}): Promise<CorrectionRecord[]> {
    return (await this.db.query<CorrectionRow>("SELECT * FROM corrections WHERE id > $1 ORDER BY id LIMIT $2", [o.afterId ?? 0, o.limit ?? 1000])).map(toCorrection);
  }

  async scanCorrectedCategories(o: ScanPage): Promise<CorrectedCategory[]> {
    const rows = await this.db.query<{ id: string; title: string; corrected: string }>(
      "SELECT id, title, corrected FROM products WHERE corrected IS NOT NULL AND id > $1 ORDER BY id LIMIT $2",
      [o.afterId ?? "", o.limit],
    );
    return rows.map((r) => ({ id: r.id, title: r.title, category: r.corrected }));
  }

  // ---- clusters

  async saveClusterRun(run: { id: string; algorithm: string; assignments: readonly { productId: string; cluster: number }[]; clusters: readonly ClusterRecord[] }): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query("DELETE FROM cluster_assignments WHERE run_id = $1", [run.id]);
      await c.query("DELETE FROM cluster_runs WHERE id = $1", [run.id]);
      await c.query("INSERT INTO cluster_runs (id, algorithm, clusters, created_at) VALUES ($1, $2, $3, $4)", [run.id, run.algorithm, JSON.stringify(run.clusters), now()]);
      const byProduct = new Map(run.assignments.map((a) => [a.productId, a.cluster]));
      for (let i = 0, keys = [...byProduct.keys()]; i < keys.length; i += 10_000) {
        const part = keys.slice(i, i + 10_000);
        await c.query("INSERT INTO cluster_assignments (run_id, product_id, cluster) SELECT $1, * FROM unnest($2::text[], $3::int[])", [run.id, part, part.map((k) => byProduct.get(k)!)]);
      }
    });
  }

  async getClusterRun(id?: string, kind?: ClusterRunKind): ReturnType<CatalogStore["getClusterRun"]> {
    type Row = { id: string; algorithm: string; clusters: string; created_at: string };
    const [row] =
      id !== undefined
        ? await this.db.query<Row>("SELECT * FROM cluster_runs WHERE id = $1", [id])
        : kind === undefined
          ? await this.db.query<Row>("SELECT * FROM cluster_runs ORDER BY created_at DESC, seq DESC LIMIT 1")
          : await this.db.query<Row>("SELECT * FROM cluster_runs WHERE (algorithm = 'match') = $1 ORDER BY created_at DESC, seq DESC LIMIT 1", [kind === "groups"]);
    if (!row || (kind !== undefined && (row.algorithm === "match") !== (kind === "groups"))) return undefined;
    const assignments = await this.db.query<{ product_id: string; cluster: number }>("SELECT product_id, cluster FROM cluster_assignments WHERE run_id = $1 ORDER BY product_id", [row.id]);
    return { id: row.id, algorithm: row.algorithm, createdAt: row.created_at, clusters: JSON.parse(row.clusters) as ClusterRecord[], assignments: assignments.map((a) => ({ productId: a.product_id, cluster: a.cluster })) };
  }

  // ---- taxonomy additions

  async addTaxonomyPath(a: { path: string; parent: string; source?: string }): Promise<boolean> {
    const rows = await this.db.query<{ path: string }>("INSERT INTO taxonomy_additions (path, parent, source, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (path) DO NOTHING RETURNING path", [
      a.path,
      a.parent,
      a.source ?? null,
      now(),
    ]);
    return rows.length === 1;
  }

  async listTaxonomyPaths(): Promise<TaxonomyAddition[]> {
    const rows = await this.db.query<{ path: string; parent: string; source: string | null; created_at: string }>("SELECT path, parent, source, created_at FROM taxonomy_additions ORDER BY seq");
    return rows.map((r) => ({ path: r.path, parent: r.parent, ...(r.source !== null ? { source: r.source } : {}), createdAt: r.created_at }));
  }

  // ---- jobs

  async createJob(kind: JobKind, params: Record<string, unknown>): Promise<JobRecord> {
    const id = `job-${randomBytes(8).toString("hex")}`;
    const at = now();
    const [r] = await this.db.query<JobRow>("INSERT INTO jobs (id, kind, state, params, progress, created_at, updated_at) VALUES ($1, $2, 'queued', $3, $4, $5, $5) RETURNING *", [
      id,
      kind,
      JSON.stringify(params),
      JSON.stringify({ stage: "queued", done: 0, total: 0 }),
      at,
    ]);
    return toJob(r!);
  }

  async updateJob(id: string, patch: JobPatch): Promise<JobRecord | undefined> {
    const sets: string[] = ["updated_at = $2"];
    const values: unknown[] = [id, now()];
    const add = (column: string, value: unknown): void => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (patch.state !== undefined) add("state", patch.state);
    if (patch.progress !== undefined) add("progress", JSON.stringify(patch.progress));
    if (patch.result !== undefined) add("result", JSON.stringify(patch.result));
    if (patch.error !== undefined) add("error", patch.error);
    // A finished job keeps its final state (a late progress report or a cancel after "done" changes nothing).
    const [updated] = await this.db.query<JobRow>(`UPDATE jobs SET ${sets.join(", ")} WHERE id = $1 AND state NOT IN ('done', 'failed', 'cancelled') RETURNING *`, values);
    return updated ? toJob(updated) : this.getJob(id);
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const [r] = await this.db.query<JobRow>("SELECT * FROM jobs WHERE id = $1", [id]);
    return r ? toJob(r) : undefined;
  }

  async listJobs(o: { limit?: number; state?: JobState } = {}): Promise<JobRecord[]> {
    const limit = o.limit ?? 50;
    const rows = o.state
      ? await this.db.query<JobRow>("SELECT * FROM jobs WHERE state = $1 ORDER BY seq DESC LIMIT $2", [o.state, limit])
      : await this.db.query<JobRow>("SELECT * FROM jobs ORDER BY seq DESC LIMIT $1", [limit]);
    return rows.map(toJob);
  }

  async failUnfinishedJobs(message: string): Promise<number> {
    const rows = await this.db.query("UPDATE jobs SET state = 'failed', error = $1, updated_at = $2 WHERE state IN ('queued', 'running') RETURNING id", [message, now()]);
    return rows.length;
  }

  // ---- model registry

  private async activeVersion(): Promise<string | undefined> {
    return (await this.db.query<{ version: string }>("SELECT version FROM activations ORDER BY seq DESC LIMIT 1"))[0]?.version;
  }

  async addModel(m: Omit<ModelRecord, "active">): Promise<ModelRecord> {
    const inserted = await this.db.query<ModelRow>(
      "INSERT INTO models (version, dir, registered_at, created_at, labels, source, metrics) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (version) DO NOTHING RETURNING *",
      [m.version, m.dir, m.registeredAt, m.createdAt ?? null, m.labels, m.source ?? null, m.metrics ? JSON.stringify(m.metrics) : null],
    );
    if (inserted.length === 0) throw new ConflictError(`Cannot add model "${m.version}": it is registered already`);
    return toModel(inserted[0]!, await this.activeVersion());
  }

  async listModels(): Promise<ModelRecord[]> {
    const active = await this.activeVersion();
    return (await this.db.query<ModelRow>("SELECT * FROM models ORDER BY registered_at COLLATE \"C\", version")).map((r) => toModel(r, active));
  }

  async getModel(version: string): Promise<ModelRecord | undefined> {
    const [r] = await this.db.query<ModelRow>("SELECT * FROM models WHERE version = $1", [version]);
    return r ? toModel(r, await this.activeVersion()) : undefined;
  }

  /** Activations are serialised (an advisory lock): of two at once, the one that commits last is active. */
  async activateModel(version: string): Promise<ModelRecord> {
    return this.db.tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext('assort-activate'))");
      const r = (await c.query<ModelRow>("SELECT * FROM models WHERE version = $1", [version])).rows[0];
      if (!r) throw new NotFoundError("model version", version);
      const active = (await c.query<{ version: string }>("SELECT version FROM activations ORDER BY seq DESC LIMIT 1")).rows[0]?.version;
      if (active !== version) await c.query("INSERT INTO activations (version, at) VALUES ($1, $2)", [version, now()]);
      return toModel(r, version);
    });
  }

  async activationHistory(limit = 20): Promise<string[]> {
    const out: string[] = [];
    for (const { version } of await this.db.query<{ version: string }>("SELECT version FROM activations ORDER BY seq DESC LIMIT $1", [limit * 4])) {
      if (out[out.length - 1] !== version) out.push(version);
      if (out.length >= limit) break;
    }
    return out;
  }

  // ---- vectors

  async putVectors(model: string, rows: readonly { id: string; vector: Float32Array }[]): Promise<void> {
    if (rows.length === 0) return;
    const byId = new Map(rows.map((r) => [r.id, r.vector]));
    const ids = [...byId.keys()];
    // Little-endian float32 bytes (x86 and ARM are little-endian; a copy, so a later change of the input is not stored).
    const vecs = ids.map((id) => {
      const v = byId.get(id)!;
      return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    });
    await this.db.query(
      "INSERT INTO vectors (model, product_id, vec) SELECT $1, * FROM unnest($2::text[], $3::bytea[]) ON CONFLICT (model, product_id) DO UPDATE SET vec = excluded.vec",
      [model, ids, vecs],
    );
  }

  async scanVectors(model: string, o: ScanPage): Promise<VectorPage> {
    const rows = await this.db.query<{ product_id: string; vec: Buffer; eff_category: string | null }>(
      `SELECT v.product_id, v.vec, p.eff_category FROM vectors v LEFT JOIN products p ON p.id = v.product_id
       WHERE v.model = $1 AND v.product_id > $2 ORDER BY v.product_id LIMIT $3`,
      [model, o.afterId ?? "", o.limit],
    );
    const dim = rows.length > 0 ? rows[0]!.vec.byteLength / 4 : 0;
    const data = new Float32Array(rows.length * dim);
    const bytes = new Uint8Array(data.buffer);
    rows.forEach((r, i) => {
      if (r.vec.byteLength !== dim * 4) throw new RangeError(`Vector of "${r.product_id}" in model "${model}" has ${r.vec.byteLength / 4} values, expected ${dim}`);
      bytes.set(r.vec, i * dim * 4);
    });
    return { ids: rows.map((r) => r.product_id), categories: rows.map((r) => r.eff_category ?? undefined), dim, data };
  }

  async countVectors(model: string): Promise<{ category: string | undefined; count: number }[]> {
    const rows = await this.db.query<{ eff_category: string | null; n: string }>(
      "SELECT p.eff_category, count(*) AS n FROM vectors v LEFT JOIN products p ON p.id = v.product_id WHERE v.model = $1 GROUP BY p.eff_category",
      [model],
    );
    return rows.map((r) => ({ category: r.eff_category ?? undefined, count: Number(r.n) }));
  }

  async dropVectors(keep?: string): Promise<void> {
    if (keep === undefined) await this.db.query("DELETE FROM vectors");
    else await this.db.query("DELETE FROM vectors WHERE model <> $1", [keep]);
  }

  // ---- settings and counts

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.db.query<{ value: string }>("SELECT value FROM meta WHERE key = $1", [key]))[0]?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]);
  }

  /** Products and predictions come from the term counts (no scan of the catalog: /health stays cheap at 100M). */
  async counts(): ReturnType<CatalogStore["counts"]> {
    const [t] = await this.db.query<{ products: string | null; predictions: string | null; corrections: string; models: string }>(
      `SELECT (SELECT sum(n) FROM term_counts WHERE term = $1) AS products, (SELECT sum(n) FROM term_counts WHERE term = $2) AS predictions,
              (SELECT count(*) FROM corrections) AS corrections, (SELECT count(*) FROM models) AS models`,
      [ALL_TERM, PREDICTED_TERM],
    );
    const jobs: Record<string, number> = {};
    for (const r of await this.db.query<{ state: string; n: string }>("SELECT state, count(*) AS n FROM jobs GROUP BY state")) jobs[r.state] = Number(r.n);
    return { products: Number(t?.products ?? 0), predictions: Number(t?.predictions ?? 0), corrections: Number(t?.corrections ?? 0), models: Number(t?.models ?? 0), jobs };
  }

  // ---- shoppers (postgres-events.ts)

  private shoppers_: PgShopperData | undefined;
  private get shoppers(): PgShopperData {
    return (this.shoppers_ ??= new PgShopperData(this.db));
  }
  insertEvents(rows: readonly EventWrite[]): Promise<EventInsertResult> {
    return this.shoppers.insertEvents(rows);
  }
  scanEvents(o: EventPage): Promise<StoredEvent[]> {
    return this.shoppers.scanEvents(o);
  }
  userEvents(userId: string, o?: Partial<EventPage>): Promise<StoredEvent[]> {
    return this.shoppers.userEvents(userId, o);
  }
  userEventCounts(o: { afterId?: string; limit: number }): Promise<{ userId: string; events: number }[]> {
    return this.shoppers.userEventCounts(o);
  }
  eventCounts(): Promise<{ events: number; users: number; items: number }> {
    return this.shoppers.eventCounts();
  }
  saveSegments(set: SegmentSetWrite): Promise<void> {
    return this.shoppers.saveSegments(set);
  }
  getSegments(): Promise<SegmentSet | undefined> {
    return this.shoppers.getSegments();
  }
  segmentMembers(segment: number, o: { afterId?: string; limit: number }): Promise<string[]> {
    return this.shoppers.segmentMembers(segment, o);
  }
  userSegment(userId: string): Promise<number | undefined> {
    return this.shoppers.userSegment(userId);
  }
  eraseUser(userId: string): Promise<{ events: number; memberships: number }> {
    return this.shoppers.eraseUser(userId);
  }

  // ---- prediction log (postgres-prediction-log.ts)
  private predictionLog_: PgPredictionLog | undefined;
  private get predictionLog(): PgPredictionLog {
    return (this.predictionLog_ ??= new PgPredictionLog(this.db));
  }
  appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number> {
    return this.predictionLog.appendPredictions(rows);
  }
  predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary> {
    return this.predictionLog.predictionSummary(q);
  }
  prunePredictions(before: number, limit: number): Promise<number> {
    return this.predictionLog.prunePredictions(before, limit);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
