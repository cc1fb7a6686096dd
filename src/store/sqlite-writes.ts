// Every write of the SQLite catalog store, on one connection: run by the store's writer thread (so a bulk
// write's transaction, FTS5 inserts and word segmentation never hold up the event loop that answers reads),
// or in the calling thread where no compiled worker exists. Synchronous: better-sqlite3 is.
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type {
  ClusterRecord,
  CorrectionInput,
  CorrectionRecord,
  JobKind,
  JobPatch,
  JobRecord,
  ModelRecord,
  ProductWrite,
  StoredPrediction,
  UpsertResult,
} from "../index.js";
import { sqliteDeleteCorrection, sqliteMergeClusters, sqliteRenameCluster } from "./sqlite-review.js";
import { effective, toCorrection, toJob, toModel, type CorrectionRow, type JobRow, type ModelRow } from "./sqlite-rows.js";
import { indexText } from "./fts-query.js";
import { SqliteEventWrites } from "./sqlite-events.js";
import { SqlitePredictionLogWrites } from "./sqlite-prediction-log.js";
import type { EventInsertResult, EventWrite, PredictionLogWrite, SegmentSetWrite } from "../index.js";

function now(): string {
  return new Date().toISOString();
}

/** Makes the error of an unknown product or model (NotFoundError; the writer thread sends its fields across). */
export type NotFound = (kind: string, id: string, detail?: string) => Error;

