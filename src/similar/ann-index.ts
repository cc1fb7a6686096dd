// Approximate cosine nearest neighbours with usearch (HNSW), behind the same interface as the exact index.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../core/atomic-write.js";
import { ConfigError, DependencyMissingError, ModelFormatError } from "../core/errors.js";
import type { BatchNeighbors, Neighbor, SearchOptions, VectorIndex } from "./exact-index.js";
import { checkVectors } from "./check-vectors.js";

/** HNSW parameters of {@link AnnIndex}. */
export const AnnParams = z.object({
  /** Stored scalar type: "f32" (exact vectors) or "i8" (4× smaller, slightly lower recall). */
  quantization: z.enum(["f32", "i8"]).default("f32"),
  /** Graph degree M: more links, better recall, more memory. */
  connectivity: z.number().int().min(4).max(128).default(16),
  /** Beam width while building (efConstruction). */
  expansionAdd: z.number().int().min(8).max(4096).default(128),
  /** Beam width while searching (ef): raise for recall, lower for speed. */
  expansionSearch: z.number().int().min(8).max(4096).default(96),
  /** Threads for batched adds and searches (0 = all cores). */
  threads: z.number().int().min(0).max(256).default(0),
});
export type AnnParams = z.infer<typeof AnnParams>;
export type AnnParamsInput = z.input<typeof AnnParams>;

interface UsearchMatches {
  keys: BigUint64Array;
  distances: Float32Array;
}
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vectors: Float32Array, k: number, threads: number): UsearchMatches & { counts?: BigUint64Array };
  remove(keys: bigint): number;
  size(): number;
  save(path: string): void;
  load(path: string): void;
}
interface UsearchModule {
  Index: new (config: Record<string, unknown>) => UsearchIndex;
}

let usearchModule: Promise<UsearchModule> | undefined;

/** Loads usearch on first use (a native addon: only ANN users pay for it). */
function loadUsearch(): Promise<UsearchModule> {
  usearchModule ??= import("usearch").then(
    (m) => m as unknown as UsearchModule,
    (e: unknown) => {
      usearchModule = undefined;
      throw Object.assign(new DependencyMissingError("usearch", "the approximate nearest-neighbour index"), { cause: e });
    },
  );
  return usearchModule;
}

/**
 * An HNSW index (usearch, cosine metric) over unit-length rows with string ids. Keys inside usearch are row
 * numbers; adding an existing id replaces its vector (remove + add). usearch has no predicate search, so a
 * `filter` over-fetches (4×, growing) and filters the candidates: with a very selective filter prefer the
 * exact index. Build with {@link AnnIndex.create}.
 * @example
 * const ann = await AnnIndex.create(100, { quantization: "i8" });
 * ann.add(ids, vectors); ann.search(query, 10);
 */
export class AnnIndex implements VectorIndex {
  readonly kind = "ann";
  readonly dim: number;
  readonly params: AnnParams;
  private readonly index: UsearchIndex;
  private ids: string[] = [];
  private rows = new Map<string, number>();

  private constructor(dim: number, params: AnnParams, index: UsearchIndex) {
    this.dim = dim;
    this.params = params;
    this.index = index;
  }

