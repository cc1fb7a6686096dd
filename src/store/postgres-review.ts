// The review console's PostgreSQL parts: the review queue and undoing a correction.
import type pg from "pg";
import type { ClusterRecord, CorrectionRecord, ReviewPage, ReviewQuery } from "../index.js";
import type { PgPool } from "./pg-pool.js";
import { TermDeltas } from "./postgres-writes.js";
import { PRODUCT_COLUMNS, toCorrection, toProduct, type CorrectionRow, type ProductRow } from "./postgres-rows.js";
import { mergeClusterList, reviewSql } from "./review-sql.js";

/** A page of the review queue (see CatalogStore.reviewQueue). */
export async function pgReviewQueue(db: PgPool, q: ReviewQuery): Promise<ReviewPage> {
  const sql = reviewSql(q, PRODUCT_COLUMNS, (i) => `$${i}`, "postgres");
  const [rows, counted] = await Promise.all([db.query<ProductRow & { rnk?: string }>(sql.page, sql.pageParams), db.query<{ n: string }>(sql.count, sql.countParams)]);
  return {
    products: rows.map((r) => toProduct(r) as ReviewPage["products"][number]),
    cursors: rows.map((r) => ({ score: Number(r.pred_score ?? 0), id: r.id, ...(q.spread ? { rank: Number(r.rnk) } : {}) })),
    total: Number(counted[0]?.n ?? 0),
  };
}

/** Deletes correction `id` and re-applies the product's latest remaining correction, inside transaction `c`. */
export async function pgDeleteCorrection(c: pg.ClientBase, id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string } | undefined> {
  const row = (await c.query<CorrectionRow>("DELETE FROM corrections WHERE id = $1 RETURNING *", [id])).rows[0];
  if (!row) return undefined;
  const head = (
    await c.query<{ seq: string; category: string | null; pred_category: string | null; eff_category: string | null; terms: string[] }>(
      "SELECT seq, category, pred_category, eff_category, terms FROM products WHERE id = $1 FOR UPDATE",
      [row.product_id],
    )
  ).rows[0];
  const latest = (await c.query<{ category: string }>("SELECT category FROM corrections WHERE product_id = $1 ORDER BY id DESC LIMIT 1", [row.product_id])).rows[0];
  if (head) {
    const corrected = latest?.category ?? null;
    const eff = corrected ?? head.category ?? head.pred_category ?? null;
    await c.query("UPDATE products SET corrected = $1, eff_category = $2, updated_at = $3 WHERE id = $4", [corrected, eff, new Date().toISOString(), row.product_id]);
    const deltas = new TermDeltas();
    deltas.move(head.terms, head.seq, head.eff_category, eff);
    await deltas.flush(c);
  }
  return { deleted: toCorrection(row), ...(latest && head ? { correctedCategory: latest.category } : {}) };
}

/** Renames a cluster of a run (see CatalogStore.renameCluster), inside transaction `c`. */
export async function pgRenameCluster(c: pg.ClientBase, runId: string, cluster: number, name: string): Promise<ClusterRecord | undefined> {
  const row = (await c.query<{ clusters: string }>("SELECT clusters FROM cluster_runs WHERE id = $1 FOR UPDATE", [runId])).rows[0];
  if (!row) return undefined;
  const clusters = JSON.parse(row.clusters) as ClusterRecord[];
  const found = clusters.find((x) => x.cluster === cluster);
  if (!found) return undefined;
  found.name = name;
  found.named = true;
  await c.query("UPDATE cluster_runs SET clusters = $1 WHERE id = $2", [JSON.stringify(clusters), runId]);
  return { ...found };
}

/** Merges two clusters of a run (see CatalogStore.mergeClusters), inside transaction `c`. */
export async function pgMergeClusters(c: pg.ClientBase, runId: string, from: number, into: number): Promise<ClusterRecord | undefined> {
  const row = (await c.query<{ clusters: string }>("SELECT clusters FROM cluster_runs WHERE id = $1 FOR UPDATE", [runId])).rows[0];
  const merged = row ? mergeClusterList(JSON.parse(row.clusters) as ClusterRecord[], from, into) : undefined;
  if (!merged) return undefined;
  await c.query("UPDATE cluster_assignments SET cluster = $1 WHERE run_id = $2 AND cluster = $3", [into, runId, from]);
  await c.query("UPDATE cluster_runs SET clusters = $1 WHERE id = $2", [JSON.stringify(merged.clusters), runId]);
  return merged.into;
}
