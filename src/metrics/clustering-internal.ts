// Internal clustering metrics defined exactly as scikit-learn 1.2's: silhouette, Calinski-Harabasz and
// Davies-Bouldin from features (dense or CSR), computed in row blocks on typed arrays.
import { Random } from "../core/random.js";
import { assertFinite, selectRows, type CsrMatrix, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { encode } from "./cluster-labels.js";

// ─── Internal scores from features ───────────────────────────────────────────────────────────────────────────────

/** Distance used by the silhouette: Euclidean, or cosine distance 1 − cos (clipped to [0, 2]). */
export type SilhouetteMetric = "euclidean" | "cosine";

export interface SilhouetteOptions {
  /** Default "euclidean". */
  metric?: SilhouetteMetric;
  /** Score a seeded random subset of this many rows (scikit-learn `sample_size`); at or above n, all rows. */
  sampleSize?: number;
  /** Seed of the subset draw; default 0. */
  seed?: number;
}

/** Validates features and labels, encodes the labels and checks 2 ≤ k ≤ n − 1 (scikit-learn `check_number_of_labels`). */
function prepare(x: Matrix, labels: Int32Array): { codes: Int32Array; k: number } {
  if (labels.length !== x.rows) throw new TypeError(`Pass one label per row: got ${labels.length} labels for ${x.rows} rows`);
  assertFinite(x, "Features");
  const { codes, count } = encode(labels);
  if (count < 2 || count > x.rows - 1) {
    throw new RangeError(`Pass 2 to n - 1 distinct labels: got ${count} for n = ${x.rows} rows`);
  }
  return { codes, k: count };
}

const BLOCK_ROWS = 64;
const SUMS_BUDGET = 1 << 20; // Float64 entries of the block × clusters distance-sum buffer (8 MiB)

/** Squared L2 norm of every row, Float64. */
function rowNorms2(x: Matrix): Float64Array {
  const out = new Float64Array(x.rows);
  if (x.kind === "dense") {
    for (let i = 0; i < x.rows; i++) {
      let s = 0;
      for (let f = i * x.cols; f < (i + 1) * x.cols; f++) s += x.data[f]! * x.data[f]!;
      out[i] = s;
    }
  } else {
    for (let i = 0; i < x.rows; i++) {
      let s = 0;
      for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) s += x.data[p]! * x.data[p]!;
      out[i] = s;
    }
  }
  return out;
}

/** 1 − x·y / (‖x‖‖y‖) clipped to [0, 2]; a zero row has similarity 0 (distance 1) to everything, as after sklearn's normalize. */
function cosineDistance(dot: number, nx2: number, ny2: number): number {
  const den = Math.sqrt(nx2) * Math.sqrt(ny2);
  const d = den === 0 ? 1 : 1 - dot / den;
  return d < 0 ? 0 : d > 2 ? 2 : d;
}

/** Adds d(i, j) into sums[(i − s)·k + code(j)] for rows i in [s, e) and every j ≠ i: dense rows. */
function accumulateDense(
  x: DenseMatrix,
  s: number,
  e: number,
  codes: Int32Array,
  k: number,
  cosine: boolean,
  norms2: Float64Array,
  sums: Float64Array,
): void {
  const d = x.cols;
  const a = x.data;
  // j outer, block rows inner: the block stays in cache while X streams past once per block.
  for (let j = 0; j < x.rows; j++) {
    const oj = j * d;
    const cj = codes[j]!;
    for (let i = s; i < e; i++) {
      if (i === j) continue;
      const oi = i * d;
      let acc = 0;
      if (cosine) {
        for (let f = 0; f < d; f++) acc += a[oi + f]! * a[oj + f]!;
        sums[(i - s) * k + cj]! += cosineDistance(acc, norms2[i]!, norms2[j]!);
      } else {
        for (let f = 0; f < d; f++) {
          const diff = a[oi + f]! - a[oj + f]!;
          acc += diff * diff;
        }
        sums[(i - s) * k + cj]! += Math.sqrt(acc);
      }
    }
  }
}

/**
 * The CSR twin: row i is scattered into a dense Float64 scratch, then each row j costs O(nnz_j). Euclidean sums
 * (x_i − x_j)² over j's columns plus the part of ‖x_i‖² outside them, set exactly to 0 when j's columns cover all of
 * x_i's non-zeros (so duplicate rows are at distance 0). Rows must not repeat a column index (canonical CSR).
 */
