// The prediction log as SQLite and PostgreSQL keep it (src/store/sqlite-prediction-log.ts,
// postgres-prediction-log.ts): the entries, and per-day aggregates by top-1 category (count, score sum) and by
// score bucket (0.001 grid) that summaries read; a batch's aggregates are summed here before the upserts.
import type { PredictionLogWrite, PredictionSummary, PredictionSummaryQuery } from "../index.js";

const DAY_MS = 86_400_000;

/** A day number: days since the epoch (UTC). */
export const dayOfTime = (at: number): number => Math.floor(at / DAY_MS);

/** The 0.001-grid bucket of a score or threshold (0 … 1000). */
export const bucketOf = (x: number): number => Math.min(1000, Math.max(0, Math.floor(x * 1000 + 1e-9)));

/** The window of a summary query: first and last day (inclusive), model (null: every model). */
export function windowOf(q: PredictionSummaryQuery): { fromDay: number; toDay: number; model: string | null } {
  return { fromDay: Math.floor(q.fromDay), toDay: Math.floor(q.toDay ?? 1e8), model: q.model ?? null };
}

/** A batch as rows: each entry's columns, and the batch's per-day aggregates (in key order: upserts never deadlock). */
export function logBatch(rows: readonly PredictionLogWrite[]): {
  entries: { at: number; model: string; productId: string | null; source: string; category: string; score: number; top: string }[];
  days: { day: number; model: string; category: string; n: number; sum: number }[];
  scores: { day: number; model: string; bucket: number; n: number }[];
} {
  const entries = [];
  const days = new Map<string, { day: number; model: string; category: string; n: number; sum: number }>();
  const scores = new Map<string, { day: number; model: string; bucket: number; n: number }>();
  for (const r of rows) {
    const first = r.categories[0];
    if (!first) continue;
    const at = Math.round(r.at);
    entries.push({ at, model: r.model, productId: r.productId ?? null, source: r.source, category: first.category, score: first.score, top: JSON.stringify(r.categories.map((c) => [c.category, c.score])) });
    const day = dayOfTime(at);
    const dk = JSON.stringify([day, r.model, first.category]);
    const d = days.get(dk) ?? { day, model: r.model, category: first.category, n: 0, sum: 0 };
    d.n++;
    d.sum += first.score;
    days.set(dk, d);
    const bucket = bucketOf(first.score);
    const sk = JSON.stringify([day, r.model, bucket]);
    const s = scores.get(sk) ?? { day, model: r.model, bucket, n: 0 };
    s.n++;
    scores.set(sk, s);
  }
  const byKey = <T>(m: Map<string, T>): T[] => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  return { entries, days: byKey(days), scores: byKey(scores) };
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
