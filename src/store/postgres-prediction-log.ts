// The prediction log of the PostgreSQL store (schema: migration 6 in postgres-schema.ts): a batch is one
// transaction (the entries as one INSERT of arrays, the per-day aggregates as upserts in key order, so
// replicas appending at once never deadlock); pruning deletes the oldest entries in bounded slices; summaries
// read the per-day aggregates (days × categories rows, however many entries).
import type { PredictionLogStore, PredictionLogWrite, PredictionSummary, PredictionSummaryQuery } from "../index.js";
import type { PgPool } from "./pg-pool.js";
import { bucketOf, dayOfTime, logBatch, sqlSummary, windowOf } from "./prediction-log-rows.js";

const WINDOW = "day >= $1 AND day <= $2 AND ($3::text IS NULL OR model = $3)";

export class PgPredictionLog implements PredictionLogStore {
  constructor(private readonly db: PgPool) {}

  async appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number> {
    const b = logBatch(rows);
    if (b.entries.length === 0) return 0;
    const col = <T, K extends keyof T>(xs: readonly T[], k: K): T[K][] => xs.map((x) => x[k]);
    await this.db.tx(async (c) => {
      const e = b.entries;
      await c.query(
        `INSERT INTO prediction_log (at, model, product_id, source, category, score, top)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[])`,
        [col(e, "at"), col(e, "model"), col(e, "productId"), col(e, "source"), col(e, "category"), col(e, "score"), col(e, "top")],
      );
      await c.query(
        `INSERT INTO prediction_days (day, model, category, n, score_sum)
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::float8[])
         ON CONFLICT (day, model, category) DO UPDATE SET n = prediction_days.n + excluded.n, score_sum = prediction_days.score_sum + excluded.score_sum`,
        [col(b.days, "day"), col(b.days, "model"), col(b.days, "category"), col(b.days, "n"), col(b.days, "sum")],
      );
      await c.query(
        `INSERT INTO prediction_scores (day, model, bucket, n)
         SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::bigint[])
         ON CONFLICT (day, model, bucket) DO UPDATE SET n = prediction_scores.n + excluded.n`,
        [col(b.scores, "day"), col(b.scores, "model"), col(b.scores, "bucket"), col(b.scores, "n")],
      );
    });
    return b.entries.length;
  }

  async predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary> {
    const { fromDay, toDay, model } = windowOf(q);
    const w = [fromDay, toDay, model];
    const buckets = (q.thresholds ?? []).map(bucketOf);
    const [cats, days, counts] = await Promise.all([
      this.db.query<{ category: string; n: string }>(`SELECT category, sum(n) AS n FROM prediction_days WHERE ${WINDOW} GROUP BY category`, w),
      this.db.query<{ d: number; n: string; s: number }>(`SELECT day AS d, sum(n) AS n, sum(score_sum) AS s FROM prediction_days WHERE ${WINDOW} GROUP BY day`, w),
      buckets.length === 0
        ? Promise.resolve([] as { n: string }[])
        : this.db.query<{ n: string }>(`SELECT (SELECT coalesce(sum(n), 0) FROM prediction_scores WHERE ${WINDOW} AND bucket >= b) AS n FROM unnest($4::int[]) WITH ORDINALITY AS x(b, ord) ORDER BY ord`, [...w, buckets]),
    ]);
    return sqlSummary(cats, days, counts.map((r) => Number(r.n)));
  }

  async prunePredictions(before: number, limit: number): Promise<number> {
    return this.db.tx(async (c) => {
      const day = dayOfTime(before);
      await c.query("DELETE FROM prediction_days WHERE day < $1", [day]);
      await c.query("DELETE FROM prediction_scores WHERE day < $1", [day]);
      const r = await c.query("DELETE FROM prediction_log WHERE seq IN (SELECT seq FROM prediction_log WHERE at < $1 ORDER BY at LIMIT $2)", [Math.floor(before), Math.max(0, Math.floor(limit))]);
      return r.rowCount ?? 0;
    });
  }
}
