// The embedded catalog store: one SQLite database (better-sqlite3, WAL) under the data directory.
//
// Threads: reads run on the calling thread's connection (synchronous, fast: point lookups, keyset pages,
// FTS5 queries); every write runs in the store's writer thread on a second connection (sqlite-writer.ts), one
// at a time, so a bulk write's transaction never holds up the event loop. WAL lets the reader read while the
// writer writes; a write's promise resolves once it is committed, so the caller's next read sees it.
//
// Durability: WAL mode with synchronous=NORMAL. A commit appends the transaction to the WAL file with
// write() before the writer answers, so once a call resolves its data is in the OS page cache; killing
// the process (kill -9, a crash) cannot lose it, and the next open replays the WAL. Only an OS crash or
// power loss can drop the last commits (NORMAL skips the fsync per commit; FULL would add it).
//
// One writer per data directory: opening for writing takes the directory's lock (core/dir-lock.ts); a second
// process is refused with a ConflictError naming the first. `readOnly` opens take no lock.
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import {
  ConfigError,
  lockDir,
  NotFoundError,
  type CatalogStore,
  type ClusterRecord,
  type ClusterRunKind,
  type TaxonomyAddition,
  type CorrectedCategory,
  type CorrectionInput,
  type CorrectionRecord,
  type ReviewPage,
  type ReviewQuery,
  type DirLock,
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
  type PredictionLogWrite,
  type PredictionSummary,
  type PredictionSummaryQuery,
} from "../index.js";
import { migrate, SCHEMA_VERSION } from "./sqlite-schema.js";
import { toCorrection, toJob, toModel, toProduct, type CorrectionRow, type JobRow, type ModelRow, type ProductRow } from "./sqlite-rows.js";
import { SqliteSearch } from "./sqlite-search.js";
import { connect } from "./sqlite-connection.js";
import { sqliteReviewQueue } from "./sqlite-review.js";
import { SqliteWrites, storeCounts, type WriteOp } from "./sqlite-writes.js";
import { InlineWriter, ThreadWriter, writerThreadAvailable, type StoreWriter } from "./sqlite-writer.js";
import { SqliteEventReads } from "./sqlite-events.js";
import { SqlitePredictionLogReads } from "./sqlite-prediction-log.js";
import type { EventInsertResult, EventPage, EventWrite, SegmentSet, SegmentSetWrite, StoredEvent } from "../index.js";

/** Ids looked up between two yields to the event loop in productHashes. */
const HASH_SLICE = 200;

/** The database file inside the data directory. */
export const STORE_FILE = "catalog.db";

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /** How long a write waits for another connection's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * Read only: no lock, no writer, no migration (the database must exist at the current schema version);
   * every write rejects. Readers may open a directory while another process writes to it.
   */
  readOnly?: boolean;
  /**
   * Where writes run: "thread" (a writer thread with its own connection; the default where the compiled
   * build has it) or "inline" (on this thread's connection).
   */
  writer?: "thread" | "inline";
  /**
   * The writer thread's priority: "background" (default; lowered, so reads on the main thread win the CPU) or
   * "normal" (a bulk load with no reads to protect, e.g. `events import`).
   */
  writerPriority?: "background" | "normal";
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
 * SQLite implementation of {@link CatalogStore}. Reads run on this thread's connection and resolve at once;
 * writes run in the writer thread, each multi-row write one transaction.
 * @example const store = SqliteStore.open("./assort-data");
 */
export class SqliteStore implements CatalogStore {
  /** The reading connection (this thread's). */
  readonly db: Database.Database;
  readonly file: string;
  readonly readOnly: boolean;
  /** The data directory's write lock (undefined when read-only). */
  readonly lock: DirLock | undefined;
  private readonly writer: StoreWriter | undefined;
  private readonly search_: SqliteSearch;
  private readonly s;

