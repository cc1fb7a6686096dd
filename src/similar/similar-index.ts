// Similar items: exact cosine search up to a size threshold, an HNSW index (usearch) beyond it; persistent.
import type { RunOptions } from "../core/progress.js";
import { ConfigError, ModelFormatError } from "../core/errors.js";
import type { DenseMatrix } from "../linalg/matrix.js";
import { AnnIndex, type AnnParamsInput } from "./ann-index.js";
import { ExactIndex, type BatchNeighbors, type Neighbor, type SearchOptions } from "./exact-index.js";

/** Options of {@link SimilarIndex}. */
export interface SimilarIndexOptions {
  /** Up to this many items search is exact; beyond it an ANN index answers. Default 100,000. */
  exactLimit?: number;
  /** HNSW parameters of the ANN index. */
  ann?: AnnParamsInput;
}

/** Options of {@link SimilarIndex.search}. */
export interface SimilarSearchOptions extends SearchOptions {
  /** Only items of this group (e.g. the category of the query product). */
  group?: string;
  /** Force the exact path even when an ANN index exists. */
  exact?: boolean;
}

/** The manifest kind of a saved similar-items index. */
export const SIMILAR_INDEX_KIND = "similar-index";

/**
 * Nearest neighbours over product vectors (unit rows): exact up to `exactLimit` items, an ANN index (usearch
 * HNSW, cosine) beyond. The vectors are always kept, so the exact path stays available (`exact: true`,
 * {@link recallAgainstExact}). Items may carry a group (their category) for "similar items in the same category".
 * @example
 * const ix = new SimilarIndex(vectors.cols); await ix.add(ids, vectors.data, categories);
 * ix.similarTo("p1", 10, { sameGroup: true });
 */
export class SimilarIndex {
  readonly dim: number;
  readonly exactLimit: number;
  readonly annParams: AnnParamsInput;
  private readonly exactIndex: ExactIndex;
  private ann: AnnIndex | null = null;
  private groups = new Map<string, string>();
  /** Per-group row masks of the exact index, valid while `version` is unchanged (any add or remove bumps it). */
  private masks = new Map<string, Uint8Array>();
  private version = 0;
  private maskVersion = -1;

  constructor(dim: number, options: SimilarIndexOptions = {}) {
    const exactLimit = options.exactLimit ?? 100_000;
    if (!Number.isInteger(exactLimit) || exactLimit < 0) throw new ConfigError(`exactLimit must be a whole number ≥ 0, got ${exactLimit}`);
    this.dim = dim;
    this.exactLimit = exactLimit;
    this.annParams = options.ann ?? {};
    this.exactIndex = new ExactIndex(dim);
  }

  /** Builds an index over a matrix of unit rows (`ids[i]` ↔ row i), with optional groups. */
  static async build(ids: readonly string[], vectors: DenseMatrix, groups?: readonly (string | undefined)[], options: SimilarIndexOptions & RunOptions = {}): Promise<SimilarIndex> {
    if (ids.length !== vectors.rows) throw new TypeError(`Got ${ids.length} ids for ${vectors.rows} vectors`);
    const ix = new SimilarIndex(vectors.cols, options);
    await ix.add(ids, vectors.data, groups, options);
    return ix;
  }

  /** Live items. */
  get size(): number {
    return this.exactIndex.size;
  }

  /** "exact" or "ann": which path answers searches now. */
  get mode(): "exact" | "ann" {
    return this.ann ? "ann" : "exact";
  }

  has(id: string): boolean {
    return this.exactIndex.has(id);
  }

  /** The group of an item (undefined when it has none or is absent). */
  groupOf(id: string): string | undefined {
    return this.groups.get(id);
  }

  /** The stored vector of an item (a view). */
  vectorOf(id: string): Float32Array | undefined {
    return this.exactIndex.vectorOf(id);
  }