  /** A new, empty index. @throws ConfigError on bad params, DependencyMissingError without usearch. */
  static async create(dim: number, params: AnnParamsInput = {}): Promise<AnnIndex> {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Index dimension must be a positive integer, got ${dim}`);
    const parsed = AnnParams.safeParse(params);
    if (!parsed.success) throw new ConfigError("Invalid ANN index params", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
    const { Index } = await loadUsearch();
    const p = parsed.data;
    const index = new Index({
      dimensions: dim,
      metric: "cos",
      quantization: p.quantization,
      connectivity: p.connectivity,
      expansion_add: p.expansionAdd,
      expansion_search: p.expansionSearch,
      multi: false,
    });
    return new AnnIndex(dim, p, index);
  }

  get size(): number {
    return this.rows.size;
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

  /** Adds or replaces items (`vectors`: ids.length × dim). @throws TypeError on a shape mismatch or NaN. */
  add(ids: readonly string[], vectors: Float32Array): void {
    const d = this.dim;
    checkVectors(ids, vectors, d);
    const keys = new BigUint64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      // A replaced vector gets a fresh row: HNSW cannot update a node in place.
      if (this.rows.has(id)) this.remove(id);
      const r = this.ids.length;
      this.ids.push(id);
      this.rows.set(id, r);
      keys[i] = BigInt(r);
    }
    if (ids.length > 0) this.index.add(keys, vectors, this.params.threads);
  }

  remove(id: string): boolean {
    const r = this.rows.get(id);
    if (r === undefined) return false;
    this.index.remove(BigInt(r));
    this.rows.delete(id);
    return true;
  }

  search(vector: Float32Array, k: number, options: SearchOptions = {}): Neighbor[] {
    const b = this.searchMany(vector, k, options);
    const out: Neighbor[] = [];
    for (let j = 0; j < b.k && b.rows[j]! >= 0; j++) out.push({ id: this.ids[b.rows[j]!]!, row: b.rows[j]!, score: b.scores[j]! });
    return out;
  }

  searchMany(queries: Float32Array, k: number, options: SearchOptions = {}): BatchNeighbors {
    const d = this.dim;
    if (queries.length % d !== 0) throw new TypeError(`Query length ${queries.length} is not a multiple of the dimension ${d}`);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    const q = queries.length / d;
    const rows = new Int32Array(q * k).fill(-1);
    const scores = new Float32Array(q * k).fill(Number.NaN);
    const live = this.rows.size;
    if (q === 0 || live === 0) return { k, rows, scores };
    const { filter, exclude } = options;
    const excludeRow = exclude === undefined ? -1 : (this.rows.get(exclude) ?? -1);
    const accept = (r: number): boolean => r !== excludeRow && this.ids[r] !== undefined && this.rows.get(this.ids[r]!) === r && (!filter || filter(r, this.ids[r]!));
    let pending = Array.from({ length: q }, (_, i) => i);
    let fetch = Math.min(live, filter ? k * 4 : k + (excludeRow >= 0 ? 1 : 0));
    for (;;) {
      const batch = new Float32Array(pending.length * d);
      pending.forEach((a, i) => batch.set(queries.subarray(a * d, (a + 1) * d), i * d));
      const m = this.index.search(batch, fetch, this.params.threads);
      const again: number[] = [];
      pending.forEach((a, i) => {
        let got = 0;
        for (let j = 0; j < fetch && got < k; j++) {
          const dist = m.distances[i * fetch + j]!;
          if (Number.isNaN(dist)) break;
          const r = Number(m.keys[i * fetch + j]!);
          if (!accept(r)) continue;
          rows[a * k + got] = r;
          scores[a * k + got++] = 1 - dist;
        }
        if (got < k && fetch < live) {
          again.push(a);
          rows.fill(-1, a * k, (a + 1) * k);
          scores.fill(Number.NaN, a * k, (a + 1) * k);
        }
      });
      if (again.length === 0 || fetch >= live) break;
      pending = again;
      fetch = Math.min(live, fetch * 4);
    }
    return { k, rows, scores };
  }

  /** The usearch index as bytes (for embedding in a model directory). */
  async toBytes(): Promise<Uint8Array> {
    const file = path.join(tmpdir(), `assort-ann-${process.pid}-${randomBytes(4).toString("hex")}.usearch`);
    try {
      this.index.save(file);
      return new Uint8Array(await fs.readFile(file));
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** Ids by row ("" for rows whose item was removed or replaced). */
  rowIds(): string[] {
    return this.ids.map((id, r) => (this.rows.get(id) === r ? id : ""));
  }

  /** Restores an index from {@link toBytes} and {@link rowIds}. @throws ModelFormatError when usearch cannot read it. */
  static async fromBytes(dim: number, params: AnnParamsInput, bytes: Uint8Array, rowIds: readonly string[]): Promise<AnnIndex> {
    const file = path.join(tmpdir(), `assort-ann-${process.pid}-${randomBytes(4).toString("hex")}.usearch`);
    try {
      await fs.writeFile(file, bytes);
      return await AnnIndex.openGraph(file, dim, params, rowIds);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** Writes the usearch graph to `file` as is (not atomic: write into a temporary directory and rename it). */
  saveGraph(file: string): void {
    this.index.save(file);
  }

  /**
   * Reads a graph written by {@link saveGraph} (or usearch) whose row `r` holds the item `rowIds[r]` ("" for
   * removed rows); with `adopt` the index keeps `rowIds` itself (the caller must not use it again).
   * @throws ModelFormatError when usearch cannot read it or the ids do not match.
   */
  static async openGraph(file: string, dim: number, params: AnnParamsInput, rowIds: readonly string[], o: { adopt?: boolean } = {}): Promise<AnnIndex> {
    const ann = await AnnIndex.create(dim, params);
    try {
      ann.index.load(file);
    } catch (e) {
      throw new ModelFormatError(file, `usearch could not read the ANN index (${(e as Error).message})`);
    }
    // adopt: the caller hands the array over (no copy of 250k ids at start-up); the index appends to it.
    ann.ids = o.adopt ? (rowIds as string[]) : rowIds.slice();
    rowIds.forEach((id, r) => {
      if (id !== "") ann.rows.set(id, r);
    });
    if (ann.index.size() !== ann.rows.size) throw new ModelFormatError("ANN index", `it holds ${ann.index.size()} vectors for ${ann.rows.size} ids`);
    return ann;
  }

  /** Writes the index to `file` (usearch format) and its ids to `file.ids.json`, each atomically. */
  async save(file: string): Promise<void> {
    await writeFileAtomic(file, (tmp) => this.index.save(tmp), { mkdir: true });
    await writeFileAtomic(`${file}.ids.json`, JSON.stringify({ dim: this.dim, params: this.params, ids: this.rowIds() }));
  }

  /** Reads an index written by {@link save}. */
  static async load(file: string): Promise<AnnIndex> {
    let meta: { dim: number; params: AnnParamsInput; ids: string[] };
    try {
      meta = JSON.parse(await fs.readFile(`${file}.ids.json`, "utf8")) as typeof meta;
    } catch (e) {
      throw new ModelFormatError(file, `cannot read its ids file "${file}.ids.json" (${(e as Error).message})`);
    }
    const bytes = await fs.readFile(file).catch(() => {
      throw new ModelFormatError(file, "the index file is missing");
    });
    return AnnIndex.fromBytes(meta.dim, meta.params, new Uint8Array(bytes), meta.ids);
  }
}