function accumulateCsr(
  x: CsrMatrix,
  s: number,
  e: number,
  codes: Int32Array,
  k: number,
  cosine: boolean,
  norms2: Float64Array,
  sums: Float64Array,
  scratch: Float64Array,
): void {
  const { indptr, indices, data } = x;
  for (let i = s; i < e; i++) {
    let nzI = 0;
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
      scratch[indices[p]!] = data[p]!;
      if (data[p] !== 0) nzI++;
    }
    const ni2 = norms2[i]!;
    const row = (i - s) * k;
    for (let j = 0; j < x.rows; j++) {
      if (j === i) continue;
      let dist: number;
      if (cosine) {
        let dot = 0;
        for (let p = indptr[j]!; p < indptr[j + 1]!; p++) dot += scratch[indices[p]!]! * data[p]!;
        dist = cosineDistance(dot, ni2, norms2[j]!);
      } else {
        let cross = 0;
        let covered = 0;
        let coveredSq = 0;
        for (let p = indptr[j]!; p < indptr[j + 1]!; p++) {
          const xi = scratch[indices[p]!]!;
          const diff = xi - data[p]!;
          cross += diff * diff;
          if (xi !== 0) {
            covered++;
            coveredSq += xi * xi;
          }
        }
        const rest = covered === nzI ? 0 : Math.max(0, ni2 - coveredSq);
        dist = Math.sqrt(cross + rest);
      }
      sums[row + codes[j]!]! += dist;
    }
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) scratch[indices[p]!] = 0;
  }
}

/** (b − a) / max(a, b) of every row; 0 for a row alone in its cluster and where a = b = 0 (sklearn's nan_to_num). */
function silhouetteValues(x: Matrix, codes: Int32Array, k: number, metric: SilhouetteMetric): Float64Array {
  if (metric !== "euclidean" && metric !== "cosine") {
    throw new RangeError(`Pass metric "euclidean" or "cosine": got "${String(metric)}"`);
  }
  const n = x.rows;
  const cosine = metric === "cosine";
  const freq = new Float64Array(k);
  for (let i = 0; i < n; i++) freq[codes[i]!]!++;
  const norms2 = rowNorms2(x);
  // Exact O(n²·d) in row blocks: a block × k buffer of per-cluster distance sums, never an n × n matrix.
  const block = Math.max(1, Math.min(BLOCK_ROWS, Math.floor(SUMS_BUDGET / k)));
  const sums = new Float64Array(block * k);
  const scratch = x.kind === "csr" ? new Float64Array(x.cols) : new Float64Array(0);
  const out = new Float64Array(n);
  for (let s = 0; s < n; s += block) {
    const e = Math.min(n, s + block);
    sums.fill(0, 0, (e - s) * k);
    if (x.kind === "dense") accumulateDense(x, s, e, codes, k, cosine, norms2, sums);
    else accumulateCsr(x, s, e, codes, k, cosine, norms2, sums, scratch);
    for (let i = s; i < e; i++) {
      const own = codes[i]!;
      if (freq[own]! <= 1) continue; // a = 0/0 in sklearn → NaN → 0
      const row = (i - s) * k;
      const a = sums[row + own]! / (freq[own]! - 1);
      let b = Infinity;
      for (let c = 0; c < k; c++) {
        if (c !== own) {
          const m = sums[row + c]! / freq[c]!;
          if (m < b) b = m;
        }
      }
      const den = Math.max(a, b);
      out[i] = den === 0 ? 0 : (b - a) / den;
    }
  }
  return out;
}

/**
 * Silhouette coefficient of every row (scikit-learn `silhouette_samples`): a = mean distance to the other members
 * of its cluster, b = lowest mean distance to another cluster, s = (b − a) / max(a, b); 0 for a row alone in its
 * cluster. Exact: O(n²·d) time (O(n·nnz) for CSR), O(n + 64·k) memory.
 * @throws TypeError on a length mismatch or a non-finite feature; RangeError unless 2 ≤ distinct labels ≤ n − 1.
 */
export function silhouetteSamples(x: Matrix, labels: Int32Array, options: { metric?: SilhouetteMetric } = {}): Float64Array {
  const { codes, k } = prepare(x, labels);
  return silhouetteValues(x, codes, k, options.metric ?? "euclidean");
}

/**
 * Mean silhouette coefficient (scikit-learn `silhouette_score`), from -1 (wrong clusters) to 1 (dense, well separated).
 * With `sampleSize` below n it scores a seeded random subset of rows, whose labels must then still number
 * 2 to sampleSize − 1; the draw differs from numpy's, so sampled values match sklearn only in distribution.
 * @throws TypeError on a length mismatch or a non-finite feature; RangeError unless 2 ≤ distinct labels ≤ n − 1,
 *   or when sampleSize is not a positive integer.
 * @example silhouetteScore(denseFromRows([[0, 0], [0, 1], [4, 0], [4, 1]]), Int32Array.of(0, 0, 1, 1)) // → 0.7537…
 */
