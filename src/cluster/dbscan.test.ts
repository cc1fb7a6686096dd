// Pins DBSCAN to scikit-learn 1.2.1's labels on small inputs, plus prediction, artifacts, CSR = dense and edge cases.
import { describe, expect, it } from "vitest";
import { CancelledError } from "../core/errors.js";
import type { Progress, Warning } from "../core/progress.js";
import { Random } from "../core/random.js";
import { denseFromRows, toCsr, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { NOISE } from "./contracts.js";
import { Dbscan } from "./dbscan.js";
import { DbscanModel } from "./dbscan-model.js";

/**
 * n rows of d values rounded to multiples of 1/256 (exact in Float32, so scikit-learn saw the same numbers):
 * each row is, with probability `noise`, uniform in [−3, 3)^d, else a Gaussian (sd `spread`) around one of
 * `groups` centres drawn uniformly from [−2, 2)^d.
 */
function gridBlobs(seed: number, n: number, d: number, groups: number, spread: number, noise: number): DenseMatrix {
  const rng = new Random(seed);
  const centres = Array.from({ length: groups * d }, () => 4 * rng.float() - 2);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    if (rng.float() < noise) for (let j = 0; j < d; j++) row.push(6 * rng.float() - 3);
    else {
      const g = rng.int(groups);
      for (let j = 0; j < d; j++) row.push(centres[g * d + j] + spread * rng.normal());
    }
    rows.push(row.map((v) => Math.round(v * 256) / 256));
  }
  return denseFromRows(rows);
}

const sum = (x: DenseMatrix): number => x.data.reduce((s, v) => s + v, 0);

/**
 * Expected values from scikit-learn 1.2.1 (/usr/bin/python3, numpy 1.24.2) on the same rows:
 *   m = sklearn.cluster.DBSCAN(eps=eps, min_samples=minSamples, metric=metric).fit(X)
 *   m.labels_.tolist(), m.core_sample_indices_.tolist()
 * `sum` is X.sum() as Python printed it (it proves the generator above made the same rows); no pairwise
 * distance lies within 3e-4 of eps, so rounding cannot flip a neighbour.
 */
const PINNED = [
  {
    name: "2-D, 3 groups + 25% noise",
    x: gridBlobs(1, 40, 2, 3, 0.3, 0.25),
    sum: 40.57421875,
    params: { eps: 0.45, minSamples: 4, metric: "euclidean" },
    labels: [0, 0, 1, 0, 1, -1, 1, 1, -1, -1, 1, -1, 1, 1, 0, -1, 0, 1, 1, 1, 1, -1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, 1, 1, 1, 1, 1, 0, 1, -1],
    core: [0, 1, 2, 3, 4, 6, 10, 12, 13, 14, 16, 17, 18, 20, 23, 26, 28, 32, 33, 34, 35, 36, 37, 38],
  },
  {
    name: "3-D, 4 groups + 20% noise",
    x: gridBlobs(2, 60, 3, 4, 0.5, 0.2),
    sum: 69.87109375,
    params: { eps: 0.9, minSamples: 4, metric: "euclidean" },
    labels: [
      -1, 0, 1, 0, 0, 1, -1, -1, -1, 0, -1, -1, 0, 0, -1, 1, 0, 0, 0, 0, -1, 0, 0, -1, 0, -1, 0, 0, -1, 0, -1, 1, 0, -1, 0, 0, 0, 1, 0, 0, 0, 1,
      1, -1, 0, 1, -1, 1, 1, -1, -1, -1, 1, -1, 0, 0, 0, 1, 0, 0,
    ],
    core: [1, 3, 4, 5, 9, 12, 13, 15, 16, 17, 18, 19, 21, 22, 24, 26, 27, 29, 31, 32, 34, 36, 40, 41, 42, 47, 48, 54, 56, 57, 58, 59],
  },
  {
    name: "4-D cosine, 3 directions + 20% noise",
    x: gridBlobs(3, 40, 4, 3, 0.3, 0.2),
    sum: -20.87109375,
    params: { eps: 0.03, minSamples: 4, metric: "cosine" },
    labels: [-1, 0, -1, 0, 0, 1, 1, 1, 1, 1, 0, -1, -1, 1, 2, -1, 1, 2, 1, 0, -1, -1, 1, 1, 0, 2, -1, 2, 2, 2, 2, 1, 0, 0, 0, 0, 1, 2, 0, -1],
    core: [1, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 17, 18, 19, 22, 23, 24, 25, 27, 28, 30, 32, 33, 34, 35, 36, 37, 38],
  },
  {
    // Row 0 (2.0) is a border row within eps of core rows of both groups (1.1 and 2.9, each 0.9 away): it goes
    // to cluster 0, the first one grown (from core row 1), although cluster 1 holds the lower values.
    name: "1-D, a border row shared by two clusters",
    x: denseFromRows([[2.0], [2.9], [3.2], [3.5], [3.8], [0.2], [0.5], [0.8], [1.1]]),
    sum: 18,
    params: { eps: 1, minSamples: 4, metric: "euclidean" },
    labels: [0, 0, 0, 0, 0, 1, 1, 1, 1],
    core: [1, 2, 3, 4, 5, 6, 7, 8],
  },
  {
    // Row 0 (10.0) is a border row of the group at 10.9 … 11.8, whose first core row is 5: that cluster is the
    // second one grown, so row 0 gets label 1 although it is the lowest row index (numbering by first core row).
    name: "1-D, numbering by the first core row",
    x: denseFromRows([[10], [0], [0.3], [0.6], [0.9], [10.9], [11.2], [11.5], [11.8]]),
    sum: 57.2,
    params: { eps: 1, minSamples: 4, metric: "euclidean" },
    labels: [1, 0, 0, 0, 0, 1, 1, 1, 1],
    core: [1, 2, 3, 4, 5, 6, 7, 8],
  },
] as const;

