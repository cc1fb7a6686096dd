// A bounded, seeded sample of labelled training products kept with a model: the "nearest training
// products" of an explanation (ids, titles, labels and their feature rows; cosine over the rows).
import type { ArtifactArray } from "../core/contracts.js";
import type { Product } from "../core/product.js";
import { Random } from "../core/random.js";
import { csr, selectRows, type CsrMatrix } from "../linalg/matrix.js";
import { topK } from "../linalg/topk.js";

/** How many training products a model keeps for explanations. */
export interface TrainingSampleOptions {
  /** Products kept per category (default 20). */
  perCategory?: number;
  /** Products kept in all (default 20,000; categories then get fewer each, at least one). */
  max?: number;
  /** Seed of the draw (default 0). */
  seed?: number;
}

/** One stored training product close to a query, by cosine similarity of their feature rows. */
export interface SampleNeighbor {
  /** Row in the sample. */
  row: number;
  similarity: number;
}

/** Titles are cut to this many characters: enough to recognise a product, small on disk. */
const TITLE_CHARS = 160;
const PREFIX = "samples.";

/**
 * Labelled training rows kept with a model. Built by {@link TrainingSample.draw} during training and
 * persisted as optional `samples.*` arrays (models without them load as before).
 */
export class TrainingSample {
  readonly ids: readonly string[];
  readonly titles: readonly string[];
  /** Label index of each row (into the model's labels). */
  readonly labels: Int32Array;
  /** Feature rows, exactly as the classifier saw them. */
  readonly rows: CsrMatrix;
  private index: { colPtr: Int32Array; rowIdx: Int32Array; vals: Float32Array; norms: Float64Array; scores: Float64Array } | undefined;

  constructor(ids: readonly string[], titles: readonly string[], labels: Int32Array, rows: CsrMatrix) {
    if (ids.length !== rows.rows || titles.length !== rows.rows || labels.length !== rows.rows) {
      throw new RangeError(`Training sample has ${rows.rows} rows but ${ids.length} ids, ${titles.length} titles and ${labels.length} labels`);
    }
    this.ids = ids;
    this.titles = titles;
    this.labels = labels;
    this.rows = rows;
  }

  /** Number of stored products. */
  get count(): number {
    return this.rows.rows;
  }

