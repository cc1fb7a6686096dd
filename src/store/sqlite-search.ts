// Catalog search on SQLite FTS5: BM25 (title weighs most), hits of a boosted category ranked higher,
// category facets with counts. All terms are quoted (see fts-query.ts); a query that matches nothing with
// every term falls back to any term.
import type Database from "better-sqlite3";
import type { SearchHit, StoreSearch, StoreSearchResult } from "../index.js";
import { matchExpression } from "./fts-query.js";

/** BM25 column weights: title, description, category. */
const WEIGHTS = "10.0, 2.0, 4.0";
const MAX_FACETS = 100;
/** Best BM25 matches the category boost re-ranks. */
const BOOST_CANDIDATES = 200;

interface HitRow {
  id: string;
  title: string;
  eff_category: string | null;
  pred_category: string | null;
  rank: number;
}

export class SqliteSearch {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      // The boost re-ranks the best BM25 candidates only: ranking inside FTS5 with a LIMIT is cheap, joining
      // every match to its product is not (5,000 matches: 3.6 ms instead of 6.9).
      hits: db.prepare<Record<string, unknown>, HitRow>(
        `WITH top AS (
           SELECT rowid AS rid, bm25(products_fts, ${WEIGHTS}) AS r FROM products_fts WHERE products_fts MATCH @match ORDER BY r LIMIT @candidates
         )
         SELECT p.id, p.title, p.eff_category, p.pred_category, top.r * (CASE WHEN p.eff_category = @boost THEN @factor ELSE 1.0 END) AS rank
         FROM top JOIN products p ON p.rid = top.rid ORDER BY rank, p.rid LIMIT @limit OFFSET @offset`,
      ),
      // Filter through the covering index (rid, eff_category), then read only the page's product rows.
      hitsIn: db.prepare<Record<string, unknown>, HitRow>(
        `WITH m AS (
           SELECT products_fts.rowid AS rid, bm25(products_fts, ${WEIGHTS}) AS r
           FROM products_fts JOIN products c INDEXED BY products_rid_category ON c.rid = products_fts.rowid
           WHERE products_fts MATCH @match AND c.eff_category = @category ORDER BY r, c.rid LIMIT @limit OFFSET @offset
         )
         SELECT p.id, p.title, p.eff_category, p.pred_category, m.r AS rank FROM m JOIN products p ON p.rid = m.rid ORDER BY rank, p.rid`,
      ),
      // One pass over the matches gives the facets and the totals (with and without the category filter).
      // The covering index (rid, eff_category) keeps the per-match lookup off the wide product rows.
      facets: db.prepare<Record<string, unknown>, { category: string | null; n: number }>(
        `SELECT p.eff_category AS category, count(*) AS n
         FROM products_fts JOIN products p INDEXED BY products_rid_category ON p.rid = products_fts.rowid
         WHERE products_fts MATCH @match GROUP BY p.eff_category ORDER BY n DESC, category`,
      ),
      browse: db.prepare<Record<string, unknown>, HitRow>(
        "SELECT id, title, eff_category, pred_category, 0 AS rank FROM products WHERE eff_category = @category ORDER BY id LIMIT @limit OFFSET @offset",
      ),
      browseTotal: db.prepare<Record<string, unknown>, { n: number }>("SELECT count(*) AS n FROM products WHERE eff_category = @category"),
      allFacets: db.prepare<[], { category: string; n: number }>(
        `SELECT eff_category AS category, count(*) AS n FROM products WHERE eff_category IS NOT NULL GROUP BY eff_category ORDER BY n DESC, category LIMIT ${MAX_FACETS}`,
      ),
    };
  }

  run(q: StoreSearch): StoreSearchResult {
    const all = matchExpression(q.q, "all");
    if (all === undefined) return this.browse(q);
    const first = this.query(q, all);
    if (first.total > 0 || !all.includes('" "')) return first;
    return this.query(q, matchExpression(q.q, "any")!);
  }

  private query(q: StoreSearch, match: string): StoreSearchResult {
    const s = this.s;
    const page = { match, limit: q.limit, offset: q.offset };
    const rows =
      q.category !== undefined
        ? s.hitsIn.all({ ...page, category: q.category })
        : s.hits.all({ ...page, boost: q.boostCategory ?? null, factor: q.boostFactor ?? 1.5, candidates: Math.max(BOOST_CANDIDATES, q.offset + q.limit) });
    let total = 0;
    const facets: { category: string; count: number }[] = [];
    for (const f of s.facets.all({ match })) {
      if (q.category === undefined || f.category === q.category) total += f.n;
      if (f.category !== null && facets.length < MAX_FACETS) facets.push({ category: f.category, count: f.n });
    }
    return { total, hits: rows.map(toHit), facets };
  }

  /** No search terms: the products of `category` (by id), or nothing; facets over the whole catalog. */
  private browse(q: StoreSearch): StoreSearchResult {
    const facets = this.s.allFacets.all().map((f) => ({ category: f.category, count: f.n }));
    if (q.category === undefined) return { total: 0, hits: [], facets };
    const rows = this.s.browse.all({ category: q.category, limit: q.limit, offset: q.offset });
    return { total: this.s.browseTotal.get({ category: q.category })!.n, hits: rows.map(toHit), facets };
  }
}

function toHit(r: HitRow): SearchHit {
  return {
    id: r.id,
    title: r.title,
    ...(r.eff_category !== null ? { category: r.eff_category } : {}),
    ...(r.pred_category !== null ? { predicted: r.pred_category } : {}),
    // bm25() is negative, lower = better; answers carry a positive score, higher = better.
    score: r.rank === 0 ? 0 : -r.rank,
  };
}
