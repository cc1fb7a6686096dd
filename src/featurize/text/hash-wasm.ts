// The hashing pass in WebAssembly (compiled from ./wasm/hash.as.ts by `npm run build`): tokenizing, n-gram
// hashing, counting and, when transforming, TF-IDF weighting, one document at a time, with the same results as
// the JavaScript pass (hash-pass.ts, FittedTextFeaturizer.weightRow) bit for bit. Normalizing (NFKC, case) and
// Chinese segmentation (jieba) stay in JavaScript: their results are copied in. Used when the module was built
// and this runtime runs it, unless ASSORT_NO_WASM=1; {@link textHasherFallbackReason} says why not.
import { ensureBytes, ownMemory, wasmApi, WasmModuleSlot, type WasmMemory } from "../../linalg/wasm-module.js";
import type { TextFeaturizerParams } from "./params.js";
import { normalizeText } from "./normalize.js";
import { codePointClass, segment, segmentLengths, type SegmentLengths } from "./tokenize.js";
import { hashDocument, Scratch } from "./hash-pass.js";
import { EntryBuffer } from "./growable.js";
import { lowerBound } from "../../linalg/search.js";
import { shared, type RawPart } from "./fit-rows.js";

interface HashExports {
  configure(
    bits: number,
    wordMin: number,
    wordMax: number,
    charMin: number,
    charMax: number,
    cjkMin: number,
    cjkMax: number,
    title: number,
    sublinearTf: number,
    wordWeight: number,
    charWeight: number,
    table: number,
    memo: number,
  ): void;
  setModel(present: number, idf: number, columns: number, charStart: number, df: number): void;
  layout(text: number, parts: number, words: number, wordHashes: number, runs: number, codes: number, keys: number, vals: number, cap: number, touched: number, counts: number): void;
  setOutput(idx: number, val: number, length: number): void;
  outputLength(): number;
  clearTable(): void;
  field(n: number, title: number): number;
  fieldParts(count: number, title: number): void;
  endTransform(): number;
  endFit(): number;
  discard(): void;
}

/** Where `npm run build` writes the module (from sources: the built one in dist/). */
const MODULE = new WasmModuleSlot("hash.wasm", [new URL("./wasm/hash.wasm", import.meta.url), new URL("../../../dist/featurize/text/wasm/hash.wasm", import.meta.url)]);

/** Uses the module compiled from these bytes from now on (null: the JavaScript pass); for tests. */
export function useTextHasherModule(bytes: Uint8Array | null): void {
  MODULE.use(bytes);
}

/** Why the JavaScript hashing pass is used (undefined while the WebAssembly one is, or before either was chosen). */
export function textHasherFallbackReason(): string | undefined {
  return MODULE.reason;
}

const align = (n: number): number => (n + 15) & ~15;

/** Documents normalized (and their Chinese/Japanese fields segmented) together, ahead of hashing them. */
const CHUNK_DOCS = 256;
/** Text with a character tokenize.ts's isCjk accepts: the fields the WebAssembly pass asks to segment. */
const HAS_CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{2fa1f}]/u;

/** Set bits of a 32-bit word. */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Whether `columns` are strictly ascending buckets in [0, width). */
function ascendingBuckets(columns: Int32Array, width: number): boolean {
  for (let k = 0; k < columns.length; k++) if (columns[k]! < (k > 0 ? columns[k - 1]! + 1 : 0) || columns[k]! >= width) return false;
  return true;
}

let classTable: Uint8Array | undefined;

/** The class (SEP, WORD, CJK) of every BMP code unit that is not a surrogate (ASCII and surrogates: 0, unused). */
function bmpClasses(): Uint8Array {
  if (classTable) return classTable;
  const t = new Uint8Array(65536);
  for (let c = 128; c < 65536; c++) if (c < 0xd800 || c > 0xdfff) t[c] = codePointClass(c);
  return (classTable = t);
}

/** The fitted feature space a transforming hasher maps buckets into. */
export interface HashSpace {
  /** Raw bucket of each compact column, ascending. */
  columns: Int32Array;
  idf: Float32Array;
  /** First compact column of the character block. */
  charStart: number;
  /** FittedTextFeaturizer.weightRow, for the rare document hashed in JavaScript. */
  weightRow(indices: Int32Array, values: Float32Array, start: number, end: number): void;
}

/** Working memory a transforming hasher may keep between batches (more, as after a huge batch, is released: a new one costs ~1 ms). */
export const KEEP_HASHER_BYTES = 64 * 2 ** 20;

