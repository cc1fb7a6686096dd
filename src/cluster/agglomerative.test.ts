// Pins agglomerative clustering to hand-computed merge trees, scikit-learn 1.2.1's trees and labels, and edge cases.
import { describe, expect, it } from "vitest";
import { CancelledError, ConfigError } from "../core/errors.js";
import type { Progress } from "../core/progress.js";
import { Random } from "../core/random.js";
import { dense, denseFromRows, toCsr, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { Agglomerative, AgglomerativeParams, FLOAT64_MAX_ROWS } from "./agglomerative.js";
import { AgglomerativeModel } from "./agglomerative-model.js";
import { createClusterer, restoreClusterer } from "./registry.js";

/** True when the two labelings are the same partition (equal up to renaming the clusters). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]!) ?? b[i]) !== b[i] || (ba.get(b[i]!) ?? a[i]) !== a[i]) return false;
    ab.set(a[i]!, b[i]!);
    ba.set(b[i]!, a[i]!);
  }
  return true;
}

/** Each merge's pair with the smaller id first (scikit-learn's single linkage keeps the pairs in MST order). */
function sortedPairs(children: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let s = 0; s < children.length; s += 2) out.push(Math.min(children[s]!, children[s + 1]!), Math.max(children[s]!, children[s + 1]!));
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol);
}

/** Rows under tree node `node` (leaves < n). */
function members(m: AgglomerativeModel, node: number): number[] {
  const n = m.labels.length;
  if (node < n) return [node];
  const s = node - n;
  return [...members(m, m.children[2 * s]!), ...members(m, m.children[2 * s + 1]!)];
}

/** Ward's merge cost of two row sets, straight from the definition: √(2·|A||B|/(|A|+|B|))·‖mean A − mean B‖. */
function wardCost(x: DenseMatrix, a: number[], b: number[]): number {
  const d = x.cols;
  let s = 0;
  for (let j = 0; j < d; j++) {
    let ma = 0;
    let mb = 0;
    for (const i of a) ma += x.data[i * d + j]!;
    for (const i of b) mb += x.data[i * d + j]!;
    s += (ma / a.length - mb / b.length) ** 2;
  }
  return Math.sqrt(((2 * a.length * b.length) / (a.length + b.length)) * s);
}