  /**
   * Draws up to `perCategory` products of each category (seeded), round-robin over categories so that
   * `max` cuts evenly. O(n) plus a copy of the chosen rows.
   */
  static draw(products: readonly Product[], y: Int32Array, classCount: number, x: CsrMatrix, options: TrainingSampleOptions = {}): TrainingSample {
    const perCategory = options.perCategory ?? 20;
    const max = options.max ?? 20_000;
    if (!Number.isInteger(perCategory) || perCategory < 0) throw new RangeError(`perCategory must be a whole number ≥ 0, got ${perCategory}`);
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`max must be a whole number ≥ 0, got ${max}`);
    if (y.length !== x.rows || products.length !== x.rows) throw new RangeError("products, labels and feature rows must have the same length");
    const members: number[][] = Array.from({ length: classCount }, () => []);
    for (let i = 0; i < y.length; i++) members[y[i]!]!.push(i);
    const random = new Random(options.seed ?? 0);
    const drawn = members.map((m) => random.sample(m.length, Math.min(perCategory, m.length)).map((j) => m[j]!));
    const chosen: number[] = [];
    for (let layer = 0; chosen.length < max; layer++) {
      let any = false;
      for (let c = 0; c < classCount && chosen.length < max; c++) {
        if (layer < drawn[c]!.length) {
          chosen.push(drawn[c]![layer]!);
          any = true;
        }
      }
      if (!any) break;
    }
    chosen.sort((a, b) => a - b);
    const labels = new Int32Array(chosen.length);
    chosen.forEach((i, r) => (labels[r] = y[i]!));
    return new TrainingSample(
      chosen.map((i) => products[i]!.id),
      chosen.map((i) => (products[i]!.text[0] ?? "").slice(0, TITLE_CHARS)),
      labels,
      selectRows(x, chosen),
    );
  }

  /**
   * The `k` stored rows most similar (cosine) to a query row given as parallel column/value arrays;
   * rows sharing no feature are left out. Uses an inverted index built on first use: the cost is the
   * total length of the postings of the query's columns.
   */
  nearest(indices: ArrayLike<number>, values: ArrayLike<number>, k: number): SampleNeighbor[] {
    if (k <= 0 || this.count === 0) return [];
    const ix = (this.index ??= this.buildIndex());
    const { colPtr, rowIdx, vals, norms, scores } = ix;
    let qNorm = 0;
    for (let p = 0; p < indices.length; p++) {
      const c = indices[p]!;
      const v = values[p]!;
      qNorm += v * v;
      if (c < 0 || c >= this.rows.cols) continue;
      for (let q = colPtr[c]!; q < colPtr[c + 1]!; q++) scores[rowIdx[q]!]! += v * vals[q]!;
    }
    qNorm = Math.sqrt(qNorm);
    for (let r = 0; r < scores.length; r++) scores[r] = scores[r]! > 0 && qNorm > 0 ? scores[r]! / (qNorm * norms[r]!) : 0;
    const out = new Int32Array(Math.min(k, scores.length));
    const m = topK(scores, 0, scores.length, k, out);
    const result: SampleNeighbor[] = [];
    for (let j = 0; j < m; j++) if (scores[out[j]!]! > 0) result.push({ row: out[j]!, similarity: scores[out[j]!]! });
    scores.fill(0);
    return result;
  }

  private buildIndex(): NonNullable<TrainingSample["index"]> {
    const { rows: n, cols, indptr, indices, data } = this.rows;
    const colPtr = new Int32Array(cols + 1);
    const nz = indptr[n]!;
    for (let p = 0; p < nz; p++) colPtr[indices[p]! + 1]!++;
    for (let c = 0; c < cols; c++) colPtr[c + 1]! += colPtr[c]!;
    const fill = colPtr.slice(0, cols);
    const rowIdx = new Int32Array(nz);
    const vals = new Float32Array(nz);
    const norms = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
        const at = fill[indices[p]!]!++;
        rowIdx[at] = r;
        vals[at] = data[p]!;
        s += data[p]! * data[p]!;
      }
      norms[r] = Math.sqrt(s) || 1;
    }
    return { colPtr, rowIdx, vals, norms, scores: new Float64Array(n) };
  }

  /** The arrays to persist, named `samples.*` (strings as UTF-8 with offsets: id, title, id, title, …). */
  toArrays(): Record<string, ArtifactArray> {
    const enc = new TextEncoder();
    const parts: Uint8Array[] = [];
    const offsets = new Int32Array(2 * this.count + 1);
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      for (const [j, s] of [this.ids[i]!, this.titles[i]!].entries()) {
        const b = enc.encode(s);
        parts.push(b);
        at += b.length;
        offsets[2 * i + j + 1] = at;
      }
    }
    const text = new Uint8Array(at);
    let o = 0;
    for (const b of parts) {
      text.set(b, o);
      o += b.length;
    }
    return {
      [`${PREFIX}labels`]: this.labels,
      [`${PREFIX}indptr`]: this.rows.indptr,
      [`${PREFIX}indices`]: this.rows.indices,
      [`${PREFIX}data`]: this.rows.data,
      [`${PREFIX}text`]: text,
      [`${PREFIX}textOffsets`]: offsets,
    };
  }

  /**
   * Restores a sample from a model's arrays; `undefined` when the model stores none (trained before
   * samples existed, or with them turned off). Throws TypeError on inconsistent arrays.
   */
  static fromArrays(arrays: Readonly<Record<string, ArtifactArray>>, featureCount: number, classCount: number): TrainingSample | undefined {
    const a = (name: string): ArtifactArray | undefined => arrays[PREFIX + name];
    const labels = a("labels");
    if (labels === undefined) return undefined;
    const indptr = a("indptr");
    const indices = a("indices");
    const data = a("data");
    const text = a("text");
    const offsets = a("textOffsets");
    if (
      !(labels instanceof Int32Array) ||
      !(indptr instanceof Int32Array) ||
      !(indices instanceof Int32Array) ||
      !(data instanceof Float32Array) ||
      !(text instanceof Uint8Array) ||
      !(offsets instanceof Int32Array)
    ) {
      throw new TypeError("Training sample arrays have the wrong types");
    }
    const n = labels.length;
    const nz = indptr[n];
    if (indptr.length !== n + 1 || nz !== indices.length || nz !== data.length || offsets.length !== 2 * n + 1 || offsets[2 * n] !== text.length) {
      throw new TypeError("Training sample arrays have inconsistent lengths");
    }
    for (let i = 0; i < n; i++) if (labels[i]! < 0 || labels[i]! >= classCount) throw new TypeError(`Training sample row ${i} has label ${labels[i]} of ${classCount}`);
    for (let p = 0; p < nz; p++) if (indices[p]! < 0 || indices[p]! >= featureCount) throw new TypeError(`Training sample column ${indices[p]} is outside the ${featureCount} features`);
    const dec = new TextDecoder();
    const str = (j: number): string => dec.decode(text.subarray(offsets[j]!, offsets[j + 1]!));
    const ids: string[] = [];
    const titles: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(str(2 * i));
      titles.push(str(2 * i + 1));
    }
    return new TrainingSample(ids, titles, labels, csr(n, featureCount, indptr, indices, data));
  }
}

/**
 * The training hook: draws the sample kept with a model, or nothing when `explainSamples` is false.
 * Seeded by the training seed, so the same data and seed keep the same products.
 */
export function drawTrainingSample(
  products: readonly Product[],
  y: Int32Array,
  classCount: number,
  x: CsrMatrix,
  options: { explainSamples?: TrainingSampleOptions | false; seed?: number },
): TrainingSample | undefined {
  if (options.explainSamples === false) return undefined;
  return TrainingSample.draw(products, y, classCount, x, { seed: options.seed, ...options.explainSamples });
}
