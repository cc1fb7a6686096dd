// Agglomerative (hierarchical) clustering: ward, average, complete or single linkage on dense or CSR rows.
import { z } from "zod";
import type { FitOptions } from "../core/contracts.js";
import { ConfigError, throwIfAborted } from "../core/errors.js";
import { assertFinite, dense, type Matrix } from "../linalg/matrix.js";
import { AgglomerativeModel, type AgglomerativeLinkage } from "./agglomerative-model.js";
import type { Clusterer } from "./contracts.js";
import { rowSquaredNorms } from "./kernels.js";

/** Parameters of {@link Agglomerative}: one schema for validation, defaults and docs (scikit-learn's names in brackets). */
export const AgglomerativeParams = z
  .object({
    /** Number of clusters [n_clusters]; 8 when neither `k` nor `distanceThreshold` is given. */
    k: z.number().int().min(1).optional(),
    /**
     * Cut the tree where merges stop being close: clusters whose linkage distance is below this value are
     * merged, so k = 1 + the number of merges at distance ≥ threshold [distance_threshold]. Excludes `k`.
     */
    distanceThreshold: z.number().min(0).optional(),
    /**
     * Which clusters merge next [linkage]: "ward" (least increase of within-cluster variance), "average"
     * (mean pairwise distance), "complete" (largest pairwise distance) or "single" (smallest pairwise distance).
     */
    linkage: z.enum(["ward", "average", "complete", "single"]).default("ward"),
    /**
     * "euclidean", or "cosine" (1 − cos; a zero row lies at distance 1 from every row but another zero row)
     * [metric]. Ward needs Euclidean distances: with "cosine" it L2-normalizes the rows and runs Euclidean ward
     * on them (‖a − b‖² = 2 (1 − cos) on unit rows), which scikit-learn refuses.
     */
    metric: z.enum(["euclidean", "cosine"]).default("euclidean"),
    /**
     * Refuse inputs whose pairwise distance matrix (n(n−1)/2 values) would need more than this many MB, with a
     * ConfigError suggesting alternatives. Single linkage computes distances on the fly and is exempt.
     */
    memoryLimitMb: z.number().positive().default(1024),
  })
  .refine((p) => p.k === undefined || p.distanceThreshold === undefined, {
    message: "Set either k or distanceThreshold, not both",
    path: ["distanceThreshold"],
  });
/** Validated {@link Agglomerative} parameters, defaults filled in (k is set unless distanceThreshold is). */
export type AgglomerativeParams = z.infer<typeof AgglomerativeParams>;
/** {@link Agglomerative} parameters as a caller passes them (all optional). */
export type AgglomerativeParamsInput = z.input<typeof AgglomerativeParams>;

/**
 * Rows up to which the distance matrix is Float64 (≤ 67 MB), so small inputs reproduce scikit-learn's distances
 * to ~1e-12. Above it the matrix is Float32, half the memory and bandwidth: on 3000 × 100 blobs its merge
 * distances stayed within 3e-7 (relative) of the Float64 ones, with identical labels, under ward, average and
 * complete linkage; only near-exact ties can merge in another order.
 */
export const FLOAT64_MAX_ROWS = 4096;

/**
 * Agglomerative clustering (scikit-learn's `AgglomerativeClustering`, scipy's `linkage`): starts from one
 * cluster per row and merges the two closest clusters until one is left, recording the merge tree; then cuts
 * the tree at `k` clusters or at `distanceThreshold`. Ward, average and complete linkage run the
 * nearest-neighbour chain with Lance–Williams updates on the condensed pairwise distance matrix (exact,
 * O(n²·d + n²) time, n(n−1)/2 Float64 values, Float32 above {@link FLOAT64_MAX_ROWS} rows); single linkage
 * grows a minimum spanning tree (Prim) with distances computed on the fly (O(n²·d) time, O(n) memory). Dense
 * rows are read from a Float64 copy (n·d·8 bytes). Suits up to ~20k rows (0.8 GB of Float32 distances); use
 * k-means with `batchSize` for large catalogs, or cluster a sample.
 *
 * Cluster ids follow the smallest row index they contain (row 0 is in cluster 0). The tree's distances equal
 * scikit-learn's `distances_` (ward: √ of scipy's ward objective, as `linkage(X, "ward")`).
 * @example
 * const model = await new Agglomerative({ k: 10, linkage: "average", metric: "cosine" }).fit(x);
 * model.labels; model.children; model.distances; model.predict(newRows);
 */
