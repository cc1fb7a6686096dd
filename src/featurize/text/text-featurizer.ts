// Product text → hashed word and character n-gram TF-IDF features (CSR, Float32, L2-normalized per block).
import { z } from "zod";
import type { Artifact } from "../../core/contracts.js";
import type { Product } from "../../core/product.js";
import type { RunOptions } from "../../core/progress.js";
import { throwIfAborted } from "../../core/errors.js";
import { csr, type CsrMatrix } from "../../linalg/matrix.js";
import { normalizeText } from "./normalize.js";
import { tokenize, tokenBuffers, type TokenBuffers } from "./tokenize.js";
import { FNV_OFFSET, fnvString, pairHash } from "./hashing.js";
import { EntryBuffer } from "./growable.js";

const range = z
  .tuple([z.number().int().min(0).max(8), z.number().int().min(0).max(8)])
  .refine(([a, b]) => a <= b, "the first value must not exceed the second");

/** Parameters of the text featurizer: one schema for validation, defaults and docs. */
export const TextFeaturizerParams = z.object({
  /** Word n-gram lengths, e.g. [1, 2] for unigrams and bigrams; [0, 0] turns words off. */
  wordNgrams: range.default([1, 2]),
  /** Character n-gram lengths within each space-padded Latin word (like scikit-learn's char_wb). */
  charNgrams: range.default([2, 5]),
  /** Character n-gram lengths over runs of Chinese/Japanese text. */
  cjkCharNgrams: range.default([1, 2]),
  /** log2 of the buckets per block (words, characters). */
  hashBits: z.number().int().min(10).max(24).default(18),
  /** Multiplier on term counts from the first text field (the title). */
  titleWeight: z.number().min(0).max(100).default(2),
  /** 1 + log(tf) instead of raw counts. */
  sublinearTf: z.boolean().default(true),
  /** Inverse document frequency weighting (smoothed, as scikit-learn). */
  idf: z.boolean().default(true),
  /** Ignore buckets seen in fewer than this many training documents. */
  minDf: z.number().int().min(1).default(1),
  /**
   * Weight of the word block and the character block after each is L2-normalized (character n-grams
   * generalize better to unseen model numbers and spellings, so they weigh a little more).
   */
  wordWeight: z.number().min(0).default(0.7),
  charWeight: z.number().min(0).default(1),
  /** Strip HTML tags and entities. */
  html: z.boolean().default(true),
});
export type TextFeaturizerParams = z.infer<typeof TextFeaturizerParams>;
export type TextFeaturizerParamsInput = z.input<typeof TextFeaturizerParams>;

const CHAR_SALT = 0x5bd1e995;
const PAD = 32;

/**
 * Per-document n-gram counts in a small open-addressing table that stays in cache (a dense array over
 * all buckets costs a cache miss per n-gram). `touched` lists the distinct buckets in first-seen order.
 */
class Scratch {
  private keys = new Int32Array(1024).fill(-1);
  private vals = new Float32Array(1024);
  private mask = 1023;
  touched = new Int32Array(512);
  counts = new Float32Array(512);
  nTouched = 0;
  readonly tokens: TokenBuffers = tokenBuffers();
  wordHashes = new Int32Array(256);
  codes = new Int32Array(256);

  add(col: number, w: number): void {
    const keys = this.keys;
    let slot = col & this.mask;
    for (;;) {
      const k = keys[slot]!;
      if (k === col) {
        this.vals[slot]! += w;
        return;
      }
      if (k === -1) break;
      slot = (slot + 1) & this.mask;
    }
    keys[slot] = col;
    this.vals[slot] = w;
    if (this.nTouched === this.touched.length) this.growTouched();
    this.touched[this.nTouched++] = slot;
    if (this.nTouched * 2 > this.mask) this.rehash();
  }

