// Agglomerative (hierarchical) clustering: ward, average, complete or single linkage on dense or CSR rows.
import { z } from "zod";
import type { FitOptions } from "../core/contracts.js";
import { ConfigError } from "../core/errors.js";
import { assertFinite, dense, type Matrix } from "../linalg/matrix.js";
import { AgglomerativeModel } from "./agglomerative-model.js";
import { condensedDistances, Mode, nnChain, primSingle, rowOffsets, type Merges, type Rows } from "./agglomerative-linkage.js";
import type { Clusterer } from "./contracts.js";
import { rowSquaredNorms } from "./kernels.js";

/** Parameters of {@link Agglomerative}: one schema for validation, defaults and docs (scikit-learn's names in brackets). */
export const AgglomerativeParams = z
  .object({
    /** Number of clusters [n_clusters]; 8 when neither `k` nor `distanceThreshold` is given. */
    k: z.number().int().min(1).optional(),
    /**
     * Cut the tree where merges stop being close: clusters whose linkage distance is below this value are
     * merged, so k = 1 + the number of merges at distance ≥ threshold [distance_threshold]. Excludes `k`.
     */
    distanceThreshold: z.number().min(0).optional(),
    /**
     * Which clusters merge next [linkage]: "ward" (least increase of within-cluster variance), "average"
     * (mean pairwise distance), "complete" (largest pairwise distance) or "single" (smallest pairwise distance).
     */
    linkage: z.enum(["ward", "average", "complete", "single"]).default("ward"),
    /**
     * "euclidean", or "cosine" (1 − cos; a zero row lies at distance 1 from every row but another zero row)
     * [metric]. Ward needs Euclidean distances: with "cosine" it L2-normalizes the rows and runs Euclidean ward
     * on them (‖a − b‖² = 2 (1 − cos) on unit rows), which scikit-learn refuses.
     */
    metric: z.enum(["euclidean", "cosine"]).default("euclidean"),
    /**
     * Refuse inputs whose pairwise distance matrix (n(n−1)/2 values) would need more than this many MB, with a
     * ConfigError suggesting alternatives. Single linkage computes distances on the fly and is exempt.
     */
    memoryLimitMb: z.number().positive().default(1024),
  })
  .refine((p) => p.k === undefined || p.distanceThreshold === undefined, {
    message: "Set either k or distanceThreshold, not both",
    path: ["distanceThreshold"],
  });
/** Validated {@link Agglomerative} parameters, defaults filled in (k is set unless distanceThreshold is). */
export type AgglomerativeParams = z.infer<typeof AgglomerativeParams>;
/** {@link Agglomerative} parameters as a caller passes them (all optional). */
export type AgglomerativeParamsInput = z.input<typeof AgglomerativeParams>;

/**
 * Rows up to which the distance matrix is Float64 (≤ 67 MB), so small inputs reproduce scikit-learn's distances
 * to ~1e-12. Above it the matrix is Float32, half the memory and bandwidth: on 3000 × 100 blobs its merge
 * distances stayed within 3e-7 (relative) of the Float64 ones, with identical labels, under ward, average and
 * complete linkage; only near-exact ties can merge in another order.
 */
export const FLOAT64_MAX_ROWS = 4096;

/**
 * Agglomerative clustering (scikit-learn's `AgglomerativeClustering`, scipy's `linkage`): starts from one
 * cluster per row and merges the two closest clusters until one is left, recording the merge tree; then cuts
 * the tree at `k` clusters or at `distanceThreshold`. Ward, average and complete linkage run the
 * nearest-neighbour chain with Lance–Williams updates on the condensed pairwise distance matrix (exact,
 * O(n²·d + n²) time, n(n−1)/2 Float64 values, Float32 above {@link FLOAT64_MAX_ROWS} rows); single linkage
 * grows a minimum spanning tree (Prim) with distances computed on the fly (O(n²·d) time, O(n) memory). Dense
 * rows are read from a Float64 copy (n·d·8 bytes). Suits up to ~20k rows (0.8 GB of Float32 distances); use
 * k-means with `batchSize` for large catalogs, or cluster a sample.
 *
 * Cluster ids follow the smallest row index they contain (row 0 is in cluster 0). The tree's distances equal
 * scikit-learn's `distances_` (ward: √ of scipy's ward objective, as `linkage(X, "ward")`).
 * @example
 * const model = await new Agglomerative({ k: 10, linkage: "average", metric: "cosine" }).fit(x);
 * model.labels; model.children; model.distances; model.predict(newRows);
 */
