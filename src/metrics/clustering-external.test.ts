// Pins the external clustering metrics to hand-computed cases and to scikit-learn's docstring and test-suite values.
import { describe, expect, it } from "vitest";
import { Random } from "../core/random.js";

import { adjustedRandIndex, contingencyTable, externalClusterMetrics, homogeneityCompletenessVMeasure, mutualInformation, normalizedMutualInformation, pairCounts, pairPrecisionRecallF1, purity, type MiAverage } from "./clustering.js";

const i32 = (xs: number[]): Int32Array => Int32Array.from(xs);
const METHODS: MiAverage[] = ["arithmetic", "geometric", "min", "max"];

/** Dense contingency matrix from the sparse cells (test helper). */
function denseTable(truth: number[], pred: number[]): number[][] {
  const t = contingencyTable(i32(truth), i32(pred));
  const out = Array.from({ length: t.classes }, () => new Array<number>(t.clusters).fill(0));
  for (let m = 0; m < t.cellCount.length; m++) out[t.cellClass[m]!]![t.cellCluster[m]!] = t.cellCount[m]!;
  return out;
}

describe("contingencyTable", () => {
  it("matches the scikit-learn contingency_matrix docstring example", () => {
    // labels_true=[0,0,1,1,2,2], labels_pred=[1,0,2,1,0,2] → [[1,1,0],[0,1,1],[1,0,1]]
    expect(denseTable([0, 0, 1, 1, 2, 2], [1, 0, 2, 1, 0, 2])).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [1, 0, 1],
    ]);
  });

  it("orders ids ascending, keeps noise -1 as its own cluster, and handles ids far apart", () => {
    const t = contingencyTable(i32([7, 7, -3, 7]), i32([-1, 4, -1, -1]));
    expect([t.classes, t.clusters]).toEqual([2, 2]);
    expect(Array.from(t.classSizes)).toEqual([1, 3]); // -3, 7
    expect(Array.from(t.clusterSizes)).toEqual([3, 1]); // -1, 4
    // Extreme int32 ids take the hash-map path and must give the same table as compact ids.
    const big = denseTable([-2147483648, 2147483647, 2147483647, 0], [5, -2147483648, 5, 5]);
    expect(big).toEqual(denseTable([0, 2, 2, 1], [1, 0, 1, 1]));
    expect(big).toEqual([
      [0, 1],
      [0, 1],
      [1, 1],
    ]);
  });

  it("is empty for empty input and rejects mismatched lengths", () => {
    const t = contingencyTable(i32([]), i32([]));
    expect([t.n, t.classes, t.clusters, t.cellCount.length]).toEqual([0, 0, 0, 0]);
    expect(() => contingencyTable(i32([0, 1]), i32([0]))).toThrow(TypeError);
  });
});

