// External clustering metrics defined exactly as scikit-learn 1.2's: ARI, NMI, V-measure, purity and pair
// counts from a sparse contingency table (O(n + cells), never O(n²)).
import { encode } from "./cluster-labels.js";

// ─── Labels and the contingency table ────────────────────────────────────────────────────────────────────────────

/**
 * Non-zero cells of the classes × clusters contingency table (scikit-learn's sparse `contingency_matrix`).
 * Classes and clusters are numbered 0.. in ascending order of their label ids.
 */
export interface ContingencyTable {
  /** Number of items. */
  n: number;
  /** Distinct truth labels. */
  classes: number;
  /** Distinct predicted labels. */
  clusters: number;
  /** Items per class, length `classes`. */
  classSizes: Float64Array;
  /** Items per cluster, length `clusters`. */
  clusterSizes: Float64Array;
  /** Cell m counts `cellCount[m]` items of class `cellClass[m]` in cluster `cellCluster[m]`; no zero cells. */
  cellClass: Int32Array;
  cellCluster: Int32Array;
  cellCount: Float64Array;
}

function checkPair(truth: Int32Array, pred: Int32Array): void {
  if (truth.length !== pred.length) {
    throw new TypeError(`Pass truth and pred of equal length: got ${truth.length} and ${pred.length}`);
  }
}

/**
 * Builds the sparse contingency table of two labelings. Label ids are arbitrary int32 values; each distinct id is
 * one cluster, so DBSCAN-style noise (-1) counts as one more cluster (scikit-learn does the same).
 * O(n + classes + clusters) time and memory: items are bucketed by class, then counted per cluster in a scratch row.
 * @throws TypeError when the arrays differ in length.
 * @example contingencyTable(Int32Array.of(0, 0, 1), Int32Array.of(5, 5, 5)).cellCount // → [2, 1]
 */
export function contingencyTable(truth: Int32Array, pred: Int32Array): ContingencyTable {
  checkPair(truth, pred);
  const n = truth.length;
  const t = encode(truth);
  const p = encode(pred);
  const k = t.count;
  const c = p.count;
  const classSizes = new Float64Array(k);
  const clusterSizes = new Float64Array(c);
  const start = new Int32Array(k + 1);
  for (let i = 0; i < n; i++) {
    classSizes[t.codes[i]!]!++;
    clusterSizes[p.codes[i]!]!++;
    start[t.codes[i]! + 1]!++;
  }
  for (let j = 0; j < k; j++) start[j + 1]! += start[j]!;
  const order = new Int32Array(n);
  const fill = start.slice(0, k);
  for (let i = 0; i < n; i++) order[fill[t.codes[i]!]!++] = i;

  const scratch = new Int32Array(c);
  const touched = new Int32Array(c);
  const cellClass = new Int32Array(n);
  const cellCluster = new Int32Array(n);
  const cellCount = new Float64Array(n);
  let cells = 0;
  for (let cls = 0; cls < k; cls++) {
    let nt = 0;
    for (let q = start[cls]!; q < start[cls + 1]!; q++) {
      const j = p.codes[order[q]!]!;
      if (scratch[j]!++ === 0) touched[nt++] = j;
    }
    for (let r = 0; r < nt; r++) {
      const j = touched[r]!;
      cellClass[cells] = cls;
      cellCluster[cells] = j;
      cellCount[cells++] = scratch[j]!;
      scratch[j] = 0;
    }
  }
  return {
    n,
    classes: k,
    clusters: c,
    classSizes,
    clusterSizes,
    cellClass: cellClass.slice(0, cells),
    cellCluster: cellCluster.slice(0, cells),
    cellCount: cellCount.slice(0, cells),
  };
}

// ─── Pair counting: ARI, pair precision / recall ─────────────────────────────────────────────────────────────────

/** Unordered item pairs by agreement (scikit-learn's `pair_confusion_matrix` counts each pair twice). */
export interface PairCounts {
  /** Same class and same cluster. */
  tp: number;
  /** Same cluster, different classes. */
  fp: number;
  /** Same class, different clusters. */
  fn: number;
  /** Different class and different cluster. */
  tn: number;
}

/** n choose 2; exact while n(n-1) < 2^53 (n below ~9·10^7). */
function comb2(x: number): number {
  return (x * (x - 1)) / 2;
}

function pairCountsOf(t: ContingencyTable): PairCounts {
  let tp = 0;
  for (let m = 0; m < t.cellCount.length; m++) tp += comb2(t.cellCount[m]!);
  let sameClass = 0;
  for (let i = 0; i < t.classes; i++) sameClass += comb2(t.classSizes[i]!);
  let sameCluster = 0;
  for (let j = 0; j < t.clusters; j++) sameCluster += comb2(t.clusterSizes[j]!);
  const fp = sameCluster - tp;
  const fn = sameClass - tp;
  return { tp, fp, fn, tn: comb2(t.n) - tp - fp - fn };
}