  /** Resolves slots into (bucket, count) pairs in `touched`/`counts` and clears the table. */
  finish(): void {
    const t = this.touched;
    for (let i = 0; i < this.nTouched; i++) {
      const slot = t[i]!;
      this.counts[i] = this.vals[slot]!;
      t[i] = this.keys[slot]!;
      this.keys[slot] = -1;
    }
  }

  reset(): void {
    this.nTouched = 0;
  }

  private growTouched(): void {
    const t = new Int32Array(this.touched.length * 2);
    t.set(this.touched);
    this.touched = t;
    this.counts = new Float32Array(t.length);
  }

  private rehash(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const cap = oldKeys.length * 2;
    this.keys = new Int32Array(cap).fill(-1);
    this.vals = new Float32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < this.nTouched; i++) {
      const old = this.touched[i]!;
      let slot = oldKeys[old]! & this.mask;
      while (this.keys[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keys[slot] = oldKeys[old]!;
      this.vals[slot] = oldVals[old]!;
      this.touched[i] = slot;
    }
  }
}

/** Hashes every n-gram of one document into `sc` (raw counts, title weighted). */
function hashDocument(p: TextFeaturizerParams, fields: readonly string[], sc: Scratch): void {
  const bits = p.hashBits;
  const charBase = 1 << bits;
  // Fibonacci hashing: the top `bits` bits of h·φ are well mixed even when FNV's low bits are not.
  const shift = 32 - bits;
  const [wMin, wMax] = p.wordNgrams;
  const [cMin, cMax] = p.charNgrams;
  const [kMin, kMax] = p.cjkCharNgrams;
  const tb = sc.tokens;
  for (let f = 0; f < fields.length; f++) {
    const raw = fields[f];
    if (!raw) continue;
    const weight = f === 0 ? p.titleWeight : 1;
    if (weight === 0) continue;
    tb.words.length = 0;
    tb.runs.length = 0;
    tb.runIsCjk.length = 0;
    tokenize(normalizeText(raw, p.html), tb);
    // Word n-grams: hash each word once, then combine hashes for longer n-grams.
    const nw = tb.words.length;
    if (wMax > 0 && nw > 0) {
      if (sc.wordHashes.length < nw) sc.wordHashes = new Int32Array(nw * 2);
      const wh = sc.wordHashes;
      for (let i = 0; i < nw; i++) wh[i] = fnvString(tb.words[i]!);
      for (let i = 0; i < nw; i++) {
        let h = wh[i]!;
        for (let n = 1; n <= wMax && i + n <= nw; n++) {
          if (n > 1) h = pairHash(h, wh[i + n - 1]!);
          if (n >= wMin) sc.add(Math.imul(h, 0x9e3779b1) >>> shift, weight);
        }
      }
    }
    // Character n-grams: FNV-1a rolled forward from each start, one step per extra character, over the
    // run's code units (Latin words padded with a space on each side, as scikit-learn's char_wb).
    for (let r = 0; r < tb.runs.length; r++) {
      const run = tb.runs[r]!;
      const cjk = tb.runIsCjk[r] === 1;
      const lo = cjk ? kMin : cMin;
      const hi = cjk ? kMax : cMax;
      if (hi === 0) continue;
      const len = cjk ? run.length : run.length + 2;
      if (sc.codes.length < len) sc.codes = new Int32Array(len * 2);
      const codes = sc.codes;
      if (cjk) {
        for (let j = 0; j < len; j++) codes[j] = run.charCodeAt(j);
      } else {
        codes[0] = PAD;
        for (let j = 1; j < len - 1; j++) codes[j] = run.charCodeAt(j - 1);
        codes[len - 1] = PAD;
      }
      for (let i = 0; i < len; i++) {
        let h = FNV_OFFSET;
        const end = Math.min(len, i + hi);
        for (let j = i; j < end; j++) {
          h = Math.imul(h ^ codes[j]!, 0x01000193);
          if (j - i + 1 >= lo) sc.add(charBase + (Math.imul(h ^ CHAR_SALT, 0x9e3779b1) >>> shift), weight);
        }
      }
    }
  }
}

/**
 * A fitted text featurizer: maps products to rows of a fixed, compact feature space (the hashed buckets
 * seen in training), weighted by TF-IDF and L2-normalized per block.
 */
export class FittedTextFeaturizer {
  readonly kind = "text-tfidf";
  readonly params: TextFeaturizerParams;
  /** Raw bucket of each compact column, ascending. */
  readonly columns: Int32Array;
  /** IDF of each compact column (1 when idf is off). */
  readonly idf: Float32Array;
  private readonly colMap: Int32Array;
  /** First compact column of the character block (columns are sorted by raw bucket). */
  private readonly charStart: number;
  private scratch: Scratch | undefined;

