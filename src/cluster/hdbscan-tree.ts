// HDBSCAN*'s cluster hierarchy, as the hdbscan library and scikit-learn ≥ 1.3 compute it: single linkage of the
// mutual-reachability spanning tree, the condensed tree, cluster stability, and the selection of flat clusters.
import { NOISE } from "./contracts.js";

/** A spanning tree of n rows: edge e joins a[e] (already in the tree) to b[e] at weight w[e], in the order Prim added them. */
export interface SpanningTree {
  a: Int32Array;
  b: Int32Array;
  w: Float64Array;
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
