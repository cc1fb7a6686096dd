// Search terms of the PostgreSQL store: each product's text becomes the library's search terms (Chinese
// segmented by jieba, src/service/search-terms.ts), folded like FTS5's unicode61 (no diacritics), with a
// weighted term frequency per term and a BM25 impact (the term's score before IDF). PostgreSQL only stores
// and intersects them: its own parser never sees the text, and user input never reaches it as syntax.
import { distinctTerms, segmentWords } from "../entries/text.js";

/** BM25 column weights (title, description, category), as the SQLite and memory stores use them. */
export const WEIGHTS = [10, 2, 4] as const;
export const K1 = 1.2;
export const B = 0.75;
/**
 * The average document length (words) BM25 normalizes by. Impacts are computed once, when a product is
 * written, so a fixed average stands in for the catalog's running one (product titles: about 10 words).
 */
export const AVG_DOC_LEN = 10;

/** Latin letters lose their diacritics (FTS5 unicode61 remove_diacritics 2; the memory store folds alike). */
export function fold(word: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(word) || !/[\u00c0-\u024f\u1e00-\u1eff]/.test(word)) return word;
  return word.normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC");
}

/** A product's search document: distinct terms with weighted frequencies and BM25 impacts, and its length. */
export interface SearchDoc {
  terms: string[];
  /** Weighted term frequency of each term (title occurrences count 10, description 2, category 4). */
  tfs: number[];
  /** BM25 impact of each term, rounded to float4 as PostgreSQL stores it. */
  impacts: number[];
  /** Words over all columns. */
  length: number;
}

/** BM25's term-frequency part: tf·(k1+1) / (tf + k1·(1 − b + b·len/avg)). */
export function impact(tf: number, length: number): number {
  return Math.fround((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / AVG_DOC_LEN)));
}

/** Terms of title, description and category with their weights. */
export function searchDoc(title: string, description: string | undefined, category: string | undefined): SearchDoc {
  const tf = new Map<string, number>();
  let length = 0;
  [title, description, category].forEach((text, column) => {
    if (!text) return;
    for (const w of segmentWords(text)) {
      const t = fold(w);
      tf.set(t, (tf.get(t) ?? 0) + WEIGHTS[column]!);
      length++;
    }
  });
  const terms = [...tf.keys()];
  const tfs = terms.map((t) => tf.get(t)!);
  return { terms, tfs, impacts: tfs.map((f) => impact(f, length)), length };
}

/** The distinct, folded terms of a query (at most MAX_QUERY_TERMS). */
export function queryTerms(q: string): string[] {
  return [...new Set(distinctTerms(q).map(fold))];
}

/** FTS5's IDF: ln((N − df + 0.5) / (df + 0.5)), floored at 1e-6 so that a very common term still scores. */
export function idf(n: number, df: number): number {
  return Math.max(Math.log((n - df + 0.5) / (df + 0.5)), 1e-6);
}