export class Agglomerative implements Clusterer {
  readonly kind = "agglomerative";
  readonly params: AgglomerativeParams;
  constructor(params: AgglomerativeParamsInput = {}) {
    const p = AgglomerativeParams.parse(params);
    this.params = p.k === undefined && p.distanceThreshold === undefined ? { ...p, k: 8 } : p;
  }

  /**
   * Fits on the rows of `x` (deterministic: `options.seed` is not used).
   * @throws ConfigError when k exceeds the number of rows or the distance matrix exceeds `memoryLimitMb`;
   * TypeError on NaN or infinite values; CancelledError when `options.signal` fires.
   */
  async fit(x: Matrix, options: FitOptions = {}): Promise<AgglomerativeModel> {
    return fitAgglomerative(this.params, x, options);
  }
}

/** Root of `i` with path halving. */
function root(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]!]!;
    i = parent[i]!;
  }
  return i;
}

/** The merge tree in scikit-learn's form, plus the merges as row pairs in that order (for cutting). */
interface Tree {
  children: Int32Array;
  distances: Float64Array;
  sizes: Int32Array;
  pairs: Int32Array;
}

/**
 * Sorts the merges by distance (stable) and names clusters as scipy's `label` does: leaves are 0..n−1, the
 * cluster made by merge s is n + s, and each merge lists the smaller id first. O(n log n).
 */
function buildTree(mg: Merges, n: number): Tree {
  const steps = n - 1;
  const order = Array.from({ length: steps }, (_, s) => s).sort((s, t) => mg.d[s]! - mg.d[t]! || s - t);
  const children = new Int32Array(2 * steps);
  const distances = new Float64Array(steps);
  const sizes = new Int32Array(steps);
  const pairs = new Int32Array(2 * steps);
  const parent = new Int32Array(2 * n - 1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const size = new Int32Array(2 * n - 1).fill(1);
  for (let s = 0; s < steps; s++) {
    const o = order[s]!;
    const ra = root(parent, mg.a[o]!);
    const rb = root(parent, mg.b[o]!);
    children[2 * s] = Math.min(ra, rb);
    children[2 * s + 1] = Math.max(ra, rb);
    distances[s] = mg.d[o]!;
    parent[ra] = n + s;
    parent[rb] = n + s;
    size[n + s] = size[ra]! + size[rb]!;
    sizes[s] = size[n + s]!;
    pairs[2 * s] = mg.a[o]!;
    pairs[2 * s + 1] = mg.b[o]!;
  }
  return { children, distances, sizes, pairs };
}

/** Labels after the first n − k merges of the tree; ids by smallest member row. O(n). */
function cut(tree: Tree, n: number, k: number): Int32Array {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let s = 0; s < n - k; s++) {
    const ra = root(parent, tree.pairs[2 * s]!);
    const rb = root(parent, tree.pairs[2 * s + 1]!);
    parent[ra] = rb;
  }
  const id = new Int32Array(n).fill(-1);
  const labels = new Int32Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const r = root(parent, i);
    if (id[r] === -1) id[r] = next++;
    labels[i] = id[r]!;
  }
  return labels;
}

