// The PostgreSQL schema of the catalog store: versioned migrations applied at open, in one transaction
// under an advisory lock, so two replicas that start at once never migrate together (the second waits,
// then finds nothing to do). Each applied version is recorded in schema_migrations.
import type pg from "pg";
import { ConfigError } from "../index.js";
import { pidSql } from "./pg-postings.js";

/** Migration i (0-based) takes the schema from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE products (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id text COLLATE "C" PRIMARY KEY,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    category text,
    fields text NOT NULL,
    hash text NOT NULL,
    pred_category text,
    pred_score double precision,
    pred_model text,
    corrected text,
    eff_category text,
    updated_at text NOT NULL,
    -- The search document (src/store/pg-text.ts): distinct terms, weighted frequencies, BM25 impacts, length.
    terms text[] NOT NULL,
    tfs real[] NOT NULL,
    imps real[] NOT NULL,
    doc_len integer NOT NULL
  );
  CREATE INDEX products_terms ON products USING gin (terms);
  CREATE INDEX products_eff_category ON products (eff_category, id);
  CREATE INDEX products_corrected ON products (id) WHERE corrected IS NOT NULL;
  -- Each product's terms in BM25-impact order: the best hits of a term without reading its other matches.
  CREATE TABLE postings (
    term text COLLATE "C" NOT NULL,
    impact real NOT NULL,
    seq bigint NOT NULL
  );
  CREATE UNIQUE INDEX postings_rank ON postings (term, impact DESC, seq);
  -- Products per (term, effective category) as signed deltas, summed on read and compacted now and then:
  -- writers only insert (no hot rows to lock). Term '' counts every product, term E'\\x01p' the predicted ones.
  CREATE TABLE term_counts (
    term text COLLATE "C" NOT NULL,
    category text,
    n integer NOT NULL
  );
  CREATE INDEX term_counts_term ON term_counts (term);
  CREATE TABLE corrections (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id text COLLATE "C" NOT NULL,
    category text NOT NULL,
    previous text,
    accepted boolean NOT NULL,
    "user" text,
    created_at text NOT NULL
  );
  CREATE TABLE cluster_runs (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    id text PRIMARY KEY,
    algorithm text NOT NULL,
    clusters text NOT NULL,
    created_at text NOT NULL
  );
  CREATE TABLE cluster_assignments (
    run_id text NOT NULL,
    product_id text COLLATE "C" NOT NULL,
    cluster integer NOT NULL,
    PRIMARY KEY (run_id, product_id)
  );
  CREATE TABLE jobs (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    id text PRIMARY KEY,
    kind text NOT NULL,
    state text NOT NULL,
    params text NOT NULL,
    progress text NOT NULL,
    result text,
    error text,
    created_at text NOT NULL,
    updated_at text NOT NULL
  );
  CREATE INDEX jobs_seq ON jobs (seq);
  CREATE TABLE models (
    version text COLLATE "C" PRIMARY KEY,
    dir text NOT NULL,
    registered_at text NOT NULL,
    created_at text,
    labels integer NOT NULL,
    source text,
    metrics text
  );
  CREATE TABLE activations (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version text COLLATE "C" NOT NULL REFERENCES models (version),
    at text NOT NULL
  );
  -- Product vectors as float32 little-endian bytes (no pgvector in Debian 12), read in pages of product ids.
  CREATE TABLE vectors (
    model text COLLATE "C" NOT NULL,
    product_id text COLLATE "C" NOT NULL,
    vec bytea NOT NULL,
    PRIMARY KEY (model, product_id)
  );
  CREATE INDEX vectors_product ON vectors (product_id);
  CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
  -- Shared state (src/store/postgres-shared-state.ts): every published change, its seq sent by NOTIFY.
  CREATE TABLE changes (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin text NOT NULL,
    change text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
  );
  -- Artifacts every replica reads (model directories, product-vector models, similar-items indexes):
  -- files in chunks of at most 1 MiB, each file with its SHA-256, checked when read back.
  CREATE TABLE artifacts (
    key text COLLATE "C" NOT NULL,
    file text COLLATE "C" NOT NULL,
    size bigint NOT NULL,
    sha256 text NOT NULL,
    PRIMARY KEY (key, file)
  );
  CREATE TABLE artifact_chunks (
    key text COLLATE "C" NOT NULL,
    file text COLLATE "C" NOT NULL,
    n integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (key, file, n)
  );
  `,
  `
  -- Shopper events (src/store/postgres-events.ts): seq is the insertion order; a repeated event id, or a
  -- repeated source and line, is a duplicate (ON CONFLICT DO NOTHING); rows without either are real repeats.
  CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    item_id text COLLATE "C" NOT NULL,
    type text NOT NULL,
    time double precision NOT NULL,
    quantity double precision,
    price double precision,
    order_id text,
    session text,
    event_id text COLLATE "C",
    source text COLLATE "C",
    line integer
  );
  CREATE UNIQUE INDEX events_event_id ON events (event_id) WHERE event_id IS NOT NULL;
  CREATE UNIQUE INDEX events_source_line ON events (source, line) WHERE source IS NOT NULL AND line IS NOT NULL;
  CREATE INDEX events_user ON events (user_id, seq);
  CREATE TABLE segment_sets (one integer PRIMARY KEY CHECK (one = 1), version text NOT NULL, created_at text NOT NULL, segments text NOT NULL);
  CREATE TABLE segment_members (user_id text COLLATE "C" PRIMARY KEY, segment integer NOT NULL);
  CREATE INDEX segment_members_segment ON segment_members (segment, user_id);
  `,
  `
  -- The review queue (products predicted, not labelled, not corrected), most uncertain first: a page is an index range.
  CREATE INDEX products_review ON products (pred_score, id) WHERE pred_category IS NOT NULL AND corrected IS NULL AND category IS NULL;
  `,
  `
  -- The log of served predictions (src/store/postgres-prediction-log.ts): at is ms since the epoch; category and
  -- score are the top-1, top the top-k as JSON. Summaries read the per-day aggregates beside it: by top-1
  -- category (count, score sum) and by score bucket (0.001 grid), kept in the same transaction as the entries.
  CREATE TABLE prediction_log (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at bigint NOT NULL,
    model text NOT NULL,
    product_id text,
    source text NOT NULL,
    category text NOT NULL,
    score double precision NOT NULL,
    top text NOT NULL
  );
  CREATE INDEX prediction_log_at ON prediction_log (at);
  CREATE TABLE prediction_days (day integer NOT NULL, model text COLLATE "C" NOT NULL, category text COLLATE "C" NOT NULL, n bigint NOT NULL, score_sum double precision NOT NULL, PRIMARY KEY (day, model, category));
  CREATE TABLE prediction_scores (day integer NOT NULL, model text COLLATE "C" NOT NULL, bucket integer NOT NULL, n bigint NOT NULL, PRIMARY KEY (day, model, bucket));
  `,
  `
  -- Category paths people added to the taxonomy (the review console's "make this cluster a category").
  CREATE TABLE taxonomy_additions (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, path text NOT NULL UNIQUE, parent text NOT NULL, source text, created_at text NOT NULL);
  `,
  `
  -- Narrow search postings (src/store/pg-postings.ts) replace the earlier ones: pid (the product's seq
  -- scrambled), seq, impact and the effective category's id, covered by a (term, pid) index for intersections
  -- and samples and a (term, impact DESC, seq) index for the best hits; existing products are indexed here.
  CREATE TABLE search_categories (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE
  );
  CREATE TABLE search_postings (
    term text COLLATE "C" NOT NULL,
    pid integer NOT NULL,
    seq integer NOT NULL,
    impact real NOT NULL,
    cat integer
  );
  INSERT INTO search_categories (name) SELECT DISTINCT eff_category FROM products WHERE eff_category IS NOT NULL ORDER BY 1;
  INSERT INTO search_postings (term, pid, seq, impact, cat)
    SELECT t.term, ${pidSql("p.seq")}, p.seq, t.impact, c.id
    FROM products p CROSS JOIN LATERAL unnest(p.terms, p.imps) AS t(term, impact) LEFT JOIN search_categories c ON c.name = p.eff_category
    ORDER BY 1, 3 DESC, 2;
  CREATE UNIQUE INDEX search_postings_doc ON search_postings (term, pid) INCLUDE (impact, cat);
  CREATE INDEX search_postings_rank ON search_postings (term, impact DESC, seq) INCLUDE (cat);
  DROP TABLE postings;
  -- Several-word searches join postings now: the GIN index of the terms is no longer read, only written.
  DROP INDEX products_terms;
  `,
];

/** The schema version this code writes. */
export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/** A quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Brings `schema` to {@link PG_SCHEMA_VERSION} on `client` (outside any transaction); refuses a schema
 * written by a newer version. The advisory lock (per schema) makes concurrent callers wait their turn.
 * @returns the version found before migrating (0 for a new schema).
 */
export async function migrate(client: pg.ClientBase, schema: string): Promise<number> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`assort-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
    await client.query(`SET LOCAL search_path TO ${ident(schema)}`);
    await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    const found = Number((await client.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations")).rows[0]?.v ?? 0);
    if (found > PG_SCHEMA_VERSION) {
      throw new ConfigError(`Cannot open the catalog store: its schema version ${found} is newer than supported version ${PG_SCHEMA_VERSION}; upgrade assort`);
    }
    for (let v = found; v < PG_SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v]!);
      await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [v + 1]);
    }
    await client.query("COMMIT");
    return found;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}
