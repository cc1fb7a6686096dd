// Pins the k-means kernels: dense and CSR twins agree bit for bit; compaction, variance and norms by hand.
import { describe, expect, it } from "vitest";
import { Random } from "../core/random.js";
import { csr, dense, denseFromRows, toCsr, type DenseMatrix } from "../linalg/matrix.js";
import {
  allDistances,
  assignNearest,
  clusterSums,
  meanColumnVariance,
  normalizeRows,
  prepareRows,
  rowSquaredNorms,
  type Centers,
} from "./kernels.js";
import { compactColumns } from "../linalg/sparse.js";
import { centersFromRows } from "./kmeans-init.js";

/** A 30 × 17 matrix with about 60% zeros. */
function sparseish(seed: number): DenseMatrix {
  const rng = new Random(seed);
  const x = dense(30, 17);
  for (let i = 0; i < x.data.length; i++) if (rng.float() < 0.4) x.data[i] = rng.normal();
  return x;
}

describe("dense and CSR kernels", () => {
  it("give bit-identical norms, assignments, distances and sums for every centre count (blocks of 8/4/2/1)", () => {
    const x = sparseish(1);
    const xc = toCsr(x);
    expect(Array.from(rowSquaredNorms(xc))).toEqual(Array.from(rowSquaredNorms(x)));
    for (const k of [1, 2, 3, 5, 8, 11, 15]) {
      const ids = Int32Array.from({ length: k }, (_, a) => a * 2);
      const c: Centers = centersFromRows(x, ids, false);
      const out = [x, xc].map((m) => {
        const rn = rowSquaredNorms(m);
        const labels = new Int32Array(m.rows);
        const best = new Float64Array(m.rows);
        const second = new Float64Array(m.rows);
        assignNearest(m, rn, c, labels, best, second);
        const dist = new Float32Array(m.rows * k);
        allDistances(m, rn, c, dist);
        const sums = new Float64Array(m.cols * k);
        const counts = new Float64Array(k);
        clusterSums(m, labels, k, sums, counts);
        return [labels, best, second, dist, sums, counts].map((a) => Array.from(a));
      });
      expect(out[1]).toEqual(out[0]);
      // A centre copied from row r is at distance 0 from it.
      for (let a = 0; a < k; a++) expect(out[0]![3]![ids[a]! * k + a]).toBe(0);
    }
  });

  it("computes d² = ‖x‖² − 2x·c + ‖c‖² by hand", () => {
    // x = (3, 4), centres (0, 0) and (3, 0): d² = 25 and 16; nearest is centre 1, runner-up 25.
    const x = denseFromRows([[3, 4]]);
    const c = centersFromRows(denseFromRows([[0, 0], [3, 0]]), Int32Array.from([0, 1]), false);
    const labels = new Int32Array(1);
    const best = new Float64Array(1);
    const second = new Float64Array(1);
    assignNearest(x, rowSquaredNorms(x), c, labels, best, second);
    expect([labels[0], best[0], second[0]]).toEqual([1, 16, 25]);
  });
});

describe("row preparation", () => {
  it("normalizes rows to unit length, leaves zero rows alone and counts them as norm 1 under cosine", () => {
    const x = denseFromRows([[3, 4], [0, 0], [0, 2]]);
    expect(Array.from(normalizeRows(x).data)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0, 0, 1]);
    expect(Array.from(normalizeRows(toCsr(x)).data)).toEqual([0.6000000238418579, 0.800000011920929, 1]);
    const { rn } = prepareRows(x, true);
    expect(rn[1]).toBe(1);
    expect(rn[2]).toBe(1);
  });

  it("compacts used columns in order, or most-used first", () => {
    // Columns used: 1 (twice), 4, 6 of 8.
    const x = csr(3, 8, Int32Array.from([0, 2, 3, 4]), Int32Array.from([1, 6, 1, 4]), Float32Array.from([1, 2, 3, 4]));
    const kept = compactColumns(x)!;
    expect(Array.from(kept.colMap)).toEqual([1, 4, 6]);
    expect(Array.from(kept.x.indices)).toEqual([0, 2, 0, 1]);
    const byFreq = compactColumns(x, true)!;
    expect(Array.from(byFreq.colMap)).toEqual([1, 4, 6]);
    const x2 = csr(2, 4, Int32Array.from([0, 4, 5]), Int32Array.from([0, 1, 2, 3, 3]), Float32Array.from([1, 1, 1, 1, 1]));
    expect(compactColumns(x2)).toBeNull();
    expect(Array.from(compactColumns(x2, true)!.colMap)).toEqual([3, 0, 1, 2]);
  });

  it("gives the mean column variance over all columns", () => {
    // Columns (1, 3) and (0, 0) plus (2, 2): variances 1, 0, 0 over 3 columns → 1/3; 4 columns → 1/4.
    const x = denseFromRows([[1, 0, 2], [3, 0, 2]]);
    expect(meanColumnVariance(x, 3)).toBeCloseTo(1 / 3, 15);
    expect(meanColumnVariance(toCsr(x), 4)).toBeCloseTo(1 / 4, 15);
  });
});
