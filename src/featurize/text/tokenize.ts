// Tokenization for Latin scripts (letter/digit runs) and Chinese/Japanese (jieba word segmentation).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

interface JiebaLike {
  cut(s: string, hmm?: boolean): string[];
}

let jieba: JiebaLike | undefined;

/**
 * The package's word list, read as its `dict` module reads it: that module also reads the 6 MB idf table of its
 * keyword extraction, which segmenting never uses (~5 ms a thread that segments). The module where the file is
 * not found.
 */
function dictionary(require: NodeJS.Require): Uint8Array {
  try {
    return readFileSync(require.resolve("@node-rs/jieba/dict.txt"));
  } catch {
    return (require("@node-rs/jieba/dict") as { dict: Uint8Array }).dict;
  }
}

/** The shared jieba segmenter, loaded on first use (~0.2 s for its dictionary). */
function segmenter(): JiebaLike {
  if (!jieba) {
    const require = createRequire(import.meta.url);
    const { Jieba } = require("@node-rs/jieba") as { Jieba: { withDict(d: Uint8Array): JiebaLike } };
    jieba = Jieba.withDict(dictionary(require));
  }
  return jieba;
}

/** True for Han ideographs, kana and Hangul: scripts written without spaces between words. */
export function isCjk(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0x20000 && c <= 0x2fa1f)
  );
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/** Character classes of the scanner. */
export const SEP = 0;
export const WORD = 1;
export const CJK = 2;
const CONTINUE = -1;

/** The class of a code point that is neither ASCII nor a surrogate (SEP, WORD or CJK). */
export function codePointClass(cp: number): number {
  return isCjk(cp) ? CJK : WORD_CHAR.test(String.fromCodePoint(cp)) ? WORD : SEP;
}

/** Whether this thread has loaded the segmenter's dictionary (the first segmentation here pays ~0.2 s if not). */
export function segmenterLoaded(): boolean {
  return jieba !== undefined;
}

/** jieba's segmentation of normalized text (its parts, in order: they normally add up to the text). */
export function segment(s: string): string[] {
  return segmenter().cut(s, true);
}

/** Texts per jieba call of {@link segmentLengths}, and their most characters. */
const SEGMENT_BATCH = 256;
const SEGMENT_BATCH_CHARS = 1 << 18;

/** The lengths of the parts of many texts' segmentations: text i's are `lengths[starts[i]]` to `lengths[starts[i + 1] - 1]`. */
export interface SegmentLengths {
  lengths: Int32Array;
  starts: Int32Array;
}

/**
 * The lengths of {@link segment}'s parts of each text (what the WebAssembly hashing pass takes: it has the text),
 * in a few calls: texts joined by NUL, which jieba never joins to a neighbour (a character outside its word
 * pattern is a part of its own), so its parts are each text's parts with a "\0" part between texts. Each call to
 * the native segmenter costs about as much as cutting a short text, so a batch of product titles or reviews is
 * cut in about 30% less time; and no array of parts is made per text. Texts holding NUL themselves, or a batch
 * whose parts do not come out one group per text, are cut one by one.
 */
export function segmentLengths(texts: readonly string[]): SegmentLengths {
  const starts = new Int32Array(texts.length + 1);
  let lengths = new Int32Array(64);
  let n = 0;
  const put = (len: number): void => {
    if (n === lengths.length) {
      const grown = new Int32Array(n * 2);
      grown.set(lengths);
      lengths = grown;
    }
    lengths[n++] = len;
  };
  const oneByOne = (from: number, to: number): void => {
    for (let t = from; t < to; t++) {
      starts[t] = n;
      for (const part of segment(texts[t]!)) put(part.length);
    }
  };
  for (let i = 0; i < texts.length; ) {
    let j = i;
    let chars = 0;
    while (j < texts.length && j - i < SEGMENT_BATCH && (j === i || chars + texts[j]!.length <= SEGMENT_BATCH_CHARS)) chars += texts[j++]!.length;
    const batch = texts.slice(i, j);
    if (batch.length === 1 || batch.some((t) => t.includes("\0") || t.length === 0)) oneByOne(i, j);
    else {
      const first = n;
      let t = i;
      starts[t] = n;
      for (const part of segmenter().cut(batch.join("\0"), true)) {
        const len = part.length;
        if (len === 1 && part.charCodeAt(0) === 0) {
          if (++t < j) starts[t] = n;
        } else put(len);
      }
      if (t !== j - 1) {
        n = first;
        oneByOne(i, j);
      }
    }
    i = j;
  }
  starts[texts.length] = n;
  return { lengths: lengths.subarray(0, n), starts };
}

