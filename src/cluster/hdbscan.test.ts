// Pins HDBSCAN to hand-computed condensed trees, stabilities, selections and probabilities, plus prediction and edge cases.
import { describe, expect, it } from "vitest";
import { CancelledError } from "../core/errors.js";
import type { Progress, Warning } from "../core/progress.js";
import { Random } from "../core/random.js";
import { dense, denseFromRows, toCsr, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { NOISE } from "./contracts.js";
import { Hdbscan, mutualReachabilityTree, type HdbscanParamsInput } from "./hdbscan.js";
import { clusterStability, condenseTree, selectClusters, singleLinkage } from "./hdbscan-tree.js";
import { HdbscanModel } from "./hdbscan-model.js";
import { kNearestSquared, NeighborRows, type NeighborMetric } from "./neighbors.js";

const line = (...v: number[]): DenseMatrix => denseFromRows(v.map((a) => [a]));
const fit = (x: Matrix, params: HdbscanParamsInput) => new Hdbscan(params).fit(x);

/** The condensed tree of a 1-D problem as sorted "parent child λ size" strings (λ rounded to 6 digits). */
function condensed(x: DenseMatrix, minClusterSize: number, minSamples: number): string[] {
  const rows = new NeighborRows(x, "euclidean");
  const k = Math.min(minSamples, x.rows);
  const knn = kNearestSquared(rows, k);
  const core2 = Float64Array.from({ length: x.rows }, (_, i) => knn.distances[i * k + k - 1]);
  const t = condenseTree(singleLinkage(x.rows, mutualReachabilityTree(rows, core2)), minClusterSize);
  return Array.from(t.parent, (p, r) => `${p} ${t.child[r]} ${+t.lambda[r].toFixed(6)} ${t.childSize[r]}`).sort();
}

describe("HDBSCAN on hand-computed cases", () => {
  // Two tight groups and an outlier: 0 1 2 | 10 11 12 | 30, minClusterSize 3, minSamples 2.
  // Core distances (2nd nearest row, itself included): 1 for the groups, 18 for 30. Mutual reachability
  // spanning tree: four edges of 1 inside the groups, 2–10 at max(1, 1, 8) = 8, 12–30 at max(1, 18, 18) = 18.
  // Condensed (n = 7, root 7): at 18 row 6 (30) falls out of the root (λ = 1/18); at 8 both sides have 3 rows,
  // so clusters 8 = {0, 1, 2} and 9 = {3, 4, 5} are born at λ = 1/8; at 1 each splits into 2 + 1 rows, both
  // below 3, so their rows fall out at λ = 1. Stability: 8 and 9 each 3 × (1 − 1/8) = 2.625; the root (never
  // selected unless allowSingleCluster) 1/18 + 2 × 3/8 ≈ 0.806, below 2.625 + 2.625 anyway.
  const twoGroups = line(0, 1, 2, 10, 11, 12, 30);

  it("condenses two tight groups and an outlier", () => {
    expect(condensed(twoGroups, 3, 2)).toEqual(
      ["7 6 0.055556 1", "7 8 0.125 3", "7 9 0.125 3", "8 0 1 1", "8 1 1 1", "8 2 1 1", "9 3 1 1", "9 4 1 1", "9 5 1 1"].sort(),
    );
  });

  it("labels the groups, makes the outlier noise, and gives full membership inside", async () => {
    for (const allowSingleCluster of [false, true]) {
      for (const input of [twoGroups, toCsr(twoGroups)] as Matrix[]) {
        const m = await fit(input, { minClusterSize: 3, minSamples: 2, allowSingleCluster });
        expect(Array.from(m.labels)).toEqual([0, 0, 0, 1, 1, 1, NOISE]);
        expect(Array.from(m.probabilities)).toEqual([1, 1, 1, 1, 1, 1, 0]);
        expect(Array.from(m.coreDistances)).toEqual([1, 1, 1, 1, 1, 1, 18]);
        expect(Array.from(m.clusterBirth)).toEqual([8, 8]);
      }
    }
  });

  it("predicts by mutual reachability within the cluster's birth distance", async () => {
    const m = await fit(twoGroups, { minClusterSize: 3, minSamples: 2 });
    // 1.5: own core 0.5 (2nd nearest training row); rows 1 and 2 both at mutual reachability max(0.5, 1, 0.5) = 1
    //   → row 1 (lower index), 1 ≤ 8 → cluster 0.
    // 6: rows 2 and 10 both 4 away, own core 4 → row 2 at max(4, 1, 4) = 4 ≤ 8 → cluster 0 (tie → lower row).
    // 7: rows 10 (3 away) and 11 (4) are nearest, own core 4 → row 10 at max(4, 1, 3) = 4 beats row 2 at
    //   max(4, 1, 5) = 5 → cluster 1.
    // 20: row 12 at 8, own core 9 (row 11) → 9 > 8 → NOISE.  25: nearest clustered row 12 at 13 → NOISE
    // (row 6, the outlier at 30, is nearer but noise rows are not candidates).  11.25: row 11 → cluster 1.
    const q = line(1.5, 6, 7, 20, 25, 11.25);
    expect(Array.from(m.predict(q))).toEqual([0, 0, 1, NOISE, NOISE, 1]);
    expect(Array.from(m.predict(toCsr(q)))).toEqual([0, 0, 1, NOISE, NOISE, 1]);
    // Training rows: clustered rows get their own label back (mutual reachability to themselves = own core distance).
    expect(Array.from(m.predict(twoGroups)).slice(0, 6)).toEqual([0, 0, 0, 1, 1, 1]);
  });

  // A group that splits late: C1 = 0 1 2, C2 = 3.5 4.5 5.5, D = 100 101 102; minClusterSize 3, minSamples 2.
  // Core distances all 1; spanning tree: edges of 1 inside each group, C1–C2 at 1.5, C2–D at 94.5.
  // Condensed (n = 9, root 9): at 94.5 clusters 10 = C1 ∪ C2 and 11 = D are born (λ = 1/94.5); at 1.5 cluster
  // 10 splits into 12 = C1 and 13 = C2 (λ = 2/3); every row then falls out at λ = 1.
  // Stabilities: 12 and 13: 3 × (1 − 2/3) = 1 each; 11: 3 × (1 − 1/94.5) ≈ 2.968;
  // 10: its entries are the two child clusters at λ = 2/3: 6 × (2/3 − 1/94.5) ≈ 3.937 > 1 + 1,
  // so excess of mass keeps 10 and drops 12, 13, while "leaf" takes 11, 12, 13.
  const lateSplit = line(0, 1, 2, 3.5, 4.5, 5.5, 100, 101, 102);

  it("computes the condensed tree and stabilities of a late split", () => {
    expect(condensed(lateSplit, 3, 2)).toEqual(
      [
        "9 10 0.010582 6", "9 11 0.010582 3", "10 12 0.666667 3", "10 13 0.666667 3",
        "12 0 1 1", "12 1 1 1", "12 2 1 1", "13 3 1 1", "13 4 1 1", "13 5 1 1", "11 6 1 1", "11 7 1 1", "11 8 1 1",
      ].sort(),
    );
    const rows = new NeighborRows(lateSplit, "euclidean");
    const core2 = new Float64Array(9).fill(1);
    const t = condenseTree(singleLinkage(9, mutualReachabilityTree(rows, core2)), 3);
    const { stability, birth } = clusterStability(t);
    expect(Array.from(birth, (b) => +b.toFixed(6))).toEqual([0, 0.010582, 0.010582, 0.666667, 0.666667]);
    expect(Array.from(stability, (s) => +s.toFixed(4))).toEqual([+(9 / 94.5).toFixed(4), 3.9365, 2.9683, 1, 1]);
  });

  it("selects by excess of mass, by leaf, and merges leaves below clusterSelectionEpsilon", async () => {
    const eom = await fit(lateSplit, { minClusterSize: 3, minSamples: 2 });
    expect(Array.from(eom.labels)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1]);
    // Probabilities: cluster 10's largest λ among its own entries is 2/3; its rows left at λ = 1 ≥ 2/3 → 1.
    expect(Array.from(eom.probabilities)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(eom.clusterBirth)).toEqual([94.5, 94.5]);
    const leaf = await fit(lateSplit, { minClusterSize: 3, minSamples: 2, clusterSelectionMethod: "leaf" });
    expect(Array.from(leaf.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(Array.from(leaf.clusterBirth)).toEqual([1.5, 1.5, 94.5]);
    // Leaves born at 1.5 < 2 give way to their parent (born at 94.5 > 2); D (94.5) stays.
    const merged = await fit(lateSplit, { minClusterSize: 3, minSamples: 2, clusterSelectionMethod: "leaf", clusterSelectionEpsilon: 2 });
    expect(Array.from(merged.labels)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1]);
    // With allowSingleCluster and ε = 100 > 94.5 both clusters climb to the root: one cluster, every row kept
    // (the rows leave at λ = 1 ≥ 1/ε).
    const single = await fit(lateSplit, { minClusterSize: 3, minSamples: 2, clusterSelectionEpsilon: 100, allowSingleCluster: true });
    expect(Array.from(single.labels)).toEqual(Array(9).fill(0));
    expect(Array.from(single.clusterBirth)).toEqual([Infinity]);
    // Without allowSingleCluster the climb stops below the root.
    const stop = await fit(lateSplit, { minClusterSize: 3, minSamples: 2, clusterSelectionEpsilon: 100 });
    expect(Array.from(stop.labels)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it("grades membership: a row that leaves its cluster early has probability λ / λ_max", async () => {
    // A = 0 1 2 3 4.5, B = 20 21 22; minClusterSize 3, minSamples 2. Core distances: 1, except 4.5 (1.5).
    // Spanning tree: 1s inside A and B, 3–4.5 at 1.5, 4.5–20 at 15.5. Clusters A and B are born at λ = 1/15.5;
    // at 1.5 row 4 (4.5) falls out of A alone (λ = 2/3), the rest at λ = 1. Largest λ in A: 1, so row 4 has
    // probability (2/3) / 1; everyone else 1.
    const x = line(0, 1, 2, 3, 4.5, 20, 21, 22);
    const m = await fit(x, { minClusterSize: 3, minSamples: 2 });
    expect(Array.from(m.labels)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(m.probabilities)).toEqual([1, 1, 1, 1, Math.fround(2 / 3), 1, 1, 1]);
    expect(Array.from(m.coreDistances)).toEqual([1, 1, 1, 1, 1.5, 1, 1, 1]);
  });

  it("finds groups of different density (Euclidean and cosine)", async () => {
    // Dense group: 0 … 0.9 in steps of 0.1; sparse group: 50 … 59 in steps of 1. Both are found whole.
    const rowsA = Array.from({ length: 10 }, (_, i) => i / 10);
    const rowsB = Array.from({ length: 10 }, (_, i) => 50 + i);
    const m = await fit(line(...rowsA, ...rowsB), { minClusterSize: 5 });
    expect(Array.from(m.labels)).toEqual([...Array(10).fill(0), ...Array(10).fill(1)]);
    // Cosine: rows at angles 0°…9° and 90°…108° (2° apart) with varying lengths: two directions.
    const dir = (deg: number, len: number) => [len * Math.cos((deg * Math.PI) / 180), len * Math.sin((deg * Math.PI) / 180)];
    const x = denseFromRows([...Array.from({ length: 10 }, (_, i) => dir(i, 1 + i)), ...Array.from({ length: 10 }, (_, i) => dir(90 + 2 * i, 5 - i / 3))]);
    for (const input of [x, toCsr(x)] as Matrix[]) {
      const c = await fit(input, { minClusterSize: 5, metric: "cosine" });
      expect(Array.from(c.labels)).toEqual([...Array(10).fill(0), ...Array(10).fill(1)]);
    }
  });
});

describe("HDBSCAN edge cases", () => {
  const collect = () => {
    const warnings: Warning[] = [];
    return { warnings, onWarning: (w: Warning) => warnings.push(w) };
  };

  it("handles empty input and a single row without NaN", async () => {
    const w = collect();
    const empty = await new Hdbscan().fit(dense(0, 2), w);
    expect([empty.labels.length, empty.k, empty.featureCount]).toEqual([0, 0, 2]);
    expect(w.warnings).toEqual([]);
    expect(Array.from(empty.predict(denseFromRows([[1, 2]])))).toEqual([NOISE]);
    const one = await new Hdbscan({ allowSingleCluster: true }).fit(denseFromRows([[1, 2]]), w);
    expect([Array.from(one.labels), Array.from(one.probabilities), Array.from(one.coreDistances)]).toEqual([[NOISE], [0], [0]]);
    expect(w.warnings.map((x) => x.code)).toEqual(["ALL_NOISE"]);
  });

  it("makes an even line all noise, or one cluster with allowSingleCluster (eom only)", async () => {
    // 0 … 4, minClusterSize 3, minSamples 2: every merge is at distance 1, so rows only fall out of the root
    // (λ = 1) and no child cluster forms. The root is eligible only with allowSingleCluster; its rows are kept
    // when they leave at the root's largest λ (1): all of them.
    const x = line(0, 1, 2, 3, 4);
    const w = collect();
    const none = await new Hdbscan({ minClusterSize: 3, minSamples: 2 }).fit(x, w);
    expect(Array.from(none.labels)).toEqual(Array(5).fill(NOISE));
    expect(w.warnings[0]).toMatchObject({ code: "ALL_NOISE" });
    expect(w.warnings[0].message).toMatch(/lower minClusterSize/);
    const one = await fit(x, { minClusterSize: 3, minSamples: 2, allowSingleCluster: true });
    expect(Array.from(one.labels)).toEqual(Array(5).fill(0));
    expect(Array.from(one.probabilities)).toEqual(Array(5).fill(1));
    expect(Array.from(one.clusterBirth)).toEqual([Infinity]);
    // The root cluster never stops: any new row goes to it.
    expect(Array.from(one.predict(line(2.5, 1000)))).toEqual([0, 0]);
    const leaf = await fit(x, { minClusterSize: 3, minSamples: 2, allowSingleCluster: true, clusterSelectionMethod: "leaf" });
    expect(Array.from(leaf.labels)).toEqual(Array(5).fill(NOISE));
  });

  it("handles all-identical rows and groups of duplicates (λ = ∞) without NaN", async () => {
    const same = denseFromRows(Array.from({ length: 8 }, () => [1, -2, 3]));
    for (const metric of ["euclidean", "cosine"] as const) {
      const none = await fit(same, { minClusterSize: 3, metric });
      expect(Array.from(none.labels)).toEqual(Array(8).fill(NOISE));
      const one = await fit(toCsr(same), { minClusterSize: 3, metric, allowSingleCluster: true });
      expect(Array.from(one.labels)).toEqual(Array(8).fill(0));
      expect(Array.from(one.probabilities)).toEqual(Array(8).fill(1));
    }
    // Five copies of (0, 0) and five of (3, 4): clusters born at distance 5, rows leave at λ = ∞ (stability ∞).
    const dup = denseFromRows([...Array(5).fill([0, 0]), ...Array(5).fill([3, 4])]);
    const m = await fit(dup, { minClusterSize: 5 });
    expect(Array.from(m.labels)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(Array.from(m.probabilities)).toEqual(Array(10).fill(1));
    expect(Array.from(m.clusterBirth)).toEqual([5, 5]);
    expect(Array.from(m.coreDistances)).toEqual(Array(10).fill(0));
  });

  it("caps minSamples at the number of rows", async () => {
    // minSamples 50 > 6 rows: core distance = distance to the farthest row.
    const m = await fit(line(0, 1, 2, 10, 11, 12), { minClusterSize: 3, minSamples: 50 });
    expect(Array.from(m.coreDistances)).toEqual([12, 11, 10, 10, 11, 12]);
    expect(m.minSamples).toBe(50);
  });

  it("rejects invalid params with zod and fills defaults", () => {
    expect(() => new Hdbscan({ minClusterSize: 1 })).toThrow();
    expect(() => new Hdbscan({ minSamples: 0 })).toThrow();
    expect(() => new Hdbscan({ clusterSelectionEpsilon: -1 })).toThrow();
    expect(() => new Hdbscan({ clusterSelectionMethod: "top" as "leaf" })).toThrow();
    expect(new Hdbscan().params).toEqual({
      minClusterSize: 5,
      metric: "euclidean",
      clusterSelectionMethod: "eom",
      clusterSelectionEpsilon: 0,
      allowSingleCluster: false,
    });
  });

  it("stops on an aborted signal and reports progress for both stages", async () => {
    const rng = new Random(3);
    const x = dense(400, 5, Float32Array.from({ length: 2000 }, () => rng.normal()));
    const ac = new AbortController();
    ac.abort();
    await expect(new Hdbscan().fit(x, { signal: ac.signal })).rejects.toThrow(CancelledError);
    await expect(new Hdbscan().fit(toCsr(x), { signal: ac.signal })).rejects.toThrow(CancelledError);
    const events: Progress[] = [];
    await new Hdbscan().fit(x, { onProgress: (e) => events.push(e) });
    expect(new Set(events.map((e) => e.stage))).toEqual(new Set(["hdbscan core distances", "hdbscan spanning tree"]));
    expect(events.at(-1)).toEqual({ stage: "hdbscan spanning tree", done: 399, total: 399 });
  });
});

describe("HDBSCAN spanning tree, dense = CSR, artifacts", () => {
  /** Gaussian groups of different spread in 4-D, with duplicated rows, rounded to 1/8 (many exact ties). */
  function groups(seed: number, n: number): DenseMatrix {
    const rng = new Random(seed);
    const x = dense(n, 4);
    for (let i = 0; i < n; i++) {
      const g = i % 3;
      for (let j = 0; j < 4; j++) x.data[i * 4 + j] = Math.round((6 * g * (j === g ? 1 : 0) + (0.3 + g) * rng.normal()) * 8) / 8;
      if (i % 10 === 9) x.data.copyWithin(i * 4, (i - 1) * 4, i * 4);
    }
    return x;
  }

  /** Plain Prim's algorithm over the full mutual reachability matrix (ties → lower row). */
  function naivePrim(x: DenseMatrix, core: Float64Array, metric: NeighborMetric): number {
    const n = x.rows;
    const rows = new NeighborRows(x, metric);
    const all = new Float64Array(n * n);
    rows.squaredDistances(rows, 0, n, all);
    const inTree = new Uint8Array(n);
    const best = new Float64Array(n).fill(Infinity);
    let cur = 0;
    let total = 0;
    for (let step = 1; step < n; step++) {
      inTree[cur] = 1;
      let next = -1;
      for (let u = 0; u < n; u++) {
        if (inTree[u]) continue;
        const w = Math.max(all[cur * n + u], core[cur], core[u]);
        if (w < best[u]) best[u] = w;
        if (next < 0 || best[u] < best[next]) next = u;
      }
      total += best[next];
      cur = next;
    }
    return total;
  }

  it("builds a minimum spanning tree (same total weight as plain Prim) and dense = CSR bit for bit", () => {
    for (const metric of ["euclidean", "cosine"] as const) {
      const x = groups(1, 150);
      const k = 4;
      const trees = ([x, toCsr(x)] as Matrix[]).map((input) => {
        const rows = new NeighborRows(input, metric);
        const knn = kNearestSquared(rows, k);
        const core2 = Float64Array.from({ length: x.rows }, (_, i) => knn.distances[i * k + k - 1]);
        return { t: mutualReachabilityTree(rows, core2), core2 };
      });
      expect(Array.from(trees[1].t.a)).toEqual(Array.from(trees[0].t.a));
      expect(Array.from(trees[1].t.b)).toEqual(Array.from(trees[0].t.b));
      expect(Array.from(trees[1].t.w)).toEqual(Array.from(trees[0].t.w));
      const weight = trees[0].t.w.reduce((s, v) => s + (metric === "euclidean" ? v * v : 2 * v), 0);
      // Compare in squared units (the internal weights), where the two computations are the same numbers.
      expect(weight).toBeCloseTo(naivePrim(x, trees[0].core2, metric), 6);
      // A spanning tree: n − 1 edges reaching every row once.
      expect(new Set([0, ...trees[0].t.b]).size).toBe(x.rows);
    }
  });

  it("gives identical models for dense and CSR rows, and round-trips through its artifact", async () => {
    const x = groups(2, 120);
    const q = groups(3, 40);
    for (const params of [{ minClusterSize: 8 }, { minClusterSize: 6, minSamples: 3, metric: "cosine" as const, clusterSelectionMethod: "leaf" as const }]) {
      const a = await fit(x, params);
      const b = await fit(toCsr(x), params);
      expect(a.k).toBeGreaterThanOrEqual(2);
      expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
      expect(Array.from(b.probabilities)).toEqual(Array.from(a.probabilities));
      expect(Array.from(b.predict(q))).toEqual(Array.from(a.predict(q)));
      for (const m of [a, b]) {
        const art = m.toArtifact();
        expect(art.kind).toBe("hdbscan");
        const back = HdbscanModel.fromArtifact(art);
        expect(back.rows.kind).toBe(m.rows.kind);
        expect(Array.from(back.labels)).toEqual(Array.from(m.labels));
        expect(Array.from(back.probabilities)).toEqual(Array.from(m.probabilities));
        expect(Array.from(back.predict(q))).toEqual(Array.from(m.predict(q)));
        expect(Array.from(back.predict(toCsr(q)))).toEqual(Array.from(m.predict(q)));
      }
      expect(Object.keys(b.toArtifact().arrays).sort()).toEqual(["clusterBirth", "coreDistances", "labels", "probabilities", "rowsData", "rowsIndices", "rowsIndptr"]);
    }
  });

  it("rejects a malformed artifact, a width mismatch and NaN with TypeError", async () => {
    const m = await fit(groups(4, 60), { minClusterSize: 5 });
    const a = m.toArtifact();
    expect(() => HdbscanModel.fromArtifact({ ...a, arrays: { ...a.arrays, labels: new Int32Array(3) } })).toThrow(TypeError);
    expect(() => HdbscanModel.fromArtifact({ ...a, arrays: { ...a.arrays, clusterBirth: new Float32Array(1) } })).toThrow(TypeError);
    expect(() => HdbscanModel.fromArtifact({ ...a, meta: { ...a.meta, minSamples: 0 } })).toThrow(TypeError);
    expect(() => m.predict(dense(1, 5))).toThrow(TypeError);
    expect(() => m.predict(denseFromRows([[NaN, 0, 0, 0]]))).toThrow(TypeError);
    await expect(new Hdbscan().fit(denseFromRows([[0], [NaN]]))).rejects.toThrow(TypeError);
  });

  it("selects clusters from a hand-made condensed tree (stability ties keep the parent)", () => {
    // Root 4 with rows 0 … 3: cluster 5 = {0, 1} and 6 = {2, 3} born at λ = 1, rows leave at λ = 2.
    // Stabilities: 5 and 6: 2 × (2 − 1) = 2 each; the root: 2 × (1 − 0) × 2 = 4 = 2 + 2, a tie: with
    // allowSingleCluster the root wins (children must be strictly more stable).
    const t = {
      n: 4,
      clusterCount: 3,
      parent: Int32Array.from([4, 4, 5, 5, 6, 6]),
      child: Int32Array.from([5, 6, 0, 1, 2, 3]),
      lambda: Float64Array.from([1, 1, 2, 2, 2, 2]),
      childSize: Int32Array.from([2, 2, 1, 1, 1, 1]),
    };
    expect(Array.from(clusterStability(t).stability)).toEqual([4, 2, 2]);
    const eom = selectClusters(t, { method: "eom", epsilon: 0, allowSingleCluster: false });
    expect(Array.from(eom.labels)).toEqual([0, 0, 1, 1]);
    expect(Array.from(eom.clusterIds)).toEqual([5, 6]);
    const root = selectClusters(t, { method: "eom", epsilon: 0, allowSingleCluster: true });
    // The single root cluster keeps rows leaving at its largest own λ: its only entries are clusters (λ = 1),
    // and rows leave their sub-clusters at λ = 2 ≥ 1, so all are kept with probability 1.
    expect(Array.from(root.labels)).toEqual([0, 0, 0, 0]);
    expect(Array.from(root.probabilities)).toEqual([1, 1, 1, 1]);
  });
});
