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

/** Word unigrams and bigrams of a title (each once), skipping one-letter Latin words. */
function terms(title: string, buf = tokenBuffers()): string[] {
  buf.words.length = 0;
  buf.runs.length = 0;
  buf.runIsCjk.length = 0;
  tokenize(normalizeText(title), buf);
  const words = buf.words.filter((w) => w.length >= MIN_TERM_CHARS || w.charCodeAt(0) > 0x2e80);
  const out = new Set<string>(words);
  for (let i = 0; i + 1 < words.length; i++) out.add(`${words[i]} ${words[i + 1]}`);
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
