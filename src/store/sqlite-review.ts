// The review console's SQLite parts: the review queue (read on the caller's connection) and undoing a
// correction (a write: it runs in the writer thread through SqliteWrites).
import type Database from "better-sqlite3";
import type { ClusterRecord, CorrectionRecord, ReviewPage, ReviewQuery } from "../index.js";
import { mergeClusterList, reviewSql } from "./review-sql.js";
import { effective, toCorrection, toProduct, type CorrectionRow, type ProductRow } from "./sqlite-rows.js";

/** A page of the review queue (see CatalogStore.reviewQueue). */
export function sqliteReviewQueue(db: Database.Database, q: ReviewQuery): ReviewPage {
  const sql = reviewSql(q, "*", () => "?", "sqlite");
  const rows = db.prepare<unknown[], ProductRow & { rnk?: number }>(sql.page).all(...sql.pageParams);
  const total = db.prepare<unknown[], { n: number }>(sql.count).get(...sql.countParams)?.n ?? 0;
  return {
    products: rows.map((r) => toProduct(r) as ReviewPage["products"][number]),
    cursors: rows.map((r) => ({ score: r.pred_score ?? 0, id: r.id, ...(q.spread ? { rank: Number(r.rnk) } : {}) })),
    total,
  };
}

/** Deletes correction `id` and re-applies the product's latest remaining correction (one transaction). */
export function sqliteDeleteCorrection(db: Database.Database, id: number): { deleted: CorrectionRecord; correctedCategory?: string } | undefined {
  return db
    .transaction(() => {
      const row = db.prepare<[number], CorrectionRow>("SELECT * FROM corrections WHERE id = ?").get(id);
      if (!row) return undefined;
      db.prepare("DELETE FROM corrections WHERE id = ?").run(id);
      const latest = db.prepare<[string], { category: string }>("SELECT category FROM corrections WHERE product_id = ? ORDER BY id DESC LIMIT 1").get(row.product_id);
      const p = db.prepare<[string], { rid: number; category: string | null; pred_category: string | null }>("SELECT rid, category, pred_category FROM products WHERE id = ?").get(row.product_id);
      if (p) {
        const corrected = latest?.category ?? null;
        db.prepare("UPDATE products SET corrected = ?, eff_category = ?, updated_at = ? WHERE rid = ?").run(corrected, effective(corrected, p.category, p.pred_category), new Date().toISOString(), p.rid);
      }
      return { deleted: toCorrection(row), ...(latest && p ? { correctedCategory: latest.category } : {}) };
    })
    .immediate();
}

/** Renames a cluster of a run (see CatalogStore.renameCluster), in one transaction. */
export function sqliteRenameCluster(db: Database.Database, runId: string, cluster: number, name: string): ClusterRecord | undefined {
  return db
    .transaction(() => {
      const row = db.prepare<[string], { clusters: string }>("SELECT clusters FROM cluster_runs WHERE id = ?").get(runId);
      if (!row) return undefined;
      const clusters = JSON.parse(row.clusters) as ClusterRecord[];
      const c = clusters.find((x) => x.cluster === cluster);
      if (!c) return undefined;
      c.name = name;
      c.named = true;
      db.prepare("UPDATE cluster_runs SET clusters = ? WHERE id = ?").run(JSON.stringify(clusters), runId);
      return { ...c };
    })
    .immediate();
}

/** Merges two clusters of a run (see CatalogStore.mergeClusters), in one transaction. */
export function sqliteMergeClusters(db: Database.Database, runId: string, from: number, into: number): ClusterRecord | undefined {
  return db
    .transaction(() => {
      const row = db.prepare<[string], { clusters: string }>("SELECT clusters FROM cluster_runs WHERE id = ?").get(runId);
      const merged = row ? mergeClusterList(JSON.parse(row.clusters) as ClusterRecord[], from, into) : undefined;
      if (!merged) return undefined;
      db.prepare("UPDATE cluster_assignments SET cluster = ? WHERE run_id = ? AND cluster = ?").run(into, runId, from);
      db.prepare("UPDATE cluster_runs SET clusters = ? WHERE id = ?").run(JSON.stringify(merged.clusters), runId);
      return merged.into;
    })
    .immediate();
}
