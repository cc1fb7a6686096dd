// HDBSCAN* (Campello, Moulavi & Sander 2013) as the hdbscan library and scikit-learn ≥ 1.3 compute it: the
// estimator, core distances and the mutual-reachability spanning tree (Prim); hdbscan-tree.ts reads clusters off it.
import { z } from "zod";
import type { FitOptions } from "../core/contracts.js";
import { throwIfAborted } from "../core/errors.js";
import { assertFinite, type CsrMatrix, type Matrix } from "../linalg/matrix.js";
import type { Clusterer } from "./contracts.js";
import { HdbscanModel } from "./hdbscan-model.js";
import { condenseTree, selectClusters, singleLinkage, type SpanningTree } from "./hdbscan-tree.js";
import { csrRowDots, denseDots, fromSquared, kNearestSquared, NeighborRows, type NeighborOptions } from "./neighbors.js";

/** Parameters of {@link Hdbscan}: one schema for validation, defaults and docs (scikit-learn's names in brackets). */
export const HdbscanParams = z.object({
  /** Fewest rows a cluster may have; smaller groups that split off are noise [min_cluster_size]. */
  minClusterSize: z.number().int().min(2).default(5),
  /**
   * Neighbours (the row itself included) that define a row's core distance, the distance to the minSamples-th
   * nearest row; larger values make more rows noise. Defaults to `minClusterSize` [min_samples].
   */
  minSamples: z.number().int().min(1).optional(),
  /** "euclidean", or "cosine" for 1 − cos (a zero row lies at distance 1 from every other row) [metric]. */
  metric: z.enum(["euclidean", "cosine"]).default("euclidean"),
  /**
   * "eom" picks the clusters of largest total stability (excess of mass), "leaf" the leaves of the condensed
   * tree: more, smaller, more homogeneous clusters [cluster_selection_method].
   */
  clusterSelectionMethod: z.enum(["eom", "leaf"]).default("eom"),
  /** Clusters born below this distance merge upwards into the first ancestor born above it [cluster_selection_epsilon]. */
  clusterSelectionEpsilon: z.number().min(0).default(0),
  /** Lets "eom" return the root (all non-noise rows in one cluster) when that is the most stable choice [allow_single_cluster]. */
  allowSingleCluster: z.boolean().default(false),
});
/** Validated {@link Hdbscan} parameters, defaults filled in. */
export type HdbscanParams = z.infer<typeof HdbscanParams>;
/** {@link Hdbscan} parameters as a caller passes them (all optional). */
export type HdbscanParamsInput = z.input<typeof HdbscanParams>;

/**
 * Hierarchical density-based clustering. The core distance of a row is the distance to its minSamples-th
 * nearest row (itself included); the mutual reachability distance of two rows is max(core a, core b, d(a, b)).
 * Its minimum spanning tree, read as a single-linkage hierarchy, is condensed: a split where one side has
 * fewer than `minClusterSize` rows is those rows falling out as noise at λ = 1/distance, a split into two big
 * sides births two clusters. Each cluster's stability is Σ over its rows and child clusters of
 * (λ_leave − λ_birth) × size; "eom" keeps a cluster when it is at least as stable as its selected descendants
 * together. Rows outside the selected clusters are NOISE; `probabilities` grade membership (λ of the row /
 * largest λ in its cluster, 0 for noise).
 *
 * Differences from the reference: clusters are numbered by their lowest row index; k (minSamples) is capped
 * at the number of rows instead of raising; all-identical rows (all distances 0) form no split, so they are
 * all noise unless `allowSingleCluster`; with "leaf" and no split at all every row is noise (as the library).
 * Deterministic (`options.seed` is unused). Time O(n² · d) (Prim's algorithm over all pairs, distances
 * computed on the fly), memory O(n · (d + minSamples)).
 *
 * Warnings (via `options.onWarning`): `ALL_NOISE` when no cluster was found.
 * @example
 * const model = await new Hdbscan({ minClusterSize: 10 }).fit(x);
 * model.labels; model.probabilities; model.predict(newRows);
 */
export class Hdbscan implements Clusterer {
  readonly kind = "hdbscan";
  readonly params: HdbscanParams;
  constructor(params: HdbscanParamsInput = {}) {
    this.params = HdbscanParams.parse(params);
  }

  /**
   * Clusters the rows of `x`.
   * @throws TypeError on NaN or infinite values; CancelledError when `options.signal` fires.
   */
  async fit(x: Matrix, options: FitOptions = {}): Promise<HdbscanModel> {
    return fitHdbscan(this.params, x, options);
  }
}

function fitHdbscan(p: HdbscanParams, x: Matrix, options: FitOptions): HdbscanModel {
  assertFinite(x);
  const n = x.rows;
  const minSamples = p.minSamples ?? p.minClusterSize;
  const rows = new NeighborRows(x, p.metric);
  const k = Math.min(minSamples, n);
  const knn = kNearestSquared(rows, k, { signal: options.signal, onProgress: options.onProgress, stage: "hdbscan core distances" });
  const core2 = new Float64Array(n);
  for (let i = 0; i < n; i++) core2[i] = knn.distances[i * k + k - 1];
  const mst = mutualReachabilityTree(rows, core2, { signal: options.signal, onProgress: options.onProgress, stage: "hdbscan spanning tree" });
  const tree = condenseTree(singleLinkage(n, mst), p.minClusterSize);
  const sel = selectClusters(tree, {
    method: p.clusterSelectionMethod,
    epsilon: p.clusterSelectionEpsilon,
    allowSingleCluster: p.allowSingleCluster,
  });
  const coreDistances = new Float64Array(n);
  for (let i = 0; i < n; i++) coreDistances[i] = fromSquared(p.metric, core2[i]);
  if (n > 0 && sel.birthDistance.length === 0) {
    options.onWarning?.({
      code: "ALL_NOISE",
      message:
        `All ${n} rows are noise: no group of minClusterSize=${p.minClusterSize} rows stands out; ` +
        `lower minClusterSize or minSamples, or set allowSingleCluster`,
    });
  }
  return new HdbscanModel({
    rows: x,
    labels: sel.labels,
    probabilities: sel.probabilities,
    coreDistances,
    clusterBirth: sel.birthDistance,
    metric: p.metric,
    minSamples,
    params: { ...p },
  });
}

