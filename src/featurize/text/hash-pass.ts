// The hashing pass: one document's text → distinct hashed n-gram buckets with (title-weighted) counts.
// Shared by fitting, transforming and the worker threads that hash in parallel.
import type { TextFeaturizerParams } from "./params.js";
import { normalizeText } from "./normalize.js";
import { tokenize, tokenBuffers, type TokenBuffers } from "./tokenize.js";
import { FNV_OFFSET, fnvString, pairHash } from "./hashing.js";

/** Salt that separates character n-gram hashes from word hashes. */
export const CHAR_SALT = 0x5bd1e995;
/** The space that pads each Latin word for character n-grams. */
export const PAD = 32;

/**
 * Per-document n-gram counts in a small open-addressing table that stays in cache (a dense array over
 * all buckets costs a cache miss per n-gram). `touched` lists the distinct buckets in first-seen order.
 */
export class Scratch {
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

/**
 * Receives every n-gram occurrence {@link hashDocument} counts, with the text it came from, to name hashed
 * features (feature-names.ts). The featurizer passes none: its hot loop then pays one well-predicted branch
 * per n-gram, and allocates nothing.
 */
export interface NgramRecorder {
  /** A word n-gram: `words[start .. start + n)` of text field `field`, counted into `bucket` with `weight`. */
  word(bucket: number, weight: number, field: number, words: readonly string[], start: number, n: number): void;
  /**
   * A character n-gram: code units `[start, end)` of `run` as hashed, that is with a PAD space on each side of a
   * Latin word (`cjk` false) and as it is for a CJK run.
   */
  char(bucket: number, weight: number, field: number, run: string, cjk: boolean, start: number, end: number): void;
}

/**
 * Hashes every n-gram of one document into `sc` (raw counts, title weighted), telling `rec` (when given) of
 * each occurrence in the order visited: per field, word n-grams by start then length, then character n-grams
 * by run, start and length. The one definition of the text features: training, prediction and explanations.
 */
export function hashDocument(p: TextFeaturizerParams, fields: readonly string[], sc: Scratch, rec?: NgramRecorder): void {
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
          if (n >= wMin) {
            const bucket = Math.imul(h, 0x9e3779b1) >>> shift;
            sc.add(bucket, weight);
            if (rec !== undefined) rec.word(bucket, weight, f, tb.words, i, n);
          }
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
          if (j - i + 1 >= lo) {
            const bucket = charBase + (Math.imul(h ^ CHAR_SALT, 0x9e3779b1) >>> shift);
            sc.add(bucket, weight);
            if (rec !== undefined) rec.char(bucket, weight, f, run, cjk, i, j + 1);
          }
        }
      }
    }
  }
}
