// The embedded catalog store: one SQLite database (better-sqlite3, WAL) under the data directory.
//
// Durability: WAL mode with synchronous=NORMAL. A commit appends the transaction to the WAL file with
// write() before better-sqlite3 returns, so once a call resolves its data is in the OS page cache; killing
// the process (kill -9, a crash) cannot lose it, and the next open replays the WAL. Only an OS crash or
// power loss can drop the last commits (NORMAL skips the fsync per commit; FULL would add it).
import { randomBytes } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  ConfigError,
  NotFoundError,
  type CatalogStore,
  type ClusterRecord,
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
  type UpsertResult,
  type VectorPage,
} from "../index.js";
import { migrate } from "./sqlite-schema.js";
import { effective, toCorrection, toJob, toModel, toProduct, type CorrectionRow, type JobRow, type ModelRow, type ProductRow } from "./sqlite-rows.js";
import { SqliteSearch } from "./sqlite-search.js";
import { indexText } from "./fts-query.js";

/** The database file inside the data directory. */
export const STORE_FILE = "catalog.db";

function now(): string {
  return new Date().toISOString();
}

/** SQLite's codes for a file that cannot be the catalog database, in words. */
const UNUSABLE: Record<string, string> = {
  SQLITE_NOTADB: "it is not an SQLite database",
  SQLITE_CORRUPT: "the database is damaged",
  SQLITE_CANTOPEN: "it cannot be opened (a directory, or no permission)",
  SQLITE_READONLY: "it is read-only",
  SQLITE_PERM: "permission denied",
};

/** A ConfigError naming `file` for SQLite's errors about the file itself; other errors pass through. */
function unusableDatabase(e: unknown, file: string): unknown {
  const code = (e as { code?: unknown } | undefined)?.code;
  // Extended codes (SQLITE_CANTOPEN_ISDIR, SQLITE_CORRUPT_INDEX…) share their primary code's meaning.
  const what = typeof code === "string" ? UNUSABLE[code.split("_").slice(0, 2).join("_")] : undefined;
  if (what === undefined) return e;
  return new ConfigError(`Cannot open the catalog database "${file}": ${what} (move it away to start an empty store, or restore it from a backup)`, [], { cause: e });
}

/**
 * SQLite implementation of {@link CatalogStore}. Calls are synchronous underneath (better-sqlite3) and
 * resolve at once; each multi-row write is one transaction.
 * @example const store = SqliteStore.open("./assort-data");
 */