export class Agglomerative implements Clusterer {
  readonly kind = "agglomerative";
  readonly params: AgglomerativeParams;
  constructor(params: AgglomerativeParamsInput = {}) {
    const p = AgglomerativeParams.parse(params);
    this.params = p.k === undefined && p.distanceThreshold === undefined ? { ...p, k: 8 } : p;
  }

  /**
   * Fits on the rows of `x` (deterministic: `options.seed` is not used).
   * @throws ConfigError when k exceeds the number of rows or the distance matrix exceeds `memoryLimitMb`;
   * TypeError on NaN or infinite values; CancelledError when `options.signal` fires.
   */
  async fit(x: Matrix, options: FitOptions = {}): Promise<AgglomerativeModel> {
    return fitAgglomerative(this.params, x, options);
  }
}

/** What the pair kernels turn a dot product into (see {@link pairDistance}). */
const enum Mode {
  /** ‖a − b‖² (ward, Euclidean). */
  SqEuclidean,
  /** ‖a − b‖. */
  Euclidean,
  /** 1 − cos(a, b). */
  Cosine,
  /** ‖â − b̂‖² = 2 (1 − cos) on unit rows (ward, cosine). */
  SqChord,
}

/**
 * Distance of two rows from their dot product `g` and squared norms. Zero rows under cosine: distance 1 to a
 * non-zero row, 0 to another zero row (squared chord likewise: the unit row lies at distance 1 from 0).
 */
function pairDistance(g: number, ni: number, nj: number, mode: Mode): number {
  if (mode === Mode.SqEuclidean || mode === Mode.Euclidean) {
    const s = ni + nj - 2 * g;
    const q = s > 0 ? s : 0;
    return mode === Mode.SqEuclidean ? q : Math.sqrt(q);
  }
  if (ni === 0 || nj === 0) return ni === nj ? 0 : 1;
  const c = 1 - g / Math.sqrt(ni * nj);
  const q = c > 0 ? c : 0;
  return mode === Mode.Cosine ? q : 2 * q;
}

/** Rows as the pair kernels read them: dense rows as Float64 (a copy), CSR as is, with squared norms. */
interface Rows {
  x: Matrix;
  a: Float64Array | null;
  norms: Float64Array;
}

/*
 * Every dot product sums its terms in ascending column order in one Float64 accumulator (blocking is over
 * rows, never columns), so dense rows and their CSR twin give bit-identical distances, hence identical trees.
 */

/**
 * out[r·n + j] = x_{i0+r} · x_j for r < 4 and i0 < j < n (dense, 4 × 2 register block). The 4 rows are first
 * interleaved into `blk` (blk[c·4 + r]), so each column step reads them from one cache line. O(4·n·d).
 */
function denseDots4(a: Float64Array, d: number, n: number, i0: number, blk: Float64Array, out: Float64Array): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < d; c++) blk[c * 4 + r] = a[(i0 + r) * d + c]!;
  let j = i0 + 1;
  for (; j + 2 <= n; j += 2) {
    const p = j * d;
    const q = p + d;
    let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
    for (let c = 0, o = 0; c < d; c++, o += 4) {
      const b0 = a[p + c]!;
      const b1 = a[q + c]!;
      const x0 = blk[o]!;
      const x1 = blk[o + 1]!;
      const x2 = blk[o + 2]!;
      const x3 = blk[o + 3]!;
      s00 += x0 * b0;
      s01 += x0 * b1;
      s10 += x1 * b0;
      s11 += x1 * b1;
      s20 += x2 * b0;
      s21 += x2 * b1;
      s30 += x3 * b0;
      s31 += x3 * b1;
    }
    out[j] = s00;
    out[j + 1] = s01;
    out[n + j] = s10;
    out[n + j + 1] = s11;
    out[2 * n + j] = s20;
    out[2 * n + j + 1] = s21;
    out[3 * n + j] = s30;
    out[3 * n + j + 1] = s31;
  }
  for (; j < n; j++) {
    const p = j * d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let c = 0, o = 0; c < d; c++, o += 4) {
      const b = a[p + c]!;
      s0 += blk[o]! * b;
      s1 += blk[o + 1]! * b;
      s2 += blk[o + 2]! * b;
      s3 += blk[o + 3]! * b;
    }
    out[j] = s0;
    out[n + j] = s1;
    out[2 * n + j] = s2;
    out[3 * n + j] = s3;
  }
}

