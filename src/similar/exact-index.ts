// Exact cosine nearest neighbours over unit-length Float32 rows: a scan that scores every row's leading columns,
// finishes only the rows whose Cauchy–Schwarz bound can still reach the top k, and a partial top-k.
import { dotRows32 } from "../linalg/gemm.js";
import { topK } from "../linalg/topk.js";
import { checkVectors } from "./check-vectors.js";

/** One neighbour: the item's id, its row in the index and its cosine similarity to the query. */
export interface Neighbor {
  id: string;
  row: number;
  score: number;
}

/** Options of a nearest-neighbour search. */
export interface SearchOptions {
  /** Keep only rows for which this returns true (e.g. "same category"); `row` is the index's row of the item. */
  filter?: (row: number, id: string) => boolean;
  /** Leave this id out of the results (the query item itself). */
  exclude?: string;
  /** Exact index only: a precomputed row mask (1 = may be returned), e.g. a cached "same category" mask; ANDed with `filter`. */
  rowMask?: Uint8Array;
  /** Exact index only: leave out items scoring below this (rows that cannot reach it are not finished), e.g. the k-th best score found elsewhere. */
  minScore?: number;
}

/** The results of a batched search: `k` slots per query, row −1 / score NaN where fewer were found. */
export interface BatchNeighbors {
  k: number;
  rows: Int32Array;
  scores: Float32Array;
}

/** The interface {@link ExactIndex} and the ANN index share. */
export interface VectorIndex {
  readonly dim: number;
  /** Live (not removed) items. */
  readonly size: number;
  add(ids: readonly string[], vectors: Float32Array): void;
  remove(id: string): boolean;
  has(id: string): boolean;
  search(vector: Float32Array, k: number, options?: SearchOptions): Neighbor[];
  searchMany(queries: Float32Array, k: number, options?: SearchOptions): BatchNeighbors;
  /** The id of an index row. */
  idOf(row: number): string;
  /** The row of an id (−1 when absent). */
  rowOf(id: string): number;
}

/** Leading columns every row is scored on before the bound decides which rows to finish (see {@link ExactIndex.search}). */
const HEAD = 16;
/** Vectors shorter than this, and indexes with fewer rows than PRUNE_MIN_ROWS, are scanned whole. */
const PRUNE_MIN_DIM = 48;
const PRUNE_MIN_ROWS = 1024;
/** Above this share of rows finished (vectors whose leading columns say little), queries scan whole rows. */
const PRUNE_MAX_SHARE = 0.5;
/** Bands of bounds the rows are finished in, best band first. */
const BANDS = 64;

/**
 * Exact cosine search: rows are expected unit length (as `ProductVectors.embed` gives), so cosine = dot.
 * Adding an id that exists replaces its vector; removal leaves a tombstone (the row is skipped; the space is
 * reused on {@link compact}). A query scores the first HEAD columns of every row, bounds the rest of each dot
 * by ‖q_tail‖·‖x_tail‖ (Cauchy–Schwarz; the rows' tail norms are kept), and finishes rows in the order of
 * their bounds (a band at a time) until no row left can reach the k-th best score found: the answer is the
 * whole scan's, score for score (every score is the float64 sum over the columns in order, rounded to
 * float32 once, however it was split). On SVD product vectors (energy in the leading columns) about 10–20% of
 * the rows are finished; on vectors where the bound prunes little the index goes back to whole rows. No
 * allocation beyond the result.
 * @example
 * const ix = new ExactIndex(100); ix.add(ids, vectors); ix.search(vectors.subarray(0, 100), 10);
 */
