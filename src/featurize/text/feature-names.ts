// Names for hashed features: re-tokenizes one document as the hashing pass does and reports every n-gram
// with its text and bucket. Exact for the document it is given, and nothing has to be stored in a model.
import type { TextFeaturizerParams } from "./params.js";
import { lowerBound } from "../../linalg/search.js";
import { normalizeText } from "./normalize.js";
import { tokenize, tokenBuffers } from "./tokenize.js";
import { FNV_OFFSET, fnvString, pairHash } from "./hashing.js";
import { CHAR_SALT, PAD } from "./hash-pass.js";

/** One n-gram occurrence of a document, as the hashing pass counts it. */
export interface NgramOccurrence {
  /** Raw bucket (word block below 2^hashBits, character block above), as in `FittedTextFeaturizer.columns`. */
  bucket: number;
  /** What the occurrence adds to the bucket's count: the title weight in the first field, else 1. */
  weight: number;
  /** A word n-gram (tokens joined by a space) or a character n-gram. */
  kind: "word" | "char";
  /** The n-gram: "electric kettle", or for characters "_ket" (the word padding shown as "_"). */
  text: string;
  /** The unit it came from: the n-gram itself for words; for characters the word (or CJK run) it is part of. */
  source: string;
  /** Index of the text field (0 = title). */
  field: number;
}

/**
 * Every hashed n-gram of one document, in the order the hashing pass visits them (same normalization,
 * tokenization, hashes and title weighting as `hashDocument`, which a test pins bucket for bucket).
 * Costs about one featurizing pass plus a string per n-gram: meant for explaining a few products.
 * @example documentNgrams(params, ["Electric kettle 1.7 l"]).filter((g) => g.kind === "word").map((g) => g.text)
 *   // ["electric", "electric kettle", "kettle", "kettle 1", …]
 */
export function documentNgrams(p: TextFeaturizerParams, fields: readonly string[]): NgramOccurrence[] {
  const out: NgramOccurrence[] = [];
  const shift = 32 - p.hashBits;
  const charBase = 1 << p.hashBits;
  const [wMin, wMax] = p.wordNgrams;
  const [cMin, cMax] = p.charNgrams;
  const [kMin, kMax] = p.cjkCharNgrams;
  for (let f = 0; f < fields.length; f++) {
    const raw = fields[f];
    if (!raw) continue;
    const weight = f === 0 ? p.titleWeight : 1;
    if (weight === 0) continue;
    const tb = tokenBuffers();
    tokenize(normalizeText(raw, p.html), tb);
    const words = tb.words;
    if (wMax > 0) {
      const wh = words.map((w) => fnvString(w));
      for (let i = 0; i < words.length; i++) {
        let h = wh[i]!;
        for (let n = 1; n <= wMax && i + n <= words.length; n++) {
          if (n > 1) h = pairHash(h, wh[i + n - 1]!);
          if (n < wMin) continue;
          const text = words.slice(i, i + n).join(" ");
          out.push({ bucket: Math.imul(h, 0x9e3779b1) >>> shift, weight, kind: "word", text, source: text, field: f });
        }
      }
    }
    for (let r = 0; r < tb.runs.length; r++) {
      const run = tb.runs[r]!;
      const cjk = tb.runIsCjk[r] === 1;
      const lo = cjk ? kMin : cMin;
      const hi = cjk ? kMax : cMax;
      if (hi === 0) continue;
      // The same code units hashDocument hashes: CJK runs as they are, Latin words padded with a space.
      const units = cjk ? run : String.fromCharCode(PAD) + run + String.fromCharCode(PAD);
      for (let i = 0; i < units.length; i++) {
        let h = FNV_OFFSET;
        const end = Math.min(units.length, i + hi);
        for (let j = i; j < end; j++) {
          h = Math.imul(h ^ units.charCodeAt(j), 0x01000193);
          if (j - i + 1 < lo) continue;
          const bucket = charBase + (Math.imul(h ^ CHAR_SALT, 0x9e3779b1) >>> shift);
          const text = cjk ? units.slice(i, j + 1) : units.slice(i, j + 1).replaceAll(" ", "_");
          out.push({ bucket, weight, kind: "char", text, source: run, field: f });
        }
      }
    }
  }
  return out;
}

/**
 * Compact column of a raw bucket in a fitted featurizer's ascending `columns`, or -1 when the bucket
 * was not seen in training (binary search, O(log dim)).
 */
export function columnOfBucket(columns: Int32Array, bucket: number): number {
  const lo = lowerBound(columns, bucket);
  return lo < columns.length && columns[lo] === bucket ? lo : -1;
}