/**
 * out[r·n + j] = x_{i0+r} · x_j for r < `count` (≤ 4) and `from` ≤ j < n, CSR: the rows are scattered into an
 * interleaved dense buffer (buf[c·4 + r]), then each later row's stored values are dotted with it. O(count·d + nnz).
 */
function csrDots4(x: Matrix & { kind: "csr" }, i0: number, count: number, from: number, buf: Float64Array, out: Float64Array): void {
  const { indptr, indices, data, rows: n } = x;
  for (let r = 0; r < count; r++) {
    for (let p = indptr[i0 + r]!; p < indptr[i0 + r + 1]!; p++) buf[indices[p]! * 4 + r] = data[p]!;
  }
  for (let j = from; j < n; j++) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = indptr[j]!; p < indptr[j + 1]!; p++) {
      const v = data[p]!;
      const o = indices[p]! * 4;
      s0 += buf[o]! * v;
      s1 += buf[o + 1]! * v;
      s2 += buf[o + 2]! * v;
      s3 += buf[o + 3]! * v;
    }
    out[j] = s0;
    out[n + j] = s1;
    out[2 * n + j] = s2;
    out[3 * n + j] = s3;
  }
  for (let r = 0; r < count; r++) {
    for (let p = indptr[i0 + r]!; p < indptr[i0 + r + 1]!; p++) buf[indices[p]! * 4 + r] = 0;
  }
}

/** Offsets of the condensed matrix (scipy's layout): pair (i, j), i < j, sits at rowOff[i] + j. */
function rowOffsets(n: number): Float64Array {
  const off = new Float64Array(n);
  for (let i = 0; i < n; i++) off[i] = i * n - (i * (i + 1)) / 2 - i - 1;
  return off;
}

/** The condensed pairwise distance matrix, rows in blocks of 4. O(n²·d) dense, O(n·nnz) CSR. */
function condensedDistances(rows: Rows, mode: Mode, out: Float32Array | Float64Array, off: Float64Array, options: FitOptions): void {
  const { x, a, norms } = rows;
  const n = x.rows;
  const dots = new Float64Array(4 * n);
  const buf = new Float64Array(x.cols * 4);
  for (let i0 = 0; i0 < n; i0 += 4) {
    throwIfAborted(options.signal, "Agglomerative clustering");
    const count = Math.min(4, n - i0);
    if (x.kind === "csr") csrDots4(x, i0, count, i0 + 1, buf, dots);
    else if (count === 4) denseDots4(a!, x.cols, n, i0, buf, dots);
    else denseDotsTail(a!, x.cols, n, i0, count, dots);
    for (let r = 0; r < count; r++) {
      const i = i0 + r;
      const base = off[i]!;
      const ni = norms[i]!;
      const o = r * n;
      for (let j = i + 1; j < n; j++) out[base + j] = pairDistance(dots[o + j]!, ni, norms[j]!, mode);
    }
    if ((i0 & 255) === 0) options.onProgress?.({ stage: "agglomerative distances", done: i0, total: n });
  }
  options.onProgress?.({ stage: "agglomerative distances", done: n, total: n });
}

/** {@link denseDots4} for the last < 4 rows. */
function denseDotsTail(a: Float64Array, d: number, n: number, i0: number, count: number, out: Float64Array): void {
  for (let r = 0; r < count; r++) {
    const o = (i0 + r) * d;
    for (let j = i0 + 1; j < n; j++) {
      const p = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += a[o + c]! * a[p + c]!;
      out[r * n + j] = s;
    }
  }
}

/** Merges in the order found: slots (rows whose clusters merged; the larger slot keeps the union) and distance. */
interface Merges {
  a: Int32Array;
  b: Int32Array;
  d: Float64Array;
}

