// Pins the internal clustering metrics to hand-computed cases and to scikit-learn's docstring and test-suite values.
import { describe, expect, it } from "vitest";
import { Random } from "../core/random.js";
import { csr, denseFromRows, toCsr, type CsrMatrix, type Matrix } from "../linalg/matrix.js";
import { calinskiHarabaszScore, daviesBouldinScore, silhouetteSamples, silhouetteScore } from "./clustering.js";

const i32 = (xs: number[]): Int32Array => Int32Array.from(xs);

// ─── Internal metrics ────────────────────────────────────────────────────────────────────────────────────────────

// Two tight pairs and a far singleton: A(0,0) B(0,1) | C(4,0) D(4,1) | E(10,0).
const FIVE = denseFromRows([
  [0, 0],
  [0, 1],
  [4, 0],
  [4, 1],
  [10, 0],
]);
const FIVE_LABELS = i32([0, 0, 1, 1, 2]);

/** Naive O(n²) silhouette straight from the definition (test oracle). */
function naiveSilhouette(rows: number[][], labels: number[], metric: "euclidean" | "cosine"): number {
  const dist = (a: number[], b: number[]): number => {
    if (metric === "euclidean") return Math.sqrt(a.reduce((s, v, f) => s + (v - b[f]!) ** 2, 0));
    const dot = a.reduce((s, v, f) => s + v * b[f]!, 0);
    const na = Math.hypot(...a);
    const nb = Math.hypot(...b);
    return na === 0 || nb === 0 ? 1 : Math.min(2, Math.max(0, 1 - dot / (na * nb)));
  };
  const ids = [...new Set(labels)];
  let total = 0;
  rows.forEach((r, i) => {
    const mean = (c: number) => {
      const others = rows.filter((_, j) => labels[j] === c && j !== i);
      return others.reduce((s, o) => s + dist(r, o), 0) / others.length;
    };
    if (labels.filter((l) => l === labels[i]).length === 1) return;
    const a = mean(labels[i]!);
    const b = Math.min(...ids.filter((c) => c !== labels[i]).map(mean));
    const m = Math.max(a, b);
    total += m === 0 ? 0 : (b - a) / m;
  });
  return total / rows.length;
}

/** Random rows with about 40% zeros, rounded to float32-exact quarters. */
function randomRows(rng: Random, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => (rng.float() < 0.4 ? 0 : Math.round(rng.normal() * 8) / 4)));
}

/** Same CSR with each row's entries stored in reverse column order (valid, unsorted CSR). */
function reversedCsr(m: CsrMatrix): CsrMatrix {
  const indices = new Int32Array(m.indices.length);
  const data = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    const s = m.indptr[i]!;
    const e = m.indptr[i + 1]!;
    for (let p = s; p < e; p++) {
      indices[s + e - 1 - p] = m.indices[p]!;
      data[s + e - 1 - p] = m.data[p]!;
    }
  }
  return csr(m.rows, m.cols, m.indptr, indices, data);
}