  private constructor(db: Database.Database, file: string, writer: StoreWriter | undefined, lock: DirLock | undefined) {
    this.db = db;
    this.file = file;
    this.writer = writer;
    this.lock = lock;
    this.readOnly = writer === undefined;
    this.search_ = new SqliteSearch(db);
    this.s = {
      productById: db.prepare<[string], ProductRow>("SELECT * FROM products WHERE id = ?"),
      hashOf: db.prepare<[string], { hash: string; pred_model: string | null }>("SELECT hash, pred_model FROM products WHERE id = ?"),
      // Keyset scans on the primary key: each page is an index range, never an OFFSET.
      scan: db.prepare<[string, number], ProductRow>("SELECT * FROM products WHERE id > ? ORDER BY id LIMIT ?"),
      scanIds: db.prepare<[string, number], string>("SELECT id FROM products WHERE id > ? ORDER BY id LIMIT ?").pluck(),
      corrections: db.prepare<[number, number], CorrectionRow>("SELECT * FROM corrections WHERE id > ? ORDER BY id LIMIT ?"),
      // The partial index products_corrected holds only corrected products: O(corrections), not O(catalog).
      corrected: db.prepare<[string, number], { id: string; title: string; corrected: string }>(
        "SELECT id, title, corrected FROM products INDEXED BY products_corrected WHERE corrected IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
      ),
      jobById: db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE id = ?"),
      jobs: db.prepare<[number], JobRow>("SELECT * FROM jobs ORDER BY seq DESC LIMIT ?"),
      jobsByState: db.prepare<[string, number], JobRow>("SELECT * FROM jobs WHERE state = ? ORDER BY seq DESC LIMIT ?"),
      modelByVersion: db.prepare<[string], ModelRow>("SELECT * FROM models WHERE version = ?"),
      models: db.prepare<[], ModelRow>("SELECT * FROM models ORDER BY registered_at, version"),
      activeVersion: db.prepare<[], { version: string }>("SELECT version FROM activations ORDER BY seq DESC LIMIT 1"),
      activations: db.prepare<[number], { version: string }>("SELECT version FROM activations ORDER BY seq DESC LIMIT ?"),
      vectors: db.prepare<[string, string, number], { product_id: string; vec: Buffer; eff_category: string | null }>(
        `SELECT v.product_id, v.vec, p.eff_category FROM vectors v LEFT JOIN products p ON p.id = v.product_id
         WHERE v.model = ? AND v.product_id > ? ORDER BY v.product_id LIMIT ?`,
      ),
      vectorCounts: db.prepare<[string], { eff_category: string | null; n: number }>(
        "SELECT p.eff_category, count(*) AS n FROM vectors v LEFT JOIN products p ON p.id = v.product_id WHERE v.model = ? GROUP BY p.eff_category",
      ),
      getMeta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      clusterRunLatest: db.prepare<[], { id: string; algorithm: string; clusters: string; created_at: string }>("SELECT * FROM cluster_runs ORDER BY created_at DESC, rowid DESC LIMIT 1"),
      clusterRunLatestOf: db.prepare<[number], { id: string; algorithm: string; clusters: string; created_at: string }>(
        "SELECT * FROM cluster_runs WHERE (algorithm = 'match') = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
      ),
      taxonomyAdditions: db.prepare<[], { path: string; parent: string; source: string | null; created_at: string }>("SELECT path, parent, source, created_at FROM taxonomy_additions ORDER BY seq"),
      clusterRun: db.prepare<[string], { id: string; algorithm: string; clusters: string; created_at: string }>("SELECT * FROM cluster_runs WHERE id = ?"),
      assignments: db.prepare<[string], { product_id: string; cluster: number }>("SELECT product_id, cluster FROM cluster_assignments WHERE run_id = ? ORDER BY product_id"),
    };
  }

