// Exact neighbour queries over dense or CSR rows (Euclidean or cosine): radius graphs and k nearest neighbours
// of every row, and blocked query-to-reference distances, in O(n · (d + block)) working memory, never O(n²).
import { throwIfAborted } from "../core/errors.js";
import type { RunOptions } from "../core/progress.js";
import { toCsr, toDense, type CsrMatrix, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { prepareRows } from "./kernels.js";
import { blockRows, buildLeaves, denseDots, LEAF_SIZE, leafFar, leafGap, leafSquared, leafWorst, offer } from "./neighbors-kernels.js";

export { blockRows, csrRowDots, denseDots, offer } from "./neighbors-kernels.js";

/**
 * Distance of the neighbour queries: Euclidean, or cosine distance 1 − cos(x, y). Under cosine a row with no
 * non-zero value lies at distance 1 from every other row (zero rows included) and 0 from itself.
 */
export type NeighborMetric = "euclidean" | "cosine";

/** Cancellation and progress for the all-rows queries; `stage` names the progress events. */
export type NeighborOptions = Pick<RunOptions, "signal" | "onProgress"> & { stage?: string };

/*
 * Internally every distance is the squared Euclidean distance e² = ‖x‖² + ‖y‖² − 2x·y between prepared rows
 * (unit rows for cosine, where 1 − cos = e²/2; a pair with a zero row is set to e² = 2 exactly, since a
 * normalized row's ‖x‖² is 1 only up to rounding).
 * Dot products add a row's values in ascending column order into one Float64 accumulator per pair, and norms
 * are the same sums, so dense and CSR twins give bit-identical distances and identical rows give exactly 0.
 */

/** A distance in the metric's units from the internal squared distance e². */
export function fromSquared(metric: NeighborMetric, e2: number): number {
  return metric === "cosine" ? e2 / 2 : Math.sqrt(e2);
}

/** The internal squared distance e² of a distance in the metric's units (inverse of {@link fromSquared}). */
export function toSquared(metric: NeighborMetric, d: number): number {
  return metric === "cosine" ? 2 * d : d * d;
}

/**
 * Rows prepared for exact distance queries: L2-normalized for cosine, with their squared norms, plus (for CSR)
 * a column index built on first use. O(nnz) to build.
 * @example const r = new NeighborRows(x, "cosine"); const g = radiusNeighbors(r, 0.3);
 */
export class NeighborRows {
  readonly metric: NeighborMetric;
  /** The rows as distances see them (unit rows for cosine). */
  readonly x: Matrix;
  /** ‖row‖² of {@link NeighborRows.x}; 1 for a zero row under cosine. */
  readonly sq: Float64Array;
  /** Cosine only: 1 marks a row with no non-zero value (its distances do not obey the triangle inequality). */
  readonly zero: Uint8Array | null;
  /** Column-major copy (CSC) of CSR rows: for each column, the rows using it and their values, rows ascending. */
  private csc: { ptr: Int32Array; rows: Int32Array; vals: Float32Array } | undefined;

  constructor(x: Matrix, metric: NeighborMetric) {
    const cosine = metric === "cosine";
    const p = prepareRows(x, cosine);
    this.metric = metric;
    this.x = p.x;
    this.sq = p.rn;
    let zero: Uint8Array | null = null;
    if (cosine) {
      for (let i = 0; i < x.rows; i++) {
        if (isZeroRow(p.x, i)) (zero ??= new Uint8Array(x.rows))[i] = 1;
      }
    }
    this.zero = zero;
  }

  get rows(): number {
    return this.x.rows;
  }

  /** New rows prepared the same way and stored in this set's kind (dense or CSR), so that distances agree bit for bit. */
  queries(q: Matrix): NeighborRows {
    if (q.kind === this.x.kind) return new NeighborRows(q, this.metric);
    return new NeighborRows(this.x.kind === "dense" ? toDense(q) : toCsr(q), this.metric);
  }

  /**
   * Squared distances e² from query rows q0 … q0+count−1 of `q` (from {@link NeighborRows.queries}, or these
   * rows themselves, whose own distance is then 0) to every row here: out[t · rows + j]. O(count · nnz).
   */
  squaredDistances(q: NeighborRows, q0: number, count: number, out: Float64Array): void {
    const n = this.rows;
    if (this.x.kind === "dense") {
      const qx = q.x as DenseMatrix;
      denseDots(qx.data, q0, count, this.x.data, 0, n, this.x.cols, out);
    } else {
      this.sparseDots(q.x as CsrMatrix, q0, count, out);
    }
    const sq = this.sq;
    const zero = this.zero;
    for (let t = 0; t < count; t++) {
      const a = q.sq[q0 + t];
      const o = t * n;
      if (q.zero && q.zero[q0 + t]) {
        out.fill(2, o, o + n);
      } else {
        for (let j = 0; j < n; j++) {
          const e2 = a + sq[j] - 2 * out[o + j];
          out[o + j] = e2 > 0 ? e2 : 0;
        }
        if (zero) for (let j = 0; j < n; j++) if (zero[j]) out[o + j] = 2;
      }
      if (q === this) out[o + q0 + t] = 0;
    }
  }

  /** out[t · rows + j] = q_(q0+t) · x_j through the column index: O(Σ over the query's columns of their row counts). */
  private sparseDots(q: CsrMatrix, q0: number, count: number, out: Float64Array): void {
    const n = this.rows;
    const csc = (this.csc ??= columnIndex(this.x as CsrMatrix));
    const { ptr, rows, vals } = csc;
    out.fill(0, 0, count * n);
    for (let t = 0; t < count; t++) {
      const o = t * n;
      for (let p = q.indptr[q0 + t]; p < q.indptr[q0 + t + 1]; p++) {
        const c = q.indices[p];
        if (c >= this.x.cols) continue;
        const v = q.data[p];
        for (let r = ptr[c]; r < ptr[c + 1]; r++) out[o + rows[r]] += v * vals[r];
      }
    }
  }
}

function isZeroRow(x: Matrix, i: number): boolean {
  if (x.kind === "csr") {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) if (x.data[p] !== 0) return false;
    return true;
  }
  for (let p = i * x.cols; p < (i + 1) * x.cols; p++) if (x.data[p] !== 0) return false;
  return true;
}

