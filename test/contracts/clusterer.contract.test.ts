// The contract every registered clusterer honours (scikit-learn's check_estimator, in spirit).
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { Random } from "../../src/core/random.js";
import { toDense, type CsrMatrix } from "../../src/linalg/matrix.js";
import { adjustedRandIndex } from "../../src/metrics/clustering.js";
import { clustererKinds, createClusterer, restoreClusterer } from "../../src/cluster/registry.js";
import { NOISE } from "../../src/cluster/contracts.js";

/** Params each kind runs the contract with (one row per variant); a kind not listed runs with its defaults. */
const VARIANTS: Record<string, Record<string, unknown>[]> = {
  kmeans: [{ k: 3 }, { k: 3, metric: "cosine" }, { k: 3, batchSize: 40, maxIter: 60 }, { k: 3, init: "random" }],
  agglomerative: [
    { k: 3 },
    { k: 3, linkage: "average", metric: "cosine" },
    // Not complete + cosine: two rows of one group often share no feature (cosine distance 1, the maximum), so
    // every cross-group merge ties at 1 and the 3-cluster cut is arbitrary (scikit-learn: ARI 0.07 too).
    { k: 3, linkage: "complete" },
    { k: 3, linkage: "single", metric: "cosine" },
  ],
  // Rows of one group share only some of its 10 features, so cosine separates the groups far better than
  // Euclidean distance: under Euclidean, HDBSCAN needs a small minSamples and leaves ~10% of the rows as noise.
  dbscan: [{ eps: 0.7, minSamples: 5, metric: "cosine" }],
  hdbscan: [
    { minClusterSize: 10, metric: "cosine" },
    { minClusterSize: 10, metric: "cosine", clusterSelectionMethod: "leaf" },
    { minClusterSize: 10, minSamples: 3 },
  ],
};

/** Kinds that may leave rows unclaimed (label NOISE): their label checks count only the clustered rows. */
const DENSITY = new Set(["dbscan", "hdbscan"]);
/** The largest fraction of the problem's rows a density kind may leave as noise. */
const MAX_NOISE = 0.15;

/** Three groups in 40 sparse dimensions: group g puts mass on features 10g..10g+9, plus light shared noise. */
function problem(seed: number, n = 120): { x: CsrMatrix; y: Int32Array } {
  const rng = new Random(seed);
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const data: number[] = [];
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = i % 3;
    y[i] = g;
    const row = new Map<number, number>();
    for (let t = 0; t < 5; t++) row.set(g * 10 + rng.int(10), 0.5 + rng.float());
    for (let t = 0; t < 2; t++) row.set(30 + rng.int(10), 0.2 * rng.float());
    for (const [j, v] of [...row].sort((a, b) => a[0] - b[0])) {
      indices.push(j);
      data.push(v);
    }
    indptr[i + 1] = indices.length;
  }
  return { x: { kind: "csr", rows: n, cols: 40, indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) }, y };
}

const cases = clustererKinds().flatMap((kind) => (VARIANTS[kind] ?? [{}]).map((params) => [kind, params] as const));

