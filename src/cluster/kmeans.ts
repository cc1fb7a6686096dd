// K-means (Lloyd with Hamerly's bounds, or mini-batch) on dense or CSR rows, Euclidean or spherical (cosine).
import { z } from "zod";
import type { FitOptions } from "../core/contracts.js";
import { deriveSeed, Random } from "../core/random.js";
import { assertFinite, dense, type Matrix } from "../linalg/matrix.js";
import type { Clusterer } from "./contracts.js";
import { compactColumns } from "../linalg/sparse.js";
import { meanColumnVariance, prepareRows, type Centers } from "./kernels.js";
import { kmeansPlusPlus, randomInit } from "./kmeans-init.js";
import { KMeansModel } from "./kmeans-model.js";
import { lloyd, type RunResult } from "./lloyd.js";
import { miniBatch } from "./mini-batch.js";

/** Parameters of {@link KMeans}: one schema for validation, defaults and docs (scikit-learn's names in brackets). */
export const KMeansParams = z.object({
  /** Number of clusters [n_clusters]. */
  k: z.number().int().min(1).default(8),
  /**
   * "euclidean", or "cosine" for spherical k-means: rows are L2-normalized, centroids re-normalized after
   * each update, and rows go to the centroid with the largest dot product (the usual choice for TF-IDF).
   */
  metric: z.enum(["euclidean", "cosine"]).default("euclidean"),
  /** Seeding: greedy "k-means++" (2 + ⌊ln k⌋ local trials per centre, as scikit-learn) or k "random" rows. */
  init: z.enum(["k-means++", "random"]).default("k-means++"),
  /** Restarts with different seeds; the one with the lowest inertia wins [n_init]. */
  nInit: z.number().int().min(1).default(3),
  /** Lloyd iterations per restart, or the number of batches with `batchSize` [max_iter]. */
  maxIter: z.number().int().min(1).default(100),
  /** Stop when the squared centre shift Σ‖Δc‖² ≤ tol × mean column variance (Lloyd only) [tol]. */
  tol: z.number().min(0).default(1e-4),
  /**
   * Mini-batch k-means (Sculley 2010) on random batches of this many rows, for large catalogs: each batch
   * moves a centre by 1/count per row, `maxIter` is the number of batches, and `nInit` seedings are compared
   * on a validation sample rather than fully fitted [MiniBatchKMeans.batch_size].
   */
  batchSize: z.number().int().min(1).optional(),
  /** Mini-batch: stop after this many batches without improving the smoothed batch inertia [max_no_improvement]. */
  maxNoImprovement: z.number().int().min(1).default(10),
  /** Mini-batch: centres with under this fraction of the largest count jump to random rows [reassignment_ratio]. */
  reassignmentRatio: z.number().min(0).max(1).default(0.01),
});
/** Validated {@link KMeans} parameters, defaults filled in. */
export type KMeansParams = z.infer<typeof KMeansParams>;
/** {@link KMeans} parameters as a caller passes them (all optional). */
export type KMeansParamsInput = z.input<typeof KMeansParams>;

/**
 * K-means clustering. Full-batch Lloyd iterations skip rows whose cluster provably cannot change (Hamerly's
 * bounds), so passes after the first few cost far less than O(nnz·k); centroids are dense Float64 while fitting
 * (k × used columns) and Float32 in the model. CSR rows are never densified.
 *
 * Warnings (via `options.onWarning`): `EMPTY_CLUSTER` when clusters emptied and were re-seeded from the rows
 * farthest from their centres, or ended empty; `DUPLICATE_CENTERS` when the data has fewer than k distinct
 * rows (some centres coincide, their clusters stay empty; no NaN); `NO_CONVERGENCE` when the best restart
 * used all `maxIter` iterations.
 * @example
 * const model = await new KMeans({ k: 10, metric: "cosine" }).fit(x, { seed: 1 });
 * model.labels; model.predict(newRows);
 */
export class KMeans implements Clusterer {
  readonly kind = "kmeans";
  readonly params: KMeansParams;
  constructor(params: KMeansParamsInput = {}) {
    this.params = KMeansParams.parse(params);
  }

