// Text for the FTS5 index and queries for it: both go through the library's search terms
// (src/service/search-terms.ts: Chinese segmented by jieba), so "蓝牙耳机" matches "小米蓝牙耳机 Air2". User
// input never reaches FTS5 as syntax: every term is a quoted string.
import { distinctTerms, segmentWords } from "../entries/text.js";

export { MAX_QUERY_TERMS } from "../entries/text.js";

/** Text for one FTS column: its words separated by spaces. */
export function indexText(text: string | undefined): string {
  if (!text) return "";
  return segmentWords(text).join(" ");
}

/**
 * The FTS5 MATCH expression for a user query: distinct terms (at most `MAX_QUERY_TERMS`), each quoted with
 * `"` doubled inside, joined by AND (`mode: "all"`) or OR. Undefined when the query has no terms.
 * @example matchExpression('usb "c" OR NEAR(') === '"usb" "c" "or" "near"'
 */
export function matchExpression(q: string, mode: "all" | "any" = "all"): string | undefined {
  const terms = distinctTerms(q);
  if (terms.length === 0) return undefined;
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(mode === "all" ? " " : " OR ");
}