/**
 * Minimum spanning tree of the mutual reachability distances max(core a, core b, d(a, b)) by Prim's algorithm
 * from row 0, distances computed on the fly (memory O(n · d), time O(n² · d)); ties go to the lower row index
 * and to the earlier tree row, as the hdbscan library's `mst_linkage_core_vector`. `core2` holds squared core
 * distances (internal units, see neighbors.ts); weights come out in the metric's units. Rows whose tentative
 * weight already equals their own core distance can no longer improve and leave the scan early.
 */
export function mutualReachabilityTree(rows: NeighborRows, core2: Float64Array, options: NeighborOptions = {}): SpanningTree {
  const n = rows.rows;
  const edges = Math.max(0, n - 1);
  const ta = new Int32Array(edges);
  const tb = new Int32Array(edges);
  const tw = new Float64Array(edges);
  if (n <= 1) return { a: ta, b: tb, w: tw };
  const stage = options.stage ?? "spanning tree";
  const { x, sq, zero } = rows;
  const d = x.cols;
  // Active rows: not in the tree and not settled, compacted (with a copy of their dense values in the same order).
  const act = new Int32Array(n);
  for (let i = 0; i < n; i++) act[i] = i;
  const data = x.kind === "dense" ? Float32Array.from(x.data) : null;
  const row = new Float32Array(d);
  const scratch = x.kind === "csr" ? new Float64Array(d) : null;
  let m = n;
  const best = new Float64Array(n).fill(Infinity);
  const from = new Int32Array(n).fill(-1);
  const dots = new Float64Array(n);
  const heap = new SettledHeap(n, best);
  const remove = (t: number): void => {
    m--;
    if (t !== m) {
      act[t] = act[m];
      if (data) data.copyWithin(t * d, m * d, (m + 1) * d);
    }
  };
  let cur = 0;
  remove(0);
  for (let step = 0; step < edges; step++) {
    if ((step & 255) === 0) {
      throwIfAborted(options.signal, stage);
      options.onProgress?.({ stage, done: step, total: edges });
    }
    if (data) {
      row.set((x.data as Float32Array).subarray(cur * d, (cur + 1) * d));
      denseDots(row, 0, 1, data, 0, m, d, dots);
    } else {
      csrRowDots(x as CsrMatrix, cur, act, m, scratch!, dots);
    }
    const cc = core2[cur];
    const sc = sq[cur];
    const zc = zero !== null && zero[cur] === 1;
    let next = -1;
    let nextAt = -1;
    for (let t = m - 1; t >= 0; t--) {
      const u = act[t];
      let w = sc + sq[u] - 2 * dots[t];
      if (w < 0) w = 0;
      if (zero !== null && (zc || zero[u] === 1)) w = 2;
      if (w < cc) w = cc;
      if (w < core2[u]) w = core2[u];
      if (w < best[u]) {
        best[u] = w;
        from[u] = cur;
      }
      if (best[u] <= core2[u]) {
        heap.push(u);
        remove(t);
        if (nextAt === m) nextAt = t; // the candidate at the old last position moved into slot t
      } else if (next < 0 || best[u] < best[next] || (best[u] === best[next] && u < next)) {
        next = u;
        nextAt = t;
      }
    }
    const top = heap.peek();
    if (top >= 0 && (next < 0 || best[top] < best[next] || (best[top] === best[next] && top < next))) {
      next = heap.pop();
    } else {
      remove(nextAt);
    }
    ta[step] = from[next];
    tb[step] = next;
    tw[step] = fromSquared(rows.metric, best[next]);
    cur = next;
  }
  options.onProgress?.({ stage, done: edges, total: edges });
  return { a: ta, b: tb, w: tw };
}

/** Binary min-heap of row ids ordered by (key[id], id): the settled rows, whose weights no longer change. */
class SettledHeap {
  private readonly ids: Int32Array;
  private size = 0;
  constructor(
    capacity: number,
    private readonly key: Float64Array,
  ) {
    this.ids = new Int32Array(capacity);
  }

  private less(a: number, b: number): boolean {
    return this.key[a] < this.key[b] || (this.key[a] === this.key[b] && a < b);
  }

  push(id: number): void {
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(id, this.ids[p])) break;
      this.ids[i] = this.ids[p];
      i = p;
    }
    this.ids[i] = id;
  }

  peek(): number {
    return this.size > 0 ? this.ids[0] : -1;
  }

  pop(): number {
    const top = this.ids[0];
    const last = this.ids[--this.size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.less(this.ids[c + 1], this.ids[c])) c++;
      if (!this.less(this.ids[c], last)) break;
      this.ids[i] = this.ids[c];
      i = c;
    }
    if (this.size > 0) this.ids[i] = last;
    return top;
  }
}