export class ExactIndex implements VectorIndex {
  readonly kind = "exact";
  readonly dim: number;
  private data: Float32Array;
  private ids: string[] = [];
  private rows = new Map<string, number>();
  private alive: Uint8Array;
  private live = 0;
  /** When the index prunes: each row's first `head` columns again, contiguous (the first pass streams 64 bytes a row, not 400), and ‖row[head..dim)‖, the bound of the rest. */
  private heads: Float32Array;
  private tail: Float64Array;
  private readonly head: number;
  // Scratch of a query, reused: partial and finished sums, bounds, candidates, finished rows, their scores.
  private acc = new Float64Array(0);
  private scores = new Float32Array(0);
  private rowsDone = new Int32Array(0);
  private byBand = new Int32Array(0);
  private readonly bandStart = new Int32Array(BANDS + 1);
  private readonly bandFill = new Int32Array(BANDS);
  private readonly bandTop = new Float64Array(BANDS);
  private best = new Float64Array(0);
  private doneScores = new Float32Array(0);
  private order = new Int32Array(0);
  /** Moving average of the share of rows a pruned query finished, and a query counter (re-tries pruning now and then). */
  private finishedShare = 0;
  private queries = 0;
  /** Counts adds, removes and compactions (a gradual growth in progress gives up when it moves). */
  private mutations = 0;