describe("DBSCAN agrees with scikit-learn 1.2.1", () => {
  it.each(PINNED)("$name", async ({ x, sum: s, params, labels, core }) => {
    expect(sum(x)).toBeCloseTo(s, 4);
    for (const input of [x, toCsr(x)] as Matrix[]) {
      const m = await new Dbscan(params).fit(input);
      expect(Array.from(m.labels)).toEqual(labels);
      expect(Array.from(m.coreSamples)).toEqual(core);
      expect(m.k).toBe(Math.max(...labels) + 1);
      expect(m.coreRows.kind).toBe(input.kind);
    }
  });

  it("treats zero rows under cosine as scikit-learn does (distance 1 to every other row, 0 to itself)", async () => {
    // DBSCAN(eps=0.5, min_samples=2 | 1, metric="cosine").fit([[0,0],[0,0],[1,0],[1,0.01],[1,0.02]]).labels_
    const x = denseFromRows([[0, 0], [0, 0], [1, 0], [1, 0.01], [1, 0.02]]);
    for (const input of [x, toCsr(x)] as Matrix[]) {
      expect(Array.from((await new Dbscan({ eps: 0.5, minSamples: 2, metric: "cosine" }).fit(input)).labels)).toEqual([-1, -1, 0, 0, 0]);
      expect(Array.from((await new Dbscan({ eps: 0.5, minSamples: 1, metric: "cosine" }).fit(input)).labels)).toEqual([0, 1, 2, 2, 2]);
    }
  });
});

describe("DBSCAN prediction", () => {
  const x = PINNED[3].x;
  const fit = () => new Dbscan({ eps: 1, minSamples: 4 }).fit(x);

  it("gives each new row the cluster of its nearest core row within eps, else NOISE", async () => {
    const m = await fit();
    // 0.6: nearest core 0.5 (cluster 1). 2.05: core 2.9 is 0.85 away, core 1.1 is 0.95 away → cluster 0.
    // 1.95: core 1.1 is 0.85 away (cluster 1), 2.9 is 0.95. 5.5: 1.7 from the nearest core (3.8) → NOISE.
    // 4.5 and −0.5: 0.7 from the end cores 3.8 and 0.2.
    const q = denseFromRows([[0.6], [2.05], [1.95], [5.5], [4.5], [-0.5]]);
    expect(Array.from(m.predict(q))).toEqual([1, 0, 1, NOISE, 0, 1]);
    expect(Array.from(m.predict(toCsr(q)))).toEqual([1, 0, 1, NOISE, 0, 1]);
  });

  it("counts a distance of exactly eps as within (as scikit-learn's radius queries)", async () => {
    // Binary fractions, so every distance is exact: each of 0 … 0.75 has ≥ 3 rows within 0.5 (itself included).
    const m = await new Dbscan({ eps: 0.5, minSamples: 3 }).fit(denseFromRows([[0], [0.25], [0.5], [0.75]]));
    expect(Array.from(m.labels)).toEqual([0, 0, 0, 0]);
    expect(Array.from(m.predict(denseFromRows([[1.25], [1.375], [-0.5], [-0.625]])))).toEqual([0, NOISE, 0, NOISE]);
  });

  it("returns core rows' own labels and NOISE for noise rows on the training set", async () => {
    const { x: xa, params } = PINNED[0];
    const m = await new Dbscan(params).fit(xa);
    const p = m.predict(xa);
    for (const i of m.coreSamples) expect(p[i]).toBe(m.labels[i]);
    for (let i = 0; i < xa.rows; i++) if (m.labels[i] === NOISE) expect(p[i]).toBe(NOISE);
  });

  it("round-trips through its artifact, dense and CSR, with identical predictions", async () => {
    const { x: xb, params } = PINNED[1];
    const q = gridBlobs(9, 50, 3, 4, 0.5, 0.3);
    for (const input of [xb, toCsr(xb)] as Matrix[]) {
      const m = await new Dbscan(params).fit(input);
      const a = m.toArtifact();
      expect(a.kind).toBe("dbscan");
      expect(Object.keys(a.arrays).sort()).toEqual(
        input.kind === "csr" ? ["coreData", "coreIndices", "coreIndptr", "coreSamples", "labels"] : ["coreData", "coreSamples", "labels"],
      );
      const back = DbscanModel.fromArtifact(a);
      expect(back.k).toBe(m.k);
      expect(back.eps).toBe(m.eps);
      expect(Array.from(back.labels)).toEqual(Array.from(m.labels));
      expect(Array.from(back.predict(q))).toEqual(Array.from(m.predict(q)));
      expect(Array.from(back.predict(toCsr(q)))).toEqual(Array.from(m.predict(q)));
    }
  });

  it("rejects a malformed artifact, a width mismatch and NaN with TypeError", async () => {
    const m = await fit();
    const a = m.toArtifact();
    expect(() => DbscanModel.fromArtifact({ ...a, arrays: { ...a.arrays, coreData: new Float32Array(3) } })).toThrow(TypeError);
    expect(() => DbscanModel.fromArtifact({ ...a, meta: { ...a.meta, metric: "manhattan" } })).toThrow(TypeError);
    expect(() => m.predict(denseFromRows([[1, 2]]))).toThrow(TypeError);
    expect(() => m.predict(denseFromRows([[NaN]]))).toThrow(TypeError);
    await expect(new Dbscan().fit(denseFromRows([[1], [Infinity]]))).rejects.toThrow(TypeError);
  });
});