describe("silhouetteScore", () => {
  it("pins two tight pairs by hand", () => {
    // A: a = d(A,B) = 1, b = (d(A,C) + d(A,D))/2 = (4 + √17)/2 → s = 1 − 2/(4 + √17) = 0.7537…; all four alike by symmetry.
    const x = denseFromRows([
      [0, 0],
      [0, 1],
      [4, 0],
      [4, 1],
    ]);
    const s = 1 - 2 / (4 + Math.sqrt(17));
    expect(silhouetteScore(x, i32([0, 0, 1, 1]))).toBeCloseTo(s, 12);
    expect(silhouetteScore(toCsr(x), i32([0, 0, 1, 1]))).toBeCloseTo(s, 12);
  });

  it("gives a singleton cluster 0 and takes the nearest other cluster as b", () => {
    // E is alone → 0. For A..D the pair across is nearer than E (mean (4 + √17)/2 ≈ 4.06 < 6), so each keeps
    // s = 1 − 2/(4 + √17); the mean is 4s/5.
    const s = 1 - 2 / (4 + Math.sqrt(17));
    const per = silhouetteSamples(FIVE, FIVE_LABELS);
    expect(Array.from(per).map((v) => +v.toFixed(12))).toEqual([s, s, s, s, 0].map((v) => +v.toFixed(12)));
    expect(silhouetteScore(FIVE, FIVE_LABELS)).toBeCloseTo((4 * s) / 5, 12);
  });

  it("pins a cosine case by hand", () => {
    // P1(1,0) P2(1,1) | P3(0,1) P4(0,2); q = 1 − 1/√2 is the cosine distance at 45°.
    // P1: a = q, b = mean(1, 1) = 1 → 1 − q = 1/√2.  P2: a = q, b = mean(q, q) = q → 0.
    // P3, P4: a = 0 (parallel), b = (1 + q)/2 → 1.  Mean = (1/√2 + 0 + 1 + 1)/4.
    const x = denseFromRows([
      [1, 0],
      [1, 1],
      [0, 1],
      [0, 2],
    ]);
    const labels = i32([0, 0, 1, 1]);
    const expected = (Math.SQRT1_2 + 2) / 4;
    expect(silhouetteScore(x, labels, { metric: "cosine" })).toBeCloseTo(expected, 7); // float32 input
    expect(silhouetteScore(toCsr(x), labels, { metric: "cosine" })).toBeCloseTo(expected, 7);
  });

  it("agrees with a naive O(n²) oracle across several row blocks, dense = CSR, any label ids", () => {
    const rng = new Random(7);
    const rows = randomRows(rng, 150, 5);
    rows[3] = [...rows[2]!]; // a duplicate row
    rows[10] = [0, 0, 0, 0, 0]; // a zero row (cosine distance 1 to everything)
    const labels = rows.map((_, i) => [-1, 3, 3, 17][i % 4]!);
    labels[149] = 99; // a singleton cluster
    const x = denseFromRows(rows);
    const y = i32(labels);
    for (const metric of ["euclidean", "cosine"] as const) {
      const ref = naiveSilhouette(rows, labels, metric);
      expect(silhouetteScore(x, y, { metric })).toBeCloseTo(ref, 10);
      expect(silhouetteScore(toCsr(x), y, { metric })).toBeCloseTo(ref, 10);
      expect(silhouetteScore(reversedCsr(toCsr(x)), y, { metric })).toBeCloseTo(ref, 10);
      // Renaming clusters changes nothing.
      const renamed = i32(labels.map((l) => 1000 - l));
      expect(silhouetteScore(x, renamed, { metric })).toBeCloseTo(ref, 12);
    }
  });

  it("samples a seeded subset (sklearn sample_size)", () => {
    const rng = new Random(3);
    const rows = randomRows(rng, 120, 4);
    const x = denseFromRows(rows);
    const y = i32(rows.map((_, i) => i % 3));
    const full = silhouetteScore(x, y);
    // At or above n: every row, the exact score.
    expect(silhouetteScore(x, y, { sampleSize: 120 })).toBe(full);
    expect(silhouetteScore(x, y, { sampleSize: 500, seed: 9 })).toBe(full);
    // Same seed, same subset; dense and CSR draw the same rows.
    const a = silhouetteScore(x, y, { sampleSize: 40, seed: 1 });
    expect(silhouetteScore(x, y, { sampleSize: 40, seed: 1 })).toBe(a);
    expect(silhouetteScore(toCsr(x), y, { sampleSize: 40, seed: 1 })).toBeCloseTo(a, 10);
    expect(silhouetteScore(x, y, { sampleSize: 40, seed: 2 })).not.toBe(a);
    expect(a).toBeGreaterThanOrEqual(-1);
    expect(a).toBeLessThanOrEqual(1);
    expect(() => silhouetteScore(x, y, { sampleSize: 0 })).toThrow(RangeError);
    expect(() => silhouetteScore(x, y, { sampleSize: 2.5 })).toThrow(RangeError);
  });

  it("rejects bad label counts, lengths, metrics and non-finite features", () => {
    // sklearn check_number_of_labels: 2 ≤ k ≤ n − 1.
    expect(() => silhouetteScore(FIVE, i32([0, 0, 0, 0, 0]))).toThrow(RangeError);
    expect(() => silhouetteScore(FIVE, i32([0, 1, 2, 3, 4]))).toThrow(/2 to n - 1/);
    expect(() => silhouetteScore(FIVE, i32([0, 1]))).toThrow(TypeError);
    expect(() => silhouetteScore(FIVE, FIVE_LABELS, { metric: "manhattan" as "cosine" })).toThrow(RangeError);
    expect(() => silhouetteScore(denseFromRows([[0], [NaN], [1]]), i32([0, 0, 1]))).toThrow(TypeError);
  });
});

