// Search terms of a catalog query, the same for every store: text is normalized and segmented by the
// project's tokenizer (Chinese and Japanese by jieba), so "蓝牙耳机" finds "小米蓝牙耳机 Air2"; the terms are
// bounded in number and length, so a huge query costs no more than a short one.
import { normalizeText } from "../featurize/text/normalize.js";
import { tokenBuffers, tokenize } from "../featurize/text/tokenize.js";

/** Longest query text that is segmented (characters); the rest is ignored. */
export const MAX_QUERY_CHARS = 1000;
/** Most terms in one query. */
export const MAX_QUERY_TERMS = 32;
/** Longest single term kept (characters). */
export const MAX_TERM_CHARS = 64;

const buffers = tokenBuffers();

/**
 * The words of `text` as a search index sees them (normalized, segmented).
 * @example segmentWords("Tefal Frying-Pan 28cm") → ["tefal", "frying", "pan", "28cm"]
 */
export function segmentWords(text: string): string[] {
  buffers.words.length = 0;
  buffers.runs.length = 0;
  buffers.runIsCjk.length = 0;
  tokenize(normalizeText(text), buffers);
  return buffers.words.slice();
}

/** The distinct search terms of a query, in order: at most {@link MAX_QUERY_TERMS}, each cut to {@link MAX_TERM_CHARS}. */
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
