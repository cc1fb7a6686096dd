// HDBSCAN* (Campello, Moulavi & Sander 2013) as the hdbscan library and scikit-learn ≥ 1.3 compute it:
// core distances, a mutual-reachability spanning tree (Prim), single linkage, the condensed tree, selection.
import { z } from "zod";
import type { FitOptions } from "../core/contracts.js";
import { throwIfAborted } from "../core/errors.js";
import { assertFinite, type CsrMatrix, type Matrix } from "../linalg/matrix.js";
import { NOISE, type Clusterer } from "./contracts.js";
import { HdbscanModel } from "./hdbscan-model.js";
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

/** A spanning tree of n rows: edge e joins a[e] (already in the tree) to b[e] at weight w[e], in the order Prim added them. */
export interface SpanningTree {
  a: Int32Array;
  b: Int32Array;
  w: Float64Array;
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

/**
 * Single-linkage hierarchy (scipy's linkage layout): merge i creates node n + i from nodes left[i] and
 * right[i] (rows are nodes 0 … n−1) at distance dist[i], holding size[i] rows.
 */
export interface Linkage {
  n: number;
  left: Int32Array;
  right: Int32Array;
  dist: Float64Array;
  size: Int32Array;
}

/** The hierarchy of a spanning tree: its edges by ascending weight (stable), merged with union-find. O(n log n). */
export function singleLinkage(n: number, tree: SpanningTree): Linkage {
  const e = tree.w.length;
  const order = new Int32Array(e);
  for (let i = 0; i < e; i++) order[i] = i;
  order.sort((u, v) => tree.w[u] - tree.w[v] || u - v);
  const parent = new Int32Array(Math.max(0, 2 * n - 1)).fill(-1);
  const left = new Int32Array(e);
  const right = new Int32Array(e);
  const dist = new Float64Array(e);
  const size = new Int32Array(e);
  const find = (v: number): number => {
    let r = v;
    while (parent[r] >= 0) r = parent[r];
    while (parent[v] >= 0) {
      const up = parent[v];
      parent[v] = r;
      v = up;
    }
    return r;
  };
  const sizeOf = (v: number): number => (v < n ? 1 : size[v - n]);
  for (let i = 0; i < e; i++) {
    const a = find(tree.a[order[i]]);
    const b = find(tree.b[order[i]]);
    left[i] = a;
    right[i] = b;
    dist[i] = tree.w[order[i]];
    size[i] = sizeOf(a) + sizeOf(b);
    parent[a] = n + i;
    parent[b] = n + i;
  }
  return { n, left, right, dist, size };
}

/**
 * The condensed tree (hdbscan's `condense_tree`): one entry per row falling out of a cluster and per child
 * cluster. Clusters are numbered from n (the root) in breadth-first order of the hierarchy, so a child's id is
 * above its parent's. λ = 1 / distance (∞ at distance 0).
 */
export interface CondensedTree {
  /** Number of rows; cluster ids are n … n + clusterCount − 1. */
  n: number;
  clusterCount: number;
  parent: Int32Array;
  /** A row (< n) or a cluster (≥ n). */
  child: Int32Array;
  lambda: Float64Array;
  childSize: Int32Array;
}

/** Condenses a single-linkage hierarchy with `minClusterSize`. O(n). */
export function condenseTree(h: Linkage, minClusterSize: number): CondensedTree {
  const n = h.n;
  const parent: number[] = [];
  const child: number[] = [];
  const lambda: number[] = [];
  const childSize: number[] = [];
  let next = n + 1;
  if (n >= 2) {
    const root = 2 * n - 2;
    const relabel = new Int32Array(2 * n - 1);
    relabel[root] = n;
    const sizeOf = (v: number): number => (v < n ? 1 : h.size[v - n]);
    const stack: number[] = [];
    /** Every row under node v falls out of cluster c at λ. */
    const fallOut = (v: number, c: number, l: number): void => {
      stack.push(v);
      while (stack.length > 0) {
        const u = stack.pop()!;
        if (u < n) {
          parent.push(c);
          child.push(u);
          lambda.push(l);
          childSize.push(1);
        } else {
          stack.push(h.right[u - n], h.left[u - n]);
        }
      }
    };
    const queue = [root];
    for (let q = 0; q < queue.length; q++) {
      const node = queue[q];
      const i = node - n;
      const c = relabel[node];
      const l = h.dist[i] > 0 ? 1 / h.dist[i] : Infinity;
      const left = h.left[i];
      const right = h.right[i];
      const bigLeft = sizeOf(left) >= minClusterSize;
      const bigRight = sizeOf(right) >= minClusterSize;
      if (bigLeft && bigRight) {
        for (const side of [left, right]) {
          relabel[side] = next++;
          parent.push(c);
          child.push(relabel[side]);
          lambda.push(l);
          childSize.push(sizeOf(side));
          queue.push(side);
        }
      } else if (!bigLeft && !bigRight) {
        fallOut(left, c, l);
        fallOut(right, c, l);
      } else {
        const [big, small] = bigLeft ? [left, right] : [right, left];
        relabel[big] = c;
        fallOut(small, c, l);
        queue.push(big);
      }
    }
  }
  return {
    n,
    clusterCount: n >= 2 ? next - n : 0,
    parent: Int32Array.from(parent),
    child: Int32Array.from(child),
    lambda: Float64Array.from(lambda),
    childSize: Int32Array.from(childSize),
  };
}

/**
 * Stability of each cluster (index c − n): Σ over its entries of (λ − λ_birth) × size, λ_birth being the λ
 * at which it split off its parent (0 for the root); an entry at the cluster's own birth λ adds 0 (also when
 * both are ∞, where the reference gives NaN).
 */
export function clusterStability(t: CondensedTree): { stability: Float64Array; birth: Float64Array } {
  const birth = new Float64Array(t.clusterCount);
  const stability = new Float64Array(t.clusterCount);
  for (let r = 0; r < t.child.length; r++) if (t.child[r] >= t.n) birth[t.child[r] - t.n] = t.lambda[r];
  for (let r = 0; r < t.child.length; r++) {
    const c = t.parent[r] - t.n;
    if (t.lambda[r] !== birth[c]) stability[c] += (t.lambda[r] - birth[c]) * t.childSize[r];
  }
  return { stability, birth };
}

/** How {@link selectClusters} picks clusters from the condensed tree. */
export interface Selection {
  method: "eom" | "leaf";
  epsilon: number;
  allowSingleCluster: boolean;
}

/** The clustering read off a condensed tree. */
export interface SelectedClusters {
  /** Cluster of each row, numbered by lowest row index, or NOISE. */
  labels: Int32Array;
  /** λ of the row / largest λ in its cluster (1 at ∞), 0 for noise (hdbscan's `probabilities_`). */
  probabilities: Float32Array;
  /** Per label: the distance 1/λ_birth at which the cluster split off its parent (∞ for the root). */
  birthDistance: Float64Array;
  /** Per label: the cluster's condensed-tree id (n = root). */
  clusterIds: Int32Array;
}

/**
 * Selects clusters as hdbscan's `get_clusters`: excess of mass (children replace their parent when their total
 * stability is strictly larger) or leaves, then `epsilon` merging, then labels and membership probabilities.
 * O(n + clusters²) at worst.
 */
export function selectClusters(t: CondensedTree, s: Selection): SelectedClusters {
  const { n, clusterCount: m } = t;
  const { stability, birth } = clusterStability(t);
  const up = new Int32Array(m).fill(-1);
  const kids: number[][] = Array.from({ length: m }, () => []);
  for (let r = 0; r < t.child.length; r++) {
    if (t.child[r] >= n) {
      up[t.child[r] - n] = t.parent[r] - n;
      kids[t.parent[r] - n].push(t.child[r] - n);
    }
  }
  const selected = new Uint8Array(m);
  const below = (c: number, visit: (d: number) => void): void => {
    const stack = [...kids[c]];
    while (stack.length > 0) {
      const v = stack.pop()!;
      visit(v);
      stack.push(...kids[v]);
    }
  };
  const hasSplits = m > 1;
  if (s.method === "eom") {
    const stab = Float64Array.from(stability);
    const first = s.allowSingleCluster ? 0 : 1;
    for (let c = first; c < m; c++) selected[c] = 1;
    for (let c = m - 1; c >= first; c--) {
      let sub = 0;
      for (const k of kids[c]) sub += stab[k];
      if (sub > stab[c]) {
        selected[c] = 0;
        stab[c] = sub;
      } else {
        below(c, (v) => (selected[v] = 0));
      }
    }
    if (s.epsilon !== 0 && hasSplits) {
      const chosen: number[] = [];
      for (let c = 0; c < m; c++) if (selected[c]) chosen.push(c);
      const onlyRoot = chosen.length === 1 && chosen[0] === 0;
      selected.fill(0);
      if (!onlyRoot) for (const c of epsilonSearch(chosen)) selected[c] = 1;
      else if (s.allowSingleCluster) selected[0] = 1;
    }
  } else {
    const leaves: number[] = [];
    for (let c = 1; c < m; c++) if (kids[c].length === 0) leaves.push(c);
    for (const c of s.epsilon !== 0 ? epsilonSearch(leaves) : leaves) selected[c] = 1;
  }

  /** hdbscan's `epsilon_search`: clusters born below epsilon give way to their first ancestor born above it. */
  function epsilonSearch(leaves: number[]): number[] {
    const out = new Set<number>();
    const processed = new Uint8Array(m);
    for (const leaf of leaves) {
      if (1 / birth[leaf] < s.epsilon) {
        if (processed[leaf]) continue;
        let c = leaf;
        for (;;) {
          const p = up[c];
          if (p === 0) {
            if (s.allowSingleCluster) c = 0;
            break;
          }
          c = p;
          if (1 / birth[p] > s.epsilon) break;
        }
        out.add(c);
        below(c, (v) => (processed[v] = 1));
      } else {
        out.add(leaf);
      }
    }
    return [...out].sort((a, b) => a - b);
  }

  // Rows: each row's entry names the cluster it falls out of; its label is the selected cluster above that.
  const raw = new Int32Array(n).fill(-1);
  const rowLambda = new Float64Array(n);
  let chosenCount = 0;
  for (let c = 0; c < m; c++) chosenCount += selected[c];
  let rootMax = 0;
  for (let r = 0; r < t.child.length; r++) if (t.parent[r] === n && t.lambda[r] > rootMax) rootMax = t.lambda[r];
  for (let r = 0; r < t.child.length; r++) {
    const i = t.child[r];
    if (i >= n) continue;
    rowLambda[i] = t.lambda[r];
    let c = t.parent[r] - n;
    while (c >= 0 && !selected[c]) c = up[c];
    if (c > 0) raw[i] = c;
    else if (c === 0 && chosenCount === 1 && s.allowSingleCluster) {
      // The root as the only cluster: hdbscan keeps a row only if it stays until the root's last λ (or 1/epsilon).
      if (t.lambda[r] >= (s.epsilon !== 0 ? 1 / s.epsilon : rootMax)) raw[i] = 0;
    }
  }

  // Number clusters by their lowest row index.
  const firstRow = new Int32Array(m).fill(n);
  for (let i = n - 1; i >= 0; i--) if (raw[i] >= 0) firstRow[raw[i]] = i;
  const used: number[] = [];
  for (let c = 0; c < m; c++) if (firstRow[c] < n) used.push(c);
  used.sort((a, b) => firstRow[a] - firstRow[b]);
  const labelOf = new Int32Array(m).fill(NOISE);
  used.forEach((c, l) => (labelOf[c] = l));

  // Deaths: the largest λ among each cluster's entries.
  const death = new Float64Array(m);
  for (let r = 0; r < t.child.length; r++) {
    const c = t.parent[r] - n;
    if (t.lambda[r] > death[c]) death[c] = t.lambda[r];
  }
  const labels = new Int32Array(n).fill(NOISE);
  const probabilities = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = raw[i];
    if (c < 0) continue;
    labels[i] = labelOf[c];
    const max = death[c];
    const l = rowLambda[i];
    probabilities[i] = max === 0 || !Number.isFinite(l) ? 1 : Math.min(l, max) / max;
  }
  const birthDistance = new Float64Array(used.length);
  const clusterIds = new Int32Array(used.length);
  used.forEach((c, l) => {
    birthDistance[l] = 1 / birth[c];
    clusterIds[l] = n + c;
  });
  return { labels, probabilities, birthDistance, clusterIds };
}
