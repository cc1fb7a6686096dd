// The prediction log's rows as SQLite and PostgreSQL aggregate them (src/store/sqlite-prediction-log.ts,
// postgres-prediction-log.ts): the window's bounds as parameters, and the aggregates shaped into a summary.
import type { PredictionLogWrite, PredictionSummary, PredictionSummaryQuery } from "../index.js";

const DAY_MS = 86_400_000;
/** The latest time a window without `until` reaches. */
const NO_END = 8.64e15;

/** The window of a summary query: since, until (exclusive), model (null: every model). */
export function windowOf(q: PredictionSummaryQuery): [number, number, string | null] {
  return [Math.floor(q.since), Math.ceil(q.until ?? NO_END), q.model ?? null];
}

/** A log entry's columns: top-1 category and score, and the top-k as JSON ([[category, score], …]). */
export function logColumns(r: PredictionLogWrite): { top1: string; score: number; top: string } | undefined {
  const first = r.categories[0];
  if (!first) return undefined;
  return { top1: first.category, score: first.score, top: JSON.stringify(r.categories.map((c) => [c.category, c.score])) };
}

/** Shapes the SQL aggregates: counts per category, per day number (count, score sum), counts at each threshold. */
export function sqlSummary(categories: readonly { category: string; n: number | string }[], days: readonly { d: number | string; n: number | string; s: number | string | null }[], atLeast: number[]): PredictionSummary {
  const cats = categories.map((c) => ({ category: c.category, count: Number(c.n) })).sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
  const perDay = days
    .map((d) => ({ d: Number(d.d), n: Number(d.n), s: Number(d.s ?? 0) }))
    .sort((a, b) => a.d - b.d)
    .map(({ d, n, s }) => ({ day: new Date(d * DAY_MS).toISOString().slice(0, 10), count: n, meanScore: n > 0 ? s / n : 0 }));
  return { total: cats.reduce((t, c) => t + c.count, 0), categories: cats, days: perDay, atLeast };
}
