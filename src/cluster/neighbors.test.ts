// Pins the neighbour queries to brute force: radius graphs and k nearest neighbours, dense = CSR, cosine zero rows.
import { describe, expect, it } from "vitest";
import { CancelledError } from "../core/errors.js";
import type { Progress } from "../core/progress.js";
import { Random } from "../core/random.js";
import { dense, denseFromRows, toCsr, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { denseDots, fromSquared, kNearestNeighbors, NeighborRows, radiusNeighbors, toSquared, type NeighborMetric } from "./neighbors.js";

/** n rows around `groups` centres (spread 1, centres 3·N(0, 1)), every 7th row duplicated from the one before, a few zero rows. */
function blobs(n: number, d: number, groups: number, seed: number, zeros = 0): DenseMatrix {
  const rng = new Random(seed);
  const centres = Array.from({ length: groups * d }, () => 3 * rng.normal());
  const x = dense(n, d);
  for (let i = 0; i < n; i++) {
    if (i % 7 === 6) {
      x.data.copyWithin(i * d, (i - 1) * d, i * d);
      continue;
    }
    const g = rng.int(groups);
    for (let j = 0; j < d; j++) x.data[i * d + j] = centres[g * d + j] + rng.normal();
  }
  for (let z = 0; z < zeros; z++) x.data.fill(0, ((z * 13) % n) * d, ((z * 13) % n + 1) * d);
  return x;
}

/** Distance by definition, in Float64 from the Float32 values (cosine: 1 − x·y / (‖x‖‖y‖), zero rows 1, itself 0). */
function exact(x: DenseMatrix, i: number, j: number, metric: NeighborMetric): number {
  if (i === j) return 0;
  const d = x.cols;
  let s = 0;
  let nx = 0;
  let ny = 0;
  for (let k = 0; k < d; k++) {
    const a = x.data[i * d + k];
    const b = x.data[j * d + k];
    s += metric === "cosine" ? a * b : (a - b) * (a - b);
    nx += a * a;
    ny += b * b;
  }
  if (metric === "euclidean") return Math.sqrt(s);
  return nx === 0 || ny === 0 ? 1 : 1 - s / Math.sqrt(nx * ny);
}

describe("denseDots", () => {
  it("computes every product of two row ranges, whatever the tile remainders", () => {
    const rng = new Random(1);
    const a = Float32Array.from({ length: 11 * 5 }, () => rng.normal());
    const b = Float32Array.from({ length: 9 * 5 }, () => rng.normal());
    for (const [a0, an, b0, bn] of [[0, 11, 0, 9], [2, 7, 1, 6], [3, 1, 0, 9], [0, 4, 5, 4], [1, 3, 2, 3]]) {
      const out = new Float64Array(an * bn);
      denseDots(a, a0, an, b, b0, bn, 5, out);
      for (let i = 0; i < an; i++) {
        for (let j = 0; j < bn; j++) {
          let s = 0;
          for (let k = 0; k < 5; k++) s += a[(a0 + i) * 5 + k] * b[(b0 + j) * 5 + k];
          expect(out[i * bn + j]).toBe(s);
        }
      }
    }
  });
});

describe("radiusNeighbors", () => {
  const cases: [string, DenseMatrix, NeighborMetric, number][] = [
    ["euclidean blobs, 5-d (leaf pruning)", blobs(700, 5, 6, 2), "euclidean", 1.6],
    ["euclidean blobs, 40-d", blobs(300, 40, 4, 3), "euclidean", 8.5],
    ["cosine with zero rows", blobs(400, 6, 5, 4, 5), "cosine", 0.08],
    ["cosine, radius ≥ 1 (zero rows join everything)", blobs(120, 3, 2, 5, 3), "cosine", 1],
  ];

  it.each(cases)("matches brute force: %s", (_, x, metric, radius) => {
    const want: number[][] = [];
    const zero = (i: number): boolean => x.data.subarray(i * x.cols, (i + 1) * x.cols).every((v) => v === 0);
    let margin = Infinity;
    for (let i = 0; i < x.rows; i++) {
      want.push([]);
      for (let j = 0; j < x.rows; j++) {
        const dd = exact(x, i, j, metric);
        if (i !== j && !zero(i) && !zero(j)) margin = Math.min(margin, Math.abs(dd - radius));
        if (dd <= radius) want[i].push(j);
      }
    }
    // No pair of non-zero rows sits on the boundary, where the kernels' rounding could differ from this definition
    // (a zero row's cosine distance is exactly 1 in both).
    expect(margin).toBeGreaterThan(1e-6);
    for (const input of [x, toCsr(x)] as Matrix[]) {
      const g = radiusNeighbors(new NeighborRows(input, metric), radius);
      const got = Array.from({ length: x.rows }, (_, i) => Array.from(g.indices.subarray(g.indptr[i], g.indptr[i + 1])));
      expect(got).toEqual(want);
    }
  });

  it("gives dense and CSR rows bit-identical graphs (kernels add in the same order)", () => {
    const x = blobs(500, 12, 5, 6, 4);
    for (const metric of ["euclidean", "cosine"] as const) {
      const r = metric === "euclidean" ? 3.9 : 0.11;
      const a = radiusNeighbors(new NeighborRows(x, metric), r);
      const b = radiusNeighbors(new NeighborRows(toCsr(x), metric), r);
      expect(Array.from(a.indptr)).toEqual(Array.from(b.indptr));
      expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    }
  });

  it("handles no rows and one row", () => {
    const empty = radiusNeighbors(new NeighborRows(dense(0, 3), "euclidean"), 1);
    expect([Array.from(empty.indptr), empty.indices.length]).toEqual([[0], 0]);
    const one = radiusNeighbors(new NeighborRows(denseFromRows([[1, 2]]), "cosine"), 0.1);
    expect([Array.from(one.indptr), Array.from(one.indices)]).toEqual([[0, 1], [0]]);
  });

  it("reports progress and stops on an aborted signal", () => {
    const x = blobs(200, 4, 3, 7);
    const events: Progress[] = [];
    radiusNeighbors(new NeighborRows(x, "euclidean"), 1, { onProgress: (e) => events.push(e), stage: "test" });
    expect(events.at(-1)).toMatchObject({ stage: "test" });
    expect(events.at(-1)!.done).toBe(events.at(-1)!.total);
    const ac = new AbortController();
    ac.abort();
    for (const input of [x, toCsr(x)] as Matrix[]) {
      expect(() => radiusNeighbors(new NeighborRows(input, "euclidean"), 1, { signal: ac.signal })).toThrow(CancelledError);
      expect(() => kNearestNeighbors(new NeighborRows(input, "euclidean"), 3, { signal: ac.signal })).toThrow(CancelledError);
    }
  });
});

describe("kNearestNeighbors", () => {
  const cases: [string, DenseMatrix, NeighborMetric, number][] = [
    ["euclidean blobs, 5-d, k = 7", blobs(600, 5, 8, 8), "euclidean", 7],
    ["euclidean blobs, 30-d, k = 3", blobs(250, 30, 3, 9), "euclidean", 3],
    ["cosine with zero rows, k = 5", blobs(300, 4, 4, 10, 6), "cosine", 5],
    ["k larger than a leaf, k = 50", blobs(200, 3, 2, 11), "euclidean", 50],
  ];

  it.each(cases)("matches brute force (distances, and indices ordered by distance then index): %s", (_, x, metric, k) => {
    for (const input of [x, toCsr(x)] as Matrix[]) {
      const r = kNearestNeighbors(new NeighborRows(input, metric), k);
      expect(r.k).toBe(k);
      for (let i = 0; i < x.rows; i++) {
        const all = Array.from({ length: x.rows }, (_, j) => [exact(x, i, j, metric), j] as const).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
        for (let t = 0; t < k; t++) expect(r.distances[i * k + t]).toBeCloseTo(all[t][0], 5);
        // Rows at the same distance may be listed in either order by rounding; the set up to the k-th must agree.
        const cut = all[k - 1][0] - 1e-5;
        const sure = all.filter((p) => p[0] < cut).map((p) => p[1]);
        const got = Array.from(r.indices.subarray(i * k, (i + 1) * k));
        for (const j of sure) expect(got).toContain(j);
      }
    }
  });

  it("gives dense and CSR rows bit-identical answers, each row first among its copies", () => {
    const x = blobs(600, 10, 6, 12, 3);
    for (const metric of ["euclidean", "cosine"] as const) {
      const a = kNearestNeighbors(new NeighborRows(x, metric), 6);
      const b = kNearestNeighbors(new NeighborRows(toCsr(x), metric), 6);
      expect(Array.from(a.distances)).toEqual(Array.from(b.distances));
      expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
      // Row 6 copies row 5: both at distance exactly 0 from each other, lower index first.
      expect(Array.from(a.indices.subarray(6 * 6, 6 * 6 + 2))).toEqual([5, 6]);
      expect(Array.from(a.distances.subarray(6 * 6, 6 * 6 + 2))).toEqual([0, 0]);
    }
  });

  it("caps k at the number of rows and returns nothing for k = 0", () => {
    const x = denseFromRows([[0], [3], [1]]);
    const r = kNearestNeighbors(new NeighborRows(x, "euclidean"), 10);
    expect(r.k).toBe(3);
    expect(Array.from(r.indices)).toEqual([0, 2, 1, 1, 2, 0, 2, 0, 1]);
    expect(Array.from(r.distances)).toEqual([0, 1, 3, 0, 2, 3, 0, 1, 2]);
    expect(kNearestNeighbors(new NeighborRows(x, "euclidean"), 0).distances.length).toBe(0);
  });
});

describe("distance units", () => {
  it("converts between the metric's distances and the internal squared distances", () => {
    expect(fromSquared("euclidean", toSquared("euclidean", 3))).toBe(3);
    expect(toSquared("cosine", 0.25)).toBe(0.5);
    expect(fromSquared("cosine", 2)).toBe(1);
  });

  it("measures query rows of the other storage kind exactly like the rows themselves", () => {
    const x = blobs(50, 6, 2, 13, 2);
    for (const metric of ["euclidean", "cosine"] as const) {
      for (const [ref, q] of [[x, toCsr(x)], [toCsr(x), x]] as [Matrix, Matrix][]) {
        const rows = new NeighborRows(ref, metric);
        const a = new Float64Array(50 * 50);
        const b = new Float64Array(50 * 50);
        rows.squaredDistances(rows, 0, 50, a);
        rows.squaredDistances(rows.queries(q), 0, 50, b);
        for (let i = 0; i < 50; i++) b[i * 50 + i] = 0;
        expect(Array.from(b)).toEqual(Array.from(a));
      }
    }
  });
});