/** Mean of each cluster's rows (unit rows for cosine; zero rows stay zero), k × cols Float32. O(nnz + k·cols). */
function clusterMeans(rows: Rows, labels: Int32Array, k: number, cosine: boolean): Float32Array {
  const { x, norms } = rows;
  const cols = x.cols;
  const sums = new Float64Array(k * cols);
  const counts = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    const l = labels[i]!;
    counts[l]!++;
    const s = cosine ? (norms[i]! > 0 ? 1 / Math.sqrt(norms[i]!) : 0) : 1;
    const o = l * cols;
    if (x.kind === "csr") {
      for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) sums[o + x.indices[p]!]! += x.data[p]! * s;
    } else {
      for (let c = 0; c < cols; c++) sums[o + c]! += x.data[i * cols + c]! * s;
    }
  }
  const out = new Float32Array(k * cols);
  for (let l = 0; l < k; l++) for (let c = 0; c < cols; c++) out[l * cols + c] = sums[l * cols + c]! / counts[l]!;
  return out;
}

/** The ConfigError for a distance matrix of n rows that does not fit: over `limitMb`, or not allocatable at all. */
function memoryError(n: number, bytesPerValue: number, limitMb: number | null): ConfigError {
  const gb = (((n * (n - 1)) / 2) * bytesPerValue) / 1024 ** 3;
  const why = limitMb === null ? "more than this process can allocate" : `over the limit of memoryLimitMb=${limitMb} MB`;
  return new ConfigError(
    `Cannot cluster ${n} rows with agglomerative clustering: its pairwise distance matrix needs ${gb.toFixed(gb < 10 ? 2 : 1)} GB, ` +
      `${why}: use mini-batch kmeans (batchSize) for large catalogs, or cluster a sample` +
      (limitMb === null ? "" : " (or raise memoryLimitMb)"),
    [],
    { hint: { kind: "mini-batch-kmeans" } },
  );
}

function fitAgglomerative(p: AgglomerativeParams, x: Matrix, options: FitOptions): AgglomerativeModel {
  const n = x.rows;
  if (p.k !== undefined && p.k > n) {
    throw new ConfigError(`Cannot make k=${p.k} clusters from ${n} rows: k must not exceed the number of rows`);
  }
  if (n === 0) throw new ConfigError("Cannot cluster 0 rows: agglomerative clustering needs at least one row");
  assertFinite(x);
  const { linkage, metric } = p;
  const cosine = metric === "cosine";
  const wide = n <= FLOAT64_MAX_ROWS;
  if (linkage !== "single") {
    const bytes = ((n * (n - 1)) / 2) * (wide ? 8 : 4);
    if (bytes > p.memoryLimitMb * 1024 * 1024) throw memoryError(n, wide ? 8 : 4, p.memoryLimitMb);
  }
  const rows: Rows = { x, a: x.kind === "dense" ? Float64Array.from(x.data) : null, norms: rowSquaredNorms(x) };
  let merges: Merges;
  if (linkage === "single") merges = primSingle(rows, cosine ? Mode.Cosine : Mode.Euclidean, options);
  else {
    const mode = linkage === "ward" ? (cosine ? Mode.SqChord : Mode.SqEuclidean) : cosine ? Mode.Cosine : Mode.Euclidean;
    const pairs = (n * (n - 1)) / 2;
    let D: Float32Array | Float64Array;
    try {
      D = wide ? new Float64Array(pairs) : new Float32Array(pairs);
    } catch (e) {
      if (e instanceof RangeError) throw memoryError(n, wide ? 8 : 4, null);
      throw e;
    }
    const off = rowOffsets(n);
    condensedDistances(rows, mode, D, off, options);
    merges = nnChain(D, n, off, linkage, options);
  }
  const tree = buildTree(merges, n);
  let k = p.k ?? 1;
  if (p.distanceThreshold !== undefined) {
    k = 1;
    for (let s = 0; s < n - 1; s++) if (tree.distances[s]! >= p.distanceThreshold) k++;
  }
  const labels = cut(tree, n, k);
  return new AgglomerativeModel({
    centroids: dense(k, x.cols, clusterMeans(rows, labels, k, cosine)),
    labels,
    children: tree.children,
    distances: tree.distances,
    sizes: tree.sizes,
    linkage,
    metric,
    params: { ...p },
  });
}