  /**
   * Fits on the rows of `x`; the same `options.seed` (default 0) gives the same model.
   * @throws RangeError when k exceeds the number of rows; TypeError on NaN or infinite values.
   */
  async fit(x: Matrix, options: FitOptions = {}): Promise<KMeansModel> {
    return fitKMeans(this.params, x, options);
  }
}

/** Centres of the compacted column space, expanded to a k × cols Float32 matrix. */
function expandCentroids(c: Centers, colMap: Int32Array | null, cols: number): Float32Array {
  const { k, d, ct } = c;
  const out = new Float32Array(k * cols);
  for (let j = 0; j < d; j++) {
    const f = colMap ? colMap[j]! : j;
    for (let a = 0; a < k; a++) out[a * cols + f] = ct[j * k + a]!;
  }
  return out;
}

function fitKMeans(p: KMeansParams, x: Matrix, options: FitOptions): KMeansModel {
  const { k } = p;
  if (k > x.rows) throw new RangeError(`Cannot make k=${k} clusters from ${x.rows} rows: k must not exceed the number of rows`);
  assertFinite(x);
  const cosine = p.metric === "cosine";
  const prepared = prepareRows(x, cosine);
  let xw = prepared.x;
  let colMap: Int32Array | null = null;
  if (xw.kind === "csr") {
    const compact = compactColumns(xw);
    if (compact) ({ x: xw, colMap } = compact);
  }
  const rn = prepared.rn;
  const seed = options.seed ?? 0;
  let best: RunResult;
  let duplicates = false;
  let relocated = 0;
  if (p.batchSize !== undefined) {
    const mb = miniBatch(xw, rn, {
      k,
      batchSize: p.batchSize,
      maxIter: p.maxIter,
      nInit: p.nInit,
      init: p.init,
      cosine,
      maxNoImprovement: p.maxNoImprovement,
      reassignmentRatio: p.reassignmentRatio,
      rng: new Random(seed),
      signal: options.signal,
      onProgress: options.onProgress,
    });
    best = mb;
    duplicates = mb.duplicates;
  } else {
    const tolAbs = p.tol * meanColumnVariance(xw, x.cols);
    let top: RunResult | null = null;
    for (let r = 0; r < p.nInit; r++) {
      const rng = new Random(deriveSeed(seed, r));
      const s = p.init === "random" ? randomInit(xw, k, rng, cosine) : kmeansPlusPlus(xw, rn, k, rng, cosine);
      const run = lloyd(xw, rn, s.centers, { maxIter: p.maxIter, tolAbs, cosine, signal: options.signal });
      duplicates ||= s.duplicates || run.stuck;
      relocated += run.relocated;
      if (top === null || run.inertia < top.inertia) top = run;
      options.onProgress?.({ stage: "k-means", done: r + 1, total: p.nInit });
    }
    best = top!;
    if (!best.converged) {
      options.onWarning?.({
        code: "NO_CONVERGENCE",
        message: `K-means stopped after maxIter=${p.maxIter} iterations before converging: raise maxIter or tol`,
      });
    }
  }
  warnEmpty(best, k, duplicates, relocated, options);
  return new KMeansModel({
    centroids: dense(k, x.cols, expandCentroids(best.centers, colMap, x.cols)),
    labels: best.labels,
    metric: p.metric,
    inertia: best.inertia,
    iterations: best.iterations,
    params: { ...p },
  });
}

function warnEmpty(best: RunResult, k: number, duplicates: boolean, relocated: number, options: FitOptions): void {
  const sizes = new Int32Array(k);
  for (let i = 0; i < best.labels.length; i++) sizes[best.labels[i]!]!++;
  const empty: number[] = [];
  for (let a = 0; a < k; a++) if (sizes[a] === 0) empty.push(a);
  if (duplicates) {
    options.onWarning?.({
      code: "DUPLICATE_CENTERS",
      message: `Found fewer than k=${k} distinct rows: some centres coincide` + (empty.length ? ` and ${empty.length} clusters are empty` : ""),
    });
  } else if (empty.length > 0) {
    options.onWarning?.({ code: "EMPTY_CLUSTER", message: `Clusters ${empty.join(", ")} ended with no rows` });
  }
  if (relocated > 0) {
    options.onWarning?.({
      code: "EMPTY_CLUSTER",
      message: `Re-seeded ${relocated} empty cluster${relocated === 1 ? "" : "s"} from the rows farthest from their centres`,
    });
  }
}