describe("Agglomerative on hand-computed cases", () => {
  // 1-D points 0, 1, 4, 5, 20: {0,1} and {4,5} join at 1 (row 0 starts the chain, so {0,1} is merge 0), then
  // the pairs join, then 20 comes last; only the last two distances depend on the linkage.
  const x = denseFromRows([[0], [1], [4], [5], [20]]);
  const cases = {
    // min gap: 4 − 1 = 3; 20 − 5 = 15.
    single: [1, 1, 3, 15],
    // max gap: 5 − 0 = 5; 20 − 0 = 20.
    complete: [1, 1, 5, 20],
    // mean gap: (4 + 5 + 3 + 4)/4 = 4; (20 + 19 + 16 + 15)/4 = 17.5.
    average: [1, 1, 4, 17.5],
    // √(2·2·2/4)·|0.5 − 4.5| = 4√2; √(2·4·1/5)·|2.5 − 20| = 17.5·√1.6.
    ward: [1, 1, 4 * Math.SQRT2, 17.5 * Math.sqrt(1.6)],
  } as const;

  for (const [linkage, distances] of Object.entries(cases)) {
    it(`builds the ${linkage}-linkage tree of 0, 1, 4, 5, 20 and cuts it`, async () => {
      const m = await new Agglomerative({ k: 2, linkage: linkage as keyof typeof cases }).fit(x);
      expect(Array.from(m.children)).toEqual([0, 1, 2, 3, 5, 6, 4, 7]);
      expectClose(m.distances, distances, 1e-12);
      expect(Array.from(m.sizes)).toEqual([2, 2, 4, 5]);
      expect(Array.from(m.labels)).toEqual([0, 0, 0, 0, 1]);
      expect(m.k).toBe(2);
      // Centroids: the cluster means 2.5 and 20.
      expect(Array.from(m.centroids.data)).toEqual([2.5, 20]);
      const three = await new Agglomerative({ k: 3, linkage: linkage as keyof typeof cases }).fit(toCsr(x));
      expect(Array.from(three.labels)).toEqual([0, 0, 1, 1, 2]);
      expect(Array.from(three.predict(denseFromRows([[-3], [2.4], [2.6], [13]])))).toEqual([0, 0, 1, 2]);
    });
  }

  it("cuts at a distance threshold: merges below it are kept, merges at or above it are undone", async () => {
    // Single linkage distances 1, 1, 3, 15: threshold 3 keeps the two merges at 1 → 3 clusters.
    const at3 = await new Agglomerative({ distanceThreshold: 3, linkage: "single" }).fit(x);
    expect(at3.k).toBe(3);
    expect(Array.from(at3.labels)).toEqual([0, 0, 1, 1, 2]);
    const above3 = await new Agglomerative({ distanceThreshold: 3.001, linkage: "single" }).fit(x);
    expect(Array.from(above3.labels)).toEqual([0, 0, 0, 0, 1]);
    const huge = await new Agglomerative({ distanceThreshold: 100 }).fit(x);
    expect(huge.k).toBe(1);
    const zero = await new Agglomerative({ distanceThreshold: 0 }).fit(x);
    expect(zero.k).toBe(5);
    expect(Array.from(zero.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(huge.params["k"]).toBeUndefined();
  });

  it("puts every row in cluster 0 with k = 1, centroid the mean", async () => {
    const m = await new Agglomerative({ k: 1, linkage: "average" }).fit(x);
    expect(Array.from(m.labels)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(m.centroids.data)).toEqual([6]);
    expect(Array.from(m.predict(denseFromRows([[-100], [100]])))).toEqual([0, 0]);
  });

  it("defaults to k = 8 and ward on euclidean", () => {
    expect(new Agglomerative().params).toMatchObject({ k: 8, linkage: "ward", metric: "euclidean", memoryLimitMb: 1024 });
  });

  it("matches ward's definition at every merge, also on the Float32 matrix of large inputs", async () => {
    const rng = new Random(8);
    for (const n of [60, FLOAT64_MAX_ROWS + 50]) {
      const big = dense(n, 3);
      for (let i = 0; i < big.data.length; i++) big.data[i] = (i % 3 === 0 ? 4 * (i % 5) : 0) + rng.normal();
      const m = await new Agglomerative({ k: 4 }).fit(big);
      const last = n - 2;
      for (const s of n < 100 ? Array.from({ length: n - 1 }, (_, t) => t) : [last - 4, last - 3, last - 2, last - 1, last]) {
        const want = wardCost(big, members(m, m.children[2 * s]!), members(m, m.children[2 * s + 1]!));
        expect(Math.abs(m.distances[s]! - want)).toBeLessThanOrEqual(1e-6 * want + (n < 100 ? 1e-9 : 1e-4));
      }
      for (let s = 1; s < n - 1; s++) expect(m.distances[s]!).toBeGreaterThanOrEqual(m.distances[s - 1]!);
      expect(m.sizes[n - 2]).toBe(n);
    }
  });
});

/*
 * Pinned scikit-learn 1.2.1 results (scipy 1.10.1). X_A = the 12 × 3 rows below, X_B = the 12 × 4 ones; each
 * block names the call that produced it, run on np.float32(X).astype(np.float64) with compute_distances=True:
 * children_.ravel(), distances_, labels_.
 */
const XA = [
  [0.346, 0.822, 0.33], [-1.303, 0.905, 0.446], [-0.537, 0.581, 0.365], [0.294, 0.028, 0.547], [-0.736, -0.163, -0.482],
  [0.599, 0.04, -0.292], [-0.782, -0.257, 0.008], [-0.276, 1.294, 1.007], [-2.711, -1.889, -0.175], [-0.422, 0.214, 0.217],
  [2.118, -1.112, -0.378], [2.043, 0.647, 0.663],
];
const XB = [
  [0.189, 0.523, 0.413, 2.441], [1.8, 1.144, 0.325, 0.774], [0.281, 0.554, 0.978, 0.311], [0.329, 0.792, 0.455, 0.099],
  [0.545, 0.607, 0.127, 0.892], [0.841, 0.188, 0.331, 0.411], [1.011, 0.783, 2.057, 1.638], [1.729, 1.505, 0.841, 0.129],
  [1.078, 0.722, 0.211, 0.284], [0.17, 0.868, 1.13, 0.422], [0.243, 1.801, 0.764, 1.079], [0.563, 0.969, 0.235, 1.324],
];

interface Pinned {
  call: string;
  x: number[][];
  params: Record<string, unknown>;
  children: number[];
  distances: number[];
  labels: number[];
}

const PINNED: Pinned[] = [
  {
    call: 'AgglomerativeClustering(n_clusters=3, linkage="ward").fit(X_A)',
    x: XA,
    params: { k: 3 },
    children: [2, 9, 4, 6, 0, 3, 5, 14, 1, 12, 7, 16, 13, 17, 10, 11, 15, 18, 8, 20, 19, 21],
    distances: [
      0.4120897770284659, 0.5010508892078928, 0.8247599832499926, 1.0064434073920407, 1.1312137734578476, 1.3409902547202168,
      1.9935666814709776, 2.04533297404522, 2.197889680053608, 4.468270353177308, 4.861189858877023,
    ],
    labels: [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 1],
  },
  {
    call: 'AgglomerativeClustering(n_clusters=3, linkage="complete").fit(X_A)',
    x: XA,
    params: { k: 3, linkage: "complete" },
    children: [2, 9, 4, 6, 0, 3, 12, 14, 1, 7, 5, 15, 13, 17, 10, 11, 16, 18, 19, 20, 8, 21],
    distances: [
      0.4120897770284659, 0.5010508892078928, 0.8247599832499926, 1.0146398178533678, 1.2331954262828544, 1.4194456400133348,
      1.673407613418153, 2.04533297404522, 2.2159586574438777, 4.055922320026936, 5.452894264022808,
    ],
    labels: [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 2],
  },
  {
    call: 'AgglomerativeClustering(n_clusters=3, linkage="single").fit(X_A)',
    x: XA,
    params: { k: 3, linkage: "single" },
    children: [9, 2, 6, 4, 12, 13, 3, 14, 0, 15, 16, 1, 17, 5, 18, 7, 19, 11, 20, 10, 21, 8],
    distances: [
      0.4120897770284659, 0.5010508892078928, 0.6285873112681475, 0.8100320893394385, 0.8247599832499926, 0.8356392517212661,
      0.8927989492252592, 0.9943108350735195, 1.7381953217813688, 1.9083660898895765, 2.5333681214093904,
    ],
    labels: [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0],
  },
  {
    call: 'AgglomerativeClustering(n_clusters=None, distance_threshold=1.5, linkage="average").fit(X_A)  # n_clusters_ = 5',
    x: XA,
    params: { distanceThreshold: 1.5, linkage: "average" },
    children: [2, 9, 4, 6, 0, 3, 12, 13, 5, 14, 1, 15, 16, 17, 7, 18, 10, 11, 19, 20, 8, 21],
    distances: [
      0.4120897770284659, 0.5010508892078928, 0.8247599832499926, 0.8926581437568728, 0.961767559012481, 1.212347221096381,
      1.385076061780888, 1.5153045763086728, 2.04533297404522, 2.745823373850492, 3.7222345595096367,
    ],
    labels: [0, 0, 0, 0, 0, 0, 0, 4, 3, 0, 1, 2],
  },
  {
    call: 'AgglomerativeClustering(n_clusters=None, distance_threshold=2.0, linkage="ward").fit(X_A)  # n_clusters_ = 5',
    x: XA,
    params: { distanceThreshold: 2 },
    children: [2, 9, 4, 6, 0, 3, 5, 14, 1, 12, 7, 16, 13, 17, 10, 11, 15, 18, 8, 20, 19, 21],
    distances: [
      0.4120897770284659, 0.5010508892078928, 0.8247599832499926, 1.0064434073920407, 1.1312137734578476, 1.3409902547202168,
      1.9935666814709776, 2.04533297404522, 2.197889680053608, 4.468270353177308, 4.861189858877023,
    ],
    labels: [1, 0, 0, 1, 0, 1, 0, 0, 2, 0, 4, 3],
  },
  {
    call: 'AgglomerativeClustering(n_clusters=3, linkage="average", metric="cosine").fit(X_B)',
    x: XB,
    params: { k: 3, linkage: "average", metric: "cosine" },
    children: [1, 8, 4, 11, 2, 9, 7, 12, 6, 14, 3, 10, 5, 15, 0, 13, 16, 17, 18, 20, 19, 21],
    distances: [
      0.00896149148023706, 0.010197373781898889, 0.01634011796506374, 0.05422882088321268, 0.09617790760518619, 0.10594552925495315,
      0.10942491149807272, 0.12654287671756093, 0.18402769336548488, 0.3191255261193571, 0.33990297170116057,
    ],
    labels: [1, 2, 0, 0, 1, 2, 0, 2, 2, 0, 0, 1],
  },
  {
    call: 'AgglomerativeClustering(n_clusters=3, linkage="complete", metric="cosine").fit(X_B)',
    x: XB,
    params: { k: 3, linkage: "complete", metric: "cosine" },
    children: [1, 8, 4, 11, 2, 9, 7, 12, 3, 10, 6, 14, 0, 13, 5, 15, 16, 17, 19, 20, 18, 21],
    distances: [
      0.00896149148023706, 0.010197373781898889, 0.01634011796506374, 0.07085957705577084, 0.10594552925495315, 0.1157830896899541,
      0.14063406850562477, 0.16283543370603348, 0.28126312286500665, 0.45427821615768993, 0.7137179227166005,
    ],
    labels: [1, 2, 0, 0, 1, 2, 0, 2, 2, 0, 0, 1],
  },
  {
    call: 'AgglomerativeClustering(n_clusters=3, linkage="single", metric="cosine").fit(X_B)',
    x: XB,
    params: { k: 3, linkage: "single", metric: "cosine" },
    children: [1, 8, 4, 11, 2, 9, 7, 12, 5, 15, 6, 14, 3, 16, 10, 18, 17, 19, 0, 13, 20, 21],
    distances: [
      0.00896149148023706, 0.010197373781898889, 0.01634011796506374, 0.03759806471065452, 0.06974631820335842, 0.07657272552041827,
      0.09633289956840185, 0.10594552925495315, 0.10986214579962184, 0.11245168492949709, 0.11281331083300294,
    ],
    labels: [2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1],
  },
  {
    // scikit-learn refuses ward with cosine; ours is ward on the L2-normalized rows, as this call.
    call: 'AgglomerativeClustering(n_clusters=3, linkage="ward").fit(sklearn.preprocessing.normalize(X_B))',
    x: XB,
    params: { k: 3, metric: "cosine" },
    children: [1, 8, 4, 11, 2, 9, 7, 12, 3, 10, 6, 14, 5, 15, 0, 13, 16, 17, 19, 20, 18, 21],
    distances: [
      0.13387674540589128, 0.14281018018263955, 0.18077675716232888, 0.3723383694550012, 0.4603162592282683, 0.4955613063020431,
      0.5377127703635066, 0.5750212361808011, 0.8030527973644184, 1.3607939307555803, 1.4533917347099239,
    ],
    labels: [2, 1, 0, 0, 2, 1, 0, 1, 1, 0, 0, 2],
  },
];

describe("Agglomerative against scikit-learn 1.2.1", () => {
  it.each(PINNED.map((p) => [p.call, p] as const))("%s", async (_call, p) => {
    for (const input of [denseFromRows(p.x), toCsr(denseFromRows(p.x))] as Matrix[]) {
      const m = await new Agglomerative(p.params).fit(input);
      expect(sortedPairs(m.children)).toEqual(sortedPairs(p.children));
      expectClose(m.distances, p.distances);
      expect(samePartition(m.labels, p.labels)).toBe(true);
      expect(m.k).toBe(new Set(p.labels).size);
      expect(m.labels[0]).toBe(0);
    }
  });
});

describe("Agglomerative edge cases", () => {
  it("handles all-identical rows and zero rows without NaN, under every linkage and metric", async () => {
    const same = denseFromRows(Array.from({ length: 6 }, () => [1, 2, 3]));
    const zeros = denseFromRows([[0, 0], [0, 0], [1, 0], [0, 2], [0, 0]]);
    for (const linkage of ["ward", "average", "complete", "single"] as const) {
      for (const metric of ["euclidean", "cosine"] as const) {
        const m = await new Agglomerative({ k: 2, linkage, metric }).fit(same);
        expect(Array.from(m.distances)).toEqual([0, 0, 0, 0, 0]);
        expect(new Set(m.labels).size).toBe(2);
        expect(m.centroids.data.every(Number.isFinite)).toBe(true);
        const z = await new Agglomerative({ k: 3, linkage, metric }).fit(toCsr(zeros));
        expect(z.distances.every(Number.isFinite)).toBe(true);
        expect(z.centroids.data.every(Number.isFinite)).toBe(true);
        if (metric === "cosine") {
          // The zero rows lie at distance 0 from each other and 1 (ward: chord 1) from the two axes.
          expect(Array.from(z.labels)).toEqual([0, 0, 1, 2, 0]);
          expect(Array.from(z.predict(denseFromRows([[0, 0], [3, 0.1]])))).toEqual([0, 1]);
        }
      }
    }
  });

  it("fits a single row", async () => {
    const m = await new Agglomerative({ k: 1 }).fit(denseFromRows([[1, 2]]));
    expect(Array.from(m.labels)).toEqual([0]);
    expect([m.children.length, m.distances.length, m.sizes.length]).toEqual([0, 0, 0]);
    expect(Array.from(m.predict(denseFromRows([[5, 5]])))).toEqual([0]);
    const t = await new Agglomerative({ distanceThreshold: 1, linkage: "single" }).fit(denseFromRows([[1, 2]]));
    expect(t.k).toBe(1);
  });

  it("rejects k > rows naming both numbers, k < 1, both k and a threshold, and NaN", async () => {
    const x = denseFromRows([[0], [1], [2]]);
    await expect(new Agglomerative({ k: 5 }).fit(x)).rejects.toThrow(ConfigError);
    await expect(new Agglomerative({ k: 5 }).fit(x)).rejects.toThrow(/k=5 .*3 rows/);
    await expect(new Agglomerative().fit(x)).rejects.toThrow(/k=8 .*3 rows/);
    expect(() => new Agglomerative({ k: 0 })).toThrow();
    expect(() => createClusterer("agglomerative", { k: 0 })).toThrow(ConfigError);
    expect(() => createClusterer("agglomerative", { k: 2, distanceThreshold: 1 })).toThrow(/distanceThreshold: Set either k or distanceThreshold/);
    expect(() => createClusterer("agglomerative", { distanceThreshold: -1 })).toThrow(ConfigError);
    expect(() => createClusterer("agglomerative", { linkage: "median" })).toThrow(/linkage/);
    expect(AgglomerativeParams.safeParse({ distanceThreshold: 0.5 }).success).toBe(true);
    const bad = denseFromRows([[0], [NaN]]);
    await expect(new Agglomerative({ k: 1 }).fit(bad)).rejects.toThrow(TypeError);
  });

  it("refuses a distance matrix over memoryLimitMb with a ConfigError stating the size and the alternatives", async () => {
    // 30000 rows: 449,985,000 pairs × 4 bytes (Float32 above FLOAT64_MAX_ROWS) = 1.68 GB > 1024 MB. Thrown before allocating.
    const big = dense(30000, 1);
    const err = await new Agglomerative({ k: 2 }).fit(big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      "Cannot cluster 30000 rows with agglomerative clustering: its pairwise distance matrix needs 1.68 GB, over the limit of " +
        "memoryLimitMb=1024 MB: use mini-batch kmeans (batchSize) for large catalogs, or cluster a sample (or raise memoryLimitMb)",
    );
    expect((err as ConfigError).hint).toEqual({ kind: "mini-batch-kmeans" });
    // 100 rows: 4950 pairs × 8 bytes (Float64) = 39,600 bytes > 0.01 MB.
    await expect(new Agglomerative({ k: 2, memoryLimitMb: 0.01 }).fit(dense(100, 2))).rejects.toThrow(/100 rows .*needs 0\.00 GB, over the limit of memoryLimitMb=0\.01 MB/);
    // Single linkage keeps no matrix.
    const single = await new Agglomerative({ k: 2, linkage: "single", memoryLimitMb: 0.01 }).fit(dense(100, 2));
    expect(single.k).toBe(2);
  });

  it("gives bit-identical trees for dense and CSR rows", async () => {
    const rng = new Random(3);
    const x = dense(83, 12);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.float() < 0.3 ? rng.normal() : 0;
    for (const linkage of ["ward", "average", "complete", "single"] as const) {
      for (const metric of ["euclidean", "cosine"] as const) {
        const a = await new Agglomerative({ k: 5, linkage, metric }).fit(x);
        const b = await new Agglomerative({ k: 5, linkage, metric }).fit(toCsr(x));
        expect(Array.from(b.children)).toEqual(Array.from(a.children));
        expect(Array.from(b.distances)).toEqual(Array.from(a.distances));
        expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
        expect(Array.from(b.centroids.data)).toEqual(Array.from(a.centroids.data));
      }
    }
  });

  it("round-trips through its artifact and rejects a malformed one", async () => {
    const m = await new Agglomerative({ k: 3, linkage: "average", metric: "cosine" }).fit(denseFromRows(XB));
    const back = restoreClusterer(m.toArtifact()) as AgglomerativeModel;
    expect(back).toBeInstanceOf(AgglomerativeModel);
    expect(Array.from(back.children)).toEqual(Array.from(m.children));
    expect(Array.from(back.distances)).toEqual(Array.from(m.distances));
    expect([back.linkage, back.metric]).toEqual(["average", "cosine"]);
    expect(Array.from(back.predict(denseFromRows(XB)))).toEqual(Array.from(m.predict(denseFromRows(XB))));
    const a = m.toArtifact();
    expect(() => AgglomerativeModel.fromArtifact({ ...a, arrays: { ...a.arrays, distances: new Float32Array(11) } })).toThrow(TypeError);
    expect(() => AgglomerativeModel.fromArtifact({ ...a, arrays: { ...a.arrays, sizes: new Int32Array(3) } })).toThrow(TypeError);
    expect(() => AgglomerativeModel.fromArtifact({ ...a, meta: { ...a.meta, linkage: "median" } })).toThrow(TypeError);
    expect(() => m.predict(denseFromRows([[1, 2, 3]]))).toThrow(TypeError);
  });

  it("reports progress and honours an aborted signal", async () => {
    const x = denseFromRows(XA);
    for (const linkage of ["ward", "single"] as const) {
      const seen: Progress[] = [];
      await new Agglomerative({ k: 2, linkage }).fit(x, { onProgress: (e) => seen.push(e) });
      expect(seen.at(-1)).toEqual({ stage: "agglomerative merges", done: 11, total: 11 });
      if (linkage === "ward") expect(seen.some((e) => e.stage === "agglomerative distances" && e.done === 12)).toBe(true);
      const controller = new AbortController();
      controller.abort();
      await expect(new Agglomerative({ k: 2, linkage }).fit(x, { signal: controller.signal })).rejects.toThrow(CancelledError);
    }
  });
});
