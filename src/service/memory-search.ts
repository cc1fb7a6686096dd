// Search of the in-memory store: an inverted index of each product's title, description and category, ranked
// with BM25 as SQLite's FTS5 ranks (same column weights, same IDF), over the library's search terms.
import type { SearchHit, StoredPrediction, StoreSearch, StoreSearchResult } from "./catalog-store.js";
import { distinctTerms, segmentWords } from "./search-terms.js";

/** BM25 column weights (title, description, category) and parameters, as the SQLite store uses them. */
const WEIGHTS = [10, 2, 4] as const;
const K1 = 1.2;
const B = 0.75;
const MAX_FACETS = 100;
/** Best BM25 matches the category boost re-ranks (as in SQLite). */
const BOOST_CANDIDATES = 200;

/** A product as the memory store keeps it. */
export interface ProductRec {
  /** Insertion order (ties in search ranking, as SQLite's rowid). */
  seq: number;
  id: string;
  title: string;
  description: string;
  category?: string;
  fields: string;
  hash: string;
  predicted?: StoredPrediction;
  corrected?: string;
  updatedAt: string;
  /** Weighted term frequencies over title, description and category. */
  tf: Map<string, number>;
  /** Terms over all columns (BM25 document length). */
  length: number;
}

/** The category answers use: corrected, else given, else predicted. */
export function effective(p: ProductRec): string | undefined {
  return p.corrected ?? p.category ?? p.predicted?.category;
}

/** Code-point order of two strings (= SQLite's bytewise order of their UTF-8), not UTF-16 unit order. */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (U+D800–DFFF) encode code points above U+FFFF: they sort after U+E000–FFFF.
      const fx = x >= 0xe000 ? x - 0x800 : x >= 0xd800 ? x + 0x2000 : x;
      const fy = y >= 0xe000 ? y - 0x800 : y >= 0xd800 ? y + 0x2000 : y;
      return fx - fy;
    }
  }
  return a.length - b.length;
}

/** Latin letters lose their diacritics, as FTS5's unicode61 tokenizer (remove_diacritics 2) does. */
function fold(word: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(word) || !/[\u00c0-\u024f\u1e00-\u1eff]/.test(word)) return word;
  return word.normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC");
}

function terms(text: string | undefined): string[] {
  return text ? segmentWords(text).map(fold) : [];
}

/** Term → products containing it, and the total length BM25 averages. */
export class TermIndex {
  private readonly postings = new Map<string, Set<ProductRec>>();
  private totalLength = 0;

  add(p: ProductRec): void {
    [p.title, p.description, p.category].forEach((text, column) => {
      for (const t of terms(text)) {
        p.tf.set(t, (p.tf.get(t) ?? 0) + WEIGHTS[column]!);
        p.length++;
      }
    });
    for (const t of p.tf.keys()) {
      let set = this.postings.get(t);
      if (!set) this.postings.set(t, (set = new Set()));
      set.add(p);
    }
    this.totalLength += p.length;
  }

  remove(p: ProductRec): void {
    for (const t of p.tf.keys()) {
      const set = this.postings.get(t);
      set?.delete(p);
      if (set?.size === 0) this.postings.delete(t);
    }
    this.totalLength -= p.length;
  }

  search(q: StoreSearch, all: Iterable<ProductRec>, n: number): StoreSearchResult {
    const words = [...new Set(distinctTerms(q.q).map(fold))];
    if (words.length === 0) return browse(q, all);
    const first = this.query(q, words, "all", n);
    if (first.total > 0 || words.length < 2) return first;
    return this.query(q, words, "any", n);
  }

  /** BM25 as FTS5 computes it: weighted term frequency per row, row length over all columns, IDF floored at 1e-6. */
  private query(q: StoreSearch, words: string[], mode: "all" | "any", n: number): StoreSearchResult {
    const lists = words.map((w) => this.postings.get(w) ?? new Set<ProductRec>());
    let matches: ProductRec[];
    if (mode === "all") {
      const [smallest, ...rest] = [...lists].sort((a, b) => a.size - b.size);
      matches = [...smallest!].filter((p) => rest.every((l) => l.has(p)));
    } else {
      const union = new Set<ProductRec>();
      for (const l of lists) for (const p of l) union.add(p);
      matches = [...union];
    }
    const avg = n > 0 ? this.totalLength / n : 0;
    const idf = lists.map((l) => Math.max(Math.log((n - l.size + 0.5) / (l.size + 0.5)), 1e-6));
    const score = (p: ProductRec): number => {
      let s = 0;
      words.forEach((w, i) => {
        const f = p.tf.get(w) ?? 0;
        if (f > 0) s += (idf[i]! * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * p.length) / (avg || 1)));
      });
      return s;
    };
    const counts = new Map<string | undefined, number>();
    for (const p of matches) {
      const c = effective(p);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const total = q.category !== undefined ? (counts.get(q.category) ?? 0) : matches.length;
    const facets = [...counts]
      .flatMap(([category, count]) => (category === undefined ? [] : [{ category, count }]))
      .sort((a, b) => b.count - a.count || compareIds(a.category, b.category))
      .slice(0, MAX_FACETS);
    const bySeq = (a: { p: ProductRec; s: number }, b: { p: ProductRec; s: number }): number => b.s - a.s || a.p.seq - b.p.seq;
    let ranked: { p: ProductRec; s: number }[];
    if (q.category !== undefined) {
      ranked = matches.filter((p) => effective(p) === q.category).map((p) => ({ p, s: score(p) }));
      ranked.sort(bySeq);
    } else {
      ranked = matches.map((p) => ({ p, s: score(p) })).sort(bySeq);
      ranked = ranked.slice(0, Math.max(BOOST_CANDIDATES, q.offset + q.limit));
      if (q.boostCategory !== undefined) {
        const factor = q.boostFactor ?? 1.5;
        ranked = ranked.map((r) => (effective(r.p) === q.boostCategory ? { p: r.p, s: r.s * factor } : r)).sort(bySeq);
      }
    }
    return { total, hits: ranked.slice(q.offset, q.offset + q.limit).map((r) => toHit(r.p, r.s)), facets };
  }
}

/** No search terms: the products of `category` (by id), or nothing; facets over the whole catalog. */
function browse(q: StoreSearch, rows: Iterable<ProductRec>): StoreSearchResult {
const all = [...rows];
  const counts = new Map<string, number>();
  for (const p of all) {
    const c = effective(p);
    if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const facets = [...counts]
    .map(([category, count]) => ({ category, count }))
    .sort((a, b) => b.count - a.count || compareIds(a.category, b.category))
    .slice(0, MAX_FACETS);
  if (q.category === undefined) return { total: 0, hits: [], facets };
  const inCategory = [...all].filter((p) => effective(p) === q.category).sort((a, b) => compareIds(a.id, b.id));
  return { total: inCategory.length, hits: inCategory.slice(q.offset, q.offset + q.limit).map((p) => toHit(p, 0)), facets };
}

function toHit(p: ProductRec, score: number): SearchHit {
  const eff = effective(p);
  return {
    id: p.id,
    title: p.title,
    ...(eff !== undefined ? { category: eff } : {}),
    ...(p.predicted ? { predicted: p.predicted.category } : {}),
    score,
  };
}
