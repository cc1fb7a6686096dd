// Catalog search on PostgreSQL: BM25 over the library's search terms with category facets and the
// predicted-category boost, in two steps whose cost does not grow with the catalog where it can avoid it:
// - one term: facets and total are the term's stored counts (term_counts), the best hits its postings in
//   impact order (an index range of the page's size);
// - several terms: facets and total count every match through the GIN index on the terms, and hits are
//   scored exactly over every match up to EXACT_LIMIT matches; beyond that, over the rarest term's
//   CANDIDATES best postings that hold every term (early termination: BM25-like, not exhaustive).
// Every query is plain words (src/store/pg-text.ts): nothing the user types reaches PostgreSQL as syntax.
import type { SearchHit, StoreSearch, StoreSearchResult } from "../index.js";
import { compareIds } from "../entries/text.js";
import { idf, impact, queryTerms } from "./pg-text.js";
import { ALL_TERM } from "./postgres-writes.js";
import type { PgPool } from "./pg-pool.js";

const MAX_FACETS = 100;
/** Best matches the category boost re-ranks (as in SQLite). */
const BOOST_CANDIDATES = 200;
/** Several terms: up to this many matches every one is scored. */
const EXACT_LIMIT = 2000;
/** Several terms, more matches: postings of the rarest term read, best impact first. */
const CANDIDATES = 1000;
/** A term whose counts span more rows than this is compacted (its deltas summed into one row per category). */
const COMPACT_ABOVE = 64;

interface HitRow {
  id: string;
  title: string;
  eff_category: string | null;
  pred_category: string | null;
  seq: string;
}

interface ScoredRow extends HitRow {
  terms: string[];
  tfs: number[];
  doc_len: number;
}

const HIT_COLUMNS = "p.id, p.title, p.eff_category, p.pred_category, p.seq";

type Ranked = { row: HitRow; score: number };

function toHit(r: Ranked): SearchHit {
  return {
    id: r.row.id,
    title: r.row.title,
    ...(r.row.eff_category !== null ? { category: r.row.eff_category } : {}),
    ...(r.row.pred_category !== null ? { predicted: r.row.pred_category } : {}),
    score: r.score,
  };
}

/** Score desc, then insertion order (as SQLite's rowid and the memory store's seq). */
function byScore(a: Ranked, b: Ranked): number {
  return b.score - a.score || Number(a.row.seq) - Number(b.row.seq);
}

function sortFacets(counts: Map<string | null, number>): { category: string; count: number }[] {
  return [...counts]
    .flatMap(([category, count]) => (category === null || count <= 0 ? [] : [{ category, count }]))
    .sort((a, b) => b.count - a.count || compareIds(a.category, b.category))
    .slice(0, MAX_FACETS);
}

export class PgSearch {
  private readonly compacting = new Set<string>();

  constructor(private readonly db: PgPool) {}

  async run(q: StoreSearch): Promise<StoreSearchResult> {
    const terms = queryTerms(q.q);
    const stats = await this.termStats([ALL_TERM, ...terms]);
    if (terms.length === 0) return this.browse(q, stats.get(ALL_TERM) ?? new Map());
    const n = sum(stats.get(ALL_TERM));
    const idfs = new Map(terms.map((t) => [t, idf(n, sum(stats.get(t)))]));
    if (terms.length === 1) return this.one(q, terms[0]!, stats.get(terms[0]!) ?? new Map(), idfs.get(terms[0]!)!);
    const all = await this.several(q, terms, idfs, "all");
    if (all.total > 0) return all;
    return this.several(q, terms, idfs, "any");
  }

  /** Counts per category of each term (summing its deltas); compacts a term whose deltas have piled up. */
  private async termStats(terms: string[]): Promise<Map<string, Map<string | null, number>>> {
    const rows = await this.db.query<{ term: string; category: string | null; n: string; parts: string }>(
      "SELECT term, category, sum(n) AS n, count(*) AS parts FROM term_counts WHERE term = ANY($1::text[]) GROUP BY term, category",
      [terms],
    );
    const out = new Map<string, Map<string | null, number>>();
    const parts = new Map<string, number>();
    for (const r of rows) {
      let m = out.get(r.term);
      if (!m) out.set(r.term, (m = new Map()));
      m.set(r.category, Number(r.n));
      parts.set(r.term, (parts.get(r.term) ?? 0) + Number(r.parts));
    }
    for (const [term, k] of parts) if (k > COMPACT_ABOVE + (out.get(term)?.size ?? 0)) void this.compact(term);
    return out;
  }

  /** Compacts those of `terms` whose deltas span more than COMPACT_ABOVE rows (writers call it now and then). */
  async compactPiledUp(terms: readonly string[]): Promise<void> {
    const piled = await this.db.query<{ term: string }>("SELECT term FROM term_counts WHERE term = ANY($1::text[]) GROUP BY term HAVING count(*) > $2", [terms, COMPACT_ABOVE]);
    for (const { term } of piled) await this.compact(term);
  }

