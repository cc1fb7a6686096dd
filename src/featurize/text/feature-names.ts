// Names for hashed features: runs the hashing pass over one document with a recorder that keeps every n-gram's
// text and bucket. Exact for the document it is given, and nothing has to be stored in a model.
import type { TextFeaturizerParams } from "./params.js";
import { lowerBound } from "../../linalg/search.js";
import { hashDocument, PAD, Scratch, type NgramRecorder } from "./hash-pass.js";

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

const PAD_CHAR = String.fromCharCode(PAD);

/** Collects the occurrences {@link hashDocument} reports, with their text. */
class OccurrenceList implements NgramRecorder {
  readonly out: NgramOccurrence[] = [];
  /** The run last seen and its padded code units (one string per run, not per n-gram). */
  private run: string | undefined;
  private cjk = false;
  private units = "";

  word(bucket: number, weight: number, field: number, words: readonly string[], start: number, n: number): void {
    const text = words.slice(start, start + n).join(" ");
    this.out.push({ bucket, weight, kind: "word", text, source: text, field });
  }

  char(bucket: number, weight: number, field: number, run: string, cjk: boolean, start: number, end: number): void {
    // The code units hashDocument hashed: CJK runs as they are, Latin words padded with a space (shown as "_").
    if (run !== this.run || cjk !== this.cjk) {
      this.run = run;
      this.cjk = cjk;
      this.units = cjk ? run : PAD_CHAR + run + PAD_CHAR;
    }
    const text = cjk ? this.units.slice(start, end) : this.units.slice(start, end).replaceAll(" ", "_");
    this.out.push({ bucket, weight, kind: "char", text, source: run, field });
  }
}

/**
 * Every hashed n-gram of one document, in the order the hashing pass visits them: it is `hashDocument` itself,
 * run with a recorder (same normalization, tokenization, hashes and title weighting; a test pins it bucket for
 * bucket). Costs about one featurizing pass plus a string per n-gram: meant for explaining a few products.
 * @example documentNgrams(params, ["Electric kettle 1.7 l"]).filter((g) => g.kind === "word").map((g) => g.text)
 *   // ["electric", "electric kettle", "kettle", "kettle 1", …]
 */
export function documentNgrams(p: TextFeaturizerParams, fields: readonly string[]): NgramOccurrence[] {
  const list = new OccurrenceList();
  hashDocument(p, fields, new Scratch(), list);
  return list.out;
}

/**
 * Compact column of a raw bucket in a fitted featurizer's ascending `columns`, or -1 when the bucket
 * was not seen in training (binary search, O(log dim)).
 */
export function columnOfBucket(columns: Int32Array, bucket: number): number {
  const lo = lowerBound(columns, bucket);
  return lo < columns.length && columns[lo] === bucket ? lo : -1;
}
