// The prediction log of the PostgreSQL store (schema: migration 6 in postgres-schema.ts): a batch is one
// INSERT of arrays, pruning deletes the oldest rows in bounded slices, and the aggregates of a time window
// read the covering index (at, model, category, score).
import type { PredictionLogStore, PredictionLogWrite, PredictionSummary, PredictionSummaryQuery } from "../index.js";
import type { PgPool } from "./pg-pool.js";
import { logColumns, sqlSummary, windowOf } from "./prediction-log-rows.js";

const WINDOW = "at >= $1 AND at < $2 AND ($3::text IS NULL OR model = $3)";

export class PgPredictionLog implements PredictionLogStore {
  constructor(private readonly db: PgPool) {}

  async appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number> {
    const at: number[] = [];
    const model: string[] = [];
    const product: (string | null)[] = [];
    const source: string[] = [];
    const category: string[] = [];
    const score: number[] = [];
    const top: string[] = [];
    for (const r of rows) {
      const c = logColumns(r);
      if (!c) continue;
      at.push(Math.round(r.at));
      model.push(r.model);
      product.push(r.productId ?? null);
      source.push(r.source);
      category.push(c.top1);
      score.push(c.score);
      top.push(c.top);
    }
    if (at.length === 0) return 0;
    await this.db.query(
      `INSERT INTO prediction_log (at, model, product_id, source, category, score, top)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[])`,
      [at, model, product, source, category, score, top],
    );
    return at.length;
  }

  async predictionSummary(q: PredictionSummaryQuery): Promise<PredictionSummary> {
    const w = windowOf(q);
    const th = q.thresholds ?? [];
    const [cats, days, counts] = await Promise.all([
      this.db.query<{ category: string; n: string }>(`SELECT category, count(*) AS n FROM prediction_log WHERE ${WINDOW} GROUP BY category`, w),
      this.db.query<{ d: string; n: string; s: number }>(`SELECT at / 86400000 AS d, count(*) AS n, sum(score) AS s FROM prediction_log WHERE ${WINDOW} GROUP BY d`, w),
      th.length === 0
        ? Promise.resolve([] as { n: string }[])
        : this.db.query<{ n: string }>(`SELECT (SELECT count(*) FROM prediction_log WHERE ${WINDOW} AND score >= t) AS n FROM unnest($4::float8[]) WITH ORDINALITY AS x(t, ord) ORDER BY ord`, [...w, th]),
    ]);
    return sqlSummary(cats, days, counts.map((r) => Number(r.n)));
  }

  async prunePredictions(before: number, limit: number): Promise<number> {
    const rows = await this.db.query<{ n: string }>(
      "WITH gone AS (DELETE FROM prediction_log WHERE seq IN (SELECT seq FROM prediction_log WHERE at < $1 ORDER BY at LIMIT $2) RETURNING 1) SELECT count(*) AS n FROM gone",
      [Math.floor(before), Math.max(0, Math.floor(limit))],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