describe("pairCounts and pairPrecisionRecallF1", () => {
  it("counts unordered pairs by hand", () => {
    // truth [0,0,1,2], pred [0,0,1,1]; 6 pairs. Cells: (0,0)=2, (1,1)=1, (2,1)=1.
    // tp = C(2,2) = 1; same pred = C(2,2)+C(2,2) = 2 → fp = 1; same truth = C(2,2) = 1 → fn = 0; tn = 6-1-1-0 = 4.
    // scikit-learn's pair_confusion_matrix docstring gives [[8,2],[0,2]] for this input: ordered pairs, twice ours.
    expect(pairCounts(i32([0, 0, 1, 2]), i32([0, 0, 1, 1]))).toEqual({ tp: 1, fp: 1, fn: 0, tn: 4 });
    // pair_confusion_matrix([0,0,1,1],[1,1,0,0]) = [[8,0],[0,4]] → tn 4, tp 2.
    expect(pairCounts(i32([0, 0, 1, 1]), i32([1, 1, 0, 0]))).toEqual({ tp: 2, fp: 0, fn: 0, tn: 4 });
  });

  it("gives precision, recall, F1 and sums to n choose 2", () => {
    // truth [0,0,0,1,1,1], pred [0,0,1,1,2,2]: cells (0,0)=2,(0,1)=1,(1,1)=1,(1,2)=2 → tp = 1+1 = 2;
    // same pred = 1+1+1 = 3 → fp 1; same truth = 3+3 = 6 → fn 4; tn = 15-2-1-4 = 8.
    // P = 2/3, R = 2/6, F1 = 4/(4+1+4) = 4/9. √(P·R) = √(2/9) = 4/√72, sklearn's fowlkes_mallows_score test value.
    const truth = i32([0, 0, 0, 1, 1, 1]);
    const pred = i32([0, 0, 1, 1, 2, 2]);
    const c = pairCounts(truth, pred);
    expect(c).toEqual({ tp: 2, fp: 1, fn: 4, tn: 8 });
    expect(c.tp + c.fp + c.fn + c.tn).toBe(15);
    const s = pairPrecisionRecallF1(truth, pred);
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(1 / 3, 12);
    expect(s.f1).toBeCloseTo(4 / 9, 12);
    expect(Math.sqrt(s.precision * s.recall)).toBeCloseTo(4 / Math.sqrt(72), 12);
  });

  it("returns 0 where a ratio is undefined", () => {
    // All singletons: no pair shares a cluster in either labeling, tp = fp = fn = 0.
    expect(pairPrecisionRecallF1(i32([0, 1, 2]), i32([0, 1, 2]))).toEqual({ precision: 0, recall: 0, f1: 0 });
    // Singleton predictions against one class: tp = fp = 0 (precision 0/0 → 0), fn = 3 → recall 0.
    expect(pairPrecisionRecallF1(i32([0, 0, 0]), i32([0, 1, 2]))).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(() => pairCounts(i32([0]), i32([0, 1]))).toThrow(TypeError);
  });
});

describe("adjustedRandIndex", () => {
  it("matches the scikit-learn adjusted_rand_score docstring", () => {
    expect(adjustedRandIndex(i32([0, 0, 1, 1]), i32([0, 0, 1, 1]))).toBe(1);
    expect(adjustedRandIndex(i32([0, 0, 1, 1]), i32([1, 1, 0, 0]))).toBe(1);
    // tp 1, fp 1, fn 0, tn 4 (see pairCounts): 2(1·4 − 0·1) / ((1+0)(0+4) + (1+1)(1+4)) = 8/14 = 4/7.
    expect(adjustedRandIndex(i32([0, 0, 1, 2]), i32([0, 0, 1, 1]))).toBeCloseTo(0.5714285714285715, 12);
    expect(adjustedRandIndex(i32([0, 0, 1, 1]), i32([0, 0, 1, 2]))).toBeCloseTo(4 / 7, 12);
    // One class split into singletons: tp 0, fp 0, fn 6, tn 0 → 2(0 − 0)/(6·6 + 0) = 0.
    expect(adjustedRandIndex(i32([0, 0, 0, 0]), i32([0, 1, 2, 3]))).toBe(0);
    // tp 0, fp 2, fn 2, tn 2 → 2(0 − 4) / (2·4 + 2·4) = −0.5.
    expect(adjustedRandIndex(i32([0, 0, 1, 1]), i32([0, 1, 0, 1]))).toBeCloseTo(-0.5, 12);
  });

  it("matches scikit-learn's non-consecutive-labels test (0.24 to 2 places) exactly by hand", () => {
    // tp 2, fp 1, fn 4, tn 8 → 2(16 − 4) / ((6)(12) + (3)(9)) = 24/99.
    expect(adjustedRandIndex(i32([0, 0, 0, 1, 1, 1]), i32([0, 1, 0, 1, 2, 2]))).toBeCloseTo(24 / 99, 12);
    expect(adjustedRandIndex(i32([0, 0, 0, 1, 1, 1]), i32([0, 4, 0, 4, 2, 2]))).toBeCloseTo(24 / 99, 12);
  });

  it("is symmetric and invariant to renaming labels, including negative ids", () => {
    const a = [0, 0, 1, 1, 2, 2, 2, 3];
    const b = [1, 1, 1, 0, 0, 2, 2, 2];
    const ari = adjustedRandIndex(i32(a), i32(b));
    expect(adjustedRandIndex(i32(b), i32(a))).toBeCloseTo(ari, 14);
    expect(adjustedRandIndex(i32(a.map((v) => 100 - 7 * v)), i32(b.map((v) => v - 1)))).toBeCloseTo(ari, 14);
  });

  it("is O(n + cells): 200k items score at once", () => {
    const n = 200_000;
    const truth = new Int32Array(n);
    const pred = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      truth[i] = i % 1000;
      pred[i] = 999 - (i % 1000); // a renaming of truth
    }
    expect(adjustedRandIndex(truth, pred)).toBe(1);
    expect(normalizedMutualInformation(truth, pred)).toBeCloseTo(1, 12);
  });
});