/** Index of `v` in the ascending active[0 .. m). */
function find(active: Int32Array, m: number, v: number): number {
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (active[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Nearest-neighbour chain (Murtagh 1983, scipy's `nn_chain`, same scan order and tie rules) over the condensed
 * matrix `D`, updated in place by Lance–Williams; ward works on squared distances. Merges come out of
 * distance order; {@link buildTree} sorts them. O(n²) time, O(n) extra memory.
 */
function nnChain(D: Float32Array | Float64Array, n: number, off: Float64Array, linkage: AgglomerativeLinkage, options: FitOptions): Merges {
  const out: Merges = { a: new Int32Array(n - 1), b: new Int32Array(n - 1), d: new Float64Array(n - 1) };
  const size = new Float64Array(n).fill(1);
  const active = new Int32Array(n);
  for (let i = 0; i < n; i++) active[i] = i;
  let m = n;
  const chain = new Int32Array(n);
  let len = 0;
  const every = Math.max(1, Math.floor(n / 100));
  for (let step = 0; step < n - 1; step++) {
    if (step % every === 0) {
      throwIfAborted(options.signal, "Agglomerative clustering");
      options.onProgress?.({ stage: "agglomerative merges", done: step, total: n - 1 });
    }
    if (len === 0) chain[len++] = active[0]!;
    let x: number;
    let y: number;
    let best: number;
    for (;;) {
      x = chain[len - 1]!;
      if (len > 1) {
        y = chain[len - 2]!;
        best = D[x < y ? off[x]! + y : off[y]! + x]!;
      } else {
        y = -1;
        best = Infinity;
      }
      const px = find(active, m, x);
      for (let t = 0; t < px; t++) {
        const i = active[t]!;
        const v = D[off[i]! + x]!;
        if (v < best) {
          best = v;
          y = i;
        }
      }
      const ox = off[x]!;
      for (let t = px + 1; t < m; t++) {
        const i = active[t]!;
        const v = D[ox + i]!;
        if (v < best) {
          best = v;
          y = i;
        }
      }
      if (len > 1 && y === chain[len - 2]) break;
      chain[len++] = y;
    }
    len -= 2;
    if (x > y) [x, y] = [y, x];
    out.a[step] = x;
    out.b[step] = y;
    out.d[step] = linkage === "ward" ? Math.sqrt(best) : best;
    const nx = size[x]!;
    const ny = size[y]!;
    size[x] = 0;
    size[y] = nx + ny;
    const px = find(active, m, x);
    active.copyWithin(px, px + 1, m);
    m--;
    lanceWilliams(D, off, active, m, x, y, nx, ny, best, size, linkage);
  }
  options.onProgress?.({ stage: "agglomerative merges", done: n - 1, total: n - 1 });
  return out;
}

/** Distances from every active cluster i to the union of x and y (stored in y's slot). O(m). */
function lanceWilliams(
  D: Float32Array | Float64Array,
  off: Float64Array,
  active: Int32Array,
  m: number,
  x: number,
  y: number,
  nx: number,
  ny: number,
  dxy: number,
  size: Float64Array,
  linkage: AgglomerativeLinkage,
): void {
  const ox = off[x]!;
  const oy = off[y]!;
  const wx = nx / (nx + ny);
  const wy = ny / (nx + ny);
  for (let t = 0; t < m; t++) {
    const i = active[t]!;
    if (i === y) continue;
    const ix = i < x ? off[i]! + x : ox + i;
    const iy = i < y ? off[i]! + y : oy + i;
    const dx = D[ix]!;
    const dy = D[iy]!;
    let v: number;
    if (linkage === "ward") {
      // Squared distances: d²(i, x∪y) = ((ni+nx) d²ix + (ni+ny) d²iy − ni d²xy) / (ni+nx+ny).
      const ni = size[i]!;
      v = ((ni + nx) * dx + (ni + ny) * dy - ni * dxy) / (ni + nx + ny);
      if (v < 0) v = 0;
    } else if (linkage === "average") v = wx * dx + wy * dy;
    else if (linkage === "complete") v = dx > dy ? dx : dy;
    else v = dx < dy ? dx : dy;
    D[iy] = v;
  }
}

/**
 * Single linkage as a minimum spanning tree (Prim, scipy's `mst_single_linkage` order and tie rules), with
 * each new tree row's distances to the rows outside computed on the fly. O(n²·d) dense, O(n·nnz) CSR; O(n) memory.
 */
function primSingle(rows: Rows, mode: Mode, options: FitOptions): Merges {
  const { x, a, norms } = rows;
  const n = x.rows;
  const out: Merges = { a: new Int32Array(n - 1), b: new Int32Array(n - 1), d: new Float64Array(n - 1) };
  const rest = new Int32Array(n);
  for (let i = 0; i < n; i++) rest[i] = i;
  let m = n;
  const near = new Float64Array(n).fill(Infinity);
  const dots = new Float64Array(n);
  const buf = x.kind === "csr" ? new Float64Array(x.cols) : null;
  const every = Math.max(1, Math.floor(n / 100));
  let cur = 0;
  for (let step = 0; step < n - 1; step++) {
    if (step % every === 0) {
      throwIfAborted(options.signal, "Agglomerative clustering");
      options.onProgress?.({ stage: "agglomerative merges", done: step, total: n - 1 });
    }
    const pc = find(rest, m, cur);
    rest.copyWithin(pc, pc + 1, m);
    m--;
    if (x.kind === "csr") {
      const { indptr, indices, data } = x;
      for (let p = indptr[cur]!; p < indptr[cur + 1]!; p++) buf![indices[p]!] = data[p]!;
      for (let t = 0; t < m; t++) {
        const j = rest[t]!;
        let s = 0;
        for (let p = indptr[j]!; p < indptr[j + 1]!; p++) s += buf![indices[p]!]! * data[p]!;
        dots[t] = s;
      }
      for (let p = indptr[cur]!; p < indptr[cur + 1]!; p++) buf![indices[p]!] = 0;
    } else denseDotsList(a!, x.cols, cur, rest, m, dots);
    let best = Infinity;
    let y = -1;
    const nc = norms[cur]!;
    for (let t = 0; t < m; t++) {
      const i = rest[t]!;
      const v = pairDistance(dots[t]!, nc, norms[i]!, mode);
      if (near[i]! > v) near[i] = v;
      if (near[i]! < best) {
        best = near[i]!;
        y = i;
      }
    }
    out.a[step] = cur;
    out.b[step] = y;
    out.d[step] = best;
    cur = y;
  }
  options.onProgress?.({ stage: "agglomerative merges", done: n - 1, total: n - 1 });
  return out;
}

/** out[t] = x_i · x_{list[t]} for t < m (dense, 4 rows of the list at a time). O(m·d). */
function denseDotsList(a: Float64Array, d: number, i: number, list: Int32Array, m: number, out: Float64Array): void {
  const o = i * d;
  let t = 0;
  for (; t + 4 <= m; t += 4) {
    const p0 = list[t]! * d;
    const p1 = list[t + 1]! * d;
    const p2 = list[t + 2]! * d;
    const p3 = list[t + 3]! * d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let c = 0; c < d; c++) {
      const v = a[o + c]!;
      s0 += v * a[p0 + c]!;
      s1 += v * a[p1 + c]!;
      s2 += v * a[p2 + c]!;
      s3 += v * a[p3 + c]!;
    }
    out[t] = s0;
    out[t + 1] = s1;
    out[t + 2] = s2;
    out[t + 3] = s3;
  }
  for (; t < m; t++) {
    const p = list[t]! * d;
    let s = 0;
    for (let c = 0; c < d; c++) s += a[o + c]! * a[p + c]!;
    out[t] = s;
  }
}

/** Root of `i` with path halving. */
function root(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]!]!;
    i = parent[i]!;
  }
  return i;
}