  constructor(dim: number, capacity = 1024) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Index dimension must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.data = new Float32Array(Math.max(1, capacity) * dim);
    this.alive = new Uint8Array(Math.max(1, capacity));
    this.head = dim >= PRUNE_MIN_DIM ? HEAD : dim;
    this.heads = new Float32Array(this.head < dim ? Math.max(1, capacity) * this.head : 0);
    this.tail = new Float64Array(this.head < dim ? Math.max(1, capacity) : 0);
  }

  get size(): number {
    return this.live;
  }

  /** Rows used, removed ones included. */
  get rowCount(): number {
    return this.ids.length;
  }

  /** The stored vectors (rowCount × dim; rows of removed items are stale). */
  get vectors(): Float32Array {
    return this.data.subarray(0, this.ids.length * this.dim);
  }

  /** Rows the arrays hold before the next add must grow them. */
  get capacity(): number {
    return this.alive.length;
  }

  /** Whether a row holds a live item. */
  isLive(row: number): boolean {
    return this.alive[row] === 1;
  }

  idOf(row: number): string {
    const id = this.ids[row];
    if (id === undefined) throw new RangeError(`No row ${row} in the index (it has ${this.ids.length})`);
    return id;
  }

  rowOf(id: string): number {
    return this.rows.get(id) ?? -1;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** The stored vector of an id (a view; undefined when absent). */
  vectorOf(id: string): Float32Array | undefined {
    const r = this.rows.get(id);
    return r === undefined ? undefined : this.data.subarray(r * this.dim, (r + 1) * this.dim);
  }

  /** Adds or replaces items: `vectors` holds ids.length rows of `dim` values. @throws TypeError on a shape mismatch or NaN. */
  add(ids: readonly string[], vectors: Float32Array): void {
    const d = this.dim;
    checkVectors(ids, vectors, d);
    this.mutations++;
    this.reserve(this.ids.length + ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let r = this.rows.get(id);
      if (r === undefined) {
        r = this.ids.length;
        this.ids.push(id);
        this.rows.set(id, r);
        this.alive[r] = 1;
        this.live++;
      }
      this.data.set(vectors.subarray(i * d, (i + 1) * d), r * d);
      if (this.head < d) {
        this.heads.set(vectors.subarray(i * d, i * d + this.head), r * this.head);
        let t = 0;
        for (let j = r * d + this.head; j < (r + 1) * d; j++) t += this.data[j]! * this.data[j]!;
        this.tail[r] = Math.sqrt(t);
      }
    }
  }

  /** Removes an item; returns whether it was there. */
  remove(id: string): boolean {
    const r = this.rows.get(id);
    if (r === undefined) return false;
    this.mutations++;
    this.rows.delete(id);
    this.alive[r] = 0;
    this.live--;
    // Compact when more than half the rows are tombstones (amortised O(1) per removal).
    if (this.ids.length > 1024 && this.live < this.ids.length / 2) this.compact();
    return true;
  }

  /** Drops the rows of removed items (row numbers of the rest change). O(n·d). */
  compact(): void {
    this.mutations++;
    const d = this.dim;
    let w = 0;
    const ids: string[] = [];
    for (let r = 0; r < this.ids.length; r++) {
      if (!this.alive[r]) continue;
      if (w !== r) {
        this.data.copyWithin(w * d, r * d, (r + 1) * d);
        if (this.head < d) {
          this.heads.copyWithin(w * this.head, r * this.head, (r + 1) * this.head);
          this.tail[w] = this.tail[r]!;
        }
      }
      ids.push(this.ids[r]!);
      this.rows.set(this.ids[r]!, w);
      w++;
    }
    this.ids = ids;
    this.alive.fill(0);
    this.alive.fill(1, 0, w);
  }

  private reserve(n: number): void {
    if (n <= this.alive.length) return;
    const next = this.allocate(Math.max(n, this.alive.length * 2));
    this.copyRows(next, 0, this.ids.length);
    this.adopt(next);
  }

  /**
   * Grows the arrays ahead of adds of `n` rows in all (as the next add would: at least double), copying the stored
   * rows `chunkRows` at a time with `pause()` awaited between chunks, so that a large index (a 60k-row group is
   * 28 MB to copy, tens of ms in one go) never stalls the caller's event loop. Searches meanwhile read the current
   * arrays; an add, remove or compaction meanwhile abandons the growth (the next add then grows at once, as it
   * would have). Resolves with whether the index now holds `n` rows without growing.
   */
  async reserveGradually(n: number, pause: () => Promise<void>, chunkRows = 4096): Promise<boolean> {
    if (n <= this.alive.length) return true;
    const start = this.mutations;
    const rows = this.ids.length;
    const next = this.allocate(Math.max(n, this.alive.length * 2));
    for (let r = 0; r < rows; r += chunkRows) {
      if (r > 0) {
        await pause();
        if (this.mutations !== start) return false;
      }
      this.copyRows(next, r, Math.min(rows, r + chunkRows));
    }
    await pause();
    if (this.mutations !== start) return false;
    this.adopt(next);
    return true;
  }

  private allocate(cap: number): { data: Float32Array; alive: Uint8Array; heads: Float32Array; tail: Float64Array } {
    const pruned = this.head < this.dim;
    return {
      data: new Float32Array(cap * this.dim),
      alive: new Uint8Array(cap),
      heads: pruned ? new Float32Array(cap * this.head) : this.heads,
      tail: pruned ? new Float64Array(cap) : this.tail,
    };
  }

  /** Copies rows [from, to) of every array into `next`. */
  private copyRows(next: { data: Float32Array; alive: Uint8Array; heads: Float32Array; tail: Float64Array }, from: number, to: number): void {
    const d = this.dim;
    next.data.set(this.data.subarray(from * d, to * d), from * d);
    next.alive.set(this.alive.subarray(from, to), from);
    if (this.head < d) {
      next.heads.set(this.heads.subarray(from * this.head, to * this.head), from * this.head);
      next.tail.set(this.tail.subarray(from, to), from);
    }
  }

  private adopt(next: { data: Float32Array; alive: Uint8Array; heads: Float32Array; tail: Float64Array }): void {
    this.data = next.data;
    this.alive = next.alive;
    this.heads = next.heads;
    this.tail = next.tail;
  }

  /** The k most similar live items to `vector` (length dim), best first. */
  search(vector: Float32Array, k: number, options: SearchOptions = {}): Neighbor[] {
    if (vector.length !== this.dim) throw new TypeError(`Query has ${vector.length} values, the index holds vectors of dimension ${this.dim}`);
    const b = this.searchMany(vector, k, options);
    const out: Neighbor[] = [];
    for (let j = 0; j < b.k; j++) {
      const r = b.rows[j]!;
      if (r < 0) break;
      out.push({ id: this.ids[r]!, row: r, score: b.scores[j]! });
    }
    return out;
  }

  /** k neighbours of each of the queries (rows of `queries`, length q·dim), best first per query. */
  searchMany(queries: Float32Array, k: number, options: SearchOptions = {}): BatchNeighbors {
    const d = this.dim;
    if (queries.length % d !== 0) throw new TypeError(`Query length ${queries.length} is not a multiple of the dimension ${d}`);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    const q = queries.length / d;
    const n = this.ids.length;
    const rowsOut = new Int32Array(q * k).fill(-1);
    const scoresOut = new Float32Array(q * k).fill(Number.NaN);
    if (n === 0 || q === 0) return { k, rows: rowsOut, scores: scoresOut };
    const keep = this.mask(options.filter, options.rowMask) ?? this.alive;
    const excludeRow = options.exclude === undefined ? -1 : (this.rows.get(options.exclude) ?? -1);
    const minScore = options.minScore ?? -Infinity;
    this.scratch(n, k);
    for (let a = 0; a < q; a++) this.searchOne(queries, a * d, k, keep, excludeRow, minScore, rowsOut, scoresOut, a * k);
    return { k, rows: rowsOut, scores: scoresOut };
  }

  /** Sizes the scratch buffers for n rows and k results. */
  private scratch(n: number, k: number): void {
    if (this.acc.length < n) {
      this.acc = new Float64Array(n);
      this.scores = new Float32Array(n);
      this.rowsDone = new Int32Array(n);
      this.byBand = new Int32Array(n);
      this.doneScores = new Float32Array(n);
    }
    if (this.best.length < k) {
      this.best = new Float64Array(k);
      this.order = new Int32Array(k);
    }
  }

  /** Whether this query prunes: large enough, and pruning paid off lately (re-tried every 32nd query when not). */
  private prunes(n: number): boolean {
    if (this.head === this.dim || n < PRUNE_MIN_ROWS) return false;
    return this.finishedShare <= PRUNE_MAX_SHARE || (this.queries++ & 31) === 0;
  }

  /**
   * One query (queries[qo .. qo+dim)) into result slots oo .. oo+k: rows that `keep` and `alive` accept, other
   * than `excludeRow`, scoring at least `minScore`, best first (ties: lower row first, as topK keeps them).
   */
  private searchOne(queries: Float32Array, qo: number, k: number, keep: Uint8Array, excludeRow: number, minScore: number, rowsOut: Int32Array, scoresOut: Float32Array, oo: number): void {
    const d = this.dim;
    const n = this.ids.length;
    const x = this.data;
    const alive = this.alive;
    const acc = this.acc;
    const prune = this.prunes(n);
    const head = prune ? this.head : d;
    acc.fill(0, 0, n);
    if (prune) dotRows32(this.heads, head, queries, qo, 0, head, null, 0, n, acc);
    else dotRows32(x, d, queries, qo, 0, d, null, 0, n, acc);
    const done = this.rowsDone;
    const doneScores = this.doneScores;
    let count = 0;
    if (!prune) {
      for (let r = 0; r < n; r++) {
        if (!keep[r] || !alive[r] || r === excludeRow) continue;
        const s = Math.fround(acc[r]!);
        if (s < minScore) continue;
        done[count] = r;
        doneScores[count++] = s;
      }
    } else {
      // Bounds: the scored head plus ‖q_tail‖·‖x_tail‖ (−∞ for rows that may not be returned).
      let qt = 0;
      for (let p = head; p < d; p++) qt += queries[qo + p]! * queries[qo + p]!;
      qt = Math.sqrt(qt);
      const bound = this.scores;
      const tail = this.tail;
      for (let r = 0; r < n; r++) bound[r] = keep[r] && alive[r] && r !== excludeRow ? acc[r]! + qt * tail[r]! : -Infinity;
      // Rows are finished in the order of their bounds, a band of bounds at a time (a counting sort into BANDS
      // equal bands between the lowest and highest bound), until no row left can reach the k-th best score
      // found: every row of the answer has a bound at least its score, so none is left out.
      let lo = Infinity;
      let hi = -Infinity;
      for (let r = 0; r < n; r++) {
        const u = bound[r]!;
        if (u === -Infinity) continue;
        if (u < lo) lo = u;
        if (u > hi) hi = u;
      }
      if (hi > -Infinity) {
        const w = (hi - lo) / BANDS || 1;
        const start = this.bandStart;
        const top = this.bandTop;
        start.fill(0);
        top.fill(-Infinity);
        for (let r = 0; r < n; r++) {
          const u = bound[r]!;
          if (u === -Infinity) continue;
          const b = Math.min(BANDS - 1, Math.floor((u - lo) / w));
          start[b + 1]++;
          if (u > top[b]!) top[b] = u;
        }
        for (let b = 0; b < BANDS; b++) start[b + 1] += start[b]!;
        // top[b]: the highest bound in band b or below (rounding may put a bound one band low).
        for (let b = 1; b < BANDS; b++) top[b] = Math.max(top[b]!, top[b - 1]!);
        const byBand = this.byBand;
        const fill = this.bandFill;
        fill.set(start.subarray(0, BANDS));
        for (let r = 0; r < n; r++) {
          const u = bound[r]!;
          if (u !== -Infinity) byBand[fill[Math.min(BANDS - 1, Math.floor((u - lo) / w))]!++] = r;
        }
        // best: the k best scores so far, descending (their last is the floor once k are found).
        const best = this.best;
        let found = 0;
        for (let b = BANDS - 1; b >= 0; b--) {
          // The margin covers float32 rounding of bounds and scores (relative 2⁻²⁴).
          const floor = found === k ? Math.max(minScore, best[k - 1]!) : minScore;
          if (top[b]! < floor - 1e-5 * (1 + 2 * Math.abs(floor))) break;
          const b0 = start[b]!;
          const b1 = start[b + 1]!;
          if (b0 === b1) continue;
          dotRows32(x, d, queries, qo, head, d, byBand, b0, b1, acc);
          for (let i = b0; i < b1; i++) {
            const r = byBand[i]!;
            done[count++] = r;
            const s = Math.fround(acc[r]!);
            if (found === k && s <= best[k - 1]!) continue;
            let j = found < k ? found++ : k - 1;
            while (j > 0 && best[j - 1]! < s) {
              best[j] = best[j - 1]!;
              j--;
            }
            best[j] = s;
          }
        }
      }
      // In row order again, so that equal scores keep the lower row first, as the whole scan does.
      done.subarray(0, count).sort();
      let kept = 0;
      for (let i = 0; i < count; i++) {
        const r = done[i]!;
        const s = Math.fround(acc[r]!);
        if (s < minScore) continue;
        done[kept] = r;
        doneScores[kept++] = s;
      }
      this.finishedShare = 0.9 * this.finishedShare + 0.1 * (count / n);
      count = kept;
    }
    const order = this.order;
    const m = topK(doneScores, 0, count, k, order);
    for (let j = 0; j < m; j++) {
      rowsOut[oo + j] = done[order[j]!]!;
      scoresOut[oo + j] = doneScores[order[j]!]!;
    }
  }

  /** 1 for live rows the filter and row mask accept, or null with neither (then the live flags are the mask). */
  private mask(filter: SearchOptions["filter"], rowMask: Uint8Array | undefined): Uint8Array | null {
    if (!filter && !rowMask) return null;
    const n = this.ids.length;
    if (rowMask && rowMask.length < n) throw new RangeError(`rowMask has ${rowMask.length} entries for ${n} rows`);
    if (!filter) return rowMask!;
    const m = new Uint8Array(n);
    for (let r = 0; r < n; r++) m[r] = this.alive[r]! && (!rowMask || rowMask[r]) && filter(r, this.ids[r]!) ? 1 : 0;
    return m;
  }

  /** The ids of all rows (removed ones included, as undefined-free strings) for persistence. */
  rowIds(): readonly string[] {
    return this.ids;
  }
}