/** The writes of {@link SqliteStore}, each multi-row one a transaction (BEGIN IMMEDIATE). */
export class SqliteWrites {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly notFound: NotFound,
  ) {
    this.s = {
      productHead: db.prepare<[string], { rid: number; hash: string; category: string | null; corrected: string | null; pred_category: string | null }>(
        "SELECT rid, hash, category, corrected, pred_category FROM products WHERE id = ?",
      ),
      productRow: db.prepare<[string], { rid: number; eff_category: string | null }>("SELECT rid, eff_category FROM products WHERE id = ?"),
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
      addCorrection: db.prepare("INSERT INTO corrections (product_id, category, previous, accepted, user, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
      setCorrected: db.prepare("UPDATE products SET corrected = ?, eff_category = ?, updated_at = ? WHERE rid = ?"),
      correctionById: db.prepare<[number], CorrectionRow>("SELECT * FROM corrections WHERE id = ?"),
      insertJob: db.prepare("INSERT INTO jobs (id, kind, state, params, progress, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?, ?)"),
      jobById: db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE id = ?"),
      failJobs: db.prepare("UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE state IN ('queued', 'running')"),
      insertModel: db.prepare("INSERT INTO models (version, dir, registered_at, created_at, labels, source, metrics) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      modelByVersion: db.prepare<[string], ModelRow>("SELECT * FROM models WHERE version = ?"),
      activate: db.prepare("INSERT INTO activations (version, at) VALUES (?, ?)"),
      activeVersion: db.prepare<[], { version: string }>("SELECT version FROM activations ORDER BY seq DESC LIMIT 1"),
      putVector: db.prepare("INSERT OR REPLACE INTO vectors (model, product_id, vec) VALUES (?, ?, ?)"),
      dropVectors: db.prepare("DELETE FROM vectors WHERE model <> ?"),
      setMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      insertClusterRun: db.prepare("INSERT OR REPLACE INTO cluster_runs (id, algorithm, clusters, created_at) VALUES (?, ?, ?, ?)"),
      insertAssignment: db.prepare("INSERT OR REPLACE INTO cluster_assignments (run_id, product_id, cluster) VALUES (?, ?, ?)"),
      addTaxonomyPath: db.prepare("INSERT INTO taxonomy_additions (path, parent, source, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(path) DO NOTHING"),
    };
  }

  upsertProducts(rows: readonly ProductWrite[]): UpsertResult {
    const s = this.s;
    const run = this.db.transaction((items: readonly ProductWrite[]): UpsertResult => {
      const out: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, changed: [], categories: [] };
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
        out.categories.push(values.eff_category);
      }
      return out;
    });
    return run.immediate(rows);
  }

  deleteProduct(id: string): boolean {
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

  setPredictions(rows: readonly { id: string; predicted: StoredPrediction }[]): number {
    const s = this.s;
    return this.db
      .transaction((): number => {
        let n = 0;
        for (const { id, predicted: p } of rows) n += s.setPrediction.run(p.category, p.score, p.model, p.category, id).changes;
        return n;
      })
      .immediate();
  }

  addCorrection(c: CorrectionInput): CorrectionRecord {
    const s = this.s;
    return this.db
      .transaction((): CorrectionRecord => {
        const row = s.productRow.get(c.productId);
        if (!row) throw this.notFound("product", c.productId);
        const previous = row.eff_category;
        const category = c.category?.trim() || previous;
        if (!category) throw this.notFound("category to accept for product", c.productId, "it has no category or prediction yet: send a category");
        const at = now();
        const id = Number(s.addCorrection.run(c.productId, category, previous, c.category === undefined || c.category.trim() === previous ? 1 : 0, c.user ?? null, at).lastInsertRowid);
        s.setCorrected.run(category, category, at, row.rid);
        return toCorrection(s.correctionById.get(id)!);
      })
      .immediate();
  }

  deleteCorrection(id: number): { deleted: CorrectionRecord; correctedCategory?: string } | undefined {
    return sqliteDeleteCorrection(this.db, id);
  }

  renameCluster(runId: string, cluster: number, name: string): ClusterRecord | undefined {
    return sqliteRenameCluster(this.db, runId, cluster, name);
  }

  mergeClusters(runId: string, from: number, into: number): ClusterRecord | undefined {
    return sqliteMergeClusters(this.db, runId, from, into);
  }

  saveClusterRun(run: { id: string; algorithm: string; assignments: readonly { productId: string; cluster: number }[]; clusters: readonly ClusterRecord[] }): void {
    const s = this.s;
    this.db
      .transaction(() => {
        s.insertClusterRun.run(run.id, run.algorithm, JSON.stringify(run.clusters), now());
        for (const a of run.assignments) s.insertAssignment.run(run.id, a.productId, a.cluster);
      })
      .immediate();
  }

  addTaxonomyPath(a: { path: string; parent: string; source?: string }): boolean {
    return this.s.addTaxonomyPath.run(a.path, a.parent, a.source ?? null, now()).changes === 1;
  }

  createJob(kind: JobKind, params: Record<string, unknown>): JobRecord {
    const id = `job-${randomBytes(8).toString("hex")}`;
    const at = now();
    this.s.insertJob.run(id, kind, JSON.stringify(params), JSON.stringify({ stage: "queued", done: 0, total: 0 }), at, at);
    return toJob(this.s.jobById.get(id)!);
  }

  updateJob(id: string, patch: JobPatch): JobRecord | undefined {
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

  failUnfinishedJobs(message: string): number {
    return this.s.failJobs.run(message, now()).changes;
  }

  addModel(m: Omit<ModelRecord, "active">): ModelRecord {
    this.s.insertModel.run(m.version, m.dir, m.registeredAt, m.createdAt ?? null, m.labels, m.source ?? null, m.metrics ? JSON.stringify(m.metrics) : null);
    return toModel(this.s.modelByVersion.get(m.version)!, this.s.activeVersion.get()?.version);
  }

  activateModel(version: string): ModelRecord {
    const r = this.s.modelByVersion.get(version);
    if (!r) throw this.notFound("model version", version);
    if (this.s.activeVersion.get()?.version !== version) this.s.activate.run(version, now());
    return toModel(r, version);
  }

  putVectors(model: string, rows: readonly { id: string; vector: Float32Array }[]): void {
    const put = this.s.putVector;
    this.db
      .transaction(() => {
        for (const r of rows) put.run(model, r.id, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength));
      })
      .immediate();
  }

  dropVectors(keep = ""): void {
    this.s.dropVectors.run(keep);
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  // ---- shoppers (sqlite-events.ts)
  private events_: SqliteEventWrites | undefined;
  private get events(): SqliteEventWrites {
    return (this.events_ ??= new SqliteEventWrites(this.db));
  }
  insertEvents(rows: readonly EventWrite[]): EventInsertResult {
    return this.events.insertEvents(rows);
  }
  saveSegments(set: SegmentSetWrite): void {
    this.events.saveSegments(set);
  }
  eraseUser(userId: string): { events: number; memberships: number } {
    return this.events.eraseUser(userId);
  }
  private predictionLog_: SqlitePredictionLogWrites | undefined;
  private get predictionLog(): SqlitePredictionLogWrites {
    return (this.predictionLog_ ??= new SqlitePredictionLogWrites(this.db));
  }
  appendPredictions(rows: readonly PredictionLogWrite[]): number {
    return this.predictionLog.appendPredictions(rows);
  }
  prunePredictions(before: number, limit: number): number {
    return this.predictionLog.prunePredictions(before, limit);
  }

  /**
   * The store's counts (a read, not a write: it runs where the writes run, on their thread and connection, because
   * its full scans take ~90 ms at 250k products and would stall the serving thread each time /health or /metrics
   * is polled).
   */
  counts(): StoreCounts {
    return storeCounts(this.db);
  }
}

/** What CatalogStore.counts answers. */
export interface StoreCounts {
  products: number;
  predictions: number;
  corrections: number;
  models: number;
  jobs: Record<string, number>;
}

/** The store's counts, read on `db`. */
export function storeCounts(db: Database.Database): StoreCounts {
  const one = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  const jobs: Record<string, number> = {};
  for (const r of db.prepare("SELECT state, count(*) AS n FROM jobs GROUP BY state").all() as { state: string; n: number }[]) jobs[r.state] = r.n;
  return {
    products: one("SELECT count(*) AS n FROM products"),
    predictions: one("SELECT count(*) AS n FROM products WHERE pred_category IS NOT NULL"),
    corrections: one("SELECT count(*) AS n FROM corrections"),
    models: one("SELECT count(*) AS n FROM models"),
    jobs,
  };
}

/** The write operations (the messages of the writer thread). */
export const WRITE_OPS = [
  "upsertProducts",
  "deleteProduct",
  "setPredictions",
  "addCorrection",
  "deleteCorrection",
  "renameCluster",
  "mergeClusters",
  "saveClusterRun",
  "addTaxonomyPath",
  "createJob",
  "updateJob",
  "failUnfinishedJobs",
  "addModel",
  "activateModel",
  "putVectors",
  "dropVectors",
  "setMeta",
  "insertEvents",
  "saveSegments",
  "eraseUser",
  "appendPredictions",
  "prunePredictions",
  "counts",
] as const;
export type WriteOp = (typeof WRITE_OPS)[number];
const OPS: ReadonlySet<string> = new Set(WRITE_OPS);

/** Calls write `op` with `args` (the dispatch of the writer thread and of inline writes). */
export function runWrite(w: SqliteWrites, op: WriteOp, args: readonly unknown[]): unknown {
  if (!OPS.has(op)) throw new TypeError(`Unknown store write "${String(op)}"`);
  return (w[op] as (...a: unknown[]) => unknown).apply(w, args as unknown[]);
}
