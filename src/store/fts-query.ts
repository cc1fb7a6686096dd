// Text for the FTS5 index and queries for it: both go through the project's tokenizer (Chinese segmented
// by jieba), so "蓝牙耳机" matches "小米蓝牙耳机 Air2". User input never reaches FTS5 as syntax: every term
// is a quoted string.
import { normalizeText, tokenBuffers, tokenize } from "../index.js";

/** Longest query text that is segmented (characters); the rest is ignored. */
export const MAX_QUERY_CHARS = 1000;
/** Most terms in one query. */
export const MAX_QUERY_TERMS = 32;
/** Longest single term kept (characters). */
const MAX_TERM_CHARS = 64;

const buffers = tokenBuffers();

/** The words of `text` as the index sees them (normalized, segmented). */
export function segmentWords(text: string): string[] {
  buffers.words.length = 0;
  buffers.runs.length = 0;
  buffers.runIsCjk.length = 0;
  tokenize(normalizeText(text), buffers);
  return buffers.words.slice();
}

/** Text for one FTS column: its words separated by spaces. */
export function indexText(text: string | undefined): string {
  if (!text) return "";
  return segmentWords(text).join(" ");
}

/**
 * The FTS5 MATCH expression for a user query: distinct terms (at most {@link MAX_QUERY_TERMS}), each
 * quoted with `"` doubled inside, joined by AND (`mode: "all"`) or OR. Undefined when the query has no terms.
 * @example matchExpression('usb "c" OR NEAR(') === '"usb" "c" "or" "near"'
 */
export function matchExpression(q: string, mode: "all" | "any" = "all"): string | undefined {
  const terms = distinctTerms(q);
  if (terms.length === 0) return undefined;
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(mode === "all" ? " " : " OR ");
}

/** The distinct search terms of a query, bounded in number and length. */
export function distinctTerms(q: string): string[] {
  const words = segmentWords(q.slice(0, MAX_QUERY_CHARS));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const w of words) {
    const t = w.slice(0, MAX_TERM_CHARS);
    if (seen.has(t)) continue;
    seen.add(t);
    out.push(t);
    if (out.length >= MAX_QUERY_TERMS) break;
  }
  return out;
}