function ariOf({ tp, fp, fn, tn }: PairCounts): number {
  // Empty input, one cluster in both, all singletons in both, or any other full agreement (scikit-learn's special case).
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function pairScoresOf({ tp, fp, fn }: PairCounts): { precision: number; recall: number; f1: number } {
  return { precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn) };
}

/**
 * Counts item pairs by whether they share a class and/or a cluster, from n-choose-2 over the contingency cells and
 * margins: O(n + cells), never O(n²). tp + fp + fn + tn = n(n-1)/2.
 * @throws TypeError when the arrays differ in length.
 * @example pairCounts(Int32Array.of(0, 0, 1, 2), Int32Array.of(0, 0, 1, 1)) // → { tp: 1, fp: 1, fn: 0, tn: 4 }
 */
export function pairCounts(truth: Int32Array, pred: Int32Array): PairCounts {
  return pairCountsOf(contingencyTable(truth, pred));
}

/**
 * Pair precision tp/(tp+fp), pair recall tp/(tp+fn) and their harmonic mean; each is 0 where undefined (0/0), e.g.
 * when every item is a singleton. √(precision·recall) is scikit-learn's `fowlkes_mallows_score`.
 * @throws TypeError when the arrays differ in length.
 */
export function pairPrecisionRecallF1(truth: Int32Array, pred: Int32Array): { precision: number; recall: number; f1: number } {
  return pairScoresOf(pairCounts(truth, pred));
}

/**
 * Adjusted Rand index (scikit-learn `adjusted_rand_score`): 1 for identical partitions up to renaming, about 0 for
 * random ones, down to -0.5 for discordant ones. 1.0 when fp = fn = 0, which covers empty input, both labelings a
 * single cluster and both all singletons. Symmetric.
 * @throws TypeError when the arrays differ in length.
 * @example adjustedRandIndex(Int32Array.of(0, 0, 1, 2), Int32Array.of(0, 0, 1, 1)) // → 0.5714… (= 4/7)
 */
export function adjustedRandIndex(truth: Int32Array, pred: Int32Array): number {
  return ariOf(pairCounts(truth, pred));
}

// ─── Information-theoretic scores ────────────────────────────────────────────────────────────────────────────────

/** How NMI normalizes MI by the two entropies (scikit-learn's `average_method`). */
export type MiAverage = "arithmetic" | "geometric" | "min" | "max";

const EPS = 2.220446049250313e-16; // np.finfo(float64).eps

/** Entropy in nats of a labeling given its cluster sizes; 1.0 for an empty labeling, as scikit-learn's `entropy`. */
function entropyOf(sizes: Float64Array, n: number): number {
  if (n === 0) return 1;
  if (sizes.length === 1) return 0;
  const logN = Math.log(n);
  let h = 0;
  for (let i = 0; i < sizes.length; i++) h += (sizes[i]! / n) * (Math.log(sizes[i]!) - logN);
  return -h;
}

/** MI in nats, term by term as scikit-learn's `mutual_info_score` (terms below eps dropped, sum clipped at 0). */
function mutualInfoOf(t: ContingencyTable): number {
  // MI ≤ min(H(U), H(V)) and a single cluster has zero entropy.
  if (t.classes === 1 || t.clusters === 1) return 0;
  const logN = Math.log(t.n);
  let mi = 0;
  for (let m = 0; m < t.cellCount.length; m++) {
    const v = t.cellCount[m]!;
    const pv = v / t.n;
    const outer = t.classSizes[t.cellClass[m]!]! * t.clusterSizes[t.cellCluster[m]!]!;
    const term = pv * (Math.log(v) - logN) + pv * (-Math.log(outer) + logN + logN);
    if (Math.abs(term) >= EPS) mi += term;
  }
  return mi > 0 ? mi : 0;
}

function average(u: number, v: number, method: MiAverage): number {
  switch (method) {
    case "arithmetic":
      return (u + v) / 2;
    case "geometric":
      return Math.sqrt(u * v);
    case "min":
      return Math.min(u, v);
    case "max":
      return Math.max(u, v);
    default:
      throw new RangeError(`Pass average "arithmetic", "geometric", "min" or "max": got "${String(method)}"`);
  }
}

function nmiOf(t: ContingencyTable, method: MiAverage): number {
  average(1, 1, method); // rejects an unknown method before the early returns below
  // Both labelings unsplit (or empty): a perfect match.
  if (t.classes === t.clusters && t.classes <= 1) return 1;
  const mi = mutualInfoOf(t);
  if (mi === 0) return 0;
  return mi / average(entropyOf(t.classSizes, t.n), entropyOf(t.clusterSizes, t.n), method);
}

/** Homogeneity, completeness and their weighted harmonic mean (V-measure). */
export interface HomogeneityCompleteness {
  homogeneity: number;
  completeness: number;
  vMeasure: number;
}