describe("scikit-learn perfect-match cases (test_perfect_matches)", () => {
  const cases: [number[], number[]][] = [
    [[], []],
    [[0], [1]],
    [[0, 0, 0], [0, 0, 0]],
    [[0, 1, 0], [42, 7, 42]],
    [[0, 1, 2], [42, 7, 2]],
  ];
  it.each(cases)("scores %j vs %j as 1.0", (a, b) => {
    const t = i32(a);
    const p = i32(b);
    expect(adjustedRandIndex(t, p)).toBeCloseTo(1, 12);
    const hcv = homogeneityCompletenessVMeasure(t, p);
    expect(hcv.homogeneity).toBeCloseTo(1, 12);
    expect(hcv.completeness).toBeCloseTo(1, 12);
    expect(hcv.vMeasure).toBeCloseTo(1, 12);
    for (const m of METHODS) expect(normalizedMutualInformation(t, p, m)).toBeCloseTo(1, 12);
    expect(purity(t, p)).toBe(1);
  });
});

describe("mutualInformation", () => {
  it("matches the scikit-learn mutual_info_score docstring (0.056…) by hand", () => {
    // truth [0,1,1,0,1,0], pred [0,1,0,0,1,1]: cells 2,1,1,2, all margins 3, n = 6.
    // MI = 2·(2/6)·ln(6·2/9) + 2·(1/6)·ln(6·1/9) = (2/3)ln(4/3) + (1/3)ln(2/3) = 0.05663…
    const mi = mutualInformation(i32([0, 1, 1, 0, 1, 0]), i32([0, 1, 0, 0, 1, 1]));
    expect(mi).toBeCloseTo((2 / 3) * Math.log(4 / 3) + (1 / 3) * Math.log(2 / 3), 14);
    expect(mi).toBeCloseTo(0.0566330, 6);
  });

  it("matches scikit-learn's test_adjusted_mutual_info_score MI (0.41022)", () => {
    const a = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3];
    const b = [1, 1, 1, 1, 2, 1, 2, 2, 2, 2, 3, 1, 3, 3, 3, 2, 2];
    expect(mutualInformation(i32(a), i32(b))).toBeCloseTo(0.41022, 5);
  });

  it("equals the entropy for identical labelings (sklearn test_entropy: H([0,0,42]) = 0.6365141)", () => {
    // −(2/3 ln 2/3 + 1/3 ln 1/3) = 0.636514168…; sklearn asserts 5 places.
    const mi = mutualInformation(i32([0, 0, 42]), i32([0, 0, 42]));
    expect(mi).toBeCloseTo(-((2 / 3) * Math.log(2 / 3) + (1 / 3) * Math.log(1 / 3)), 14);
    expect(mi).toBeCloseTo(0.6365141, 5);
  });

  it("is 0 when either side is a single cluster or the input is empty", () => {
    expect(mutualInformation(i32([1, 1, 1, 1, 1, 1]), i32([1, 1, 0, 0, 1, 1]))).toBe(0);
    expect(mutualInformation(i32([1, 1, 0, 0, 1, 1]), i32([3, 3, 3, 3, 3, 3]))).toBe(0);
    expect(mutualInformation(i32([]), i32([]))).toBe(0);
  });
});