  constructor(params: TextFeaturizerParams, columns: Int32Array, idf: Float32Array) {
    this.params = params;
    this.columns = columns;
    this.idf = idf;
    this.colMap = new Int32Array(2 << params.hashBits).fill(-1);
    for (let k = 0; k < columns.length; k++) this.colMap[columns[k]!] = k;
    const base = 1 << params.hashBits;
    let lo = 0;
    let hi = columns.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (columns[mid]! < base) lo = mid + 1;
      else hi = mid;
    }
    this.charStart = lo;
  }

  /** Number of output columns. */
  get dim(): number {
    return this.columns.length;
  }

  private sc(): Scratch {
    return (this.scratch ??= new Scratch());
  }

  /** Features of many products, one CSR row each. */
  transform(items: readonly Product[], options: RunOptions = {}): CsrMatrix {
    return this.transformTexts(items.map((p) => p.text), options);
  }

  /** Features of raw text-field arrays (first = title). */
  transformTexts(texts: readonly (readonly string[])[], options: RunOptions = {}): CsrMatrix {
    const sc = this.sc();
    const buf = new EntryBuffer(Math.max(1024, texts.length * 64));
    const indptr = new Int32Array(texts.length + 1);
    for (let d = 0; d < texts.length; d++) {
      if ((d & 4095) === 4095) {
        throwIfAborted(options.signal, "Featurizing");
        options.onProgress?.({ stage: "featurize", done: d, total: texts.length });
      }
      hashDocument(this.params, texts[d]!, sc);
      sc.finish();
      buf.reserve(sc.nTouched);
      let k = buf.length;
      for (let t = 0; t < sc.nTouched; t++) {
        const col = sc.touched[t]!;
        const c = this.colMap[col]!;
        if (c < 0) continue;
        buf.indices[k] = c;
        buf.values[k++] = sc.counts[t]!;
      }
      sc.reset();
      this.weightRow(buf.indices, buf.values, buf.length, k);
      buf.length = k;
      indptr[d + 1] = k;
    }
    const { indices, values } = buf.toShared();
    return csr(texts.length, this.dim, indptr, indices, values);
  }

  /** In place: counts → (sublinear) tf × idf, then per-block L2 normalization and block weights. */
  weightRow(indices: Int32Array, values: Float32Array, start: number, end: number): void {
    const p = this.params;
    const charStart = this.charStart;
    let wNorm = 0;
    let cNorm = 0;
    for (let k = start; k < end; k++) {
      const c = indices[k]!;
      let v = values[k]!;
      if (p.sublinearTf) v = 1 + Math.log(v);
      v *= this.idf[c]!;
      values[k] = v;
      if (c < charStart) wNorm += v * v;
      else cNorm += v * v;
    }
    const ws = wNorm > 0 ? p.wordWeight / Math.sqrt(wNorm) : 0;
    const cs = cNorm > 0 ? p.charWeight / Math.sqrt(cNorm) : 0;
    for (let k = start; k < end; k++) values[k] = values[k]! * (indices[k]! < charStart ? ws : cs);
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: { ...this.params },
      meta: { dim: this.dim },
      arrays: { columns: this.columns, idf: this.idf },
    };
  }

  static fromArtifact(a: Artifact): FittedTextFeaturizer {
    const params = TextFeaturizerParams.parse(a.params);
    const columns = a.arrays.columns;
    const idf = a.arrays.idf;
    if (!(columns instanceof Int32Array) || !(idf instanceof Float32Array) || columns.length !== idf.length) {
      throw new TypeError("Text featurizer artifact needs Int32 `columns` and Float32 `idf` of equal length");
    }
    return new FittedTextFeaturizer(params, columns, idf);
  }
}

