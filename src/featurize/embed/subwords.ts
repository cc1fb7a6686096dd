// fastText's subword scheme: character n-grams of "<word>" over UTF-8, hashed with 32-bit FNV-1a.

const encoder = new TextEncoder();

/**
 * fastText's hash (`Dictionary::hash`): 32-bit FNV-1a over the UTF-8 bytes, each byte sign-extended as a C
 * `char` is (so bytes ≥ 0x80 mix in as 0xffffff80…, exactly as fastText does).
 * @example fnv1a("a") === 0xe40c292c
 */
export function fnv1a(s: string | Uint8Array): number {
  const bytes = typeof s === "string" ? encoder.encode(s) : s;
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h = (h ^ ((bytes[i]! << 24) >> 24)) >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The character n-grams fastText makes for `word` (`Dictionary::computeSubwords`): n from minn to maxn over
 * "<word>", counted in UTF-8 characters, leaving out the single "<" and ">" for n = 1.
 * @example charNgrams("where", 3, 3) // ["<wh", "whe", "her", "ere", "re>"]
 */
export function charNgrams(word: string, minn: number, maxn: number): string[] {
  const out: string[] = [];
  if (minn <= 0 || maxn < minn) return out;
  const chars = Array.from(`<${word}>`);
  const size = chars.length;
  for (let i = 0; i < size; i++) {
    let ngram = "";
    for (let j = i, n = 1; j < size && n <= maxn; n++, j++) {
      ngram += chars[j];
      if (n >= minn && !(n === 1 && (i === 0 || j === size - 1))) out.push(ngram);
    }
  }
  return out;
}

/** The bucket rows (offset by `nwords`) of a word's n-grams, as fastText indexes them into its input matrix. */
export function subwordIds(word: string, minn: number, maxn: number, buckets: number, nwords: number): number[] {
  return charNgrams(word, minn, maxn).map((g) => nwords + (fnv1a(g) % buckets));
}