/** Rows of a transformed batch (compact columns, weighted) or of a fitting pass (raw buckets, counts). */
export interface HashedRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * One WebAssembly instance with its own memory: the class table, the fitted space (or the document
 * frequencies when fitting), per-document scratch sized to the largest document so far, and the output of the
 * batch being hashed. Not thread-safe: one per featurizer per thread.
 */
export class WasmTextHasher {
  private readonly ex: HashExports;
  private readonly memory: WasmMemory;
  private readonly params: TextFeaturizerParams;
  private readonly fitting: boolean;
  private readonly space: HashSpace | undefined;
  private readonly dfAt: number;
  private readonly width: number;
  private tableLoaded = false;
  /** Start of the scratch regions, after the fixed ones. */
  private readonly scratchAt: number;
  /** Code units per field the scratch holds, and n-grams per document. */
  private unitCap = 0;
  private gramCap = 0;
  private textAt = 0;
  private partsAt = 0;
  private outAt = 0;
  private outCap = 0;
  private outIdxAt = 0;
  private outValAt = 0;
  private u16 = new Uint16Array(0);
  private i32 = new Int32Array(0);
  private f32 = new Float32Array(0);
  private buf: ArrayBuffer | undefined;
  private sc: Scratch | undefined;
  /** Inside {@link WasmTextHasher.hashAdding}. */
  private adding = false;

  private constructor(module: object, params: TextFeaturizerParams, space: HashSpace | undefined) {
    this.params = params;
    this.fitting = space === undefined;
    this.space = space;
    this.width = 2 << params.hashBits;
    this.memory = ownMemory();
    const env = { memory: this.memory, log: Math.log, astralClass: codePointClass };
    this.ex = new (wasmApi()!.Instance)(module, { env }).exports as unknown as HashExports;
    let top = 16;
    const alloc = (bytes: number): number => {
      const at = top;
      top = align(top + bytes);
      return at;
    };
    const table = alloc(65536);
    const memo = alloc(64 * 16);
    // The fitted space: per 64 raw buckets, a bit each and the buckets of the space before them (16 bytes); the idf
    // per column (see hash.as.ts: a compact column is the rank of its bucket).
    const words = this.width >>> 6;
    const presentAt = space ? alloc(words * 16) : 0;
    const idfAt = space ? alloc(space.columns.length * 4) : 0;
    this.dfAt = space ? 0 : alloc(this.width * 4);
    this.scratchAt = top;
    this.ensure(top);
    if (space) {
      // u32 view: words 4w and 4w + 1 are the bits of buckets 64w to 64w + 63, 4w + 2 the rank.
      const u32 = new Uint32Array(this.memory.buffer, presentAt, words * 4);
      for (let k = 0; k < space.columns.length; k++) {
        const b = space.columns[k]!;
        u32[4 * (b >>> 6) + ((b >>> 5) & 1)]! |= 1 << (b & 31);
      }
      for (let w = 0, n = 0; w < words; w++) {
        u32[4 * w + 2] = n;
        n += popcount32(u32[4 * w]!) + popcount32(u32[4 * w + 1]!);
      }
      new Float32Array(this.memory.buffer, idfAt, space.columns.length).set(space.idf);
    }
    const p = params;
    this.ex.configure(p.hashBits, p.wordNgrams[0], p.wordNgrams[1], p.charNgrams[0], p.charNgrams[1], p.cjkCharNgrams[0], p.cjkCharNgrams[1], p.titleWeight, p.sublinearTf ? 1 : 0, p.wordWeight, p.charWeight, table, memo);
    this.ex.setModel(presentAt, idfAt, space ? space.columns.length : 0, space ? space.charStart : 0, this.dfAt);
    this.relayout(256, 4096);
  }

  /** Bytes of the instance's memory beyond its fixed tables (it grows with the largest batch and document, and never shrinks). */
  get workingBytes(): number {
    return this.memory.buffer.byteLength - this.scratchAt;
  }

  /**
   * A hasher when the WebAssembly module is available, else undefined (use the JavaScript pass); also undefined
   * for a space whose columns are not strictly ascending buckets of the hashing width (its columns are ranks).
   */
  static create(params: TextFeaturizerParams, space?: HashSpace): WasmTextHasher | undefined {
    if (space && !ascendingBuckets(space.columns, 2 << params.hashBits)) return undefined;
    const module = MODULE.get();
    return module ? new WasmTextHasher(module, params, space) : undefined;
  }

  private ensure(bytes: number): void {
    ensureBytes(this.memory, bytes);
  }