  /**
   * Opens (creating it if needed) `<dataDir>/catalog.db`: WAL, synchronous=NORMAL, a 5 s busy timeout,
   * schema migrated to the current version, writes in a writer thread. Takes the data directory's write
   * lock: ConflictError while another process writes there. A data directory that is a file, or a catalog.db that is
   * not an SQLite database (or is damaged), is a ConfigError naming the path. `readOnly` takes no lock and migrates nothing.
   */
  static open(dataDir: string, o: SqliteStoreOptions = {}): SqliteStore {
    const st = statSync(dataDir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new ConfigError(`Cannot open the data directory "${dataDir}": it is a file, not a directory`);
    const file = path.join(dataDir, STORE_FILE);
    if (o.readOnly) {
      if (!existsSync(file)) throw new ConfigError(`Cannot open the catalog store "${file}" to read: it does not exist`);
      let db: Database.Database;
      try {
        db = connect(file, { readOnly: true });
      } catch (e) {
        throw unusableDatabase(e, file);
      }
      try {
        const found = db.pragma("user_version", { simple: true }) as number;
        if (found !== SCHEMA_VERSION) {
          throw new ConfigError(`Cannot open the catalog store "${file}" to read: its schema version is ${found}, this version of assort reads ${SCHEMA_VERSION}${found < SCHEMA_VERSION ? " (opening it for writing once upgrades it)" : ""}`);
        }
      } catch (e) {
        db.close();
        throw unusableDatabase(e, file);
      }
      return new SqliteStore(db, file, undefined, undefined);
    }
    mkdirSync(dataDir, { recursive: true });
    const lock = lockDir(dataDir);
    let db: Database.Database | undefined;
    try {
      const busyTimeoutMs = o.busyTimeoutMs ?? 5000;
      db = connect(file, { busyTimeoutMs });
      migrate(db, file);
      const inline = (): StoreWriter => new InlineWriter(new SqliteWrites(db!, (kind, id, detail) => new NotFoundError(kind, id, detail)));
      const threaded = (o.writer ?? "thread") === "thread" && writerThreadAvailable();
      return new SqliteStore(db, file, threaded ? new ThreadWriter(file, busyTimeoutMs, inline, o.writerPriority !== "normal") : inline(), lock);
    } catch (e) {
      if (db?.open) db.close();
      lock.release();
      throw unusableDatabase(e, file);
    }
  }

  /** "thread", "inline", or "read-only": where this store's writes run. */
  get writeMode(): "thread" | "inline" | "read-only" {
    return this.writer?.mode ?? "read-only";
  }

  private write<T>(op: WriteOp, ...args: unknown[]): Promise<T> {
    if (!this.writer) return Promise.reject(new ConfigError(`Cannot write to the catalog store "${this.file}": it was opened read-only`));
    return this.writer.run<T>(op, args);
  }

  // ---- products

  upsertProducts(rows: readonly ProductWrite[]): Promise<UpsertResult> {
    return this.write("upsertProducts", rows);
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

  deleteProduct(id: string): Promise<boolean> {
    return this.write("deleteProduct", id);
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
    for (let i = 0; i < ids.length; i++) {
      // A point lookup takes a few µs: a 1,000-product batch yields to the event loop every 200.
      if (i > 0 && i % HASH_SLICE === 0) await new Promise((r) => setImmediate(r));
      const id = ids[i]!;
      const r = get.get(id);
      if (r) out.set(id, r.pred_model !== null ? { hash: r.hash, model: r.pred_model } : { hash: r.hash });
    }
    return out;
  }

  setPredictions(rows: readonly { id: string; predicted: StoredPrediction }[]): Promise<number> {
    return this.write("setPredictions", rows);
  }

  async search(q: Parameters<CatalogStore["search"]>[0]): ReturnType<CatalogStore["search"]> {
    return this.search_.run(q);
  }

  // ---- corrections

  addCorrection(c: CorrectionInput): Promise<CorrectionRecord> {
    return this.write("addCorrection", c);
  }

  deleteCorrection(id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string } | undefined> {
    return this.write("deleteCorrection", id);
  }

  renameCluster(runId: string, cluster: number, name: string): Promise<ClusterRecord | undefined> {
    return this.write("renameCluster", runId, cluster, name);
  }

  mergeClusters(runId: string, from: number, into: number): Promise<ClusterRecord | undefined> {
    return this.write("mergeClusters", runId, from, into);
  }

  async reviewQueue(q: ReviewQuery): Promise<ReviewPage> {
    return sqliteReviewQueue(this.db, q);
  }

  async listCorrections(o: { afterId?: number; limit?: number } = {}): Promise<CorrectionRecord[]> {
    return this.s.corrections.all(o.afterId ?? 0, o.limit ?? 1000).map(toCorrection);
  }

  async scanCorrectedCategories(o: ScanPage): Promise<CorrectedCategory[]> {
    return this.s.corrected.all(o.afterId ?? "", o.limit).map((r) => ({ id: r.id, title: r.title, category: r.corrected }));
  }

  // ---- clusters

  saveClusterRun(run: { id: string; algorithm: string; assignments: readonly { productId: string; cluster: number }[]; clusters: readonly ClusterRecord[] }): Promise<void> {
    return this.write("saveClusterRun", run);
  }

  async getClusterRun(id?: string, kind?: ClusterRunKind): ReturnType<CatalogStore["getClusterRun"]> {
    const row = id !== undefined ? this.s.clusterRun.get(id) : kind === undefined ? this.s.clusterRunLatest.get() : this.s.clusterRunLatestOf.get(kind === "groups" ? 1 : 0);
    if (!row || (kind !== undefined && (row.algorithm === "match") !== (kind === "groups"))) return undefined;
    const assignments = this.s.assignments.all(row.id).map((a) => ({ productId: a.product_id, cluster: a.cluster }));
    return { id: row.id, algorithm: row.algorithm, createdAt: row.created_at, clusters: JSON.parse(row.clusters) as ClusterRecord[], assignments };
  }

  // ---- taxonomy additions

  addTaxonomyPath(a: { path: string; parent: string; source?: string }): Promise<boolean> {
    return this.write("addTaxonomyPath", a);
  }

  async listTaxonomyPaths(): Promise<TaxonomyAddition[]> {
    return this.s.taxonomyAdditions.all().map((r) => ({ path: r.path, parent: r.parent, ...(r.source !== null ? { source: r.source } : {}), createdAt: r.created_at }));
  }

  // ---- jobs

  createJob(kind: JobKind, params: Record<string, unknown>): Promise<JobRecord> {
    return this.write("createJob", kind, params);
  }

  updateJob(id: string, patch: JobPatch): Promise<JobRecord | undefined> {
    return this.write("updateJob", id, patch);
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const r = this.s.jobById.get(id);
    return r ? toJob(r) : undefined;
  }

  async listJobs(o: { limit?: number; state?: JobState } = {}): Promise<JobRecord[]> {
    const limit = o.limit ?? 50;
    return (o.state ? this.s.jobsByState.all(o.state, limit) : this.s.jobs.all(limit)).map(toJob);
  }

  failUnfinishedJobs(message: string): Promise<number> {
    return this.write("failUnfinishedJobs", message);
  }

  // ---- model registry

  addModel(m: Omit<ModelRecord, "active">): Promise<ModelRecord> {
    return this.write("addModel", m);
  }

  async listModels(): Promise<ModelRecord[]> {
    const active = this.s.activeVersion.get()?.version;
    return this.s.models.all().map((r) => toModel(r, active));
  }

  async getModel(version: string): Promise<ModelRecord | undefined> {
    const r = this.s.modelByVersion.get(version);
    return r ? toModel(r, this.s.activeVersion.get()?.version) : undefined;
  }

  activateModel(version: string): Promise<ModelRecord> {
    return this.write("activateModel", version);
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

  putVectors(model: string, rows: readonly { id: string; vector: Float32Array }[]): Promise<void> {
    return this.write("putVectors", model, rows);
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

  async countVectors(model: string): Promise<{ category: string | undefined; count: number }[]> {
    return this.s.vectorCounts.all(model).map((r) => ({ category: r.eff_category ?? undefined, count: r.n }));
  }

  dropVectors(keep = ""): Promise<void> {
    return this.write("dropVectors", keep);
  }

  // ---- settings and counts

  async getMeta(key: string): Promise<string | undefined> {
    return this.s.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.write("setMeta", key, value);
  }

  /** Counted where the writes run (their thread: see SqliteWrites.counts); here when the store is read-only. */
  async counts(): ReturnType<CatalogStore["counts"]> {
    return this.writer ? this.write("counts") : storeCounts(this.db);
  }

  // ---- shoppers (sqlite-events.ts)

  private events_: SqliteEventReads | undefined;
  private get events(): SqliteEventReads {
    return (this.events_ ??= new SqliteEventReads(this.db));
  }
  insertEvents(rows: readonly EventWrite[]): Promise<EventInsertResult> {
    return rows.length === 0 ? Promise.resolve({ inserted: 0, duplicates: 0 }) : this.write("insertEvents", rows);
  }
  async scanEvents(o: EventPage): Promise<StoredEvent[]> {
    return this.events.scanEvents(o);
  }
  async userEvents(userId: string, o?: Partial<EventPage>): Promise<StoredEvent[]> {
    return this.events.userEvents(userId, o);
  }
  async userEventCounts(o: { afterId?: string; limit: number }): Promise<{ userId: string; events: number }[]> {
    return this.events.userEventCounts(o);
  }
  async eventCounts(): Promise<{ events: number; users: number; items: number }> {
    return this.events.eventCounts();
  }
  saveSegments(set: SegmentSetWrite): Promise<void> {
    return this.write("saveSegments", set);
  }
  async getSegments(): Promise<SegmentSet | undefined> {
    return this.events.getSegments();
  }
  async segmentMembers(segment: number, o: { afterId?: string; limit: number }): Promise<string[]> {
    return this.events.segmentMembers(segment, o);
  }
  async userSegment(userId: string): Promise<number | undefined> {
    return this.events.userSegment(userId);
  }
  eraseUser(userId: string): Promise<{ events: number; memberships: number }> {
    return this.write("eraseUser", userId);
  }

  // ---- prediction log (sqlite-prediction-log.ts)
  private predictionLog_: SqlitePredictionLogReads | undefined;
  appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number> {
    return rows.length === 0 ? Promise.resolve(0) : this.write("appendPredictions", rows);
  }
  async predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary> {
    return (this.predictionLog_ ??= new SqlitePredictionLogReads(this.db)).predictionSummary(q);
  }
  prunePredictions(before: number, limit: number): Promise<number> {
    return this.write("prunePredictions", before, limit);
  }

  /** Waits for the writes in flight, closes both connections and releases the lock (a second call does nothing). */
  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      await this.writer?.close();
    } finally {
      if (this.db.open) this.db.close();
      this.lock?.release();
    }
  }
}
