// K-means seeding: greedy k-means++ (scikit-learn's variant) and uniform random rows, on dense or CSR rows.
import type { Random } from "../core/random.js";
import type { Matrix } from "../linalg/matrix.js";
import { lowerBound } from "../linalg/search.js";
import { centerNorms, clearRow, scatterRow, type Centers } from "./kernels.js";
import { rowDots } from "./row-scores.js";

/** Seeds plus whether the data ran out of distinct rows before k were picked (some centres then coincide). */
export interface Seeding {
  centers: Centers;
  /** Row ids the centres were copied from. */
  rows: Int32Array;
  duplicates: boolean;
}

/** Centres copied from the given rows of x. O(k·d + nnz of those rows). */
export function centersFromRows(x: Matrix, rows: Int32Array, cosine: boolean): Centers {
  const k = rows.length;
  const c: Centers = { k, d: x.cols, ct: new Float64Array(x.cols * k), cn: new Float64Array(k) };
  for (let a = 0; a < k; a++) scatterRow(x, rows[a]!, c.ct, k, a);
  centerNorms(c, cosine);
  return c;
}

/** First index whose cumulative sum reaches r (numpy `searchsorted(cum, r, side="left")`), clipped to n−1. */
function searchSorted(cum: Float64Array, r: number): number {
  const lo = lowerBound(cum, r);
  return lo < cum.length ? lo : cum.length - 1;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007 with scikit-learn's 2 + ⌊ln k⌋ local trials): each new centre
 * is the best of several rows drawn with probability ∝ d² to the nearest chosen centre, "best" meaning the
 * lowest resulting potential Σ min d². `rn` holds the rows' squared norms (the cosine convention for zero rows).
 * O(k · trials · nnz) time, O(trials · (n + d)) memory.
 */
export function kmeansPlusPlus(x: Matrix, rn: Float64Array, k: number, rng: Random, cosine: boolean): Seeding {
  const n = x.rows;
  const d = x.cols;
  const trials = 2 + Math.floor(Math.log(k));
  const rows = new Int32Array(k);
  const cand: Centers = { k: trials, d, ct: new Float64Array(d * trials), cn: new Float64Array(trials) };
  const candRows = new Int32Array(trials);
  const candDist = new Float64Array(trials * n);
  const candPot = new Float64Array(trials);
  const closest = new Float64Array(n);
  const cum = new Float64Array(n);
  const dots = new Float64Array(trials);
  let duplicates = false;

  // The first centre is uniform; scoring it alone is the trials = 1 case of the loop body below.
  rows[0] = rng.int(n);
  closest.fill(Infinity);
  let pot = scoreCandidates(x, rn, rows.subarray(0, 1), cand, closest, candDist, candPot, dots, 1);
  closest.set(candDist.subarray(0, n));
  for (let c = 1; c < k; c++) {
    if (pot === 0) duplicates = true;
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i]!;
    for (let t = 0; t < trials; t++) candRows[t] = searchSorted(cum, rng.float() * pot);
    pot = scoreCandidates(x, rn, candRows, cand, closest, candDist, candPot, dots, trials);
    let best = 0;
    for (let t = 1; t < trials; t++) if (candPot[t]! < candPot[best]!) best = t;
    rows[c] = candRows[best]!;
    closest.set(candDist.subarray(best * n, (best + 1) * n));
  }
  return { centers: centersFromRows(x, rows, cosine), rows, duplicates };
}

/**
 * For each candidate row t, min(closest, d²(·, candidate)) into candDist[t·n ..] and its sum into candPot[t];
 * returns the lowest potential. One pass over x scores all candidates (they sit side by side in `cand`).
 */
function scoreCandidates(
  x: Matrix,
  rn: Float64Array,
  ids: Int32Array,
  cand: Centers,
  closest: Float64Array,
  candDist: Float64Array,
  candPot: Float64Array,
  dots: Float64Array,
  count: number,
): number {
  const n = x.rows;
  const view: Centers = { k: count, d: cand.d, ct: cand.ct, cn: cand.cn };
  for (let t = 0; t < count; t++) {
    scatterRow(x, ids[t]!, view.ct, count, t);
    view.cn[t] = rn[ids[t]!]!;
    candPot[t] = 0;
  }
  // Candidates are sparse rows: flag their columns so a CSR row skips the rest after one byte lookup.
  const flags = x.kind === "csr" ? new Uint8Array(x.cols) : null;
  if (x.kind === "csr" && flags) {
    for (let t = 0; t < count; t++) {
      for (let p = x.indptr[ids[t]!]!; p < x.indptr[ids[t]! + 1]!; p++) flags[x.indices[p]!] = 1;
    }
  }
  for (let i = 0; i < n; i++) {
    if (x.kind === "csr" && flags) flaggedDots(x.indices, x.data, x.indptr[i]!, x.indptr[i + 1]!, flags, view.ct, count, dots);
    else rowDots(x, i, view, dots);
    const r = rn[i]!;
    const cl = closest[i]!;
    for (let t = 0; t < count; t++) {
      let dd = r - 2 * dots[t]! + view.cn[t]!;
      if (dd < 0) dd = 0;
      if (dd > cl) dd = cl;
      candDist[t * n + i] = dd;
      candPot[t]! += dd;
    }
  }
  for (let t = 0; t < count; t++) clearRow(x, ids[t]!, view.ct, count, t);
  let min = Infinity;
  for (let t = 0; t < count; t++) if (candPot[t]! < min) min = candPot[t]!;
  return min;
}

/** out[t] = x_i · candidate t over the flagged columns only (the others are 0 in every candidate). */
function flaggedDots(
  indices: Int32Array,
  data: Float32Array,
  start: number,
  end: number,
  flags: Uint8Array,
  ct: Float64Array,
  count: number,
  out: Float64Array,
): void {
  for (let t = 0; t < count; t++) out[t] = 0;
  for (let p = start; p < end; p++) {
    const j = indices[p]!;
    if (flags[j] === 0) continue;
    const v = data[p]!;
    const o = j * count;
    for (let t = 0; t < count; t++) out[t]! += v * ct[o + t]!;
  }
}

/** k distinct rows drawn uniformly (partial Fisher-Yates). O(n + k·d). */
export function randomInit(x: Matrix, k: number, rng: Random, cosine: boolean): Seeding {
  const n = x.rows;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let t = 0; t < k; t++) {
    const j = t + rng.int(n - t);
    const tmp = perm[t]!;
    perm[t] = perm[j]!;
    perm[j] = tmp;
  }
  const rows = perm.slice(0, k);
  return { centers: centersFromRows(x, rows, cosine), rows, duplicates: false };
}