describe("normalizedMutualInformation", () => {
  it("matches the scikit-learn normalized_mutual_info_score docstring", () => {
    expect(normalizedMutualInformation(i32([0, 0, 1, 1]), i32([0, 0, 1, 1]))).toBeCloseTo(1, 14);
    expect(normalizedMutualInformation(i32([0, 0, 1, 1]), i32([1, 1, 0, 0]))).toBeCloseTo(1, 14);
    expect(normalizedMutualInformation(i32([0, 0, 0, 0]), i32([0, 1, 2, 3]))).toBe(0);
  });

  it("applies each average by hand", () => {
    // truth [0,0,1,1], pred [0,0,1,2]: MI = H(truth) = ln2 (pred refines truth), H(pred) = −(½ln½ + 2·¼ln¼) = 1.5 ln2.
    // arithmetic: ln2 / 1.25 ln2 = 0.8; geometric: 1/√1.5; min: 1; max: 1/1.5.
    const t = i32([0, 0, 1, 1]);
    const p = i32([0, 0, 1, 2]);
    expect(normalizedMutualInformation(t, p)).toBeCloseTo(0.8, 12);
    expect(normalizedMutualInformation(t, p, "geometric")).toBeCloseTo(1 / Math.sqrt(1.5), 12);
    expect(normalizedMutualInformation(t, p, "min")).toBeCloseTo(1, 12);
    expect(normalizedMutualInformation(t, p, "max")).toBeCloseTo(2 / 3, 12);
    expect(() => normalizedMutualInformation(t, p, "mean" as MiAverage)).toThrow(RangeError);
    expect(() => normalizedMutualInformation(i32([0]), i32([0]), "mean" as MiAverage)).toThrow(RangeError);
  });

  it("is exactly 0 for one class against all singletons (sklearn test_exactly_zero_info_score)", () => {
    for (const n of [10, 100, 1000, 10000]) {
      const ones = new Int32Array(n).fill(1);
      const range = Int32Array.from({ length: n }, (_, i) => i);
      for (const m of METHODS) expect(normalizedMutualInformation(ones, range, m)).toBe(0);
      expect(homogeneityCompletenessVMeasure(ones, range).vMeasure).toBe(0);
    }
  });

  it("equals the V-measure with the arithmetic mean (sklearn test_v_measure_and_mutual_information)", () => {
    const rng = new Random(36);
    for (const n of [10, 100, 1000]) {
      const a = Int32Array.from({ length: n }, () => rng.int(10));
      const b = Int32Array.from({ length: n }, () => rng.int(10));
      const v = homogeneityCompletenessVMeasure(a, b).vMeasure;
      expect(normalizedMutualInformation(a, b)).toBeCloseTo(v, 12);
      expect(normalizedMutualInformation(b, a)).toBeCloseTo(v, 12);
    }
  });
});

