// The SQLite schema of the catalog store, versioned with PRAGMA user_version: each migration runs once,
// in a transaction, in order.
import type Database from "better-sqlite3";
import { ConfigError } from "../index.js";

/** Migration i (0-based) takes the database from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE products (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category TEXT,
    fields TEXT NOT NULL,
    hash TEXT NOT NULL,
    pred_category TEXT,
    pred_score REAL,
    pred_model TEXT,
    corrected TEXT,
    eff_category TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX products_eff_category ON products(eff_category);
  CREATE INDEX products_rid_category ON products(rid, eff_category);
  -- Contentless FTS5 over the jieba-segmented text (rowid = products.rid); contentless_delete lets rows be
  -- deleted and replaced without keeping a second copy of the text.
  CREATE VIRTUAL TABLE products_fts USING fts5(
    title, description, category,
    content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
  );
  CREATE TABLE corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id TEXT NOT NULL,
    category TEXT NOT NULL,
    previous TEXT,
    accepted INTEGER NOT NULL,
    user TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX corrections_product ON corrections(product_id);
  CREATE TABLE cluster_runs (
    id TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    clusters TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE cluster_assignments (
    run_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    cluster INTEGER NOT NULL,
    PRIMARY KEY (run_id, product_id)
  ) WITHOUT ROWID;
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    progress TEXT NOT NULL,
    result TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE models (
    version TEXT PRIMARY KEY,
    dir TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    created_at TEXT,
    labels INTEGER NOT NULL,
    source TEXT,
    metrics TEXT
  );
  CREATE TABLE activations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    version TEXT NOT NULL REFERENCES models(version),
    at TEXT NOT NULL
  );
  CREATE TABLE vectors (
    model TEXT NOT NULL,
    product_id TEXT NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (model, product_id)
  ) WITHOUT ROWID;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  `
  -- Corrected products only: loading the override map reads the corrections, not the whole catalog.
  CREATE INDEX products_corrected ON products(id) WHERE corrected IS NOT NULL;
  `,
  `
  -- Shopper events (src/store/sqlite-events.ts): seq is the insertion order; a repeated event id, or a repeated
  -- source file and line, is a duplicate (INSERT OR IGNORE); rows without either are real repeats.
  CREATE TABLE event_sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    type TEXT NOT NULL,
    time REAL NOT NULL,
    quantity REAL,
    price REAL,
    order_id TEXT,
    session TEXT,
    event_id TEXT,
    source_id INTEGER,
    line INTEGER
  );
  CREATE UNIQUE INDEX events_event_id ON events(event_id) WHERE event_id IS NOT NULL;
  CREATE UNIQUE INDEX events_source_line ON events(source_id, line) WHERE source_id IS NOT NULL AND line IS NOT NULL;
  CREATE INDEX events_user ON events(user_id, seq);
  CREATE TABLE segment_sets (one INTEGER PRIMARY KEY CHECK (one = 1), version TEXT NOT NULL, created_at TEXT NOT NULL, segments TEXT NOT NULL);
  CREATE TABLE segment_members (user_id TEXT PRIMARY KEY, segment INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX segment_members_segment ON segment_members(segment, user_id);
  `,
  `
  -- The review queue (products predicted, not labelled, not corrected), most uncertain first: a page is an index range.
  CREATE INDEX products_review ON products(pred_score, id) WHERE pred_category IS NOT NULL AND corrected IS NULL AND category IS NULL;
  `,
  `
  -- The log of served predictions (src/store/sqlite-prediction-log.ts): at is ms since the epoch; category and
  -- score are the top-1, top the top-k as JSON. Summaries read the per-day aggregates beside it: by top-1
  -- category (count, score sum) and by score bucket (0.001 grid), kept in the same transaction as the entries.
  CREATE TABLE prediction_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    model TEXT NOT NULL,
    product_id TEXT,
    source TEXT NOT NULL,
    category TEXT NOT NULL,
    score REAL NOT NULL,
    top TEXT NOT NULL
  );
  CREATE INDEX prediction_log_at ON prediction_log(at);
  CREATE TABLE prediction_days (day INTEGER NOT NULL, model TEXT NOT NULL, category TEXT NOT NULL, n INTEGER NOT NULL, score_sum REAL NOT NULL, PRIMARY KEY (day, model, category)) WITHOUT ROWID;
  CREATE TABLE prediction_scores (day INTEGER NOT NULL, model TEXT NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, model, bucket)) WITHOUT ROWID;
  `,
  `
  -- Category paths people added to the taxonomy (the review console's "make this cluster a category").
  CREATE TABLE taxonomy_additions (seq INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, parent TEXT NOT NULL, source TEXT, created_at TEXT NOT NULL);
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link SCHEMA_VERSION}; refuses a database written by a newer version.
 * @returns the version found before migrating (0 for a new database).
 */
export function migrate(db: Database.Database, file: string): number {
  const found = db.pragma("user_version", { simple: true }) as number;
  if (found > SCHEMA_VERSION) {
    throw new ConfigError(`Cannot open the catalog store "${file}": its schema version ${found} is newer than supported version ${SCHEMA_VERSION}; upgrade assort`);
  }
  for (let v = found; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return found;
}