describe("calinskiHarabaszScore", () => {
  it("pins the five-point example by hand", () => {
    // Global mean (3.6, 0.4). Centroids (0, .5), (4, .5), (10, 0).
    // B = 2·(3.6² + .1²) + 2·(.4² + .1²) + 1·(6.4² + .4²) = 25.94 + 0.34 + 41.12 = 67.4
    // W = 4·0.5² + 0 = 1;  CH = B/(k−1) / (W/(n−k)) = (67.4/2) / (1/2) = 67.4
    expect(calinskiHarabaszScore(FIVE, FIVE_LABELS)).toBeCloseTo(67.4, 10);
    expect(calinskiHarabaszScore(toCsr(FIVE), FIVE_LABELS)).toBeCloseTo(67.4, 10);
  });

  it("matches scikit-learn's test_calinski_harabasz_score cases", () => {
    const rows = [
      ...Array.from({ length: 5 }, () => [[0, 0], [1, 1]]).flat(),
      ...Array.from({ length: 5 }, () => [[3, 3], [4, 4]]).flat(),
      ...Array.from({ length: 5 }, () => [[0, 4], [1, 3]]).flat(),
      ...Array.from({ length: 5 }, () => [[3, 1], [4, 0]]).flat(),
    ];
    const labels = i32(rows.map((_, i) => Math.floor(i / 10)));
    // B = 40·(1.5² + 1.5²) = 180, W = 40·0.5 = 20 → (180/3)/(20/36) = 108 = 45·(40 − 4)/(5·(4 − 1)).
    for (const x of [denseFromRows(rows), toCsr(denseFromRows(rows))]) {
      expect(calinskiHarabaszScore(x, labels)).toBeCloseTo((45 * (40 - 4)) / (5 * (4 - 1)), 10);
    }
    // All samples equal: W = 0 → 1.0.
    const ones = denseFromRows(Array.from({ length: 10 }, () => [1, 1]));
    const halves = i32([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(calinskiHarabaszScore(ones, halves)).toBe(1);
    expect(calinskiHarabaszScore(toCsr(ones), halves)).toBe(1);
    // Equal cluster means: B = 0 → 0.
    const alt = denseFromRows(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? [-1, -1] : [1, 1])));
    const tens = i32(Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1)));
    expect(calinskiHarabaszScore(alt, tens)).toBe(0);
    expect(calinskiHarabaszScore(toCsr(alt), tens)).toBe(0);
    expect(() => calinskiHarabaszScore(ones, new Int32Array(10))).toThrow(RangeError);
    expect(() => calinskiHarabaszScore(ones, i32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(RangeError);
  });
});