function hcvOf(t: ContingencyTable, beta: number): HomogeneityCompleteness {
  if (!(beta >= 0) || !Number.isFinite(beta)) throw new RangeError(`Pass a finite beta ≥ 0: got ${beta}`);
  if (t.n === 0) return { homogeneity: 1, completeness: 1, vMeasure: 1 };
  const hC = entropyOf(t.classSizes, t.n);
  const hK = entropyOf(t.clusterSizes, t.n);
  const mi = mutualInfoOf(t);
  const homogeneity = hC !== 0 ? mi / hC : 1;
  const completeness = hK !== 0 ? mi / hK : 1;
  const vMeasure =
    homogeneity + completeness === 0 ? 0 : ((1 + beta) * homogeneity * completeness) / (beta * homogeneity + completeness);
  return { homogeneity, completeness, vMeasure };
}

function purityOf(t: ContingencyTable): number {
  if (t.n === 0) return 1;
  const best = new Float64Array(t.clusters);
  for (let m = 0; m < t.cellCount.length; m++) {
    const j = t.cellCluster[m]!;
    if (t.cellCount[m]! > best[j]!) best[j] = t.cellCount[m]!;
  }
  let sum = 0;
  for (let j = 0; j < t.clusters; j++) sum += best[j]!;
  return sum / t.n;
}

/**
 * Mutual information of two labelings in nats (natural log), scikit-learn `mutual_info_score`. 0 when either
 * labeling has a single cluster or the input is empty. Symmetric.
 * @throws TypeError when the arrays differ in length.
 * @example mutualInformation(Int32Array.of(0, 1, 1, 0, 1, 0), Int32Array.of(0, 1, 0, 0, 1, 1)) // → 0.0566…
 */
export function mutualInformation(truth: Int32Array, pred: Int32Array): number {
  return mutualInfoOf(contingencyTable(truth, pred));
}

/**
 * MI divided by a mean of the two entropies (scikit-learn `normalized_mutual_info_score`; "arithmetic" is its
 * default and equals the V-measure). 1.0 when both labelings are one cluster (or empty); 0 when MI is 0.
 * @throws TypeError when the arrays differ in length; RangeError on an unknown `average`.
 * @example normalizedMutualInformation(Int32Array.of(0, 0, 1, 1), Int32Array.of(1, 1, 0, 0)) // → 1
 */
export function normalizedMutualInformation(truth: Int32Array, pred: Int32Array, average: MiAverage = "arithmetic"): number {
  return nmiOf(contingencyTable(truth, pred), average);
}

/**
 * Homogeneity (each cluster holds one class), completeness (each class sits in one cluster) and V-measure
 * (1 + β)·h·c / (β·h + c), scikit-learn `homogeneity_completeness_v_measure`. An entropy of 0 makes the score
 * that divides by it 1.0; empty input gives 1.0 for all three.
 * @throws TypeError when the arrays differ in length; RangeError when beta is negative or not finite.
 * @example homogeneityCompletenessVMeasure(Int32Array.of(0, 0, 1, 1), Int32Array.of(0, 0, 1, 2))
 * // → { homogeneity: 1, completeness: 0.666…, vMeasure: 0.8 }
 */
export function homogeneityCompletenessVMeasure(truth: Int32Array, pred: Int32Array, beta = 1): HomogeneityCompleteness {
  return hcvOf(contingencyTable(truth, pred), beta);
}

/**
 * Purity: the share of items that belong to the majority class of their cluster, Σ_clusters max_class n_ij / n.
 * 1.0 for empty input. Not symmetric; all-singleton clusterings score 1, so read it next to completeness.
 * @throws TypeError when the arrays differ in length.
 * @example purity(Int32Array.of(0, 0, 1, 1, 1), Int32Array.of(0, 0, 0, 1, 1)) // → 0.8
 */
export function purity(truth: Int32Array, pred: Int32Array): number {
  return purityOf(contingencyTable(truth, pred));
}

/** Every external score of a clustering against reference classes, from one contingency table. */
export interface ExternalClusterMetrics {
  ari: number;
  nmi: number;
  vMeasure: number;
  homogeneity: number;
  completeness: number;
  purity: number;
  pairPrecision: number;
  pairRecall: number;
  pairF1: number;
  /** Distinct predicted labels (noise -1 counts as one). */
  clusters: number;
  /** Distinct truth labels. */
  classes: number;
}

/**
 * All external scores at once (one O(n + cells) contingency table); NMI uses the arithmetic mean, V-measure β = 1.
 * @throws TypeError when the arrays differ in length.
 */
export function externalClusterMetrics(truth: Int32Array, pred: Int32Array): ExternalClusterMetrics {
  const t = contingencyTable(truth, pred);
  const pairs = pairCountsOf(t);
  const hcv = hcvOf(t, 1);
  const pr = pairScoresOf(pairs);
  return {
    ari: ariOf(pairs),
    nmi: nmiOf(t, "arithmetic"),
    vMeasure: hcv.vMeasure,
    homogeneity: hcv.homogeneity,
    completeness: hcv.completeness,
    purity: purityOf(t),
    pairPrecision: pr.precision,
    pairRecall: pr.recall,
    pairF1: pr.f1,
    clusters: t.clusters,
    classes: t.classes,
  };
}
