// The log of served predictions: each classified item's top-k categories with scores, the model version and
// the time, for monitoring (drift of the served mix against the training mix, coverage at each precision).
// Part of the CatalogStore contract (test/contracts/prediction-log.contract.ts); the memory store, SQLite
// (src/store/sqlite-prediction-log.ts, writes in the writer thread) and PostgreSQL
// (src/store/postgres-prediction-log.ts) implement it. The service appends in batches
// (src/service/prediction-recorder.ts), never one row per request.

/** One served prediction. */
export interface PredictionLogWrite {
  /** Time it was served, milliseconds since the epoch (UTC). */
  at: number;
  model: string;
  /** The item's id when it had one. */
  productId?: string;
  /** Where it was served: "classify" (POST /v1/classify), "upsert" (product writes), "import" (catalog files). */
  source: string;
  /** Top-k categories, best first (at least one). */
  categories: { category: string; score: number }[];
}

/** What {@link PredictionLogStore.predictionSummary} aggregates: entries served in [since, until). */
export interface PredictionSummaryQuery {
  /** Milliseconds since the epoch, inclusive. */
  since: number;
  /** Milliseconds since the epoch, exclusive (default: no bound). */
  until?: number;
  /** Only entries of this model version. */
  model?: string;
  /** Count, for each threshold, the entries whose top-1 score is at least it (aligned). */
  thresholds?: readonly number[];
}

/** Counts of the log by top-1 category and by UTC day. */
export interface PredictionSummary {
  total: number;
  /** Entries per top-1 category, most first (ties by category). */
  categories: { category: string; count: number }[];
  /** Per UTC day (YYYY-MM-DD), oldest first: entries and their mean top-1 score. */
  days: { day: string; count: number; meanScore: number }[];
  /** Entries whose top-1 score is ≥ each of `thresholds` (aligned; empty without thresholds). */
  atLeast: number[];
}

/** The prediction log of a store. */
export interface PredictionLogStore {
  /** Appends entries (one transaction); returns how many were written. */
  appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number>;
  /** Aggregates the entries of a time window (see {@link PredictionSummary}). */
  predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary>;
  /**
   * Deletes at most `limit` entries served before `before` (ms since the epoch), oldest first; returns how many
   * (call again while it returns `limit`: each call is one short transaction).
   */
  prunePredictions(before: number, limit: number): Promise<number>;
}

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) of a day number (days since the epoch). */
export function dayOf(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** Shapes raw aggregates (category counts, per-day number/count/score sum, threshold counts) into a summary. */
export function toSummary(categories: Iterable<[string, number]>, days: Iterable<[number, number, number]>, atLeast: number[]): PredictionSummary {
  const cats = [...categories].map(([category, count]) => ({ category, count })).sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
  const dayRows = [...days].sort((a, b) => a[0] - b[0]).map(([d, count, sum]) => ({ day: dayOf(d), count, meanScore: count > 0 ? sum / count : 0 }));
  return { total: cats.reduce((s, c) => s + c.count, 0), categories: cats, days: dayRows, atLeast };
}

/** The day number (days since the epoch, UTC) of a time in ms. */
export function dayNumber(at: number): number {
  return Math.floor(at / DAY_MS);
}

/** In-memory prediction log (the memory store's): entries in time order of arrival. */
export class MemoryPredictionLog implements PredictionLogStore {
  private rows: { at: number; model: string; category: string; score: number }[] = [];

  async appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number> {
    for (const r of rows) {
      const top = r.categories[0];
      if (top) this.rows.push({ at: r.at, model: r.model, category: top.category, score: top.score });
    }
    return rows.filter((r) => r.categories.length > 0).length;
  }

  async predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary> {
    const cats = new Map<string, number>();
    const days = new Map<number, [number, number, number]>();
    const th = q.thresholds ?? [];
    const atLeast = th.map(() => 0);
    for (const r of this.rows) {
      if (r.at < q.since || (q.until !== undefined && r.at >= q.until) || (q.model !== undefined && r.model !== q.model)) continue;
      cats.set(r.category, (cats.get(r.category) ?? 0) + 1);
      const d = dayNumber(r.at);
      const e = days.get(d) ?? [d, 0, 0];
      e[1]++;
      e[2] += r.score;
      days.set(d, e);
      th.forEach((t, i) => {
        if (r.score >= t) atLeast[i]!++;
      });
    }
    return toSummary(cats, days.values(), atLeast);
  }

  async prunePredictions(before: number, limit: number): Promise<number> {
    const old = this.rows.filter((r) => r.at < before).sort((a, b) => a.at - b.at).slice(0, limit);
    const gone = new Set(old);
    this.rows = this.rows.filter((r) => !gone.has(r));
    return old.length;
  }
}
