// Scores a clustering's assignments against a truth field of the catalog (external metrics, optional silhouette).
import type { Assignment } from "../catalog/read-assignments.js";
import { InvalidInputError, type RowIssue } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { Random } from "../core/random.js";
import { selectRows } from "../linalg/matrix.js";
import { externalClusterMetrics, type ExternalClusterMetrics } from "../metrics/clustering-external.js";
import { silhouetteScore } from "../metrics/clustering-internal.js";
import { embedProducts } from "./text-embedding.js";

/** Options of {@link evaluateClusters}. */
export interface EvaluateClustersOptions extends RunOptions {
  /** Field of the catalog rows holding the reference group (e.g. "cluster_id", "category"). */
  truthField: string;
  /** Only the first `truthDepth` levels of a path-valued truth field (e.g. 1 = top-level category). */
  truthDepth?: number;
  pathSeparator?: string;
  /** Also compute the silhouette (cosine, on the text embedding, sampled). Default true. */
  silhouette?: boolean;
  silhouetteSample?: number;
  /** File names for messages. */
  assignmentsFile?: string;
  dataFile?: string;
}

/** External scores of a clustering, plus counts and the silhouette when computed. */
export interface ClusterEvaluation extends ExternalClusterMetrics {
  n: number;
  noise: number;
  truthField: string;
  silhouette: number | null;
}

const MAX_LISTED = 10;

/**
 * Joins assignments to products by id and scores them against `truthField` (ARI, NMI, V-measure, purity,
 * pair precision/recall/F1, as scikit-learn defines them). Noise rows (-1) count as singleton clusters, so
 * noise is never rewarded. Every assignment id must be a product of the data and every product must have
 * an assignment and a truth value; otherwise one InvalidInputError lists the mismatches.
 */
export async function evaluateClusters(
  assignments: readonly Assignment[],
  products: readonly Product[],
  options: EvaluateClustersOptions,
): Promise<ClusterEvaluation> {
  const aFile = options.assignmentsFile ?? "assignments";
  const dFile = options.dataFile ?? "data";
  const byId = new Map<string, Assignment>();
  for (const a of assignments) byId.set(a.id, a);
  const productIds = new Set(products.map((p) => p.id));
  const issues: RowIssue[] = [];
  let total = 0;
  const bad = (i: RowIssue): void => {
    total++;
    if (issues.length < MAX_LISTED) issues.push(i);
  };
  const overlap = assignments.reduce((c, a) => c + (productIds.has(a.id) ? 1 : 0), 0);
  if (overlap === 0) {
    throw new InvalidInputError(
      [{ file: aFile, line: assignments[0]?.line ?? 1, field: "id", message: `none of its ${assignments.length} ids is a product of ${dFile}` }],
      1,
      `None of the ${assignments.length} ids in ${aFile} is a product id of ${dFile} (${products.length} products): evaluate the file that was clustered, read with the same id field`,
    );
  }
  for (const a of assignments) if (!productIds.has(a.id)) bad({ file: aFile, line: a.line, field: "id", message: `"${a.id}" is not a product id of ${dFile}` });
  const truthText: string[] = [];
  for (const p of products) {
    if (!byId.has(p.id)) bad({ file: dFile, line: p.line ?? 0, field: "id", message: `product "${p.id}" has no assignment in ${aFile}` });
    const v = p.fields?.[options.truthField];
    if (v === undefined || v === null || v === "") bad({ file: dFile, line: p.line ?? 0, field: options.truthField, message: "is missing (needed as the truth)" });
    let t = v === undefined || v === null ? "" : String(v);
    if (options.truthDepth !== undefined) {
      const sep = (options.pathSeparator ?? " > ").trim() || " > ";
      t = t.split(sep).map((s) => s.trim()).slice(0, options.truthDepth).join(" > ");
    }
    truthText.push(t);
  }
  if (total > 0) {
    const head = `The assignments do not match the data (${total} problem${total === 1 ? "" : "s"}); cluster and evaluate the same file`;
    throw new InvalidInputError(issues, total, `${head}:\n${issues.map((i) => `  ${InvalidInputError.format(i)}`).join("\n")}${total > issues.length ? `\n  … and ${total - issues.length} more` : ""}`);
  }
  const n = products.length;
  const truthIds = new Map<string, number>();
  const truth = new Int32Array(n);
  const pred = new Int32Array(n);
  let maxCluster = -1;
  for (const a of assignments) maxCluster = Math.max(maxCluster, a.cluster);
  let noise = 0;
  products.forEach((p, i) => {
    let t = truthIds.get(truthText[i]!);
    if (t === undefined) truthIds.set(truthText[i]!, (t = truthIds.size));
    truth[i] = t;
    const c = byId.get(p.id)!.cluster;
    pred[i] = c === -1 ? maxCluster + 1 + noise++ : c;
  });
  const ext = externalClusterMetrics(truth, pred);
  let silhouette: number | null = null;
  if (options.silhouette !== false && n >= 3) {
    const keep: number[] = [];
    for (let i = 0; i < n; i++) if (byId.get(products[i]!.id)!.cluster !== -1) keep.push(i);
    const k = new Set(keep.map((i) => pred[i]!)).size;
    if (k >= 2 && k < keep.length) {
      const { embedding } = await embedProducts(products, options);
      const sample = options.silhouetteSample ?? 5000;
      const rng = new Random(options.seed ?? 0);
      const rows = keep.length > sample ? Int32Array.from(rng.sample(keep.length, sample).map((t) => keep[t]!)).sort() : Int32Array.from(keep);
      const ls = Int32Array.from(rows, (i) => pred[i]!);
      const ks = new Set(ls).size;
      if (ks >= 2 && ks < ls.length) {
        const s = silhouetteScore(selectRows(embedding, rows), ls, { metric: "cosine" });
        silhouette = Number.isFinite(s) ? s : null;
      }
    }
  }
  return { ...ext, n, noise, truthField: options.truthField, silhouette };
}
