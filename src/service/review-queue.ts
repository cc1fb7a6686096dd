// The review queue's order and filters as plain functions: the in-memory store applies them, and the SQL
// stores implement the same order (test/contracts/catalog-store.contract.ts checks that they agree).
import type { ClusterRecord, ReviewCursor, ReviewQuery } from "./catalog-store.js";
import { compareIds } from "./memory-search.js";

/** A product that may be in the queue: its id, title, predicted category and score. */
export interface ReviewCandidate {
  id: string;
  title: string;
  category: string;
  score: number;
}

/** Whether `category` is `prefix` or a path below it (levels separated by " > "). */
export function inCategory(category: string, prefix: string): boolean {
  return category === prefix || category.startsWith(`${prefix} > `);
}

/** Whether a candidate passes the query's filters (threshold, category, score range, text). */
export function matchesReview(c: ReviewCandidate, q: Omit<ReviewQuery, "limit" | "after" | "spread">): boolean {
  if (!(c.score < q.below)) return false;
  if (q.maxScore !== undefined && !(c.score < q.maxScore)) return false;
  if (q.minScore !== undefined && !(c.score >= q.minScore)) return false;
  if (q.category !== undefined && !inCategory(c.category, q.category)) return false;
  if (q.text !== undefined && q.text !== "" && !asciiLower(c.title).includes(asciiLower(q.text))) return false;
  return true;
}

/** Lower-cases ASCII letters only (what SQLite's lower() does), so every store filters text alike. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** Compares two cursors in queue order: rank (spread), then score, then id. */
export function compareCursors(a: ReviewCursor, b: ReviewCursor): number {
  const r = (a.rank ?? 0) - (b.rank ?? 0);
  if (r !== 0) return r;
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return compareIds(a.id, b.id);
}

/** The matching candidates in queue order, each with its cursor (rank only when `spread`). */
export function reviewOrder<T extends ReviewCandidate>(candidates: Iterable<T>, q: Omit<ReviewQuery, "limit" | "after">): { item: T; cursor: ReviewCursor }[] {
  const hits = [...candidates].filter((c) => matchesReview(c, q));
  const byScore = (a: T, b: T): number => compareCursors({ score: a.score, id: a.id }, { score: b.score, id: b.id });
  if (!q.spread) return hits.sort(byScore).map((item) => ({ item, cursor: { score: item.score, id: item.id } }));
  const groups = new Map<string, T[]>();
  for (const h of hits) {
    const g = groups.get(h.category);
    if (g) g.push(h);
    else groups.set(h.category, [h]);
  }
  const out: { item: T; cursor: ReviewCursor }[] = [];
  for (const g of groups.values()) g.sort(byScore).forEach((item, i) => out.push({ item, cursor: { rank: i + 1, score: item.score, id: item.id } }));
  return out.sort((a, b) => compareCursors(a.cursor, b.cursor));
}

/** The clusters of a run after merging `from` into `into` (sizes added, `from` dropped); undefined when either is missing or they are the same. */
export function mergeClusterList(clusters: readonly ClusterRecord[], from: number, into: number): { clusters: ClusterRecord[]; into: ClusterRecord } | undefined {
  const a = clusters.find((c) => c.cluster === from);
  const b = clusters.find((c) => c.cluster === into);
  if (!a || !b || from === into) return undefined;
  const merged = { ...b, size: a.size + b.size };
  return { clusters: clusters.filter((c) => c.cluster !== from).map((c) => (c.cluster === into ? merged : { ...c })), into: merged };
}
