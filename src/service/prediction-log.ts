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

/**
 * What {@link PredictionLogStore.predictionSummary} aggregates: the entries of whole UTC days (days since the
 * epoch: `Math.floor(at / 86_400_000)`), read from per-day aggregates the store keeps beside the entries, so
 * a summary costs days × categories, not the entries in the window.
 */
export interface PredictionSummaryQuery {
  /** First day, inclusive. */
  fromDay: number;
  /** Last day, inclusive (default: no bound). */
  toDay?: number;
  /** Only entries of this model version. */
  model?: string;
  /**
   * Count, for each threshold, the entries whose top-1 score is at least it (aligned). Scores are counted on a
   * grid of 0.001: a threshold t counts the scores ≥ ⌊1000·t⌋ / 1000 (so up to 0.001 below t).
   */
  thresholds?: readonly number[];
}

/** Counts of the log by top-1 category and by UTC day. */
export interface PredictionSummary {
  total: number;
  /** Entries per top-1 category, most first (ties by category). */
  categories: { category: string; count: number }[];
  /** Per UTC day (YYYY-MM-DD), oldest first: entries and their mean top-1 score. */
  days: { day: string; count: number; meanScore: number }[];
  /** Entries whose top-1 score is ≥ each of `thresholds`, on the 0.001 grid (aligned; empty without thresholds). */
  atLeast: number[];
}

/** The prediction log of a store. */
export interface PredictionLogStore {
  /** Appends entries and adds them to the per-day aggregates (one transaction); returns how many were written. */
  appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number>;
  /** Aggregates whole UTC days (see {@link PredictionSummaryQuery}). */
  predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary>;
  /**
   * Deletes at most `limit` entries served before `before` (ms since the epoch), oldest first, and the
   * aggregates of the days that end before it; returns how many entries (call again while it returns
   * `limit`: each call is one short transaction). A day partly before `before` keeps its aggregates.
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

/** The 0.001-grid bucket of a score or threshold (0 … 1000). */
export function scoreBucket(x: number): number {
  return Math.min(1000, Math.max(0, Math.floor(x * 1000 + 1e-9)));
}

/** In-memory prediction log (the memory store's): the entries, and per-day aggregates by category and by score bucket. */
export class MemoryPredictionLog implements PredictionLogStore {
  private entries: PredictionLogWrite[] = [];
  /** day → model → category → [count, score sum] */
  private readonly byCategory = new Map<number, Map<string, Map<string, [number, number]>>>();
  /** day → model → counts per score bucket */
  private readonly byScore = new Map<number, Map<string, Uint32Array>>();

  async appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number> {
    let n = 0;
    for (const r of rows) {
      const top = r.categories[0];
      if (!top) continue;
      n++;
      this.entries.push(r);
      const d = dayNumber(r.at);
      const models = this.byCategory.get(d) ?? new Map<string, Map<string, [number, number]>>();
      this.byCategory.set(d, models);
      const cats = models.get(r.model) ?? new Map<string, [number, number]>();
      models.set(r.model, cats);
      const c = cats.get(top.category) ?? [0, 0];
      c[0]++;
      c[1] += top.score;
      cats.set(top.category, c);
      const scores = this.byScore.get(d) ?? new Map<string, Uint32Array>();
      this.byScore.set(d, scores);
      const hist = scores.get(r.model) ?? new Uint32Array(1001);
      scores.set(r.model, hist);
      hist[scoreBucket(top.score)]!++;
    }
    return n;
  }

  async predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary> {
    const cats = new Map<string, number>();
    const days = new Map<number, [number, number, number]>();
    const inWindow = (d: number): boolean => d >= q.fromDay && (q.toDay === undefined || d <= q.toDay);
    for (const [d, models] of this.byCategory) {
      if (!inWindow(d)) continue;
      for (const [model, byCat] of models) {
        if (q.model !== undefined && model !== q.model) continue;
        for (const [category, [n, sum]] of byCat) {
          cats.set(category, (cats.get(category) ?? 0) + n);
          const e = days.get(d) ?? [d, 0, 0];
          e[1] += n;
          e[2] += sum;
          days.set(d, e);
        }
      }
    }
    const atLeast = (q.thresholds ?? []).map((t) => {
      const b = scoreBucket(t);
      let n = 0;
      for (const [d, models] of this.byScore) {
        if (!inWindow(d)) continue;
        for (const [model, hist] of models) if (q.model === undefined || model === q.model) for (let i = b; i <= 1000; i++) n += hist[i]!;
      }
      return n;
    });
    return toSummary(cats, days.values(), atLeast);
  }

  async prunePredictions(before: number, limit: number): Promise<number> {
    const old = this.entries.filter((r) => r.at < before).sort((a, b) => a.at - b.at).slice(0, limit);
    const gone = new Set(old);
    this.entries = this.entries.filter((r) => !gone.has(r));
    const lastWhole = dayNumber(before);
    for (const m of [this.byCategory, this.byScore]) for (const d of [...m.keys()]) if (d < lastWhole) m.delete(d);
    return old.length;
  }
}