export function silhouetteScore(x: Matrix, labels: Int32Array, options: SilhouetteOptions = {}): number {
  const { sampleSize } = options;
  if (sampleSize !== undefined) {
    if (!Number.isInteger(sampleSize) || sampleSize < 1) throw new RangeError(`Pass a positive integer sampleSize: got ${sampleSize}`);
    if (labels.length !== x.rows) throw new TypeError(`Pass one label per row: got ${labels.length} labels for ${x.rows} rows`);
    if (sampleSize < x.rows) {
      // Partial Fisher-Yates: the first sampleSize slots become a uniform random subset. O(n).
      const rng = new Random(options.seed ?? 0);
      const idx = new Int32Array(x.rows);
      for (let i = 0; i < idx.length; i++) idx[i] = i;
      for (let i = 0; i < sampleSize; i++) {
        const j = i + rng.int(idx.length - i);
        const t = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = t;
      }
      const pick = idx.slice(0, sampleSize).sort(); // row order does not change the mean; sorted reads are faster
      const sub = new Int32Array(sampleSize);
      for (let i = 0; i < sampleSize; i++) sub[i] = labels[pick[i]!]!;
      x = selectRows(x, pick);
      labels = sub;
    }
  }
  const s = silhouetteSamples(x, labels, options);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return sum / s.length;
}

/** Rows grouped by cluster code (counting sort): rows of cluster c are order[start[c] .. start[c + 1]). */
function groupRows(codes: Int32Array, k: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(k + 1);
  for (let i = 0; i < codes.length; i++) start[codes[i]! + 1]!++;
  for (let c = 0; c < k; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, k);
  const order = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) order[fill[codes[i]!]!++] = i;
  return { start, order };
}

/** Mean of each column, Float64. */
function columnMeans(x: Matrix): Float64Array {
  const m = new Float64Array(x.cols);
  if (x.kind === "dense") {
    for (let i = 0; i < x.rows; i++) for (let f = 0; f < x.cols; f++) m[f]! += x.data[i * x.cols + f]!;
  } else {
    for (let p = 0; p < x.indptr[x.rows]!; p++) m[x.indices[p]!]! += x.data[p]!;
  }
  for (let f = 0; f < x.cols; f++) m[f]! /= x.rows;
  return m;
}

/**
 * Calinski-Harabasz score (variance ratio criterion, scikit-learn `calinski_harabasz_score`):
 * [B / (k − 1)] / [W / (n − k)] with B = Σ_c n_c‖μ_c − μ‖², W = Σ_i ‖x_i − μ_{c(i)}‖²; 1.0 when W = 0. Higher is better.
 * Two-pass (means first) in Float64. O(n·d) dense, O(nnz + Σ_c touched columns) CSR.
 * @throws TypeError on a length mismatch or a non-finite feature; RangeError unless 2 ≤ distinct labels ≤ n − 1.
 */
export function calinskiHarabaszScore(x: Matrix, labels: Int32Array): number {
  const { codes, k } = prepare(x, labels);
  const n = x.rows;
  const d = x.cols;
  const mean = columnMeans(x);
  const { start, order } = groupRows(codes, k);
  const mu = new Float64Array(d);
  let extra = 0;
  let intra = 0;
  if (x.kind === "dense") {
    for (let c = 0; c < k; c++) {
      const nc = start[c + 1]! - start[c]!;
      mu.fill(0);
      for (let q = start[c]!; q < start[c + 1]!; q++) {
        const o = order[q]! * d;
        for (let f = 0; f < d; f++) mu[f]! += x.data[o + f]!;
      }
      let between = 0;
      for (let f = 0; f < d; f++) {
        mu[f]! /= nc;
        between += (mu[f]! - mean[f]!) * (mu[f]! - mean[f]!);
      }
      extra += nc * between;
      for (let q = start[c]!; q < start[c + 1]!; q++) {
        const o = order[q]! * d;
        for (let f = 0; f < d; f++) intra += (x.data[o + f]! - mu[f]!) * (x.data[o + f]! - mu[f]!);
      }
    }
  } else {
    const { indptr, indices, data } = x;
    let mean2 = 0;
    let meanNz = 0;
    for (let f = 0; f < d; f++) {
      mean2 += mean[f]! * mean[f]!;
      if (mean[f] !== 0) meanNz++;
    }
    const stored = new Int32Array(d); // rows of the cluster that store column f
    const touched = new Int32Array(d);
    for (let c = 0; c < k; c++) {
      const nc = start[c + 1]! - start[c]!;
      let nt = 0;
      for (let q = start[c]!; q < start[c + 1]!; q++) {
        const r = order[q]!;
        for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
          const f = indices[p]!;
          if (stored[f]!++ === 0) touched[nt++] = f;
          mu[f]! += data[p]!;
        }
      }
      // B_c: touched columns exactly; the others have μ_c = 0 and contribute ‖μ‖² minus the touched part.
      let between = 0;
      let coveredSq = 0;
      let covered = 0;
      for (let t = 0; t < nt; t++) {
        const f = touched[t]!;
        mu[f]! /= nc;
        between += (mu[f]! - mean[f]!) * (mu[f]! - mean[f]!);
        if (mean[f] !== 0) {
          covered++;
          coveredSq += mean[f]! * mean[f]!;
        }
      }
      extra += nc * (between + (covered === meanNz ? 0 : Math.max(0, mean2 - coveredSq)));
      // W_c: stored entries exactly, plus μ_f² for each row that does not store column f.
      for (let q = start[c]!; q < start[c + 1]!; q++) {
        const r = order[q]!;
        for (let p = indptr[r]!; p < indptr[r + 1]!; p++) intra += (data[p]! - mu[indices[p]!]!) * (data[p]! - mu[indices[p]!]!);
      }
      for (let t = 0; t < nt; t++) {
        const f = touched[t]!;
        intra += mu[f]! * mu[f]! * (nc - stored[f]!);
        mu[f] = 0;
        stored[f] = 0;
      }
    }
  }
  return intra === 0 ? 1 : (extra * (n - k)) / (intra * (k - 1));
}