  /** Typed views on the memory (a grown memory has a new buffer). */
  private views(): void {
    const b = this.memory.buffer;
    if (b === this.buf) return;
    this.buf = b;
    this.u16 = new Uint16Array(b);
    this.i32 = new Int32Array(b);
    this.f32 = new Float32Array(b);
  }

  /**
   * Lays out scratch for fields of up to `units` code units and documents of up to `grams` n-grams, with the
   * output after it (entries already there move along). The table's reserve is four times the n-grams, so it
   * never fills.
   */
  private relayout(units: number, grams: number): void {
    this.unitCap = units;
    this.gramCap = grams;
    let top = this.scratchAt;
    const alloc = (bytes: number): number => {
      const at = top;
      top = align(top + bytes);
      return at;
    };
    let cap = 1024;
    while (cap < grams * 4) cap *= 2;
    this.textAt = alloc(units * 2);
    this.partsAt = alloc(units * 4);
    const words = alloc(units * 8);
    const hashes = alloc(units * 4);
    const runs = alloc(units * 12);
    const codes = alloc((units + 2) * 4);
    const keys = alloc(cap * 4);
    const vals = alloc(cap * 4);
    const touched = alloc(grams * 4);
    const counts = alloc(grams * 4);
    this.placeOutput(top, Math.max(this.outCap, grams * 2));
    this.ex.layout(this.textAt, this.partsAt, words, hashes, runs, codes, keys, vals, cap, touched, counts);
    this.ex.clearTable();
  }

  /**
   * Puts the output at `at` with room for `cap` entries (indices, then values), moving the entries it has:
   * the output only moves up and grows, so the values move first, then the indices (memmove semantics).
   */
  private placeOutput(at: number, cap: number): void {
    const n = this.outCap > 0 ? this.ex.outputLength() : 0;
    const valAt = at + cap * 4;
    this.ensure(valAt + cap * 4);
    if (n > 0) {
      const u8 = new Uint8Array(this.memory.buffer);
      u8.copyWithin(valAt, this.outValAt, this.outValAt + n * 4);
      u8.copyWithin(at, this.outIdxAt, this.outIdxAt + n * 4);
    }
    this.outAt = at;
    this.outCap = cap;
    this.outIdxAt = at;
    this.outValAt = valAt;
    this.ex.setOutput(at, valAt, n);
  }

  /** Room for a document of these normalized fields: scratch for each, output for all its n-grams. */
  private room(fields: readonly string[]): void {
    const p = this.params;
    const perUnit = p.wordNgrams[1] + 3 * Math.max(p.charNgrams[1], p.cjkCharNgrams[1]);
    let units = 0;
    let grams = 16;
    for (const s of fields) {
      units = Math.max(units, s.length);
      grams += s.length * perUnit;
    }
    if (units > this.unitCap || grams > this.gramCap) {
      let u = this.unitCap;
      while (u < units) u *= 2;
      let g = this.gramCap;
      while (g < grams) g *= 2;
      this.relayout(u, g);
    }
    const need = this.ex.outputLength() + grams;
    if (need > this.outCap) this.placeOutput(this.outAt, Math.max(need, this.outCap * 2));
  }