describe("homogeneityCompletenessVMeasure", () => {
  const hcv = (a: number[], b: number[], beta?: number) => homogeneityCompletenessVMeasure(i32(a), i32(b), beta);

  it("matches the homogeneity/completeness/v_measure docstrings, checked by hand", () => {
    // truth [0,0,1,1], pred [0,0,1,2]: H(C) = ln2, H(K) = 1.5 ln2, MI = ln2 → h = 1, c = 2/3, v = 2·(2/3)/(5/3) = 0.8.
    const r = hcv([0, 0, 1, 1], [0, 0, 1, 2]);
    expect(r.homogeneity).toBeCloseTo(1, 12);
    expect(r.completeness).toBeCloseTo(2 / 3, 12);
    expect(r.vMeasure).toBeCloseTo(0.8, 12);
    // Swapped: h = 2/3, c = 1, v still 0.8 (docstring v_measure_score([0,0,1,2],[0,0,1,1]) = 0.8).
    expect(hcv([0, 0, 1, 2], [0, 0, 1, 1]).vMeasure).toBeCloseTo(0.8, 12);
    // homogeneity_score([0,0,1,1],[0,1,2,3]) = 1; completeness = ln2/ln4 = ½; v = 2·½/1.5 = 0.666… (docstring).
    const s = hcv([0, 0, 1, 1], [0, 1, 2, 3]);
    expect([s.homogeneity, s.completeness, s.vMeasure].map((v) => +v.toFixed(12))).toEqual([1, 0.5, +(2 / 3).toFixed(12)]);
    expect(hcv([0, 1, 2, 3], [0, 0, 1, 1]).vMeasure).toBeCloseTo(2 / 3, 12);
    // completeness_score([0,1,2,3],[0,0,1,1]) = 0.999… (1 up to rounding): MI = H(K) = ln2.
    expect(hcv([0, 1, 2, 3], [0, 0, 1, 1]).completeness).toBeCloseTo(1, 12);
    // Mixed clusters: MI = 0 → h = 0, c = 0, v = 0.
    expect(hcv([0, 0, 1, 1], [0, 1, 0, 1])).toEqual({ homogeneity: 0, completeness: 0, vMeasure: 0 });
    // One cluster: h = 0/ln2 = 0, c = 1 (H(K) = 0), v = 0.
    expect(hcv([0, 0, 1, 1], [0, 0, 0, 0])).toEqual({ homogeneity: 0, completeness: 1, vMeasure: 0 });
    // One class split apart: h = 1 (H(C) = 0), c = 0, v = 0.
    expect(hcv([0, 0, 0, 0], [0, 1, 2, 3])).toEqual({ homogeneity: 1, completeness: 0, vMeasure: 0 });
    expect(hcv([0, 0, 1, 1], [1, 1, 0, 0]).homogeneity).toBeCloseTo(1, 14);
  });

  it("matches the homogeneity_completeness_v_measure docstring (0.71…, 0.77…, 0.73…) by hand", () => {
    // truth [0,0,1,1,2,2], pred [0,0,1,2,2,2]: cells (0,0)=2, (1,1)=1, (1,2)=1, (2,2)=2; cluster sizes 2,1,3.
    // MI = (2/6)ln(6·2/(2·2)) + (1/6)ln(6/(2·1)) + (1/6)ln(6/(2·3)) + (2/6)ln(6·2/(2·3)) = ½ln3 + ⅓ln2
    // H(C) = ln3; H(K) = ⅓ln3 + ⅙ln6 + ½ln2.
    const mi = 0.5 * Math.log(3) + Math.log(2) / 3;
    const hK = Math.log(3) / 3 + Math.log(6) / 6 + Math.log(2) / 2;
    const r = hcv([0, 0, 1, 1, 2, 2], [0, 0, 1, 2, 2, 2]);
    expect(r.homogeneity).toBeCloseTo(mi / Math.log(3), 12);
    expect(r.completeness).toBeCloseTo(mi / hK, 12);
    expect(r.vMeasure).toBeCloseTo((2 * r.homogeneity * r.completeness) / (r.homogeneity + r.completeness), 12);
    expect([r.homogeneity, r.completeness, r.vMeasure].map((v) => Math.trunc(v * 100) / 100)).toEqual([0.71, 0.77, 0.73]);
  });

  it("matches scikit-learn's test_supervised values (2 places) and the exact hand values", () => {
    // Homogeneous, not complete: truth [0,0,0,1,1,1], pred [0,0,0,1,2,2]: MI = H(C) = ln2,
    // H(K) = ½ln2 + ⅙ln6 + ⅓ln3 → c = 0.685… (sklearn 0.69), v = 0.813… (sklearn 0.81).
    const a = hcv([0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 2, 2]);
    const hK = Math.log(2) / 2 + Math.log(6) / 6 + Math.log(3) / 3;
    expect(a.homogeneity).toBeCloseTo(1, 12);
    expect(a.completeness).toBeCloseTo(Math.log(2) / hK, 12);
    expect([a.completeness, a.vMeasure].map((v) => +v.toFixed(2))).toEqual([0.69, 0.81]);
    // Complete, not homogeneous: sklearn 0.58 / 1.00 / 0.73.
    const b = hcv([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 1, 1]);
    expect([b.homogeneity, b.completeness, b.vMeasure].map((v) => +v.toFixed(2))).toEqual([0.58, 1, 0.73]);
    // Neither: truth [0,0,0,1,1,1], pred [0,1,0,1,2,2]: MI = ⅔ln2, H(C) = ln2, H(K) = ln3
    // → h = ⅔, c = ⅔ln2/ln3 = 0.4206 (sklearn 0.67 / 0.42 / 0.52).
    for (const [t, p] of [
      [[0, 0, 0, 1, 1, 1], [0, 1, 0, 1, 2, 2]],
      [[0, 0, 0, 2, 2, 2], [0, 1, 0, 1, 2, 2]], // non-consecutive labels
      [[0, 0, 0, 1, 1, 1], [0, 4, 0, 4, 2, 2]],
    ]) {
      const c = hcv(t!, p!);
      expect(c.homogeneity).toBeCloseTo(2 / 3, 12);
      expect(c.completeness).toBeCloseTo(((2 / 3) * Math.log(2)) / Math.log(3), 12);
      expect([c.homogeneity, c.completeness, c.vMeasure].map((v) => +v.toFixed(2))).toEqual([0.67, 0.42, 0.52]);
    }
  });

  it("weights by beta (sklearn test_beta_parameter) and rejects a negative beta", () => {
    const h = 2 / 3;
    const c = ((2 / 3) * Math.log(2)) / Math.log(3);
    const r = hcv([0, 0, 0, 1, 1, 1], [0, 1, 0, 1, 2, 2], 0.2);
    expect(r.vMeasure).toBeCloseTo((1.2 * h * c) / (0.2 * h + c), 12);
    expect(() => hcv([0, 1], [0, 1], -1)).toThrow(RangeError);
  });
});

