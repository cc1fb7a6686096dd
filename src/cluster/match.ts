// Same-product matching: blocking by shared rare tokens, then average linkage under cannot-link constraints.
import { throwIfAborted } from "../core/errors.js";
import type { RunOptions } from "../core/progress.js";
import { assertFinite, type CsrMatrix } from "../linalg/matrix.js";

/** Options of {@link matchRows}. */
export interface MatchOptions extends RunOptions {
  /** Merge while the average pair similarity between two groups is at least this (0–1). Default 0.3. */
  threshold?: number;
  /** Candidate neighbours kept per row from the blocking index. Default 20. */
  neighbors?: number;
  /** Blocking ignores features present in more rows than this (stop words of the catalog). Default 1000. */
  maxDf?: number;
  /**
   * Cannot-link groups, e.g. merchant ids: rows with the same group id never end in one cluster (a merchant
   * does not list one product twice). -1 = no group.
   */
  groups?: Int32Array;
  /** Rewrites the similarity of a pair (attribute rules): `(a, b, cosine) → similarity`. */
  adjust?: (a: number, b: number, similarity: number) => number;
}

/** The result of {@link matchRows}. */
export interface MatchResult {
  /** Cluster of each row, 0..k-1, numbered by first row. */
  labels: Int32Array;
  k: number;
  /** Each row's mean similarity to the other members of its cluster (NaN for a row alone). */
  cohesion: Float32Array;
  /** Candidate pairs scored by the blocking step. */
  candidatePairs: number;
  /** Merges refused because the two groups shared a cannot-link group. */
  refusedMerges: number;
}

/**
 * Groups rows that describe the same item. Blocking: each row's `neighbors` best candidates by the dot
 * product of `blocking` rows (e.g. L2-normalized word TF-IDF), accumulated over an inverted index that skips
 * features in more than `maxDf` rows, so the cost is far below O(n²). Similarity: cosine of `features`
 * rows (e.g. word + character n-gram TF-IDF), rewritten by `adjust`. Clustering: average linkage, greedy
 * on the best pair first, merging while the mean similarity over all member pairs (computed exactly, not
 * only over candidates) reaches `threshold`, and never merging two groups that share a cannot-link group.
 * @example
 * const { labels } = matchRows(words, tfidf, { threshold: 0.3, groups: merchantIds });
 */
