// Catalog search on PostgreSQL: BM25 over the library's search terms with category facets and the
// predicted-category boost, over the narrow postings of src/store/pg-postings.ts, at a cost that depends on
// the page and a fixed sample size, not on how many products match:
// - one term: total and facets are the term's stored counts (term_counts, exact), the hits its postings in
//   impact order (an index range of the page's size);
// - several terms, every one: a join of the terms' postings on pid, driven by the rarest. While the rarest
//   term has at most `exactBound` postings that is every match: total, facets and ranking are exact. Beyond
//   it, total and facets are estimated from a uniform sample of the products (pid < p, the same for every
//   term; see pg-postings.ts) scaled by the rarest term's size over its sampled postings, and the answer
//   says `totalExact: false, facetsExact: false`; the hits are the best of the products among each term's
//   best postings by impact (one round of Fagin's threshold algorithm: not always the exhaustive top);
// - several terms, none holding them all: any term, ranked from each term's best postings.
// Every query is plain words (src/store/pg-text.ts): nothing the user types reaches PostgreSQL as syntax.
import type { SearchHit, StoreSearch, StoreSearchResult } from "../index.js";
import { compareIds } from "../entries/text.js";
import { idf, queryTerms } from "./pg-text.js";
import { ALL_TERM } from "./postgres-writes.js";
import { PID_SPACE, pidSql, seqOf, seqSql } from "./pg-postings.js";
import type { PgPool } from "./pg-pool.js";

const MAX_FACETS = 100;
/** Best matches the category boost re-ranks (as in SQLite). */
const BOOST_CANDIDATES = 200;
/** A term whose counts span more rows than this is compacted (its deltas summed into one row per category). */
const COMPACT_ABOVE = 64;
/** Several common terms: each term's best postings read for the hits. */
const TOP_DEPTH = 400;
/** Several terms: a term with more than this many times the driving term's postings is probed, not merged. */
const MERGE_RATIO = 8;

/** Options of {@link PgSearch} (tests lower them to reach the sampled path on a small catalog). */
export interface PgSearchOptions {
  /** Several terms: while the rarest has at most this many postings, every match is read (exact). Default 5,000. */
  exactBound?: number;
  /** Beyond it: about this many postings of the rarest term are sampled for the total and facets. Default 2,500. */
  sample?: number;
}

interface HitRow {
  id: string;
  title: string;
  eff_category: string | null;
  pred_category: string | null;
  seq: string;
}

/** A match: its product's seq, category id and BM25 score. */
interface Match {
  seq: number;
  cat: number | null;
  score: number;
}

function toHit(row: HitRow, score: number): SearchHit {
  return {
    id: row.id,
    title: row.title,
    ...(row.eff_category !== null ? { category: row.eff_category } : {}),
    ...(row.pred_category !== null ? { predicted: row.pred_category } : {}),
    score,
  };
}

/** Score desc, then insertion order (as SQLite's rowid and the memory store's seq). */
function byScore(a: Match, b: Match): number {
  return b.score - a.score || a.seq - b.seq;
}

function sortFacets(counts: Map<string | null, number>): { category: string; count: number }[] {
  return [...counts]
    .flatMap(([category, count]) => (category === null || count <= 0 ? [] : [{ category, count }]))
    .sort((a, b) => b.count - a.count || compareIds(a.category, b.category))
    .slice(0, MAX_FACETS);
}

/** Counts (or estimates) per category id, the total, and the matches to rank. */
interface Counted {
  counts: Map<number | null, number>;
  exact: boolean;
  matches: Match[];
}

export class PgSearch {
  private readonly compacting = new Set<string>();
  private readonly exactBound: number;
  private readonly sample: number;
  /** Search category ids and names (ids never change; reloaded when an unknown one turns up). */
  private catNames = new Map<number, string>();
  private catIds = new Map<string, number>();

  constructor(
    private readonly db: PgPool,
    o: PgSearchOptions = {},
  ) {
    this.exactBound = o.exactBound ?? 5000;
    this.sample = o.sample ?? 2500;
  }

