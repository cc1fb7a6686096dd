// The review queue in SQL, for SQLite and PostgreSQL alike: the same filters and order as the in-memory
// store's (src/service/review-queue.ts), one query for a keyset page and one for the count.
import type { ClusterRecord, ReviewCursor, ReviewQuery } from "../index.js";

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** SQL text and parameters of a review page and of its count; `ph(i)` writes the i-th placeholder (1-based). */
export function reviewSql(q: ReviewQuery, columns: string, ph: (i: number) => string, dialect: "sqlite" | "postgres"): { page: string; pageParams: unknown[]; count: string; countParams: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return ph(params.length);
  };
  const where = ["pred_category IS NOT NULL", "corrected IS NULL", "category IS NULL", `pred_score < ${p(q.below)}`];
  if (q.maxScore !== undefined) where.push(`pred_score < ${p(q.maxScore)}`);
  if (q.minScore !== undefined) where.push(`pred_score >= ${p(q.minScore)}`);
  if (q.category !== undefined) {
    const prefix = `${q.category} > `;
    where.push(`(pred_category = ${p(q.category)} OR substr(pred_category, 1, ${p([...prefix].length)}) = ${p(prefix)})`);
  }
  if (q.text !== undefined && q.text !== "") {
    const needle = q.text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
    // ASCII letters only, like the in-memory store (SQLite's lower() is ASCII-only).
    const lowered = dialect === "sqlite" ? "lower(title)" : `translate(title, '${UPPER}', '${UPPER.toLowerCase()}')`;
    where.push(`${dialect === "sqlite" ? "instr" : "strpos"}(${lowered}, ${p(needle)}) > 0`);
  }
  const filter = where.join(" AND ");
  const countParams = [...params];
  const count = `SELECT count(*) AS n FROM products WHERE ${filter}`;
  const after = (c: ReviewCursor): string => {
    const s = p(c.score);
    const s2 = p(c.score);
    const id = p(c.id);
    return `(pred_score > ${s} OR (pred_score = ${s2} AND id > ${id}))`;
  };
  let page: string;
  if (!q.spread) {
    const cont = q.after ? ` AND ${after(q.after)}` : "";
    page = `SELECT ${columns} FROM products WHERE ${filter}${cont} ORDER BY pred_score, id LIMIT ${p(q.limit)}`;
  } else {
    let cont = "";
    if (q.after) {
      const r = p(q.after.rank ?? 0);
      const r2 = p(q.after.rank ?? 0);
      cont = ` WHERE (rnk > ${r} OR (rnk = ${r2} AND ${after(q.after)}))`;
    }
    page =
      `SELECT * FROM (SELECT ${columns}, row_number() OVER (PARTITION BY pred_category ORDER BY pred_score, id) AS rnk FROM products WHERE ${filter}) ranked` +
      `${cont} ORDER BY rnk, pred_score, id LIMIT ${p(q.limit)}`;
  }
  return { page, pageParams: params, count, countParams };
}

/** The clusters of a run after merging `from` into `into` (as src/service/review-queue.ts does for the in-memory store). */
export function mergeClusterList(clusters: readonly ClusterRecord[], from: number, into: number): { clusters: ClusterRecord[]; into: ClusterRecord } | undefined {
  const a = clusters.find((c) => c.cluster === from);
  const b = clusters.find((c) => c.cluster === into);
  if (!a || !b || from === into) return undefined;
  const merged = { ...b, size: a.size + b.size };
  return { clusters: clusters.filter((c) => c.cluster !== from).map((c) => (c.cluster === into ? merged : { ...c })), into: merged };
}