describe("purity", () => {
  it("sums each cluster's majority class, by hand", () => {
    // truth [0,0,1,1,1], pred [0,0,0,1,1]: cluster 0 holds classes {0,0,1} → 2; cluster 1 holds {1,1} → 2; 4/5.
    expect(purity(i32([0, 0, 1, 1, 1]), i32([0, 0, 0, 1, 1]))).toBeCloseTo(0.8, 14);
    // One cluster of a 3/2 split: 3/5. All singletons: 1.
    expect(purity(i32([0, 0, 0, 1, 1]), i32([9, 9, 9, 9, 9]))).toBeCloseTo(0.6, 14);
    expect(purity(i32([0, 0, 0, 1, 1]), i32([0, 1, 2, 3, 4]))).toBe(1);
  });
});

describe("externalClusterMetrics", () => {
  it("returns every score under the agreed keys, equal to the single functions", () => {
    // Noise -1 in pred is one more cluster: pred clusters {-1, 0, 1}.
    const truth = i32([0, 0, 0, 1, 1, 1, 2, 2]);
    const pred = i32([0, 0, -1, 1, 1, -1, 1, 1]);
    const m = externalClusterMetrics(truth, pred);
    expect(Object.keys(m).sort()).toEqual(
      ["ari", "nmi", "vMeasure", "homogeneity", "completeness", "purity", "pairPrecision", "pairRecall", "pairF1", "clusters", "classes"].sort(),
    );
    const hcv = homogeneityCompletenessVMeasure(truth, pred);
    const pr = pairPrecisionRecallF1(truth, pred);
    expect(m).toEqual({
      ari: adjustedRandIndex(truth, pred),
      nmi: normalizedMutualInformation(truth, pred),
      vMeasure: hcv.vMeasure,
      homogeneity: hcv.homogeneity,
      completeness: hcv.completeness,
      purity: purity(truth, pred),
      pairPrecision: pr.precision,
      pairRecall: pr.recall,
      pairF1: pr.f1,
      clusters: 3,
      classes: 3,
    });
    // Cells (class, cluster): (0,0)=2 (0,-1)=1 (1,1)=2 (1,-1)=1 (2,1)=2. Majority per cluster:
    // cluster -1 holds classes {0,1} → 1, cluster 0 {0,0} → 2, cluster 1 {1,1,2,2} → 2; purity = (1 + 2 + 2)/8.
    expect(m.purity).toBeCloseTo(5 / 8, 14);
    // tp = 1 + 1 + 1 = 3; same pred = C(2,2) + C(2,2) + C(4,2) = 1 + 1 + 6 = 8 → P = 3/8;
    // same truth = 3 + 3 + 1 = 7 → R = 3/7; F1 = 6/(6 + 5 + 4) = 0.4.
    expect([m.pairPrecision, m.pairRecall, m.pairF1]).toEqual([3 / 8, 3 / 7, 0.4].map((v) => expect.closeTo(v, 14)));
    expect(() => externalClusterMetrics(i32([0, 1]), i32([0]))).toThrow(TypeError);
  });

  it("scores empty input as sklearn does (1.0) with undefined pair ratios at 0", () => {
    expect(externalClusterMetrics(i32([]), i32([]))).toEqual({
      ari: 1,
      nmi: 1,
      vMeasure: 1,
      homogeneity: 1,
      completeness: 1,
      purity: 1,
      pairPrecision: 0,
      pairRecall: 0,
      pairF1: 0,
      clusters: 0,
      classes: 0,
    });
  });
});