  async run(q: StoreSearch): Promise<StoreSearchResult> {
    const terms = queryTerms(q.q);
    // One term: its best postings are read while its counts are (one round trip fewer).
    const best = terms.length === 1 ? this.best(q, terms[0]!) : undefined;
    best?.catch(() => undefined);
    const stats = await this.termStats([ALL_TERM, ...terms]);
    if (terms.length === 0) return this.browse(q, stats.get(ALL_TERM) ?? new Map());
    const n = sum(stats.get(ALL_TERM));
    const dfs = terms.map((t) => sum(stats.get(t)));
    const idfs = dfs.map((df) => idf(n, df));
    if (best) return this.one(q, stats.get(terms[0]!) ?? new Map(), idfs[0]!, await best);
    if (dfs.every((df) => df > 0)) {
      const all = await this.all(q, terms, dfs, idfs);
      if (all.total > 0) return all;
    }
    return this.any(q, terms, dfs, idfs, stats);
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

  /** The name of each category id (reloading the table when an id is new to this process). */
  private async names(ids: Iterable<number | null>): Promise<Map<number, string>> {
    for (const id of ids) {
      if (id !== null && !this.catNames.has(id)) {
        const rows = await this.db.query<{ id: number; name: string }>("SELECT id, name FROM search_categories");
        this.catNames = new Map(rows.map((r) => [r.id, r.name]));
        this.catIds = new Map(rows.map((r) => [r.name, r.id]));
        break;
      }
    }
    return this.catNames;
  }

  /** The id of category `name`, or undefined when no product has ever had it. */
  private async catId(name: string): Promise<number | undefined> {
    if (!this.catIds.has(name)) await this.names([-1]);
    return this.catIds.get(name);
  }

  /** The product rows of the page's matches, in the matches' order, with their scores. */
  private async rows(page: readonly Match[]): Promise<SearchHit[]> {
    if (page.length === 0) return [];
    const rows = await this.db.query<HitRow>("SELECT p.id, p.title, p.eff_category, p.pred_category, p.seq FROM products p WHERE p.seq = ANY($1::bigint[])", [page.map((m) => m.seq)]);
    const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
    return page.flatMap((m) => {
      const r = bySeq.get(m.seq);
      return r ? [toHit(r, m.score)] : [];
    });
  }

  /** The page of `ranked` (best first): the best BOOST_CANDIDATES boosted and re-sorted, unless filtered by category. */
  private async page(q: StoreSearch, ranked: Match[]): Promise<SearchHit[]> {
    let top = ranked.slice(0, Math.max(BOOST_CANDIDATES, q.offset + q.limit));
    if (q.category === undefined && q.boostCategory !== undefined) {
      const boost = await this.catId(q.boostCategory);
      const factor = q.boostFactor ?? 1.5;
      if (boost !== undefined) top = top.map((m) => (m.cat === boost ? { ...m, score: m.score * factor } : m)).sort(byScore);
    }
    return this.rows(top.slice(q.offset, q.offset + q.limit));
  }

  /** Facets and the total of counts per category id. */
  private async answer(q: StoreSearch, c: Counted): Promise<StoreSearchResult> {
    const names = await this.names(c.counts.keys());
    const byName = new Map<string | null, number>();
    for (const [id, n] of c.counts) {
      const name = id === null ? null : (names.get(id) ?? null);
      byName.set(name, (byName.get(name) ?? 0) + n);
    }
    const total = q.category !== undefined ? (byName.get(q.category) ?? 0) : sum(byName);
    const ranked = c.matches.sort(byScore);
    return {
      total,
      hits: await this.page(q, ranked),
      facets: sortFacets(byName),
      ...(c.exact ? {} : { totalExact: false as const, facetsExact: false as const }),
    };
  }

  /** One term's best postings by impact: the page (in `q.category`, undefined when nobody has it), or the boost's candidates. */
  private async best(q: StoreSearch, term: string): Promise<{ seq: number; impact: number; cat: number | null }[] | undefined> {
    if (q.category !== undefined) {
      const cat = await this.catId(q.category);
      if (cat === undefined) return undefined;
      return this.db.query("SELECT seq, impact, cat FROM search_postings WHERE term = $1 AND cat = $2 ORDER BY impact DESC, seq LIMIT $3 OFFSET $4", [term, cat, q.limit, q.offset]);
    }
    return this.db.query("SELECT seq, impact, cat FROM search_postings WHERE term = $1 ORDER BY impact DESC, seq LIMIT $2", [term, Math.max(BOOST_CANDIDATES, q.offset + q.limit)]);
  }

  /** One term: counts from term_counts, hits from its best postings. */
  private async one(q: StoreSearch, counts: Map<string | null, number>, w: number, rows: { seq: number; impact: number; cat: number | null }[] | undefined): Promise<StoreSearchResult> {
    const facets = sortFacets(counts);
    const total = q.category !== undefined ? Math.max(0, counts.get(q.category) ?? 0) : sum(counts);
    if (total === 0 || rows === undefined) return { total, hits: [], facets };
    const ranked = rows.map((r) => ({ seq: r.seq, cat: r.cat, score: w * r.impact }));
    return { total, hits: q.category !== undefined ? await this.rows(ranked) : await this.page(q, ranked), facets };
  }

  /** Several terms, every one: exact below `exactBound` postings of the rarest term; above, estimated counts and the hits among the terms' best postings. */
  private async all(q: StoreSearch, terms: string[], dfs: number[], idfs: number[]): Promise<StoreSearchResult> {
    const order = terms.map((_, i) => i).sort((a, b) => dfs[a]! - dfs[b]! || a - b);
    const list = order.map((i) => ({ term: terms[i]!, w: idfs[i]!, df: dfs[i]! }));
    const cat = q.category !== undefined ? await this.catId(q.category) : undefined;
    if (q.category !== undefined && cat === undefined) {
      // Nobody has the category: no hits, the facets still cover every category.
      const r = await this.all({ ...q, category: undefined }, terms, dfs, idfs);
      return { ...r, total: 0, hits: [] };
    }
    const want = q.category !== undefined ? q.offset + q.limit : Math.max(BOOST_CANDIDATES, q.offset + q.limit);
    if (list[0]!.df <= this.exactBound) return this.answer(q, await this.intersect(list, null, want, cat ?? null));
    const below = Math.floor((PID_SPACE * this.sample) / list[0]!.df);
    const [counted, found] = await Promise.all([this.intersect(list, below, 0, null), this.topOfLists(list, want, cat ?? null)]);
    // The hits found are matches for certain: no category counts fewer than them.
    const seen = new Map<number | null, number>();
    for (const m of found) seen.set(m.cat, (seen.get(m.cat) ?? 0) + 1);
    for (const [id, n] of seen) if ((counted.counts.get(id) ?? 0) < n) counted.counts.set(id, n);
    return this.answer(q, { counts: counted.counts, exact: false, matches: found });
  }

  /**
   * `FROM … WHERE …` of the products holding every term of `list` (the first drives), with pid < `below`
   * when sampling. A term with many more postings (in range) than the driver is probed per driver posting in
   * its (term, pid) index; one of similar size is merged with it in pid order. The choice is made here, from
   * the exact counts, because the planner guesses a rare term's size from column statistics.
   */
  private intersection(list: readonly { term: string; w: number; df: number }[], below: number | null, params: unknown[]): { from: string; score: string } {
    const p = (v: unknown): string => `$${params.push(v)}`;
    const range = below !== null ? ` AND %.pid < ${p(below)}` : "";
    let from = `search_postings t0`;
    let score = `t0.impact * ${p(list[0]!.w)}::float8`;
    const where = `t0.term = ${p(list[0]!.term)}${range.replace("%", "t0")}`;
    list.slice(1).forEach((x, i) => {
      const t = `t${i + 1}`;
      if (x.df > MERGE_RATIO * list[0]!.df) from += ` ${probe(t, p(x.term), "t0.pid")}`;
      else from += ` JOIN search_postings ${t} ON ${t}.term = ${p(x.term)} AND ${t}.pid = t0.pid${range.replace("%", t)}`;
      score += ` + ${t}.impact * ${p(x.w)}::float8`;
    });
    return { from: `${from} WHERE ${where}`, score };
  }

  /**
   * The products holding every term: counts per category id and the best `want` (in category `cat` when
   * given). With `below`, over the pid sample only, the counts scaled by the rarest term's size over its
   * postings in the sample (a ratio estimate).
   */
  private async intersect(list: readonly { term: string; w: number; df: number }[], below: number | null, want: number, cat: number | null): Promise<Counted> {
    const params: unknown[] = [];
    const { from, score } = this.intersection(list, below, params);
    const filter = cat !== null ? `WHERE cat = $${params.push(cat)}` : "";
    const top = want > 0 ? `UNION ALL (SELECT pid, cat, -1, s FROM m ${filter} ORDER BY s DESC, ${seqSql("pid")} LIMIT $${params.push(want)})` : "";
    // Sampling: how many of the rarest term's postings the sample holds (the row with s = -1).
    const sampled = below !== null ? `UNION ALL SELECT NULL, NULL, count(*)::integer, -1 FROM search_postings WHERE term = $3 AND pid < $1` : "";
    const rows = await this.db.query<{ pid: number | null; cat: number | null; n: number; s: number }>(
      `WITH m AS MATERIALIZED (SELECT t0.pid, t0.cat, ${score} AS s FROM ${from})
       SELECT NULL::integer AS pid, cat, count(*)::integer AS n, 0::float8 AS s FROM m GROUP BY cat ${sampled} ${top}`,
      params,
    );
    const counts = new Map<number | null, number>();
    const matches: Match[] = [];
    let n = 0;
    for (const r of rows) {
      if (r.pid === null && r.s === -1) n = r.n;
      else if (r.pid === null) counts.set(r.cat, r.n);
      else matches.push({ seq: seqOf(r.pid), cat: r.cat, score: r.s });
    }
    if (below === null) return { counts, exact: true, matches };
    const scale = n > 0 ? list[0]!.df / n : 0;
    for (const [id, k] of counts) counts.set(id, Math.round(k * scale));
    return { counts, exact: false, matches };
  }

  /**
   * The best `want` products holding every term (in category `cat` when given) among the best TOP_DEPTH
   * postings of each term by impact (sorted access), each candidate scored over all terms (random access):
   * the first round of Fagin's threshold algorithm. It is the exact top when the last of them beats the sum
   * of each list's last impact read times the term's weight; the BM25 impacts of titles are so close that it
   * seldom is, and reading on costs more than a search may: the benchmark reports how often the page equals
   * the exhaustive ranking (bench/README.md).
   */
  private async topOfLists(list: readonly { term: string; w: number }[], want: number, cat: number | null): Promise<Match[]> {
    const params: unknown[] = [TOP_DEPTH];
    const filter = cat !== null ? `AND cat = $${params.push(cat)}` : "";
    const p = (v: unknown): string => `$${params.push(v)}`;
    const terms = list.map((x) => p(x.term));
    const ws = list.map((x) => `${p(x.w)}::float8`);
    // Each source list's candidates carry their own impact; only the other terms are probed. The sources are
    // the two rarest terms (every term when there are two): more sources would add probes, not much else.
    const blocks = list.slice(0, 2).map((_, i) => {
      let joins = "";
      let score = `x.impact * ${ws[i]}`;
      list.forEach((_, j) => {
        if (j === i) return;
        joins += ` ${probe(`b${j}`, terms[j]!, pidSql("x.seq"))}`;
        score += ` + b${j}.impact * ${ws[j]}`;
      });
      return `(SELECT x.seq, x.cat, ${score} AS s FROM (SELECT seq, impact, cat FROM search_postings WHERE term = ${terms[i]} ${filter} ORDER BY impact DESC, seq LIMIT $1) x ${joins})`;
    });
    const rows = await this.db.query<{ seq: number; cat: number | null; s: number }>(blocks.join(" UNION ALL "), params);
    const bySeq = new Map<number, Match>();
    for (const r of rows) bySeq.set(r.seq, { seq: r.seq, cat: r.cat, score: r.s });
    return [...bySeq.values()].sort(byScore).slice(0, want);
  }

  /**
   * Several terms, none held by any product with the others: every product with any term. Exact counts when
   * one term has matches, or two that no product holds together (the sum of their counts), or the terms
   * together have at most `exactBound` postings; otherwise estimated from the pid sample. Hits: the best of
   * each term's best postings, scored over every term (exact for one or two terms).
   */
  private async any(q: StoreSearch, terms: string[], dfs: number[], idfs: number[], stats: Map<string, Map<string | null, number>>): Promise<StoreSearchResult> {
    const live = terms.map((t, i) => ({ term: t, w: idfs[i]!, df: dfs[i]! })).filter((x) => x.df > 0);
    const byName = new Map<string | null, number>();
    let exact = true;
    const postings = live.reduce((s, x) => s + x.df, 0);
    const disjoint = live.length === 1 || (live.length === 2 && terms.length === 2);
    if (disjoint || postings <= this.exactBound) {
      if (disjoint) {
        for (const x of live) for (const [c, k] of stats.get(x.term) ?? []) byName.set(c, (byName.get(c) ?? 0) + k);
      } else {
        const rows = await this.db.query<{ cat: number | null; n: number }>(
          "SELECT cat, count(*)::integer AS n FROM (SELECT DISTINCT pid, cat FROM search_postings WHERE term = ANY($1::text[])) d GROUP BY cat",
          [live.map((x) => x.term)],
        );
        const names = await this.names(rows.map((r) => r.cat));
        for (const r of rows) byName.set(r.cat === null ? null : (names.get(r.cat) ?? null), r.n);
      }
    } else {
      exact = false;
      const below = Math.floor((PID_SPACE * this.sample) / postings);
      const rows = await this.db.query<{ cat: number | null; n: number }>(
        "SELECT cat, count(*)::integer AS n FROM (SELECT DISTINCT pid, cat FROM search_postings WHERE term = ANY($1::text[]) AND pid < $2) d GROUP BY cat",
        [live.map((x) => x.term), below],
      );
      const names = await this.names(rows.map((r) => r.cat));
      for (const r of rows) byName.set(r.cat === null ? null : (names.get(r.cat) ?? null), Math.round((r.n * PID_SPACE) / below));
    }
    const facets = sortFacets(byName);
    const total = q.category !== undefined ? Math.max(0, byName.get(q.category) ?? 0) : sum(byName);
    const flags = exact ? {} : { totalExact: false as const, facetsExact: false as const };
    if (total === 0 || live.length === 0) return { total, hits: [], facets, ...flags };
    const cat = q.category !== undefined ? await this.catId(q.category) : null;
    if (cat === undefined) return { total: 0, hits: [], facets, ...flags };
    const want = q.category !== undefined ? q.offset + q.limit : Math.max(BOOST_CANDIDATES, q.offset + q.limit);
    // Each term's best postings, then every candidate's score over all the terms.
    const rows = await this.db.query<{ seq: number; cat: number | null; s: number }>(
      `WITH c AS (SELECT DISTINCT x.seq, x.pid, x.cat FROM unnest($1::text[]) AS u(term)
         CROSS JOIN LATERAL (SELECT seq, pid, cat FROM search_postings WHERE term = u.term ${cat !== null ? "AND cat = $4" : ""} ORDER BY impact DESC, seq LIMIT $3) x)
       SELECT c.seq, c.cat, o.s FROM c CROSS JOIN LATERAL (SELECT sum(b.impact * u.w) AS s FROM unnest($1::text[], $2::float8[]) AS u(term, w)
         JOIN search_postings b ON b.term = u.term AND b.pid = c.pid) o`,
      [live.map((x) => x.term), live.map((x) => x.w), want, ...(cat !== null ? [cat] : [])],
    );
    const ranked = rows.map((r) => ({ seq: r.seq, cat: r.cat, score: r.s })).sort(byScore);
    return { total, hits: await this.page(q, ranked), facets, ...flags };
  }

  /** No search terms: the products of `category` (by id), or nothing; facets over the whole catalog. */
  private async browse(q: StoreSearch, counts: Map<string | null, number>): Promise<StoreSearchResult> {
    const facets = sortFacets(counts);
    if (q.category === undefined) return { total: 0, hits: [], facets };
    const rows = await this.db.query<HitRow>("SELECT p.id, p.title, p.eff_category, p.pred_category, p.seq FROM products p WHERE p.eff_category = $1 ORDER BY p.id LIMIT $2 OFFSET $3", [q.category, q.limit, q.offset]);
    return { total: Math.max(0, counts.get(q.category) ?? 0), hits: rows.map((row) => toHit(row, 0)), facets };
  }
}

/** A join that looks up `term`'s posting of product `pid` (an index probe: LIMIT keeps the planner from merging whole lists). */
function probe(alias: string, term: string, pid: string): string {
  return `CROSS JOIN LATERAL (SELECT impact FROM search_postings WHERE term = ${term} AND pid = ${pid} LIMIT 1) ${alias}`;
}

function sum(m: Map<unknown, number> | undefined): number {
  let s = 0;
  if (m) for (const v of m.values()) s += v;
  return Math.max(0, s);
}