  /**
   * Hashes the documents (text fields, first = title): transforming, rows of compact columns weighted as
   * FittedTextFeaturizer.weightRow; fitting, rows of raw buckets and counts, with `df` (per raw bucket) added
   * to. `onRow(d)` is called every 4096 documents (progress, cancellation). With `views`, `indices` and `values`
   * are views on the hasher's memory (no copy), valid until its next call.
   */
  hash(texts: readonly (readonly string[])[], onRow?: (d: number) => void, df?: Int32Array, views = false): HashedRows {
    const p = this.params;
    const ex = this.ex;
    const indptr = new Int32Array(texts.length + 1);
    ex.setOutput(this.outIdxAt, this.outValAt, 0);
    if (this.fitting && !this.adding) {
      this.views();
      this.i32.fill(0, this.dfAt >> 2, (this.dfAt >> 2) + this.width);
    }
    // Documents go in chunks: each chunk's fields are normalized first, and its Chinese/Japanese ones segmented
    // in one call to jieba (segmentLengths: the same parts as one call per field, at a fraction of the calls' cost).
    let chunk: string[][] = [];
    // Per field of the chunk (document by document), its index in `cut` (-1: no CJK text).
    let cutOf: number[] = [];
    let cut: SegmentLengths | undefined;
    let chunkEnd = 0;
    let field = 0;
    for (let d = 0; d < texts.length; d++) {
      if ((d & 4095) === 4095) onRow?.(d);
      if (d === chunkEnd) {
        chunkEnd = Math.min(texts.length, d + CHUNK_DOCS);
        chunk = [];
        cutOf = [];
        field = 0;
        const cjk: string[] = [];
        for (let e = d; e < chunkEnd; e++) {
          const fields = texts[e]!;
          const norm: string[] = [];
          for (let f = 0; f < fields.length; f++) {
            const raw = fields[f];
            const weight = f === 0 ? p.titleWeight : 1;
            const s = !raw || weight === 0 ? "" : normalizeText(raw, p.html);
            norm.push(s);
            cutOf.push(HAS_CJK.test(s) ? cjk.push(s) - 1 : -1);
          }
          chunk.push(norm);
        }
        cut = cjk.length > 0 ? segmentLengths(cjk) : undefined;
      }
      const norm = chunk[d - (chunkEnd - chunk.length)]!;
      this.room(norm);
      this.views();
      let ok = true;
      for (let f = 0; f < norm.length; f++, field++) {
        const s = norm[f]!;
        if (s.length === 0 || !ok) continue;
        const k = cutOf[field]!;
        ok = k >= 0 ? this.field(s, f === 0 ? 1 : 0, cut!.lengths, cut!.starts[k]!, cut!.starts[k + 1]!) : this.field(s, f === 0 ? 1 : 0);
      }
      if (ok) {
        indptr[d + 1] = this.fitting ? ex.endFit() : ex.endTransform();
      } else {
        // The segmenter changed the text (a lone surrogate becomes U+FFFD): this document goes the JavaScript way.
        ex.discard();
        indptr[d + 1] = this.hashInJs(texts[d]!);
      }
    }
    this.views();
    const n = ex.outputLength();
    if (this.fitting && df) {
      const mine = this.i32.subarray(this.dfAt >> 2, (this.dfAt >> 2) + this.width);
      for (let c = 0; c < this.width; c++) df[c]! += mine[c]!;
    }
    const [i, v] = [this.outIdxAt >> 2, this.outValAt >> 2];
    const indices = this.i32.subarray(i, i + n);
    const values = this.f32.subarray(v, v + n);
    // hashAdding's rows go to shared memory (the fit worker and this thread compact each other's).
    if (this.adding) return { indptr: shared(indptr), indices: shared(indices), values: shared(values) };
    if (views) return { indptr, indices, values };
    return { indptr, indices: indices.slice(), values: values.slice() };
  }

  /**
   * Fitting: {@link WasmTextHasher.hash} with the document frequencies kept here, added to those of the earlier
   * calls, until {@link WasmTextHasher.takeDf} (a batch in parts costs no pass over every bucket per part), and the
   * rows in shared memory.
   */
  hashAdding(texts: readonly (readonly string[])[], onRow?: (d: number) => void): HashedRows {
    this.adding = true;
    try {
      return this.hash(texts, onRow);
    } finally {
      this.adding = false;
    }
  }

  /** Adds the document frequencies kept by {@link WasmTextHasher.hashAdding} to `df`, and starts them again from 0. */
  takeDf(df: Int32Array): void {
    this.views();
    const mine = this.i32.subarray(this.dfAt >> 2, (this.dfAt >> 2) + this.width);
    for (let c = 0; c < this.width; c++) df[c]! += mine[c]!;
    mine.fill(0);
  }