/**
 * Davies-Bouldin score (scikit-learn `davies_bouldin_score`): mean over clusters of max_{j≠i} (s_i + s_j) / d(μ_i, μ_j),
 * with s the mean Euclidean distance of a cluster's rows to its centroid. 0 when every s or every centroid distance
 * is within 1e-8 of 0 (sklearn's np.allclose); coincident centroids contribute 0 rather than a division by zero.
 * Lower is better. O(n·d + k²·d) time; centroids take k·d Float64 even for CSR input.
 * @throws TypeError on a length mismatch or a non-finite feature; RangeError unless 2 ≤ distinct labels ≤ n − 1.
 */
export function daviesBouldinScore(x: Matrix, labels: Int32Array): number {
  const { codes, k } = prepare(x, labels);
  const n = x.rows;
  const d = x.cols;
  const size = new Float64Array(k);
  const cent = new Float64Array(k * d);
  const spread = new Float64Array(k);
  if (x.kind === "dense") {
    for (let i = 0; i < n; i++) {
      const o = codes[i]! * d;
      size[codes[i]!]!++;
      for (let f = 0; f < d; f++) cent[o + f]! += x.data[i * d + f]!;
    }
    for (let c = 0; c < k; c++) for (let f = 0; f < d; f++) cent[c * d + f]! /= size[c]!;
    for (let i = 0; i < n; i++) {
      const o = codes[i]! * d;
      let acc = 0;
      for (let f = 0; f < d; f++) acc += (x.data[i * d + f]! - cent[o + f]!) * (x.data[i * d + f]! - cent[o + f]!);
      spread[codes[i]!]! += Math.sqrt(acc);
    }
  } else {
    const { indptr, indices, data } = x;
    for (let i = 0; i < n; i++) {
      const o = codes[i]! * d;
      size[codes[i]!]!++;
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) cent[o + indices[p]!]! += data[p]!;
    }
    const cent2 = new Float64Array(k);
    const centNz = new Int32Array(k);
    for (let c = 0; c < k; c++) {
      for (let f = 0; f < d; f++) {
        const v = (cent[c * d + f]! /= size[c]!);
        cent2[c]! += v * v;
        if (v !== 0) centNz[c]!++;
      }
    }
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      const o = c * d;
      // Stored columns exactly; the rest of ‖μ‖², exactly 0 when the row's columns cover μ's support.
      let acc = 0;
      let covered = 0;
      let coveredSq = 0;
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        const m = cent[o + indices[p]!]!;
        acc += (data[p]! - m) * (data[p]! - m);
        if (m !== 0) {
          covered++;
          coveredSq += m * m;
        }
      }
      spread[c]! += Math.sqrt(acc + (covered === centNz[c] ? 0 : Math.max(0, cent2[c]! - coveredSq)));
    }
  }
  let allTight = true;
  for (let c = 0; c < k; c++) {
    spread[c]! /= size[c]!;
    if (spread[c]! > 1e-8) allTight = false;
  }
  const worst = new Float64Array(k);
  let maxDist = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      let acc = 0;
      for (let f = 0; f < d; f++) acc += (cent[a * d + f]! - cent[b * d + f]!) * (cent[a * d + f]! - cent[b * d + f]!);
      const dist = Math.sqrt(acc);
      if (dist > maxDist) maxDist = dist;
      if (dist === 0) continue; // sklearn sets zero distances to inf: ratio 0
      const r = (spread[a]! + spread[b]!) / dist;
      if (r > worst[a]!) worst[a] = r;
      if (r > worst[b]!) worst[b] = r;
    }
  }
  if (allTight || maxDist <= 1e-8) return 0;
  let sum = 0;
  for (let c = 0; c < k; c++) sum += worst[c]!;
  return sum / k;
}