describe.each(cases)("clusterer contract: %s %o", (kind, params) => {
  const { x, y } = problem(1);
  const fresh = problem(2, 30);
  const fit = (input = x as CsrMatrix | ReturnType<typeof toDense>, seed = 7) => createClusterer(kind, params).fit(input, { seed });

  it("labels every training row with an id in [0, k), uses all k clusters and finds the groups", async () => {
    const m = await fit();
    expect(m.kind).toBe(kind);
    expect(m.featureCount).toBe(40);
    expect(m.labels).toBeInstanceOf(Int32Array);
    expect(m.labels.length).toBe(x.rows);
    // Density kinds may label a row NOISE (-1); the cluster checks then run on the clustered rows only.
    const low = DENSITY.has(kind) ? NOISE : 0;
    for (const l of m.labels) {
      expect(l).toBeGreaterThanOrEqual(low);
      expect(l).toBeLessThan(m.k);
    }
    if (params["k"] !== undefined) expect(m.k).toBe(params["k"]);
    const kept = Array.from(m.labels.keys()).filter((i) => m.labels[i] !== NOISE);
    if (DENSITY.has(kind)) expect(x.rows - kept.length).toBeLessThanOrEqual(MAX_NOISE * x.rows);
    const labels = Int32Array.from(kept, (i) => m.labels[i]);
    expect(new Set(labels).size).toBe(m.k);
    expect(adjustedRandIndex(Int32Array.from(kept, (i) => y[i]), labels)).toBeGreaterThan(0.9);
    const p = m.predict(fresh.x);
    expect(p.length).toBe(fresh.x.rows);
    for (const l of p) expect(l >= low && l < m.k).toBe(true);
  });

  it("gives the same model for the same seed", async () => {
    const a = await fit(x, 11);
    const b = await fit(x, 11);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    const [ta, tb] = [a.toArtifact(), b.toArtifact()];
    expect(Object.keys(ta.arrays)).toEqual(Object.keys(tb.arrays));
    for (const name of Object.keys(ta.arrays)) expect(Array.from(ta.arrays[name]!)).toEqual(Array.from(tb.arrays[name]!));
  });

  it("round-trips through its artifact with identical predictions", async () => {
    const m = await fit(x, 3);
    const back = restoreClusterer(m.toArtifact());
    expect(back.k).toBe(m.k);
    expect(Array.from(back.labels)).toEqual(Array.from(m.labels));
    expect(Array.from(back.predict(fresh.x))).toEqual(Array.from(m.predict(fresh.x)));
    if (m.transform && back.transform) expect(Array.from(back.transform(fresh.x).data)).toEqual(Array.from(m.transform(fresh.x).data));
    if (m.inertia !== undefined) expect(back.inertia).toBe(m.inertia);
  });

  it("treats CSR and dense input alike", async () => {
    const fromCsr = await fit(x, 5);
    const fromDense = await fit(toDense(x), 5);
    expect(Array.from(fromDense.labels)).toEqual(Array.from(fromCsr.labels));
    expect(Array.from(fromCsr.predict(toDense(fresh.x)))).toEqual(Array.from(fromCsr.predict(fresh.x)));
    expect(Array.from(fromDense.predict(fresh.x))).toEqual(Array.from(fromCsr.predict(fresh.x)));
  });

  it("reproduces the training labels with predict, when it has centroids", async () => {
    const m = await fit(x, 9);
    if (!m.transform) return;
    expect(Array.from(m.predict(x))).toEqual(Array.from(m.labels));
    const t = m.transform(x);
    expect([t.rows, t.cols]).toEqual([x.rows, m.k]);
    // The nearest centroid by transform's distances is the label.
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      for (let c = 1; c < m.k; c++) if (t.data[i * m.k + c]! < t.data[i * m.k + best]!) best = c;
      expect(t.data[i * m.k + best]).toBe(t.data[i * m.k + m.labels[i]!]);
    }
  });

  it("rejects NaN input and a width mismatch with TypeError", async () => {
    const bad = { ...x, data: Float32Array.from(x.data) };
    bad.data[3] = NaN;
    await expect(fit(bad)).rejects.toThrow(TypeError);
    await expect(fit(toDense(bad))).rejects.toThrow(TypeError);
    const m = await fit();
    expect(() => m.predict({ ...fresh.x, cols: 41 })).toThrow(TypeError);
    expect(() => m.predict(toDense(bad))).toThrow(TypeError);
  });
});

describe("clusterer registry", () => {
  it("lists kinds and names them on a miss", () => {
    expect(clustererKinds()).toContain("kmeans");
    expect(() => createClusterer("nope")).toThrow(ConfigError);
    expect(() => createClusterer("nope")).toThrow(/Unknown clusterer "nope": choose one of kmeans/);
    expect(() => createClusterer("toString")).toThrow(ConfigError);
  });

  it("turns invalid params into a ConfigError listing each problem", () => {
    expect(() => createClusterer("kmeans", { k: 0 })).toThrow(ConfigError);
    expect(() => createClusterer("kmeans", { k: 0, metric: "manhattan" })).toThrow(/k: .*; metric: /);
  });
});
