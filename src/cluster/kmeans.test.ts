// Pins k-means to hand-computed cases: tiny 1-D inertia, blobs, spherical directions, mini-batch, seeding, edge cases.
import { describe, expect, it } from "vitest";
import type { Warning } from "../core/progress.js";
import { Random } from "../core/random.js";
import { dense, denseFromRows, toCsr, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { prepareRows } from "./kernels.js";
import { KMeans } from "./kmeans.js";
import { centersFromRows, kmeansPlusPlus } from "./kmeans-init.js";
import { lloyd } from "./lloyd.js";

/** n points per blob around the given centres with unit Gaussian noise; truth labels by blob. */
function blobs(centres: number[][], n: number, seed: number, spread = 1): { x: DenseMatrix; y: Int32Array } {
  const rng = new Random(seed);
  const d = centres[0]!.length;
  const x = dense(centres.length * n, d);
  const y = new Int32Array(centres.length * n);
  for (let i = 0; i < x.rows; i++) {
    const c = i % centres.length;
    y[i] = c;
    for (let j = 0; j < d; j++) x.data[i * d + j] = centres[c]![j]! + spread * rng.normal();
  }
  return { x, y };
}

/**
 * Rand index by direct pair counting (O(n²), test-sized n): the fraction of row pairs both labelings put together
 * or both apart; 1 exactly when the partitions are equal. (src/cluster may not import metrics/, whose adjusted
 * Rand index the contract suite uses instead.)
 */
function randIndex(a: Int32Array, b: Int32Array): number {
  let agree = 0;
  let pairs = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      pairs++;
      if ((a[i] === a[j]) === (b[i] === b[j])) agree++;
    }
  }
  return agree / pairs;
}

function collect(): { warnings: Warning[]; onWarning: (w: Warning) => void } {
  const warnings: Warning[] = [];
  return { warnings, onWarning: (w) => warnings.push(w) };
}

describe("KMeans on hand-computed cases", () => {
  it("finds the two centres and the inertia of a 4-point 1-D set", async () => {
    // {0, 2} and {10, 12}: centres 1 and 11; inertia = (0−1)² + (2−1)² + (10−11)² + (12−11)² = 4.
    // Any other split is worse, e.g. {0} | {2, 10, 12}: 0 + (2−8)² + (10−8)² + (12−8)² = 56.
    const x = denseFromRows([[0], [2], [10], [12]]);
    for (const init of ["k-means++", "random"] as const) {
      const m = await new KMeans({ k: 2, init }).fit(x, { seed: 1 });
      expect(m.inertia).toBe(4);
      expect([...m.centroids.data].sort((a, b) => a - b)).toEqual([1, 11]);
      expect(m.labels[0]).toBe(m.labels[1]);
      expect(m.labels[2]).toBe(m.labels[3]);
      expect(m.labels[0]).not.toBe(m.labels[2]);
      // transform: Euclidean distances, e.g. |0 − 1| = 1 and |0 − 11| = 11.
      const t = m.transform(x);
      const near = m.labels[0]!;
      expect(t.data[near]).toBe(1);
      expect(t.data[1 - near]).toBe(11);
      expect(Array.from(m.predict(denseFromRows([[5.9], [6.1]])))).toEqual([m.labels[0], m.labels[2]]);
    }
  });

  it("separates two well-separated Gaussian blobs exactly (Rand index 1), dense and CSR", async () => {
    const { x, y } = blobs([[0, 0, 0], [10, 10, 10]], 50, 3);
    for (const input of [x, toCsr(x)] as Matrix[]) {
      const m = await new KMeans({ k: 2 }).fit(input, { seed: 2 });
      expect(randIndex(y, m.labels)).toBe(1);
      expect(m.iterations).toBeLessThanOrEqual(5);
    }
  });

  it("clusters 3 directions with spherical k-means regardless of magnitude", async () => {
    // Rays at 0°, 120°, 240° with norms 0.5 … 20: cosine groups by angle, Euclidean would group by length.
    const rng = new Random(4);
    const rows: number[][] = [];
    const truth: number[] = [];
    for (let i = 0; i < 90; i++) {
      const g = i % 3;
      const angle = (g * 2 * Math.PI) / 3 + 0.1 * rng.normal();
      const r = 0.5 + 19.5 * rng.float();
      rows.push([r * Math.cos(angle), r * Math.sin(angle)]);
      truth.push(g);
    }
    const x = denseFromRows(rows);
    const y = Int32Array.from(truth);
    const m = await new KMeans({ k: 3, metric: "cosine" }).fit(x, { seed: 5 });
    expect(randIndex(y, m.labels)).toBe(1);
    for (let c = 0; c < 3; c++) {
      const [a, b] = [m.centroids.data[2 * c]!, m.centroids.data[2 * c + 1]!];
      expect(Math.hypot(a, b)).toBeCloseTo(1, 6);
    }
    // Cosine distances lie in [0, 2]; inertia is Σ (1 − cos), tiny for tight rays.
    const t = m.transform(x);
    for (const v of t.data) expect(v).toBeGreaterThanOrEqual(0);
    expect(m.inertia).toBeLessThan(90 * 0.02);
    const euclid = await new KMeans({ k: 3 }).fit(x, { seed: 5 });
    expect(randIndex(y, euclid.labels)).toBeLessThan(1);
  });

  it("reaches, with mini-batches, an inertia within a few % of Lloyd's", async () => {
    const { x, y } = blobs([[0, 0, 0, 0], [6, 0, 0, 0], [0, 6, 0, 0], [0, 0, 6, 0], [0, 0, 0, 6]], 400, 6);
    const full = await new KMeans({ k: 5 }).fit(x, { seed: 1 });
    const mini = await new KMeans({ k: 5, batchSize: 100, maxIter: 200 }).fit(x, { seed: 1 });
    expect(mini.inertia).toBeLessThan(full.inertia * 1.03);
    expect(randIndex(y, mini.labels)).toBeGreaterThan(0.98);
    expect(Array.from(mini.predict(x))).toEqual(Array.from(mini.labels));
  });

  it("seeds k-means++ with one row from each of 4 far-apart blobs", () => {
    const { x, y } = blobs([[0, 0], [100, 0], [0, 100], [100, 100]], 25, 7, 0.5);
    const { x: xw, rn } = prepareRows(x, false);
    for (let seed = 0; seed < 10; seed++) {
      const s = kmeansPlusPlus(xw, rn, 4, new Random(seed), false);
      expect(new Set(Array.from(s.rows, (r) => y[r])).size).toBe(4);
      expect(s.duplicates).toBe(false);
    }
  });
});

