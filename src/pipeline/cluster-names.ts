// Cluster names from class-based TF-IDF (terms frequent in one cluster and rare in the others), and examples.
import { normalizeText } from "../featurize/text/normalize.js";
import { tokenBuffers, tokenize } from "../featurize/text/tokenize.js";
import { NOISE } from "../cluster/contracts.js";

/** A term of a cluster and its class-based TF-IDF weight. */
export interface TermScore {
  term: string;
  score: number;
}

const MIN_TERM_CHARS = 2;

/** Words that never name a cluster alone: function words (English, German, French, Spanish, Chinese) and bare units. */
const STOP = new Set(
  (
    "a an and are as at be by for from has in into is it of on or the to with without your our new " +
    "und mit für der die das ein eine von zu im in auf et avec pour le la les de des du un une y con para el los las " +
    "的 了 和 与 及 是 在 也 很 都 就 我 有 不 这 个 买 " +
    "gb tb mb mm cm m kg g l ml w kw mah hz ghz mhz inch in x pcs pc pack set"
  ).split(" "),
);
const NUMERIC = /^\d+(?:[.,]\d+)?[a-z]{0,3}$/;

/** Whether a word carries meaning for a name (not a stop word, unit or bare quantity like "10" or "5l"). */
function meaningful(w: string): boolean {
  return !STOP.has(w) && !NUMERIC.test(w);
}

/** Word unigrams and bigrams of a title (each once), skipping one-letter Latin words. */
function terms(title: string, buf = tokenBuffers()): string[] {
  buf.words.length = 0;
  buf.runs.length = 0;
  buf.runIsCjk.length = 0;
  tokenize(normalizeText(title), buf);
  const words = buf.words.filter((w) => w.length >= MIN_TERM_CHARS || w.charCodeAt(0) > 0x2e80);
  const out = new Set<string>(words.filter(meaningful));
  // Bigrams need one meaningful word ("galaxy s24", "64gb ram" is dropped, "frying pan" kept).
  for (let i = 0; i + 1 < words.length; i++) {
    const a = words[i]!;
    const b = words[i + 1]!;
    if ((meaningful(a) || meaningful(b)) && !STOP.has(a) && !STOP.has(b)) out.add(`${a} ${b}`);
  }
  return [...out];
}

/**
 * The `top` distinctive terms of each cluster by class-based TF-IDF (Grootendorst's c-TF-IDF): the term's
 * share of the cluster's terms × log(1 + average terms per cluster / the term's count over all clusters).
 * Noise rows are left out. Returns one list per cluster id 0..k-1.
 * @example topTerms(["apple iphone 8", "iphone 8 64gb", "bosch washer"], Int32Array.of(0, 0, 1), 2, 3)
 */
export function topTerms(titles: readonly string[], labels: Int32Array, k: number, top = 8): TermScore[][] {
  const perCluster: Map<string, number>[] = Array.from({ length: k }, () => new Map());
  const total = new Map<string, number>();
  const words = new Float64Array(k);
  const buf = tokenBuffers();
  for (let i = 0; i < titles.length; i++) {
    const c = labels[i]!;
    if (c === NOISE) continue;
    const m = perCluster[c]!;
    for (const t of terms(titles[i]!, buf)) {
      m.set(t, (m.get(t) ?? 0) + 1);
      total.set(t, (total.get(t) ?? 0) + 1);
      words[c]!++;
    }
  }
  let sum = 0;
  for (let c = 0; c < k; c++) sum += words[c]!;
  const avg = k > 0 ? sum / k : 0;
  return perCluster.map((m, c) => {
    const scored: TermScore[] = [];
    for (const [term, tf] of m) {
      if (tf < 2 && m.size > 1 && words[c]! > 20) continue; // a term seen once in a big cluster says little
      scored.push({ term, score: (tf / words[c]!) * Math.log(1 + avg / total.get(term)!) });
    }
    scored.sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : 1));
    return pickDistinct(scored, top);
  });
}

/** The best terms, skipping those whose words all appear in terms already chosen ("iphone" after "apple iphone"). */
function pickDistinct(sorted: TermScore[], top: number): TermScore[] {
  const chosen: TermScore[] = [];
  const seen = new Set<string>();
  for (const t of sorted) {
    if (chosen.length >= top) break;
    const ws = t.term.split(" ");
    if (ws.every((w) => seen.has(w))) continue;
    chosen.push(t);
    for (const w of ws) seen.add(w);
  }
  return chosen;
}

/** A short name from the top terms: the first three, joined with " · ". */
export function nameFromTerms(ts: readonly TermScore[]): string {
  return ts.length === 0 ? "(no terms)" : ts.slice(0, 3).map((t) => t.term).join(" · ");
}