  /**
   * Adds or replaces items (`vectors`: ids.length × dim, unit rows). Crossing `exactLimit` builds the ANN
   * index over every item (O(n log n); progress as stage "ann index").
   */
  async add(ids: readonly string[], vectors: Float32Array, groups?: readonly (string | undefined)[], options: RunOptions = {}): Promise<void> {
    if (groups && groups.length !== ids.length) throw new TypeError(`Got ${groups.length} groups for ${ids.length} ids`);
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) throw new ConfigError(`Cannot add the id "${id}" twice in one call`);
      seen.add(id);
    }
    this.exactIndex.add(ids, vectors);
    this.version++;
    ids.forEach((id, i) => {
      const g = groups?.[i];
      if (g === undefined) this.groups.delete(id);
      else this.groups.set(id, g);
    });
    if (this.ann) this.ann.add(ids, vectors);
    else if (this.exactIndex.size > this.exactLimit) await this.buildAnn(options);
  }

  private async buildAnn(options: RunOptions): Promise<void> {
    const ann = await AnnIndex.create(this.dim, this.annParams);
    const ex = this.exactIndex;
    const chunk = 10_000;
    const liveRows: number[] = [];
    for (let r = 0; r < ex.rowCount; r++) if (ex.isLive(r)) liveRows.push(r);
    const d = this.dim;
    for (let s = 0; s < liveRows.length; s += chunk) {
      options.onProgress?.({ stage: "ann index", done: s, total: liveRows.length });
      const part = liveRows.slice(s, s + chunk);
      const v = new Float32Array(part.length * d);
      part.forEach((r, i) => v.set(ex.vectors.subarray(r * d, (r + 1) * d), i * d));
      ann.add(
        part.map((r) => ex.idOf(r)),
        v,
      );
    }
    options.onProgress?.({ stage: "ann index", done: liveRows.length, total: liveRows.length });
    this.ann = ann;
  }

  /** Removes an item; returns whether it was there. */
  remove(id: string): boolean {
    this.version++;
    this.groups.delete(id);
    this.ann?.remove(id);
    return this.exactIndex.remove(id);
  }

  private options(o: SimilarSearchOptions, exact: boolean): SearchOptions {
    const { group, filter, exclude } = o;
    if (group === undefined) return { filter, exclude };
    if (exact) return { filter, exclude, rowMask: this.groupMask(group) };
    const groups = this.groups;
    return { exclude, filter: (row, id) => groups.get(id) === group && (!filter || filter(row, id)) };
  }

  /** The exact index's rows of one group, cached until the index changes (O(n) to build, free to reuse). */
  private groupMask(group: string): Uint8Array {
    if (this.maskVersion !== this.version) {
      this.masks.clear();
      this.maskVersion = this.version;
    }
    let m = this.masks.get(group);
    if (!m) {
      const ex = this.exactIndex;
      m = new Uint8Array(ex.rowCount);
      for (let r = 0; r < ex.rowCount; r++) m[r] = ex.isLive(r) && this.groups.get(ex.idOf(r)) === group ? 1 : 0;
      if (this.masks.size >= 64) this.masks.clear();
      this.masks.set(group, m);
    }
    return m;
  }

  /** The k items most similar to `vector`, best first (score = cosine similarity). */
  search(vector: Float32Array, k: number, options: SimilarSearchOptions = {}): Neighbor[] {
    if (vector.length !== this.dim) throw new TypeError(`Query has ${vector.length} values, the index holds vectors of dimension ${this.dim}`);
    const useAnn = this.ann !== null && !options.exact;
    const o = this.options(options, !useAnn);
    if (useAnn) return this.ann!.search(vector, k, o);
    return this.exactIndex.search(vector, k, o);
  }

  /** k neighbours for each query row (q × dim), `k` slots per query; rows are index rows of the exact index. */
  searchMany(queries: Float32Array, k: number, options: SimilarSearchOptions = {}): { k: number; ids: (string | null)[]; scores: Float32Array } {
    const useAnn = this.ann !== null && !options.exact;
    const o = this.options(options, !useAnn);
    const b: BatchNeighbors = useAnn ? this.ann!.searchMany(queries, k, o) : this.exactIndex.searchMany(queries, k, o);
    const index = useAnn ? this.ann! : this.exactIndex;
    return { k, ids: Array.from(b.rows, (r) => (r < 0 ? null : index.idOf(r))), scores: b.scores };
  }

  /**
   * The k items most similar to the stored item `id` (itself left out); `sameGroup` keeps its group only.
   * @throws RangeError when the id is not in the index.
   */
  similarTo(id: string, k: number, options: SimilarSearchOptions & { sameGroup?: boolean } = {}): Neighbor[] {
    const v = this.exactIndex.vectorOf(id);
    if (!v) throw new RangeError(`No item "${id}" in the similar-items index`);
    const group = options.sameGroup ? this.groups.get(id) : options.group;
    if (options.sameGroup && group === undefined) return this.search(v, k, { ...options, exclude: id, filter: (_r, other) => !this.groups.has(other) && (!options.filter || options.filter(_r, other)) });
    return this.search(v, k, { ...options, group, exclude: id });
  }

  /**
   * Mean recall@k of the current path against exact search over `queries` (q × dim): for each query, the
   * fraction of the exact top-k found by the index. 1 for the exact path.
   */
  recallAgainstExact(queries: Float32Array, k: number): number {
    const q = queries.length / this.dim;
    if (!Number.isInteger(q) || q === 0) throw new TypeError(`Queries must be a non-empty multiple of the dimension ${this.dim}`);
    if (!this.ann) return 1;
    const exact = this.exactIndex.searchMany(queries, k);
    const approx = this.ann.searchMany(queries, k);
    let sum = 0;
    for (let a = 0; a < q; a++) {
      const truth = new Set<string>();
      for (let j = 0; j < k; j++) if (exact.rows[a * k + j]! >= 0) truth.add(this.exactIndex.idOf(exact.rows[a * k + j]!));
      if (truth.size === 0) {
        sum += 1;
        continue;
      }
      let hit = 0;
      for (let j = 0; j < k; j++) if (approx.rows[a * k + j]! >= 0 && truth.has(this.ann.idOf(approx.rows[a * k + j]!))) hit++;
      sum += hit / truth.size;
    }
    return sum / q;
  }

  /** Forces the ANN path now, whatever the size (benchmarks, tests). */
  async useAnn(options: RunOptions = {}): Promise<void> {
    if (!this.ann) await this.buildAnn(options);
  }

  /** The persistable state: manifest fields and arrays (vectors, and the ANN graph when built). */
  async toArtifact(): Promise<{ manifest: Record<string, unknown>; arrays: Record<string, Float32Array | Uint8Array> }> {
    const ex = this.exactIndex;
    ex.compact();
    this.version++;
    const ids = ex.rowIds().slice();
    const groups = ids.map((id) => this.groups.get(id) ?? null);
    const arrays: Record<string, Float32Array | Uint8Array> = { vectors: Float32Array.from(ex.vectors) };
    if (this.ann) arrays["ann"] = await this.ann.toBytes();
    return {
      manifest: {
        kind: SIMILAR_INDEX_KIND,
        dim: this.dim,
        exactLimit: this.exactLimit,
        annParams: this.annParams,
        ids,
        groups,
        annIds: this.ann ? this.ann.rowIds() : null,
      },
      arrays,
    };
  }

  /** Restores an index from {@link toArtifact}'s output. @throws ModelFormatError on a malformed artifact. */
  static async fromArtifact(manifest: Record<string, unknown>, arrays: Record<string, unknown>, where = "similar-items index"): Promise<SimilarIndex> {
    const { dim, exactLimit, annParams, ids, groups, annIds } = manifest as {
      dim: number;
      exactLimit: number;
      annParams: AnnParamsInput;
      ids: string[];
      groups: (string | null)[];
      annIds: string[] | null;
    };
    const vectors = arrays["vectors"];
    if (manifest["kind"] !== SIMILAR_INDEX_KIND) throw new ModelFormatError(where, `it is a "${String(manifest["kind"])}", not a ${SIMILAR_INDEX_KIND}`);
    if (!Array.isArray(ids) || !(vectors instanceof Float32Array) || vectors.length !== ids.length * dim) {
      throw new ModelFormatError(where, `the vectors (${(vectors as Float32Array | undefined)?.length ?? 0} values) do not match ${ids?.length ?? 0} ids × dimension ${dim}`);
    }
    const ix = new SimilarIndex(dim, { exactLimit, ann: annParams });
    ix.exactIndex.add(ids, vectors);
    ids.forEach((id, i) => {
      const g = groups?.[i];
      if (g !== null && g !== undefined) ix.groups.set(id, g);
    });
    const ann = arrays["ann"];
    if (ann instanceof Uint8Array && annIds) ix.ann = await AnnIndex.fromBytes(dim, annParams, ann, annIds);
    return ix;
  }
}