/** The merge tree in scikit-learn's form, plus the merges as row pairs in that order (for cutting). */
interface Tree {
  children: Int32Array;
  distances: Float64Array;
  sizes: Int32Array;
  pairs: Int32Array;
}

/**
 * Sorts the merges by distance (stable) and names clusters as scipy's `label` does: leaves are 0..n−1, the
 * cluster made by merge s is n + s, and each merge lists the smaller id first. O(n log n).
 */
function buildTree(mg: Merges, n: number): Tree {
  const steps = n - 1;
  const order = Array.from({ length: steps }, (_, s) => s).sort((s, t) => mg.d[s]! - mg.d[t]! || s - t);
  const children = new Int32Array(2 * steps);
  const distances = new Float64Array(steps);
  const sizes = new Int32Array(steps);
  const pairs = new Int32Array(2 * steps);
  const parent = new Int32Array(2 * n - 1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const size = new Int32Array(2 * n - 1).fill(1);
  for (let s = 0; s < steps; s++) {
    const o = order[s]!;
    const ra = root(parent, mg.a[o]!);
    const rb = root(parent, mg.b[o]!);
    children[2 * s] = Math.min(ra, rb);
    children[2 * s + 1] = Math.max(ra, rb);
    distances[s] = mg.d[o]!;
    parent[ra] = n + s;
    parent[rb] = n + s;
    size[n + s] = size[ra]! + size[rb]!;
    sizes[s] = size[n + s]!;
    pairs[2 * s] = mg.a[o]!;
    pairs[2 * s + 1] = mg.b[o]!;
  }
  return { children, distances, sizes, pairs };
}

/** Labels after the first n − k merges of the tree; ids by smallest member row. O(n). */
function cut(tree: Tree, n: number, k: number): Int32Array {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let s = 0; s < n - k; s++) {
    const ra = root(parent, tree.pairs[2 * s]!);
    const rb = root(parent, tree.pairs[2 * s + 1]!);
    parent[ra] = rb;
  }
  const id = new Int32Array(n).fill(-1);
  const labels = new Int32Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const r = root(parent, i);
    if (id[r] === -1) id[r] = next++;
    labels[i] = id[r]!;
  }
  return labels;
}