/** The fit result: the featurizer plus the training matrix it produced in the same pass. */
export interface TextFitResult {
  featurizer: FittedTextFeaturizer;
  matrix: CsrMatrix;
}

/**
 * Learns the feature space (buckets seen, IDF) and returns the training matrix in one pass over the
 * text: each document is tokenized and hashed once. Memory: one (index, value) pair per non-zero.
 */
export class TextFeaturizer {
  readonly kind = "text-tfidf";
  readonly params: TextFeaturizerParams;

  constructor(params: TextFeaturizerParamsInput = {}) {
    this.params = TextFeaturizerParams.parse(params);
  }

  fitTransform(items: readonly Product[], options: RunOptions = {}): TextFitResult {
    return this.fitTransformTexts(
      items.map((p) => p.text),
      options,
    );
  }

  fitTransformTexts(texts: readonly (readonly string[])[], options: RunOptions = {}): TextFitResult {
    const p = this.params;
    const width = 2 << p.hashBits;
    const sc = new Scratch();
    const df = new Int32Array(width);
    const buf = new EntryBuffer(Math.max(1024, texts.length * 64));
    const indptr = new Int32Array(texts.length + 1);
    for (let d = 0; d < texts.length; d++) {
      if ((d & 4095) === 4095) {
        throwIfAborted(options.signal, "Featurizing");
        options.onProgress?.({ stage: "featurize", done: d, total: texts.length });
      }
      hashDocument(p, texts[d]!, sc);
      sc.finish();
      buf.reserve(sc.nTouched);
      let k = buf.length;
      for (let t = 0; t < sc.nTouched; t++) {
        const col = sc.touched[t]!;
        df[col]!++;
        buf.indices[k] = col;
        buf.values[k++] = sc.counts[t]!;
      }
      sc.reset();
      buf.length = k;
      indptr[d + 1] = k;
    }
    options.onProgress?.({ stage: "featurize", done: texts.length, total: texts.length });
    // Compact space: buckets with df >= minDf, ascending (so the word block precedes the char block).
    let dim = 0;
    for (let c = 0; c < width; c++) if (df[c]! >= p.minDf) dim++;
    const columns = new Int32Array(dim);
    const idf = new Float32Array(dim);
    const n = texts.length;
    for (let c = 0, k = 0; c < width; c++) {
      if (df[c]! < p.minDf) continue;
      columns[k] = c;
      idf[k++] = p.idf ? Math.log((1 + n) / (1 + df[c]!)) + 1 : 1;
    }
    const featurizer = new FittedTextFeaturizer(p, columns, idf);
    const colMap = new Int32Array(width).fill(-1);
    for (let k = 0; k < dim; k++) colMap[columns[k]!] = k;
    // Remap to compact columns and weight, in place (rows only shrink when minDf drops buckets).
    let w = 0;
    for (let d = 0; d < n; d++) {
      const s = indptr[d]!;
      const e = indptr[d + 1]!;
      const start = w;
      for (let k = s; k < e; k++) {
        const c = colMap[buf.indices[k]!]!;
        if (c < 0) continue;
        buf.indices[w] = c;
        buf.values[w++] = buf.values[k]!;
      }
      featurizer.weightRow(buf.indices, buf.values, start, w);
      indptr[d] = start;
    }
    indptr[n] = w;
    buf.length = w;
    const { indices, values } = buf.toShared();
    return { featurizer, matrix: csr(n, dim, indptr, indices, values) };
  }
}