describe("DBSCAN edge cases", () => {
  const collect = () => {
    const warnings: Warning[] = [];
    return { warnings, onWarning: (w: Warning) => warnings.push(w) };
  };

  it("handles empty input: no rows, no clusters, no warning", async () => {
    const w = collect();
    const m = await new Dbscan().fit(denseFromRows([], 3), w);
    expect([m.labels.length, m.k, m.featureCount]).toEqual([0, 0, 3]);
    expect(w.warnings).toEqual([]);
    expect(Array.from(m.predict(denseFromRows([[1, 2, 3]])))).toEqual([NOISE]);
  });

  it("makes a single row noise (a cluster of one only with minSamples 1) and warns ALL_NOISE", async () => {
    const w = collect();
    const m = await new Dbscan().fit(denseFromRows([[1, 2]]), w);
    expect(Array.from(m.labels)).toEqual([NOISE]);
    expect(m.k).toBe(0);
    expect(w.warnings.map((x) => x.code)).toEqual(["ALL_NOISE"]);
    expect(w.warnings[0].message).toMatch(/raise eps or lower minSamples/);
    expect(Array.from((await new Dbscan({ minSamples: 1 }).fit(denseFromRows([[1, 2]]))).labels)).toEqual([0]);
  });

  it("puts all-identical rows in one cluster (cosine too), or all in noise when they are fewer than minSamples", async () => {
    const same = denseFromRows(Array.from({ length: 6 }, () => [0.3, -1.7, 2]));
    for (const metric of ["euclidean", "cosine"] as const) {
      for (const input of [same, toCsr(same)] as Matrix[]) {
        const m = await new Dbscan({ eps: 1e-9, minSamples: 6, metric }).fit(input);
        expect(Array.from(m.labels)).toEqual([0, 0, 0, 0, 0, 0]);
        expect(Array.from((await new Dbscan({ minSamples: 7, metric }).fit(input)).labels)).toEqual(Array(6).fill(NOISE));
      }
    }
  });

  it("rejects invalid params with zod", () => {
    expect(() => new Dbscan({ eps: 0 })).toThrow();
    expect(() => new Dbscan({ minSamples: 0 })).toThrow();
    expect(() => new Dbscan({ metric: "manhattan" as "cosine" })).toThrow();
    expect(new Dbscan().params).toEqual({ eps: 0.5, minSamples: 5, metric: "euclidean" });
  });

  it("stops on an aborted signal and reports progress", async () => {
    const x = gridBlobs(4, 300, 5, 3, 0.3, 0.1);
    const ac = new AbortController();
    ac.abort();
    await expect(new Dbscan().fit(x, { signal: ac.signal })).rejects.toThrow(CancelledError);
    await expect(new Dbscan().fit(toCsr(x), { signal: ac.signal })).rejects.toThrow(CancelledError);
    const events: Progress[] = [];
    await new Dbscan().fit(x, { onProgress: (e) => events.push(e) });
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)!.done).toBe(events.at(-1)!.total);
    expect(events.every((e) => e.stage === "dbscan")).toBe(true);
  });
});