/** Mean of each cluster's rows (unit rows for cosine; zero rows stay zero), k × cols Float32. O(nnz + k·cols). */
function clusterMeans(rows: Rows, labels: Int32Array, k: number, cosine: boolean): Float32Array {
  const { x, norms } = rows;
  const cols = x.cols;
  const sums = new Float64Array(k * cols);
  const counts = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    const l = labels[i]!;
    counts[l]!++;
    const s = cosine ? (norms[i]! > 0 ? 1 / Math.sqrt(norms[i]!) : 0) : 1;
    const o = l * cols;
    if (x.kind === "csr") {
      for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) sums[o + x.indices[p]!]! += x.data[p]! * s;
    } else {
      for (let c = 0; c < cols; c++) sums[o + c]! += x.data[i * cols + c]! * s;
    }
  }
  const out = new Float32Array(k * cols);
  for (let l = 0; l < k; l++) for (let c = 0; c < cols; c++) out[l * cols + c] = sums[l * cols + c]! / counts[l]!;
  return out;
}

/** The ConfigError for a distance matrix of n rows that does not fit: over `limitMb`, or not allocatable at all. */
function memoryError(n: number, bytesPerValue: number, limitMb: number | null): ConfigError {
  const gb = (((n * (n - 1)) / 2) * bytesPerValue) / 1024 ** 3;
  const why = limitMb === null ? "more than this process can allocate" : `over the limit of memoryLimitMb=${limitMb} MB`;
  return new ConfigError(
    `Cannot cluster ${n} rows with agglomerative clustering: its pairwise distance matrix needs ${gb.toFixed(gb < 10 ? 2 : 1)} GB, ` +
      `${why}: use kmeans with --batch-size for large catalogs, or cluster a sample` +
      (limitMb === null ? "" : " (or raise memoryLimitMb)"),
  );
}

function fitAgglomerative(p: AgglomerativeParams, x: Matrix, options: FitOptions): AgglomerativeModel {
  const n = x.rows;
  if (p.k !== undefined && p.k > n) {
    throw new ConfigError(`Cannot make k=${p.k} clusters from ${n} rows: k must not exceed the number of rows`);
  }
  if (n === 0) throw new ConfigError("Cannot cluster 0 rows: agglomerative clustering needs at least one row");
  assertFinite(x);
  const { linkage, metric } = p;
  const cosine = metric === "cosine";
  const wide = n <= FLOAT64_MAX_ROWS;
  if (linkage !== "single") {
    const bytes = ((n * (n - 1)) / 2) * (wide ? 8 : 4);
    if (bytes > p.memoryLimitMb * 1024 * 1024) throw memoryError(n, wide ? 8 : 4, p.memoryLimitMb);
  }
  const rows: Rows = { x, a: x.kind === "dense" ? Float64Array.from(x.data) : null, norms: rowSquaredNorms(x) };
  let merges: Merges;
  if (linkage === "single") merges = primSingle(rows, cosine ? Mode.Cosine : Mode.Euclidean, options);
  else {
    const mode = linkage === "ward" ? (cosine ? Mode.SqChord : Mode.SqEuclidean) : cosine ? Mode.Cosine : Mode.Euclidean;
    const pairs = (n * (n - 1)) / 2;
    let D: Float32Array | Float64Array;
    try {
      D = wide ? new Float64Array(pairs) : new Float32Array(pairs);
    } catch (e) {
      if (e instanceof RangeError) throw memoryError(n, wide ? 8 : 4, null);
      throw e;
    }
    const off = rowOffsets(n);
    condensedDistances(rows, mode, D, off, options);
    merges = nnChain(D, n, off, linkage, options);
  }
  const tree = buildTree(merges, n);
  let k = p.k ?? 1;
  if (p.distanceThreshold !== undefined) {
    k = 1;
    for (let s = 0; s < n - 1; s++) if (tree.distances[s]! >= p.distanceThreshold) k++;
  }
  const labels = cut(tree, n, k);
  return new AgglomerativeModel({
    centroids: dense(k, x.cols, clusterMeans(rows, labels, k, cosine)),
    labels,
    children: tree.children,
    distances: tree.distances,
    sizes: tree.sizes,
    linkage,
    metric,
    params: { ...p },
  });
}