describe("KMeans edge cases", () => {
  it("re-seeds an empty cluster from the farthest row and warns", async () => {
    // Six rows at 0 and one at 10; when random seeding picks two zero rows, both centres coincide, every
    // row ties to centre 0, centre 1 is empty and takes the farthest row (10, at d² = 100).
    const x = denseFromRows([[0], [0], [0], [0], [0], [0], [10]]);
    let seen = 0;
    for (let seed = 0; seed < 12; seed++) {
      const { warnings, onWarning } = collect();
      const m = await new KMeans({ k: 2, init: "random", nInit: 1 }).fit(x, { seed, onWarning });
      expect(m.inertia).toBe(0);
      expect(m.labels[6]).not.toBe(m.labels[0]);
      if (warnings.some((w) => w.code === "EMPTY_CLUSTER")) seen++;
    }
    expect(seen).toBeGreaterThan(0);
  });

  it("moves rows into an empty cluster in Lloyd (hand-made centres)", () => {
    // Centres −100, 1, 11 on {0, 1, 2, 10, 11, 12}: centre 0 gets nothing; the farthest rows (d² = 1) are 0, 2,
    // 10, 12 and the first of them, row 0, moves. Final centres: 0, 1.5, 11 → inertia 0 + 0.5 + 2 = 2.5.
    const x = denseFromRows([[0], [1], [2], [10], [11], [12]]);
    const { x: xw, rn } = prepareRows(x, false);
    const init = centersFromRows(denseFromRows([[-100], [1], [11]]), Int32Array.from([0, 1, 2]), false);
    for (const bounds of ["elkan", "hamerly"] as const) {
      const c = { ...init, ct: Float64Array.from(init.ct), cn: Float64Array.from(init.cn) };
      const run = lloyd(xw, rn, c, { maxIter: 50, tolAbs: 0, cosine: false, bounds });
      expect(run.relocated).toBe(1);
      expect(Array.from(run.labels)).toEqual([0, 1, 1, 2, 2, 2]);
      expect(Array.from(run.centers.ct)).toEqual([0, 1.5, 11]);
      expect(run.inertia).toBe(2.5);
    }
  });

  it("does not produce NaN on all-identical rows and says the centres coincide", async () => {
    const x = denseFromRows([[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]]);
    for (const params of [{ k: 3 }, { k: 3, metric: "cosine" as const }, { k: 3, batchSize: 2 }, { k: 3, init: "random" as const }]) {
      const { warnings, onWarning } = collect();
      const m = await new KMeans(params).fit(x, { onWarning });
      expect(m.centroids.data.every(Number.isFinite)).toBe(true);
      expect(m.inertia).toBeCloseTo(0, 6);
      expect(new Set(m.labels).size).toBe(1);
      expect(warnings.map((w) => w.code)).toContain("DUPLICATE_CENTERS");
    }
  });

  it("handles zero rows under cosine without NaN", async () => {
    const x = denseFromRows([[0, 0], [1, 0], [2, 0.1], [0, 3], [0.1, 4], [0, 0]]);
    const m = await new KMeans({ k: 2, metric: "cosine" }).fit(toCsr(x), { seed: 1 });
    expect(m.centroids.data.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(m.inertia)).toBe(true);
    expect(m.labels[1]).toBe(m.labels[2]);
    expect(m.labels[3]).toBe(m.labels[4]);
    expect(m.transform(denseFromRows([[0, 0]])).data[0]).toBeCloseTo(1, 6);
  });

  it("rejects k > rows naming both numbers, k < 1, and NaN", async () => {
    const x = denseFromRows([[0], [1], [2]]);
    await expect(new KMeans({ k: 5 }).fit(x)).rejects.toThrow(RangeError);
    await expect(new KMeans({ k: 5 }).fit(x)).rejects.toThrow(/k=5 .*3 rows/);
    expect(() => new KMeans({ k: 0 })).toThrow();
    expect(() => new KMeans({ k: 1.5 })).toThrow();
    const bad = denseFromRows([[0], [NaN], [2]]);
    await expect(new KMeans({ k: 2 }).fit(bad)).rejects.toThrow(TypeError);
  });

  it("warns when the best restart runs out of iterations", async () => {
    const { x } = blobs([[0, 0], [5, 5], [0, 5]], 30, 8);
    const { warnings, onWarning } = collect();
    await new KMeans({ k: 3, init: "random", maxIter: 1, nInit: 1 }).fit(x, { seed: 1, onWarning });
    expect(warnings.map((w) => w.code)).toContain("NO_CONVERGENCE");
  });

  it("reports progress per restart and honours an aborted signal", async () => {
    const { x } = blobs([[0, 0], [5, 5]], 20, 9);
    const seen: number[] = [];
    await new KMeans({ k: 2, nInit: 3 }).fit(x, { onProgress: (e) => seen.push(e.done) });
    expect(seen).toEqual([1, 2, 3]);
    const ac = new AbortController();
    ac.abort();
    await expect(new KMeans({ k: 2 }).fit(x, { signal: ac.signal })).rejects.toThrow(/cancelled/);
  });
});

