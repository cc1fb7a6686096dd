// The vocabulary of the fastText trainer: word counts, subword rows (CSR), discard and negative-sampling tables.
import { Random } from "../../core/random.js";
import { subwordIds } from "./subwords.js";

/** Size of the negative-sampling table (fastText uses 10M; 1M keeps the unigram^0.5 shape for catalog vocabularies). */
const NEGATIVE_TABLE_SIZE = 1_000_000;

/** Words in frequency order plus the tables training needs. */
export interface Vocabulary {
  words: string[];
  counts: Int32Array;
  /** Total tokens of in-vocabulary words. */
  tokens: number;
  /** Input rows of word w: subIds[subStart[w] .. subStart[w+1]) (the word's own row first, then its n-gram buckets). */
  subStart: Int32Array;
  subIds: Int32Array;
}

/** Counts words and keeps those seen at least `minCount` times, most frequent first (ties by first appearance). */
export function buildVocabulary(lines: readonly (readonly string[])[], minCount: number, minn: number, maxn: number, buckets: number): Vocabulary {
  const index = new Map<string, number>();
  const rawCounts: number[] = [];
  for (const line of lines) {
    for (const w of line) {
      const i = index.get(w);
      if (i === undefined) {
        index.set(w, rawCounts.length);
        rawCounts.push(1);
      } else rawCounts[i]!++;
    }
  }
  const kept: { w: string; c: number; first: number }[] = [];
  for (const [w, i] of index) if (rawCounts[i]! >= minCount) kept.push({ w, c: rawCounts[i]!, first: i });
  kept.sort((a, b) => b.c - a.c || a.first - b.first);
  const words = kept.map((k) => k.w);
  const counts = Int32Array.from(kept, (k) => k.c);
  const nwords = words.length;
  const { subStart, subIds } = subwordTable(words, minn, maxn, buckets);
  let tokens = 0;
  for (let i = 0; i < nwords; i++) tokens += counts[i]!;
  return { words, counts, tokens, subStart, subIds };
  function subwordTable(ws: string[], mn: number, mx: number, b: number): { subStart: Int32Array; subIds: Int32Array } {
    const start = new Int32Array(ws.length + 1);
    const ids: number[] = [];
    ws.forEach((w, i) => {
      ids.push(i);
      // fastText gives the end-of-sentence token no subwords; we have none, so every word gets its n-grams.
      for (const s of subwordIds(w, mn, mx, b, nwords)) ids.push(s);
      start[i + 1] = ids.length;
    });
    return { subStart: start, subIds: Int32Array.from(ids) };
  }
}

/** Word ids of each line (out-of-vocabulary words dropped) as one flat array plus line starts. */
export function encodeLines(lines: readonly (readonly string[])[], words: readonly string[]): { tokens: Int32Array; lineStart: Int32Array } {
  const index = new Map<string, number>();
  words.forEach((w, i) => index.set(w, i));
  const lineStart = new Int32Array(lines.length + 1);
  const out: number[] = [];
  lines.forEach((line, l) => {
    for (const w of line) {
      const i = index.get(w);
      if (i !== undefined) out.push(i);
    }
    lineStart[l + 1] = out.length;
  });
  return { tokens: Int32Array.from(out), lineStart };
}

/** Keep-probability per word for subsampling (fastText `initTableDiscard`): √(t/f) + t/f, capped at 1. */
export function discardTable(counts: Int32Array, tokens: number, t: number): Float32Array {
  const out = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    if (t <= 0) {
      out[i] = 1;
      continue;
    }
    const f = counts[i]! / tokens;
    out[i] = Math.min(1, Math.sqrt(t / f) + t / f);
  }
  return out;
}

/** Unigram^0.5 table of word ids for negative sampling, shuffled (fastText `initTableNegatives`). */
export function negativeTable(counts: Int32Array, seed: number): Int32Array {
  let z = 0;
  for (let i = 0; i < counts.length; i++) z += Math.sqrt(counts[i]!);
  const table: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    const c = Math.sqrt(counts[i]!);
    for (let j = 0; j < (c * NEGATIVE_TABLE_SIZE) / z; j++) table.push(i);
  }
  return new Random(seed).shuffle(Int32Array.from(table));
}
