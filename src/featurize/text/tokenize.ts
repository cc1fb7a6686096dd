// Tokenization for Latin scripts (letter/digit runs) and Chinese/Japanese (jieba word segmentation).
import { createRequire } from "node:module";

interface JiebaLike {
  cut(s: string, hmm?: boolean): string[];
}

let jieba: JiebaLike | undefined;

/** The shared jieba segmenter, loaded on first use (~0.2 s for its dictionary). */
function segmenter(): JiebaLike {
  if (!jieba) {
    const require = createRequire(import.meta.url);
    const { Jieba } = require("@node-rs/jieba") as { Jieba: { withDict(d: Uint8Array): JiebaLike } };
    const { dict } = require("@node-rs/jieba/dict") as { dict: Uint8Array };
    jieba = Jieba.withDict(dict);
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
const SEP = 0;
const WORD = 1;
const CJK = 2;
const CONTINUE = -1;

function classOf(c: number, s: string, i: number): number {
  if (c < 128) {
    return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) ? WORD : SEP;
  }
  if (c >= 0xd800 && c <= 0xdbff) {
    const cp = s.codePointAt(i)!;
    return isCjk(cp) ? CJK : WORD_CHAR.test(String.fromCodePoint(cp)) ? WORD : SEP;
  }
  if (c >= 0xdc00 && c <= 0xdfff) return CONTINUE; // low surrogate: same class as its high surrogate
  if (isCjk(c)) return CJK;
  return WORD_CHAR.test(s[i]!) ? WORD : SEP;
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
 * Splits normalized text into words and character-n-gram runs, appending to `out`. Latin/Cyrillic/…
 * words are maximal letter/digit runs ("64gb", "liw714w15"); text with CJK characters is segmented by
 * jieba in one call ("华为mate60手机" → 华为 | mate60 | 手机), and each CJK run is also kept whole for
 * character n-grams.
 */
export function tokenize(s: string, out: TokenBuffers): void {
  const before = out.words.length;
  const hasCjk = scan(s, 0, s.length, out, true);
  if (!hasCjk) return;
  // The segmenter gives the words of the whole text: drop the Latin words the scan recorded.
  out.words.length = before;
  // One native call per text (per-run calls cost more in call overhead than in segmentation).
  const parts = segmenter().cut(s, true);
  for (const p of parts) {
    const c = p.codePointAt(0)!;
    if (isCjk(c)) out.words.push(p);
    else scan(p, 0, p.length, out, false);
  }
}

/**
 * Scans s[from, to): records Latin words, and with `runs` set also every run (Latin words and whole CJK
 * runs) for character n-grams. Returns whether a CJK run was seen.
 */
function scan(s: string, from: number, to: number, out: TokenBuffers, runs: boolean): boolean {
  let hasCjk = false;
  let i = from;
  while (i < to) {
    const cls = classOf(s.charCodeAt(i), s, i);
    if (cls === SEP || cls === CONTINUE) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < to) {
      const c = classOf(s.charCodeAt(j), s, j);
      if (c !== cls && c !== CONTINUE) break;
      j++;
    }
    if (cls === WORD) {
      const run = s.slice(i, j);
      out.words.push(run);
      if (runs) {
        out.runs.push(run);
        out.runIsCjk.push(0);
      }
    } else if (runs) {
      hasCjk = true;
      out.runs.push(s.slice(i, j));
      out.runIsCjk.push(1);
    }
    i = j;
  }
  return hasCjk;
}