export function matchRows(blocking: CsrMatrix, features: CsrMatrix, options: MatchOptions = {}): MatchResult {
  const n = features.rows;
  if (blocking.rows !== n) throw new TypeError(`blocking has ${blocking.rows} rows, features ${n}`);
  const threshold = options.threshold ?? 0.3;
  const m = options.neighbors ?? 20;
  const maxDf = options.maxDf ?? 1000;
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be between 0 and 1, got ${threshold}`);
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`neighbors must be a positive integer, got ${m}`);
  if (options.groups && options.groups.length !== n) throw new TypeError(`groups has ${options.groups.length} entries for ${n} rows`);
  assertFinite(blocking);
  assertFinite(features);
  const report = (stage: string, done: number, total: number): void => {
    throwIfAborted(options.signal, "Matching");
    options.onProgress?.({ stage, done, total });
  };
  const pairs = candidatePairs(blocking, m, maxDf, report);
  const sim = new PairSimilarity(features, options.adjust);
  return averageLinkage(n, pairs, sim, threshold, options.groups, report);
}

/** Candidate pairs (a < b), as a sorted, de-duplicated Float64Array of a·n + b. */
function candidatePairs(x: CsrMatrix, m: number, maxDf: number, report: (s: string, d: number, t: number) => void): Float64Array {
  const n = x.rows;
  // Inverted index: feature → (row, value), skipping features above maxDf.
  const df = new Int32Array(x.cols);
  for (let p = 0; p < x.indptr[n]!; p++) df[x.indices[p]!]!++;
  const ptr = new Int32Array(x.cols + 1);
  for (let f = 0; f < x.cols; f++) ptr[f + 1] = ptr[f]! + (df[f]! <= maxDf ? df[f]! : 0);
  const rowsOf = new Int32Array(ptr[x.cols]!);
  const valsOf = new Float32Array(ptr[x.cols]!);
  const fill = ptr.slice(0, x.cols);
  for (let i = 0; i < n; i++) {
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
      const f = x.indices[p]!;
      if (df[f]! > maxDf) continue;
      const q = fill[f]!++;
      rowsOf[q] = i;
      valsOf[q] = x.data[p]!;
    }
  }
  const acc = new Float32Array(n);
  const touched = new Int32Array(n);
  const topS = new Float32Array(m);
  const topJ = new Int32Array(m);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) report("block", i, n);
    let nt = 0;
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
      const f = x.indices[p]!;
      const v = x.data[p]!;
      for (let q = ptr[f]!; q < ptr[f + 1]!; q++) {
        const j = rowsOf[q]!;
        if (j === i) continue;
        if (acc[j] === 0) touched[nt++] = j;
        acc[j]! += v * valsOf[q]!;
      }
    }
    // Keep the m best by insertion into a small sorted buffer.
    let kept = 0;
    for (let t = 0; t < nt; t++) {
      const j = touched[t]!;
      const s = acc[j]!;
      acc[j] = 0;
      if (!(s > 0)) continue;
      if (kept < m) kept++;
      else if (s <= topS[m - 1]!) continue;
      let q = kept - 1;
      while (q > 0 && topS[q - 1]! < s) {
        topS[q] = topS[q - 1]!;
        topJ[q] = topJ[q - 1]!;
        q--;
      }
      topS[q] = s;
      topJ[q] = j;
    }
    for (let t = 0; t < kept; t++) {
      const j = topJ[t]!;
      out.push(i < j ? i * n + j : j * n + i);
    }
  }
  report("block", n, n);
  const keys = Float64Array.from(out).sort();
  let w = 0;
  for (let t = 0; t < keys.length; t++) if (t === 0 || keys[t] !== keys[t - 1]) keys[w++] = keys[t]!;
  return keys.subarray(0, w);
}

/** Cosine of two feature rows (indices sorted once), passed through the caller's adjustment. */
class PairSimilarity {
  private readonly indptr: Int32Array;
  private readonly indices: Int32Array;
  private readonly data: Float32Array;
  private readonly norm: Float64Array;

  constructor(
    x: CsrMatrix,
    private readonly adjust?: (a: number, b: number, s: number) => number,
  ) {
    this.indptr = x.indptr;
    this.indices = new Int32Array(x.indptr[x.rows]!);
    this.data = new Float32Array(x.indptr[x.rows]!);
    this.norm = new Float64Array(x.rows);
    const order: number[] = [];
    for (let i = 0; i < x.rows; i++) {
      const s = x.indptr[i]!;
      const e = x.indptr[i + 1]!;
      order.length = 0;
      for (let p = s; p < e; p++) order.push(p);
      order.sort((a, b) => x.indices[a]! - x.indices[b]!);
      let sq = 0;
      for (let t = 0; t < order.length; t++) {
        this.indices[s + t] = x.indices[order[t]!]!;
        const v = x.data[order[t]!]!;
        this.data[s + t] = v;
        sq += v * v;
      }
      this.norm[i] = Math.sqrt(sq);
    }
  }

  of(a: number, b: number): number {
    const { indptr, indices, data } = this;
    let p = indptr[a]!;
    const pe = indptr[a + 1]!;
    let q = indptr[b]!;
    const qe = indptr[b + 1]!;
    let dot = 0;
    while (p < pe && q < qe) {
      const ia = indices[p]!;
      const ib = indices[q]!;
      if (ia === ib) dot += data[p++]! * data[q++]!;
      else if (ia < ib) p++;
      else q++;
    }
    const d = this.norm[a]! * this.norm[b]!;
    // Clamped: rounding may put identical rows a hair below 1 (or above).
    const cos = d > 0 ? Math.min(1, dot / d) : 0;
    return this.adjust ? this.adjust(a, b, cos) : cos;
  }
}

/** Slack on the threshold for sums of rounded similarities (a mean of 1s may come out as 0.9999999999999998). */
const TOLERANCE = 1e-9;

/** A max-heap of (score, a, b) candidate merges; stale entries are skipped on pop. */
class MergeHeap {
  private score: Float64Array = new Float64Array(1024);
  private a: Int32Array = new Int32Array(1024);
  private b: Int32Array = new Int32Array(1024);
  size = 0;

  push(s: number, a: number, b: number): void {
    if (this.size === this.score.length) {
      const grow = <T extends Float64Array | Int32Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      this.score = grow(this.score);
      this.a = grow(this.a);
      this.b = grow(this.b);
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.score[p]! >= s) break;
      this.score[i] = this.score[p]!;
      this.a[i] = this.a[p]!;
      this.b[i] = this.b[p]!;
      i = p;
    }
    this.score[i] = s;
    this.a[i] = a;
    this.b[i] = b;
  }

  /** Pops the best entry into `out` ([score, a, b]). */
  pop(out: [number, number, number]): void {
    out[0] = this.score[0]!;
    out[1] = this.a[0]!;
    out[2] = this.b[0]!;
    const n = --this.size;
    const s = this.score[n]!;
    const a = this.a[n]!;
    const b = this.b[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.score[r]! > this.score[l]! ? r : l;
      if (this.score[c]! <= s) break;
      this.score[i] = this.score[c]!;
      this.a[i] = this.a[c]!;
      this.b[i] = this.b[c]!;
      i = c;
    }
    this.score[i] = s;
    this.a[i] = a;
    this.b[i] = b;
  }
}

/**
 * Greedy average linkage over the candidate graph. Each live cluster keeps, for each neighbouring cluster, the
 * exact sum of pair similarities between their members; merging u and v adds the sums and completes sums
 * for neighbours of only one side by computing the missing member pairs.
 */
function averageLinkage(
  n: number,
  pairs: Float64Array,
  sim: PairSimilarity,
  threshold: number,
  groups: Int32Array | undefined,
  report: (s: string, d: number, t: number) => void,
): MatchResult {
  const links: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const groupSets: (Set<number> | null)[] = Array.from({ length: n }, (_, i) =>
    groups && groups[i]! >= 0 ? new Set([groups[i]!]) : null,
  );
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const heap = new MergeHeap();
  for (let t = 0; t < pairs.length; t++) {
    if ((t & 16383) === 0) report("score", t, pairs.length);
    const key = pairs[t]!;
    const a = Math.floor(key / n);
    const b = key - a * n;
    const s = sim.of(a, b);
    links[a]!.set(b, s);
    links[b]!.set(a, s);
    if (s >= threshold - TOLERANCE) heap.push(s, a, b);
  }
  report("score", pairs.length, pairs.length);
  const crossSum = (u: number, w: number): number => {
    let s = 0;
    for (const a of members[u]!) for (const b of members[w]!) s += sim.of(a, b);
    return s;
  };
  const conflict = (u: number, v: number): boolean => {
    const gu = groupSets[u];
    const gv = groupSets[v];
    if (!gu || !gv) return false;
    const [small, big] = gu.size <= gv.size ? [gu, gv] : [gv, gu];
    for (const g of small) if (big.has(g)) return true;
    return false;
  };
  const top: [number, number, number] = [0, 0, 0];
  let refused = 0;
  let merges = 0;
  while (heap.size > 0) {
    heap.pop(top);
    const [score, a, b] = top;
    if (parent[a] !== a || parent[b] !== b) continue;
    const sum = links[a]!.get(b);
    if (sum === undefined) continue;
    const avg = sum / (members[a]!.length * members[b]!.length);
    if (avg !== score || avg < threshold - TOLERANCE) continue;
    if (conflict(a, b)) {
      refused++;
      continue;
    }
    // Merge the cluster with fewer links (v) into the other (u).
    const [u, v] = links[a]!.size >= links[b]!.size ? [a, b] : [b, a];
    const lu = links[u]!;
    const lv = links[v]!;
    lu.delete(v);
    lv.delete(u);
    for (const [w, sw] of lv) {
      const su = lu.get(w) ?? crossSum(u, w);
      const total = su + sw;
      lu.set(w, total);
      const lw = links[w]!;
      lw.delete(v);
      lw.set(u, total);
    }
    for (const [w, su] of lu) {
      if (lv.has(w)) continue;
      const total = su + crossSum(v, w);
      lu.set(w, total);
      links[w]!.set(u, total);
    }
    links[v] = new Map();
    parent[v] = u;
    for (const i of members[v]!) members[u]!.push(i);
    members[v] = [];
    const gv = groupSets[v];
    if (gv) {
      const gu = groupSets[u] ?? new Set<number>();
      for (const g of gv) gu.add(g);
      groupSets[u] = gu;
    }
    groupSets[v] = null;
    const size = members[u]!.length;
    for (const [w, total] of lu) {
      const s = total / (size * members[w]!.length);
      if (s >= threshold - TOLERANCE) heap.push(s, u, w);
    }
    if ((++merges & 1023) === 0) report("link", merges, n);
  }
  report("link", n, n);
  // Labels numbered by first row; cohesion = mean similarity to the other members.
  const labels = new Int32Array(n);
  const rootLabel = new Int32Array(n).fill(-1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    if (rootLabel[r] === -1) rootLabel[r] = k++;
    labels[i] = rootLabel[r]!;
  }
  const cohesion = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const mem = members[r]!;
    if (mem.length === 0) continue;
    if (mem.length === 1) {
      cohesion[mem[0]!] = Number.NaN;
      continue;
    }
    for (const a of mem) {
      let s = 0;
      for (const b of mem) if (b !== a) s += sim.of(a, b);
      cohesion[a] = s / (mem.length - 1);
    }
  }
  return { labels, k, cohesion, candidatePairs: pairs.length, refusedMerges: refused };
}