/** CSR → CSC (rows ascending within each column). O(nnz + cols). */
function columnIndex(x: CsrMatrix): { ptr: Int32Array; rows: Int32Array; vals: Float32Array } {
  const nz = x.indptr[x.rows];
  const ptr = new Int32Array(x.cols + 1);
  for (let p = 0; p < nz; p++) ptr[x.indices[p] + 1]++;
  for (let c = 0; c < x.cols; c++) ptr[c + 1] += ptr[c];
  const next = ptr.slice(0, x.cols);
  const rows = new Int32Array(nz);
  const vals = new Float32Array(nz);
  for (let i = 0; i < x.rows; i++) {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const at = next[x.indices[p]]++;
      rows[at] = i;
      vals[at] = x.data[p];
    }
  }
  return { ptr, rows, vals };
}

/** Neighbour lists of every row in CSR form (row i: indices[indptr[i] … indptr[i+1]−1], ascending, itself included). */
export interface RadiusGraph {
  indptr: Int32Array;
  indices: Int32Array;
}

/** Growable list of row pairs (i, j), i ≠ j. */
class Pairs {
  buf = new Int32Array(1 << 12);
  length = 0;
  push(i: number, j: number): void {
    if (this.length + 2 > this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = i;
    this.buf[this.length++] = j;
  }
}

/**
 * Every row's neighbours within `radius` (distance ≤ radius, compared as e² ≤ {@link toSquared}(radius);
 * every row is its own neighbour), as scikit-learn's `radius_neighbors` on the training rows. Dense rows run
 * over leaf pairs of a spatial partition, skipping pairs of leaves that are provably too far apart (on
 * clustered data most of them); CSR rows in blocks through a column index. Time O(n² · d) at worst, working
 * memory O(n · block) plus the output, which holds every pair within the radius.
 * @throws CancelledError when `options.signal` fires.
 */
export function radiusNeighbors(rows: NeighborRows, radius: number, options: NeighborOptions = {}): RadiusGraph {
  const n = rows.rows;
  const r2 = toSquared(rows.metric, radius);
  const pairs = new Pairs();
  const stage = options.stage ?? "radius neighbours";
  if (rows.x.kind === "dense") {
    const d = rows.x.cols;
    const lv = buildLeaves(rows);
    const tile = new Float64Array(LEAF_SIZE * LEAF_SIZE);
    const reach = Math.sqrt(r2);
    for (let a = 0; a < lv.count; a++) {
      throwIfAborted(options.signal, stage);
      const a0 = lv.start[a];
      const an = lv.start[a + 1] - a0;
      for (let b = a; b < lv.count; b++) {
        if (b !== a && (leafGap(lv, d, a, b) > reach || leafFar(lv, d, a, b, reach, null, 0))) continue;
        const b0 = lv.start[b];
        const bn = lv.start[b + 1] - b0;
        denseDots(lv.data, a0, an, lv.data, b0, bn, d, tile);
        for (let i = 0; i < an; i++) {
          const pi = lv.perm[a0 + i];
          for (let j = b === a ? i + 1 : 0; j < bn; j++) {
            if (leafSquared(lv, a0 + i, b0 + j, tile[i * bn + j]) <= r2) pairs.push(pi, lv.perm[b0 + j]);
          }
        }
      }
      options.onProgress?.({ stage, done: a + 1, total: lv.count });
    }
  } else {
    const block = blockRows(n);
    const buf = new Float64Array(block * n);
    for (let q0 = 0; q0 < n; q0 += block) {
      throwIfAborted(options.signal, stage);
      const count = Math.min(block, n - q0);
      rows.squaredDistances(rows, q0, count, buf);
      for (let t = 0; t < count; t++) {
        const i = q0 + t;
        for (let j = i + 1; j < n; j++) if (buf[t * n + j] <= r2) pairs.push(i, j);
      }
      options.onProgress?.({ stage, done: q0 + count, total: n });
    }
  }
  return pairsToGraph(n, pairs);
}

function pairsToGraph(n: number, pairs: Pairs): RadiusGraph {
  const indptr = new Int32Array(n + 1);
  const { buf, length } = pairs;
  for (let i = 0; i < n; i++) indptr[i + 1] = 1;
  for (let p = 0; p < length; p++) indptr[buf[p] + 1]++;
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  const next = indptr.slice(0, n);
  const indices = new Int32Array(indptr[n]);
  for (let i = 0; i < n; i++) indices[next[i]++] = i;
  for (let p = 0; p < length; p += 2) {
    indices[next[buf[p]]++] = buf[p + 1];
    indices[next[buf[p + 1]]++] = buf[p];
  }
  for (let i = 0; i < n; i++) indices.subarray(indptr[i], indptr[i + 1]).sort();
  return { indptr, indices };
}

/** The k nearest rows of every row: n × k, row-major, each row ascending by (distance, index). */
export interface NearestNeighbors {
  k: number;
  /** Distances in the metric's units. */
  distances: Float64Array;
  indices: Int32Array;
}

/**
 * The k nearest neighbours of every row among all rows, the row itself included (as scikit-learn's
 * `kneighbors` on the training rows: with distinct rows, column 0 is the row itself at distance 0); ties go to
 * the lower index, so the answer does not depend on the order of the search. k is capped at the number of
 * rows. Dense rows visit each leaf with itself and its nearest leaves first (so every row soon has a tight
 * k-th distance), then each other pair of leaves once, skipping pairs whose bounds show that no row of either
 * can gain; CSR rows scan all rows in blocks. Time O(n² · d) at worst (on clustered data about the pairs
 * within clusters), memory O(n · (d + k + block)) plus one byte per pair of leaves.
 * @throws CancelledError when `options.signal` fires.
 */
export function kNearestNeighbors(rows: NeighborRows, k: number, options: NeighborOptions = {}): NearestNeighbors {
  const r = kNearestSquared(rows, k, options);
  for (let p = 0; p < r.distances.length; p++) r.distances[p] = fromSquared(rows.metric, r.distances[p]);
  return r;
}

/** {@link kNearestNeighbors} with the internal squared distances e² (see {@link toSquared}) in `distances`. */
export function kNearestSquared(rows: NeighborRows, k: number, options: NeighborOptions = {}): NearestNeighbors {
  const n = rows.rows;
  const kk = Math.max(0, Math.min(k, n));
  const hd = new Float64Array(n * kk).fill(Infinity);
  const hi = new Int32Array(n * kk).fill(0x7fffffff);
  const stage = options.stage ?? "nearest neighbours";
  if (kk > 0 && rows.x.kind === "dense") {
    const d = rows.x.cols;
    const lv = buildLeaves(rows);
    const tile = new Float64Array(LEAF_SIZE * LEAF_SIZE);
    const count = lv.count;
    // Largest k-th squared distance among each leaf's rows: a leaf farther than that cannot improve them.
    const worst = new Float64Array(count).fill(Infinity);
    /** Offers every pair of leaves a and b (both ways when a ≠ b) and refreshes their worst k-th distance. */
    const visit = (a: number, b: number): void => {
      const a0 = lv.start[a];
      const an = lv.start[a + 1] - a0;
      const b0 = lv.start[b];
      const bn = lv.start[b + 1] - b0;
      denseDots(lv.data, a0, an, lv.data, b0, bn, d, tile);
      for (let i = 0; i < an; i++) {
        const pi = lv.perm[a0 + i];
        for (let j = 0; j < bn; j++) {
          const pj = lv.perm[b0 + j];
          const e2 = pi === pj ? 0 : leafSquared(lv, a0 + i, b0 + j, tile[i * bn + j]);
          offer(hd, hi, pi * kk, kk, e2, pj);
          if (a !== b) offer(hd, hi, pj * kk, kk, e2, pi);
        }
      }
      worst[a] = leafWorst(lv, a, hd, kk);
      if (b !== a) worst[b] = leafWorst(lv, b, hd, kk);
    };
    // First each leaf with itself and its nearest leaves until it has seen 2k rows, for tight bounds early;
    // then every other pair once, nearest leaves first, unless the bounds rule it out.
    const gap = new Float64Array(count);
    const order = new Int32Array(count);
    const done = new Uint8Array(count * count);
    for (let a = 0; a < count; a++) {
      throwIfAborted(options.signal, stage);
      visit(a, a);
      for (let b = 0; b < count; b++) {
        gap[b] = b === a ? Infinity : leafGap(lv, d, a, b);
        order[b] = b;
      }
      order.sort((u, v) => gap[u] - gap[v] || u - v);
      let seen = lv.start[a + 1] - lv.start[a];
      for (let t = 0; t < count - 1 && seen < 2 * kk; t++) {
        const b = order[t];
        seen += lv.start[b + 1] - lv.start[b];
        const key = a < b ? a * count + b : b * count + a;
        if (done[key]) continue;
        done[key] = 1;
        visit(a, b);
      }
    }
    for (let a = 0; a < count; a++) {
      throwIfAborted(options.signal, stage);
      let m = 0;
      for (let b = a + 1; b < count; b++) {
        if (done[a * count + b]) continue;
        gap[b] = leafGap(lv, d, a, b);
        order[m++] = b;
      }
      const todo = order.subarray(0, m).sort((u, v) => gap[u] - gap[v] || u - v);
      let most = 0;
      for (let b = a + 1; b < count; b++) if (worst[b] > most) most = worst[b];
      for (const b of todo) {
        const g = gap[b];
        if (g > 0) {
          const g2 = g * g;
          if (g2 > worst[a] && g2 > most) break;
          if (g2 > worst[a] && g2 > worst[b]) continue;
        }
        if (leafFar(lv, d, a, b, 0, hd, kk) && leafFar(lv, d, b, a, 0, hd, kk)) continue;
        visit(a, b);
      }
      options.onProgress?.({ stage, done: a + 1, total: count });
    }
  } else if (kk > 0) {
    const block = blockRows(n);
    const buf = new Float64Array(block * n);
    for (let q0 = 0; q0 < n; q0 += block) {
      throwIfAborted(options.signal, stage);
      const count = Math.min(block, n - q0);
      rows.squaredDistances(rows, q0, count, buf);
      for (let t = 0; t < count; t++) {
        const o = (q0 + t) * kk;
        for (let j = 0; j < n; j++) offer(hd, hi, o, kk, buf[t * n + j], j);
      }
      options.onProgress?.({ stage, done: q0 + count, total: n });
    }
  }
  return { k: kk, distances: hd, indices: hi };
}
