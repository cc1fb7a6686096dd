// The prediction log of the SQLite store (schema: migration 5 in sqlite-schema.ts): appends and pruning run
// in the writer thread (SqliteWrites), the aggregates on the reading connection over the covering index
// (at, model, category, score), so a window's summary never reads the table rows.
import type Database from "better-sqlite3";
import type { PredictionLogWrite, PredictionSummary, PredictionSummaryQuery } from "../index.js";
import { logColumns, sqlSummary, windowOf } from "./prediction-log-rows.js";

/** Appends and prunes, on the writer's connection. */
export class SqlitePredictionLogWrites {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insert: db.prepare("INSERT INTO prediction_log (at, model, product_id, source, category, score, top) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      prune: db.prepare("DELETE FROM prediction_log WHERE seq IN (SELECT seq FROM prediction_log WHERE at < ? ORDER BY at LIMIT ?)"),
    };
  }

  appendPredictions(rows: readonly PredictionLogWrite[]): number {
    return this.db
      .transaction((): number => {
        let n = 0;
        for (const r of rows) {
          const c = logColumns(r);
          if (!c) continue;
          this.s.insert.run(Math.round(r.at), r.model, r.productId ?? null, r.source, c.top1, c.score, c.top);
          n++;
        }
        return n;
      })
      .immediate();
  }

  prunePredictions(before: number, limit: number): number {
    return this.s.prune.run(Math.floor(before), Math.max(0, Math.floor(limit))).changes;
  }
}

const WINDOW = "at >= @since AND at < @until AND (@model IS NULL OR model = @model)";

interface Window {
  since: number;
  until: number;
  model: string | null;
}

/** The aggregates, on the reading connection. */
export class SqlitePredictionLogReads {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      categories: db.prepare<[Window], { category: string; n: number }>(`SELECT category, count(*) AS n FROM prediction_log WHERE ${WINDOW} GROUP BY category`),
      days: db.prepare<[Window], { d: number; n: number; s: number }>(`SELECT at / 86400000 AS d, count(*) AS n, sum(score) AS s FROM prediction_log WHERE ${WINDOW} GROUP BY d`),
      atLeast: db.prepare<[Window & { t: number }], number>(`SELECT count(*) FROM prediction_log WHERE ${WINDOW} AND score >= @t`).pluck(),
    };
  }

  predictionSummary(q: PredictionSummaryQuery): PredictionSummary {
    const [since, until, model] = windowOf(q);
    const w = { since, until, model };
    const atLeast = (q.thresholds ?? []).map((t) => this.s.atLeast.get({ ...w, t }) ?? 0);
    return sqlSummary(this.s.categories.all(w), this.s.days.all(w), atLeast);
  }
}