export class SqliteStore implements CatalogStore {
  readonly db: Database.Database;
  readonly file: string;
  private readonly search_: SqliteSearch;
  private readonly s;

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
    this.search_ = new SqliteSearch(db);
    this.s = {
      productById: db.prepare<[string], ProductRow>("SELECT * FROM products WHERE id = ?"),
      hashOf: db.prepare<[string], { hash: string; pred_model: string | null }>("SELECT hash, pred_model FROM products WHERE id = ?"),
      productHead: db.prepare<[string], { rid: number; hash: string; category: string | null; corrected: string | null; pred_category: string | null }>(
        "SELECT rid, hash, category, corrected, pred_category FROM products WHERE id = ?",
      ),
      insertProduct: db.prepare(
        `INSERT INTO products (id, title, description, category, fields, hash, pred_category, pred_score, pred_model, eff_category, updated_at)
         VALUES (@id, @title, @description, @category, @fields, @hash, @pred_category, @pred_score, @pred_model, @eff_category, @updated_at)`,
      ),
      updateProduct: db.prepare(
        `UPDATE products SET title = @title, description = @description, category = @category, fields = @fields, hash = @hash,
           pred_category = coalesce(@pred_category, pred_category), pred_score = coalesce(@pred_score, pred_score),
           pred_model = coalesce(@pred_model, pred_model), eff_category = @eff_category, updated_at = @updated_at WHERE rid = @rid`,
      ),
      setPrediction: db.prepare("UPDATE products SET pred_category = ?, pred_score = ?, pred_model = ?, eff_category = coalesce(corrected, category, ?) WHERE id = ?"),
      ftsInsert: db.prepare("INSERT INTO products_fts (rowid, title, description, category) VALUES (?, ?, ?, ?)"),
      ftsDelete: db.prepare("DELETE FROM products_fts WHERE rowid = ?"),
      deleteProduct: db.prepare("DELETE FROM products WHERE rid = ?"),
      deleteVectorsOf: db.prepare("DELETE FROM vectors WHERE product_id = ?"),
      // Keyset scans on the primary key: each page is an index range, never an OFFSET.
      scan: db.prepare<[string, number], ProductRow>("SELECT * FROM products WHERE id > ? ORDER BY id LIMIT ?"),
      scanIds: db.prepare<[string, number], string>("SELECT id FROM products WHERE id > ? ORDER BY id LIMIT ?").pluck(),
      addCorrection: db.prepare("INSERT INTO corrections (product_id, category, previous, accepted, user, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
      setCorrected: db.prepare("UPDATE products SET corrected = ?, eff_category = ?, updated_at = ? WHERE rid = ?"),
      correctionById: db.prepare<[number], CorrectionRow>("SELECT * FROM corrections WHERE id = ?"),
      corrections: db.prepare<[number, number], CorrectionRow>("SELECT * FROM corrections WHERE id > ? ORDER BY id LIMIT ?"),
      // The partial index products_corrected holds only corrected products: O(corrections), not O(catalog).
      corrected: db.prepare<[string, number], { id: string; title: string; corrected: string }>(
        "SELECT id, title, corrected FROM products INDEXED BY products_corrected WHERE corrected IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
      ),
      insertJob: db.prepare("INSERT INTO jobs (id, kind, state, params, progress, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?, ?)"),
      jobById: db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE id = ?"),
      jobs: db.prepare<[number], JobRow>("SELECT * FROM jobs ORDER BY seq DESC LIMIT ?"),
      jobsByState: db.prepare<[string, number], JobRow>("SELECT * FROM jobs WHERE state = ? ORDER BY seq DESC LIMIT ?"),
      failJobs: db.prepare("UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE state IN ('queued', 'running')"),
      insertModel: db.prepare("INSERT INTO models (version, dir, registered_at, created_at, labels, source, metrics) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      modelByVersion: db.prepare<[string], ModelRow>("SELECT * FROM models WHERE version = ?"),
      models: db.prepare<[], ModelRow>("SELECT * FROM models ORDER BY registered_at, version"),
      activate: db.prepare("INSERT INTO activations (version, at) VALUES (?, ?)"),
      activeVersion: db.prepare<[], { version: string }>("SELECT version FROM activations ORDER BY seq DESC LIMIT 1"),
      activations: db.prepare<[number], { version: string }>("SELECT version FROM activations ORDER BY seq DESC LIMIT ?"),
      putVector: db.prepare("INSERT OR REPLACE INTO vectors (model, product_id, vec) VALUES (?, ?, ?)"),
      vectors: db.prepare<[string, string, number], { product_id: string; vec: Buffer; eff_category: string | null }>(
        `SELECT v.product_id, v.vec, p.eff_category FROM vectors v LEFT JOIN products p ON p.id = v.product_id
         WHERE v.model = ? AND v.product_id > ? ORDER BY v.product_id LIMIT ?`,
      ),
      dropVectors: db.prepare("DELETE FROM vectors WHERE model <> ?"),
      getMeta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      setMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    };
  }

  /**
   * Opens (creating it if needed) `<dataDir>/catalog.db`: WAL, synchronous=NORMAL, a 5 s busy timeout,
   * schema migrated to the current version. A data directory that is a file, or a catalog.db that is not
   * an SQLite database (or is damaged), is a ConfigError naming the path.
   */
  static open(dataDir: string, o: { busyTimeoutMs?: number } = {}): SqliteStore {
    const st = statSync(dataDir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new ConfigError(`Cannot open the data directory "${dataDir}": it is a file, not a directory`);
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, STORE_FILE);
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: o.busyTimeoutMs ?? 5000 });
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      migrate(db, file);
    } catch (e) {
      if (db?.open) db.close();
      throw unusableDatabase(e, file);
    }
    return new SqliteStore(db, file);
  }

  // ---- products

  async upsertProducts(rows: readonly ProductWrite[]): Promise<UpsertResult> {
    const s = this.s;
    const run = this.db.transaction((items: readonly ProductWrite[]): UpsertResult => {
      const out: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, changed: [] };
      const at = now();
      for (const r of items) {
        const head = s.productHead.get(r.id);
        const p = r.predicted;
        if (head && head.hash === r.hash) {
          if (p) s.setPrediction.run(p.category, p.score, p.model, p.category, r.id);
          out.unchanged++;
          continue;
        }
        const values = {
          id: r.id,
          title: r.title,
          description: r.description,
          category: r.category ?? null,
          fields: JSON.stringify(r.fields),
          hash: r.hash,
          pred_category: p?.category ?? null,
          pred_score: p?.score ?? null,
          pred_model: p?.model ?? null,
          eff_category: effective(head?.corrected, r.category, p?.category ?? head?.pred_category),
          updated_at: at,
        };
        let rid: number;
        if (head) {
          s.updateProduct.run({ ...values, rid: head.rid });
          s.ftsDelete.run(head.rid);
          rid = head.rid;
          out.updated++;
        } else {
          rid = Number(s.insertProduct.run(values).lastInsertRowid);
          out.inserted++;
        }
        s.ftsInsert.run(rid, indexText(r.title), indexText(r.description), indexText(r.category));
        out.changed.push(r.id);
      }
      return out;
    });
    return run.immediate(rows);
  }

  async getProduct(id: string): Promise<StoredProduct | undefined> {
    const r = this.s.productById.get(id);
    return r ? toProduct(r) : undefined;
  }

  async getProducts(ids: readonly string[]): Promise<StoredProduct[]> {
    const out: StoredProduct[] = [];
    for (const id of ids) {
      const r = this.s.productById.get(id);
      if (r) out.push(toProduct(r));
    }
    return out;
  }

  async deleteProduct(id: string): Promise<boolean> {
    const s = this.s;
    return this.db
      .transaction((): boolean => {
        const head = s.productHead.get(id);
        if (!head) return false;
        s.ftsDelete.run(head.rid);
        s.deleteProduct.run(head.rid);
        s.deleteVectorsOf.run(id);
        return true;
      })
      .immediate();
  }

  async scanProducts(o: ScanPage): Promise<StoredProduct[]> {
    return this.s.scan.all(o.afterId ?? "", o.limit).map(toProduct);
  }

  async scanIds(o: ScanPage): Promise<string[]> {
    return this.s.scanIds.all(o.afterId ?? "", o.limit);
  }

  async productHashes(ids: readonly string[]): Promise<Map<string, { hash: string; model?: string }>> {
    const out = new Map<string, { hash: string; model?: string }>();
    const get = this.s.hashOf;
    for (const id of ids) {
      const r = get.get(id);
      if (r) out.set(id, r.pred_model !== null ? { hash: r.hash, model: r.pred_model } : { hash: r.hash });
    }
    return out;
  }

  async setPredictions(rows: readonly { id: string; predicted: StoredPrediction }[]): Promise<number> {
    const s = this.s;
    return this.db
      .transaction((): number => {
        let n = 0;
        for (const { id, predicted: p } of rows) n += s.setPrediction.run(p.category, p.score, p.model, p.category, id).changes;
        return n;
      })
      .immediate();
  }

  async search(q: Parameters<CatalogStore["search"]>[0]): ReturnType<CatalogStore["search"]> {
    return this.search_.run(q);
  }

  // ---- corrections

  async addCorrection(c: CorrectionInput): Promise<CorrectionRecord> {
    const s = this.s;
    return this.db
      .transaction((): CorrectionRecord => {
        const row = s.productById.get(c.productId);
        if (!row) throw new NotFoundError("product", c.productId);
        const previous = row.eff_category;
        const category = c.category?.trim() || previous;
        if (!category) throw new NotFoundError("category to accept for product", c.productId, "it has no category or prediction yet: send a category");
        const at = now();
        const id = Number(s.addCorrection.run(c.productId, category, previous, c.category === undefined || c.category.trim() === previous ? 1 : 0, c.user ?? null, at).lastInsertRowid);
        s.setCorrected.run(category, category, at, row.rid);
        return toCorrection(s.correctionById.get(id)!);
      })
      .immediate();
  }

  async listCorrections(o: { afterId?: number; limit?: number } = {}): Promise<CorrectionRecord[]> {
    return this.s.corrections.all(o.afterId ?? 0, o.limit ?? 1000).map(toCorrection);
  }

  async scanCorrectedCategories(o: ScanPage): Promise<CorrectedCategory[]> {
    return this.s.corrected.all(o.afterId ?? "", o.limit).map((r) => ({ id: r.id, title: r.title, category: r.corrected }));
  }

  // ---- clusters

  async saveClusterRun(run: { id: string; algorithm: string; assignments: readonly { productId: string; cluster: number }[]; clusters: readonly ClusterRecord[] }): Promise<void> {
    const insert = this.db.prepare("INSERT OR REPLACE INTO cluster_assignments (run_id, product_id, cluster) VALUES (?, ?, ?)");
    this.db
      .transaction(() => {
        this.db.prepare("INSERT OR REPLACE INTO cluster_runs (id, algorithm, clusters, created_at) VALUES (?, ?, ?, ?)").run(run.id, run.algorithm, JSON.stringify(run.clusters), now());
        for (const a of run.assignments) insert.run(run.id, a.productId, a.cluster);
      })
      .immediate();
  }

  async getClusterRun(id?: string): ReturnType<CatalogStore["getClusterRun"]> {
    const row = (
      id === undefined
        ? this.db.prepare("SELECT * FROM cluster_runs ORDER BY created_at DESC, rowid DESC LIMIT 1").get()
        : this.db.prepare("SELECT * FROM cluster_runs WHERE id = ?").get(id)
    ) as { id: string; algorithm: string; clusters: string; created_at: string } | undefined;
    if (!row) return undefined;
    const assignments = (this.db.prepare("SELECT product_id, cluster FROM cluster_assignments WHERE run_id = ? ORDER BY product_id").all(row.id) as { product_id: string; cluster: number }[]).map(
      (a) => ({ productId: a.product_id, cluster: a.cluster }),
    );
    return { id: row.id, algorithm: row.algorithm, createdAt: row.created_at, clusters: JSON.parse(row.clusters) as ClusterRecord[], assignments };
  }

  // ---- jobs

  async createJob(kind: JobKind, params: Record<string, unknown>): Promise<JobRecord> {
    const id = `job-${randomBytes(8).toString("hex")}`;
    const at = now();
    this.s.insertJob.run(id, kind, JSON.stringify(params), JSON.stringify({ stage: "queued", done: 0, total: 0 }), at, at);
    return toJob(this.s.jobById.get(id)!);
  }

  async updateJob(id: string, patch: JobPatch): Promise<JobRecord | undefined> {
    const sets: string[] = ["updated_at = @updated_at"];
    const values: Record<string, unknown> = { id, updated_at: now() };
    const add = (column: string, value: unknown): void => {
      sets.push(`${column} = @${column}`);
      values[column] = value;
    };
    if (patch.state !== undefined) add("state", patch.state);
    if (patch.progress !== undefined) add("progress", JSON.stringify(patch.progress));
    if (patch.result !== undefined) add("result", JSON.stringify(patch.result));
    if (patch.error !== undefined) add("error", patch.error);
    // A finished job keeps its final state (a late progress report or a cancel after "done" changes nothing).
    this.db.prepare(`UPDATE jobs SET ${sets.join(", ")} WHERE id = @id AND state NOT IN ('done', 'failed', 'cancelled')`).run(values);
    const r = this.s.jobById.get(id);
    return r ? toJob(r) : undefined;
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const r = this.s.jobById.get(id);
    return r ? toJob(r) : undefined;
  }

  async listJobs(o: { limit?: number; state?: JobState } = {}): Promise<JobRecord[]> {
    const limit = o.limit ?? 50;
    return (o.state ? this.s.jobsByState.all(o.state, limit) : this.s.jobs.all(limit)).map(toJob);
  }

  async failUnfinishedJobs(message: string): Promise<number> {
    return this.s.failJobs.run(message, now()).changes;
  }

  // ---- model registry

  async addModel(m: Omit<ModelRecord, "active">): Promise<ModelRecord> {
    this.s.insertModel.run(m.version, m.dir, m.registeredAt, m.createdAt ?? null, m.labels, m.source ?? null, m.metrics ? JSON.stringify(m.metrics) : null);
    return toModel(this.s.modelByVersion.get(m.version)!, this.s.activeVersion.get()?.version);
  }

  async listModels(): Promise<ModelRecord[]> {
    const active = this.s.activeVersion.get()?.version;
    return this.s.models.all().map((r) => toModel(r, active));
  }

  async getModel(version: string): Promise<ModelRecord | undefined> {
    const r = this.s.modelByVersion.get(version);
    return r ? toModel(r, this.s.activeVersion.get()?.version) : undefined;
  }

  async activateModel(version: string): Promise<ModelRecord> {
    const r = this.s.modelByVersion.get(version);
    if (!r) throw new NotFoundError("model version", version);
    if (this.s.activeVersion.get()?.version !== version) this.s.activate.run(version, now());
    return toModel(r, version);
  }

  async activationHistory(limit = 20): Promise<string[]> {
    const out: string[] = [];
    for (const { version } of this.s.activations.all(limit * 4)) {
      if (out[out.length - 1] !== version) out.push(version);
      if (out.length >= limit) break;
    }
    return out;
  }

  // ---- vectors

  async putVectors(model: string, rows: readonly { id: string; vector: Float32Array }[]): Promise<void> {
    const put = this.s.putVector;
    this.db
      .transaction(() => {
        for (const r of rows) put.run(model, r.id, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength));
      })
      .immediate();
  }

  async scanVectors(model: string, o: ScanPage): Promise<VectorPage> {
    const rows = this.s.vectors.all(model, o.afterId ?? "", o.limit);
    const dim = rows.length > 0 ? rows[0]!.vec.byteLength / 4 : 0;
    const data = new Float32Array(rows.length * dim);
    // Copy the bytes straight into the page (a blob's offset in its buffer need not be 4-aligned).
    const bytes = new Uint8Array(data.buffer);
    rows.forEach((r, i) => {
      if (r.vec.byteLength !== dim * 4) throw new RangeError(`Vector of "${r.product_id}" in model "${model}" has ${r.vec.byteLength / 4} values, expected ${dim}`);
      bytes.set(r.vec, i * dim * 4);
    });
    return { ids: rows.map((r) => r.product_id), categories: rows.map((r) => r.eff_category ?? undefined), dim, data };
  }

  async dropVectors(keep = ""): Promise<void> {
    this.s.dropVectors.run(keep);
  }

  // ---- settings and counts

  async getMeta(key: string): Promise<string | undefined> {
    return this.s.getMeta.get(key)?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.s.setMeta.run(key, value);
  }

  async counts(): ReturnType<CatalogStore["counts"]> {
    const one = (sql: string): number => (this.db.prepare(sql).get() as { n: number }).n;
    const jobs: Record<string, number> = {};
    for (const r of this.db.prepare("SELECT state, count(*) AS n FROM jobs GROUP BY state").all() as { state: string; n: number }[]) jobs[r.state] = r.n;
    return {
      products: one("SELECT count(*) AS n FROM products"),
      predictions: one("SELECT count(*) AS n FROM products WHERE pred_category IS NOT NULL"),
      corrections: one("SELECT count(*) AS n FROM corrections"),
      models: one("SELECT count(*) AS n FROM models"),
      jobs,
    };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