describe("Lloyd's bounds", () => {
  /** Plain Lloyd with no pruning, in ordinary numbers: the reference the pruned passes must match. */
  function naiveLloyd(rows: number[][], centres: number[][], iters: number): number[] {
    let labels: number[] = [];
    for (let it = 0; it < iters; it++) {
      labels = rows.map((r) => {
        let best = 0;
        let bd = Infinity;
        centres.forEach((c, a) => {
          const d = r.reduce((s, v, j) => s + (v - c[j]!) ** 2, 0);
          if (d < bd) [best, bd] = [a, d];
        });
        return best;
      });
      centres = centres.map((c, a) => {
        const members = rows.filter((_, i) => labels[i] === a);
        return members.length === 0 ? c : c.map((_, j) => members.reduce((s, r) => s + r[j]!, 0) / members.length);
      });
    }
    return labels;
  }

  it("give the labels of unpruned Lloyd (Elkan and Hamerly, dense and CSR)", () => {
    const { x } = blobs([[0, 0, 0], [3, 0, 0], [0, 3, 0], [0, 0, 3], [3, 3, 3]], 60, 10, 1.2);
    const rows = Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * 3, i * 3 + 3)));
    const seedRows = Int32Array.from([0, 1, 2, 3, 4].map((c) => c * 7));
    const expected = naiveLloyd(rows, Array.from(seedRows, (r) => rows[r]!), 100);
    for (const input of [x, toCsr(x)] as Matrix[]) {
      const { x: xw, rn } = prepareRows(input, false);
      for (const bounds of ["elkan", "hamerly"] as const) {
        const run = lloyd(xw, rn, centersFromRows(xw, seedRows, false), { maxIter: 100, tolAbs: 0, cosine: false, bounds });
        expect(run.converged).toBe(true);
        expect(Array.from(run.labels)).toEqual(expected);
      }
    }
  });
});