  /** Sums a term's deltas into one row per category (concurrent writers keep inserting; nothing is lost). */
  async compact(term: string): Promise<void> {
    if (this.compacting.has(term)) return;
    this.compacting.add(term);
    try {
      await this.db.tx(async (c) => {
        const got = (await c.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok", [`assort-compact:${term}`])).rows[0]?.ok;
        if (!got) return;
        await c.query(
          `WITH gone AS (DELETE FROM term_counts WHERE term = $1 RETURNING category, n)
           INSERT INTO term_counts (term, category, n) SELECT $1, category, sum(n) FROM gone GROUP BY category HAVING sum(n) <> 0`,
          [term],
        );
      });
    } catch {
      // Compaction is an optimisation: the deltas stay correct without it.
    } finally {
      this.compacting.delete(term);
    }
  }

  /** One term: counts from term_counts, hits from its postings in impact order. */
  private async one(q: StoreSearch, term: string, counts: Map<string | null, number>, w: number): Promise<StoreSearchResult> {
    const facets = sortFacets(counts);
    const total = q.category !== undefined ? Math.max(0, counts.get(q.category) ?? 0) : sum(counts);
    if (total === 0) return { total, hits: [], facets };
    if (q.category !== undefined) {
      const rows = await this.db.query<HitRow & { impact: number }>(
        `SELECT ${HIT_COLUMNS}, x.impact FROM postings x JOIN products p ON p.seq = x.seq
         WHERE x.term = $1 AND p.eff_category = $2 ORDER BY x.impact DESC, x.seq LIMIT $3 OFFSET $4`,
        [term, q.category, q.limit, q.offset],
      );
      return { total, hits: rows.map((row) => toHit({ row, score: w * row.impact })), facets };
    }
    const rows = await this.db.query<HitRow & { impact: number }>(
      `SELECT ${HIT_COLUMNS}, x.impact FROM (SELECT seq, impact FROM postings WHERE term = $1 ORDER BY impact DESC, seq LIMIT $2) x
       JOIN products p ON p.seq = x.seq`,
      [term, Math.max(BOOST_CANDIDATES, q.offset + q.limit)],
    );
    return { total, hits: this.page(q, rows.map((row) => ({ row, score: w * row.impact }))), facets };
  }

  /** Several terms, every one (`all`) or any: facets and total over every match, hits as the file header says. */
  private async several(q: StoreSearch, terms: string[], idfs: Map<string, number>, mode: "all" | "any"): Promise<StoreSearchResult> {
    const match = mode === "all" ? "p.terms @> $1::text[]" : "p.terms && $1::text[]";
    const rows = await this.db.query<{ category: string | null; n: string }>(`SELECT p.eff_category AS category, count(*) AS n FROM products p WHERE ${match} GROUP BY 1`, [terms]);
    const counts = new Map(rows.map((r) => [r.category, Number(r.n)]));
    const facets = sortFacets(counts);
    const total = q.category !== undefined ? (counts.get(q.category) ?? 0) : sum(counts);
    if (total === 0) return { total, hits: [], facets };
    const score = (r: ScoredRow): number => {
      let s = 0;
      for (const t of terms) {
        const i = r.terms.indexOf(t);
        if (i >= 0) s += idfs.get(t)! * impact(r.tfs[i]!, r.doc_len);
      }
      return s;
    };
    const filter = q.category !== undefined ? " AND p.eff_category = $2" : "";
    const params: unknown[] = q.category !== undefined ? [terms, q.category] : [terms];
    let candidates: ScoredRow[];
    if (total <= EXACT_LIMIT) {
      candidates = await this.db.query<ScoredRow>(`SELECT ${HIT_COLUMNS}, p.terms, p.tfs, p.doc_len FROM products p WHERE ${match}${filter}`, params);
    } else {
      // The best postings of the rarest term (all mode) or of each term (any mode), then the exact score of each.
      const from = mode === "all" ? [[...terms].sort((a, b) => idfs.get(b)! - idfs.get(a)!)[0]!] : terms;
      const limit = Math.max(CANDIDATES, q.offset + q.limit);
      candidates = await this.db.query<ScoredRow>(
        `SELECT DISTINCT ON (p.seq) ${HIT_COLUMNS}, p.terms, p.tfs, p.doc_len
         FROM unnest($${params.length + 1}::text[]) AS f(term)
         CROSS JOIN LATERAL (SELECT seq FROM postings x WHERE x.term = f.term ORDER BY x.impact DESC, x.seq LIMIT ${limit}) x
         JOIN products p ON p.seq = x.seq WHERE ${match}${filter}`,
        [...params, from],
      );
    }
    const ranked = candidates.map((row) => ({ row, score: score(row) }));
    if (q.category !== undefined) return { total, hits: ranked.sort(byScore).slice(q.offset, q.offset + q.limit).map(toHit), facets };
    return { total, hits: this.page(q, ranked), facets };
  }

  /** The page of `ranked`: the best BOOST_CANDIDATES (or more, to reach the page), boosted, re-sorted. */
  private page(q: StoreSearch, ranked: Ranked[]): SearchHit[] {
    let top = ranked.sort(byScore).slice(0, Math.max(BOOST_CANDIDATES, q.offset + q.limit));
    if (q.boostCategory !== undefined) {
      const factor = q.boostFactor ?? 1.5;
      top = top.map((r) => (r.row.eff_category === q.boostCategory ? { row: r.row, score: r.score * factor } : r)).sort(byScore);
    }
    return top.slice(q.offset, q.offset + q.limit).map(toHit);
  }

  /** No search terms: the products of `category` (by id), or nothing; facets over the whole catalog. */
  private async browse(q: StoreSearch, counts: Map<string | null, number>): Promise<StoreSearchResult> {
    const facets = sortFacets(counts);
    if (q.category === undefined) return { total: 0, hits: [], facets };
    const rows = await this.db.query<HitRow>(`SELECT ${HIT_COLUMNS} FROM products p WHERE p.eff_category = $1 ORDER BY p.id LIMIT $2 OFFSET $3`, [q.category, q.limit, q.offset]);
    return { total: Math.max(0, counts.get(q.category) ?? 0), hits: rows.map((row) => toHit({ row, score: 0 })), facets };
  }
}

function sum(m: Map<string | null, number> | undefined): number {
  let s = 0;
  if (m) for (const v of m.values()) s += v;
  return Math.max(0, s);
}