  /**
   * Counts one field's n-grams (its segmentation, when it has CJK text: the lengths of its parts,
   * `lengths[from]` to `lengths[to - 1]`, or else cut here); false when it must be hashed in JavaScript.
   */
  private field(s: string, title: number, lengths?: Int32Array, from = 0, to = 0): boolean {
    const u16 = this.u16;
    const at = this.textAt >> 1;
    let any = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      u16[at + i] = c;
      any |= c;
    }
    if (any >= 128 && !this.tableLoaded) {
      new Uint8Array(this.memory.buffer, 16, 65536).set(bmpClasses());
      this.tableLoaded = true;
    }
    if (this.ex.field(s.length, title) === 0) return true;
    if (!lengths) {
      const parts = segment(s);
      lengths = Int32Array.from(parts, (part) => part.length);
      [from, to] = [0, parts.length];
    }
    const i32 = this.i32;
    const pa = this.partsAt >> 2;
    let total = 0;
    for (let k = from; k < to; k++) {
      const n = lengths[k]!;
      i32[pa + k - from] = n;
      total += n;
    }
    if (total !== s.length) return false;
    this.ex.fieldParts(to - from, title);
    return true;
  }

  /**
   * hashDocument for one document, appended to the output as the WebAssembly pass would have (see
   * {@link hash}; the room for it was made). Returns the output length.
   */
  private hashInJs(fields: readonly string[]): number {
    const sc = (this.sc ??= new Scratch());
    hashDocument(this.params, fields, sc);
    sc.finish();
    this.views();
    const i32 = this.i32;
    const f32 = this.f32;
    const dfAt = this.dfAt >> 2;
    const idx = this.outIdxAt >> 2;
    const val = this.outValAt >> 2;
    const start = this.ex.outputLength();
    let k = start;
    for (let t = 0; t < sc.nTouched; t++) {
      const col = sc.touched[t]!;
      if (this.space) {
        const c = lowerBound(this.space.columns, col);
        if (c === this.space.columns.length || this.space.columns[c] !== col) continue;
        i32[idx + k] = c;
      } else {
        i32[dfAt + col]!++;
        i32[idx + k] = col;
      }
      f32[val + k++] = sc.counts[t]!;
    }
    sc.reset();
    // weightRow works on the output in place (views on the module's memory).
    this.space?.weightRow(i32.subarray(idx), f32.subarray(val), start, k);
    this.ex.setOutput(this.outIdxAt, this.outValAt, k);
    return k;
  }
}

/** Raw hashed rows of a batch of documents: bucket ids and counts, plus document frequency per bucket. */
export interface RawRows {
  indptr: Int32Array;
  cols: Int32Array;
  counts: Float32Array;
  df: Int32Array;
}

/**
 * Hashes every document for fitting (in WebAssembly when available, else {@link hashRowsInJs}: the same rows);
 * `onRow(d)` is called every 4096 rows (progress, cancellation).
 */
export function hashRows(p: TextFeaturizerParams, texts: readonly (readonly string[])[], onRow?: (d: number) => void): RawRows {
  const hasher = WasmTextHasher.create(p);
  if (!hasher) return hashRowsInJs(p, texts, onRow);
  const df = new Int32Array(2 << p.hashBits);
  const r = hasher.hash(texts, onRow, df);
  return { indptr: r.indptr, cols: r.indices, counts: r.values, df };
}

/**
 * Hashes parts of a training set for fitting, one after another on this thread (in WebAssembly when available, else
 * by {@link hashRowsInJs}: the same rows): each part's raw rows go to shared memory, and the document frequencies of
 * all parts add up in `df`.
 */
export class FitHasher {
  private readonly dfSum: Int32Array;
  private hasher: WasmTextHasher | null | undefined;

  constructor(private readonly params: TextFeaturizerParams) {
    this.dfSum = new Int32Array(2 << params.hashBits);
  }

  /**
   * The raw rows of documents `texts`, which start at document `first` of the training set; `onRow(d)` is called
   * every 4096 of them (progress, cancellation).
   */
  part(texts: readonly (readonly string[])[], first: number, onRow?: (d: number) => void): RawPart {
    this.hasher ??= WasmTextHasher.create(this.params) ?? null;
    if (this.hasher) {
      const r = this.hasher.hashAdding(texts, onRow);
      return { first, indptr: r.indptr, cols: r.indices, counts: r.values };
    }
    const r = hashRowsInJs(this.params, texts, onRow);
    for (let c = 0; c < r.df.length; c++) this.dfSum[c]! += r.df[c]!;
    return { first, indptr: shared(r.indptr), cols: shared(r.cols), counts: shared(r.counts) };
  }

  /** Document frequency per raw bucket of all the parts hashed. */
  get df(): Int32Array {
    this.hasher?.takeDf(this.dfSum);
    return this.dfSum;
  }
}

/** {@link hashRows} by the JavaScript pass alone. */
export function hashRowsInJs(p: TextFeaturizerParams, texts: readonly (readonly string[])[], onRow?: (d: number) => void): RawRows {
  const width = 2 << p.hashBits;
  const sc = new Scratch();
  const df = new Int32Array(width);
  const buf = new EntryBuffer(Math.max(1024, texts.length * 64));
  const indptr = new Int32Array(texts.length + 1);
  for (let d = 0; d < texts.length; d++) {
    if ((d & 4095) === 4095) onRow?.(d);
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
  return { indptr, cols: buf.indices.slice(0, buf.length), counts: buf.values.slice(0, buf.length), df };
}