describe("daviesBouldinScore", () => {
  it("pins the five-point example by hand", () => {
    // s = (0.5, 0.5, 0); centroid distances d01 = 4, d02 = √100.25, d12 = √36.25.
    // R0 = max(1/4, .5/√100.25) = .25; R1 = max(1/4, .5/√36.25) = .25; R2 = max(.5/√100.25, .5/√36.25) = .5/√36.25.
    const expected = (0.25 + 0.25 + 0.5 / Math.sqrt(36.25)) / 3;
    expect(daviesBouldinScore(FIVE, FIVE_LABELS)).toBeCloseTo(expected, 12);
    expect(daviesBouldinScore(toCsr(FIVE), FIVE_LABELS)).toBeCloseTo(expected, 12);
  });

  it("matches the scikit-learn davies_bouldin_score docstring (0.12…) and test values", () => {
    // X = [[0,1],[1,1],[3,4]], labels [0,0,1]: s = (0.5, 0), centroid distance √(2.5² + 3²) → 0.5/√15.25 = 0.128…
    const doc = denseFromRows([
      [0, 1],
      [1, 1],
      [3, 4],
    ]);
    expect(daviesBouldinScore(doc, i32([0, 0, 1]))).toBeCloseTo(0.5 / Math.sqrt(15.25), 12);
    expect(+daviesBouldinScore(doc, i32([0, 0, 1])).toFixed(2)).toBe(0.13);
    // sklearn test: four clusters of (0,0),(1,1)-like pairs: s = √0.5 each, nearest centroids 3 apart → 2√0.5/3.
    const rows = [
      ...Array.from({ length: 5 }, () => [[0, 0], [1, 1]]).flat(),
      ...Array.from({ length: 5 }, () => [[3, 3], [4, 4]]).flat(),
      ...Array.from({ length: 5 }, () => [[0, 4], [1, 3]]).flat(),
      ...Array.from({ length: 5 }, () => [[3, 1], [4, 0]]).flat(),
    ];
    const labels = i32(rows.map((_, i) => Math.floor(i / 10)));
    expect(daviesBouldinScore(denseFromRows(rows), labels)).toBeCloseTo((2 * Math.sqrt(0.5)) / 3, 12);
    // sklearn test with singletons: [[0,0],[2,2],[3,3],[5,5]], [0,0,1,2]: s = (√2, 0, 0),
    // d01 = 2√2, d02 = 4√2, d12 = 2√2 → R = (.5, .5, .25) → 5/12.
    const single = denseFromRows([
      [0, 0],
      [2, 2],
      [3, 3],
      [5, 5],
    ]);
    expect(daviesBouldinScore(single, i32([0, 0, 1, 2]))).toBeCloseTo(5 / 12, 12);
  });

  it("is 0 when all clusters are points or all centroids coincide", () => {
    // Every cluster a repeated point: all s = 0 (sklearn test: [[0,0],[1,1]]*5 split by value).
    const pts = denseFromRows(Array.from({ length: 10 }, (_, i) => (i < 5 ? [0, 0] : [1, 1])));
    const byValue = i32(Array.from({ length: 10 }, (_, i) => (i < 5 ? 0 : 1)));
    expect(daviesBouldinScore(pts, byValue)).toBe(0);
    expect(daviesBouldinScore(toCsr(pts), byValue)).toBe(0);
    // Equal centroids: [[-1,-1],[1,1]] alternating, halves → both centroids (0,0).
    const alt = denseFromRows(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? [-1, -1] : [1, 1])));
    expect(daviesBouldinScore(alt, i32(Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1))))).toBe(0);
  });
});

describe("internal metrics: invariances", () => {
  it("dense = CSR and label renaming for CH and DB on random data", () => {
    const rng = new Random(11);
    const rows = randomRows(rng, 90, 6);
    const x: Matrix = denseFromRows(rows);
    const labels = i32(rows.map((_, i) => [5, -1, 8][i % 3]!));
    const renamed = i32(Array.from(labels, (l) => -l * 3));
    const ch = calinskiHarabaszScore(x, labels);
    const db = daviesBouldinScore(x, labels);
    expect(ch).toBeGreaterThan(0);
    expect(db).toBeGreaterThan(0);
    for (const m of [toCsr(x), reversedCsr(toCsr(x))]) {
      expect(calinskiHarabaszScore(m, labels)).toBeCloseTo(ch, 10);
      expect(daviesBouldinScore(m, labels)).toBeCloseTo(db, 10);
    }
    expect(calinskiHarabaszScore(x, renamed)).toBeCloseTo(ch, 10);
    expect(daviesBouldinScore(x, renamed)).toBeCloseTo(db, 10);
    expect(() => daviesBouldinScore(x, labels.subarray(1))).toThrow(TypeError);
    expect(() => calinskiHarabaszScore(x, labels.subarray(1))).toThrow(TypeError);
  });
});
