// The prediction log of the SQLite store (schema: migration 5 in sqlite-schema.ts): appends (the entries and
// the per-day aggregates, one transaction) and pruning run in the writer thread (SqliteWrites); summaries read
// the per-day aggregates on the reading connection: days × categories rows, however many entries.
import type Database from "better-sqlite3";
import type { PredictionLogWrite, PredictionSummary, PredictionSummaryQuery } from "../index.js";
import { bucketOf, dayOfTime, logBatch, sqlSummary, windowOf } from "./prediction-log-rows.js";

/** Appends and prunes, on the writer's connection. */
export class SqlitePredictionLogWrites {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insert: db.prepare("INSERT INTO prediction_log (at, model, product_id, source, category, score, top) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      addDay: db.prepare(
        "INSERT INTO prediction_days (day, model, category, n, score_sum) VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, model, category) DO UPDATE SET n = n + excluded.n, score_sum = score_sum + excluded.score_sum",
      ),
      addScore: db.prepare("INSERT INTO prediction_scores (day, model, bucket, n) VALUES (?, ?, ?, ?) ON CONFLICT (day, model, bucket) DO UPDATE SET n = n + excluded.n"),
      prune: db.prepare("DELETE FROM prediction_log WHERE seq IN (SELECT seq FROM prediction_log WHERE at < ? ORDER BY at LIMIT ?)"),
      pruneDays: db.prepare("DELETE FROM prediction_days WHERE day < ?"),
      pruneScores: db.prepare("DELETE FROM prediction_scores WHERE day < ?"),
    };
  }

  appendPredictions(rows: readonly PredictionLogWrite[]): number {
    const b = logBatch(rows);
    return this.db
      .transaction((): number => {
        for (const e of b.entries) this.s.insert.run(e.at, e.model, e.productId, e.source, e.category, e.score, e.top);
        for (const d of b.days) this.s.addDay.run(d.day, d.model, d.category, d.n, d.sum);
        for (const s of b.scores) this.s.addScore.run(s.day, s.model, s.bucket, s.n);
        return b.entries.length;
      })
      .immediate();
  }

  prunePredictions(before: number, limit: number): number {
    return this.db
      .transaction((): number => {
        const day = dayOfTime(before);
        this.s.pruneDays.run(day);
        this.s.pruneScores.run(day);
        return this.s.prune.run(Math.floor(before), Math.max(0, Math.floor(limit))).changes;
      })
      .immediate();
  }
}

const WINDOW = "day >= @fromDay AND day <= @toDay AND (@model IS NULL OR model = @model)";

type Window = ReturnType<typeof windowOf>;

/** The summaries, on the reading connection. */
export class SqlitePredictionLogReads {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      categories: db.prepare<[Window], { category: string; n: number }>(`SELECT category, sum(n) AS n FROM prediction_days WHERE ${WINDOW} GROUP BY category`),
      days: db.prepare<[Window], { d: number; n: number; s: number }>(`SELECT day AS d, sum(n) AS n, sum(score_sum) AS s FROM prediction_days WHERE ${WINDOW} GROUP BY day`),
      atLeast: db.prepare<[Window & { bucket: number }], number>(`SELECT coalesce(sum(n), 0) FROM prediction_scores WHERE ${WINDOW} AND bucket >= @bucket`).pluck(),
    };
  }

  predictionSummary(q: PredictionSummaryQuery): PredictionSummary {
    const w = windowOf(q);
    const atLeast = (q.thresholds ?? []).map((t) => this.s.atLeast.get({ ...w, bucket: bucketOf(t) }) ?? 0);
    return sqlSummary(this.s.categories.all(w), this.s.days.all(w), atLeast);
  }
}