function classOf(c: number, s: string, i: number): number {
  if (c < 128) {
    return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) ? WORD : SEP;
  }
  if (c >= 0xd800 && c <= 0xdbff) return codePointClass(s.codePointAt(i)!);
  if (c >= 0xdc00 && c <= 0xdfff) return CONTINUE; // low surrogate: same class as its high surrogate
  return codePointClass(c);
}

/** Output buffers of {@link tokenize}, reused between calls to avoid allocation. */
export interface TokenBuffers {
  /** Word tokens in order: Latin words and segmented CJK words. */
  words: string[];
  /** Units for character n-grams: each Latin word, and each whole CJK run. */
  runs: string[];
  /** 1 where `runs[i]` is a CJK run, else 0. */
  runIsCjk: number[];
}

export function tokenBuffers(): TokenBuffers {
  return { words: [], runs: [], runIsCjk: [] };
}

/**
 * Splits normalized text into words and character-n-gram runs, appending to `out`. Words are maximal
 * letter/digit runs ("64gb", "liw714w15"); text with CJK characters is segmented by jieba in one call
 * ("华为mate60手机" → 华为 | mate60 | 手机). Runs for character n-grams are the whitespace-separated chunks
 * with their punctuation ("18-150mm", "a+++", as scikit-learn's char_wb sees them), split where CJK text
 * starts or ends; each CJK run is kept whole.
 */
export function tokenize(s: string, out: TokenBuffers): void {
  const hasCjk = scanRuns(s, out);
  if (!hasCjk) {
    scanWords(s, 0, s.length, out);
    return;
  }
  // One native call per text (per-run calls cost more in call overhead than in segmentation).
  const parts = segment(s);
  for (const p of parts) {
    const c = p.codePointAt(0)!;
    if (isCjk(c)) out.words.push(p);
    else scanWords(p, 0, p.length, out);
  }
}

function isSpace(c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0xfeff;
}

/** Records character-n-gram runs; returns whether any CJK run was seen. */
function scanRuns(s: string, out: TokenBuffers): boolean {
  let hasCjk = false;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const cjk = classOf(c, s, i) === CJK;
    let j = i + 1;
    let hasWordChar = cjk || classOf(c, s, i) === WORD;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (isSpace(d)) break;
      const cls = classOf(d, s, j);
      if (cls !== CONTINUE && (cls === CJK) !== cjk) break;
      if (cls === WORD) hasWordChar = true;
      j++;
    }
    if (hasWordChar) {
      out.runs.push(s.slice(i, j));
      out.runIsCjk.push(cjk ? 1 : 0);
      if (cjk) hasCjk = true;
    }
    i = j;
  }
  return hasCjk;
}

/** Records the letter/digit words of s[from, to). */
function scanWords(s: string, from: number, to: number, out: TokenBuffers): void {
  let i = from;
  while (i < to) {
    const cls = classOf(s.charCodeAt(i), s, i);
    if (cls !== WORD) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < to) {
      const c = classOf(s.charCodeAt(j), s, j);
      if (c !== WORD && c !== CONTINUE) break;
      j++;
    }
    out.words.push(s.slice(i, j));
    i = j;
  }
}
