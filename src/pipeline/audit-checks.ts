// Catalog checks of the audit that need no classifier: exact and near-duplicate groups, class imbalance.
import { matchRows } from "../cluster/match.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { normalizeText } from "../featurize/text/normalize.js";
import { TextFeaturizer } from "../featurize/text/text-featurizer.js";

/** One product of a duplicate group. */
export interface DuplicateMember {
  id: string;
  line?: number;
  label?: string;
  title: string;
}

/** Products with the same (or nearly the same) text. */
export interface DuplicateGroup {
  size: number;
  /** True when the members are filed under more than one category. */
  conflicting: boolean;
  /** The members' distinct categories, most frequent first. */
  labels: string[];
  /** Near duplicates: the members' mean pairwise cosine similarity. */
  similarity?: number;
  members: DuplicateMember[];
}

/** Class sizes and how uneven they are. */
export interface CatalogImbalance {
  /** Products per category, largest first. */
  counts: { label: string; count: number }[];
  largest: { label: string; count: number };
  smallest: { label: string; count: number };
  /** largest / smallest. */
  ratio: number;
  /** Gini coefficient of the category sizes: 0 = all equal, towards 1 = one category holds almost all. */
  gini: number;
  /** Entropy of the label distribution over log(categories): 1 = balanced. */
  normalizedEntropy: number;
}

/** The duplicate key of a product: its text fields joined, normalized, whitespace collapsed. */
export function duplicateKey(p: Product): string {
  return normalizeText(p.text.join(" ")).replace(/\s+/g, " ").trim();
}

function group(products: readonly Product[], rows: readonly number[], similarity?: number): DuplicateGroup {
  const freq = new Map<string, number>();
  const members = rows.map((r) => {
    const p = products[r]!;
    if (p.label !== undefined) freq.set(p.label, (freq.get(p.label) ?? 0) + 1);
    return { id: p.id, ...(p.line !== undefined ? { line: p.line } : {}), ...(p.label !== undefined ? { label: p.label } : {}), title: p.text[0] ?? "" };
  });
  const labels = [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l);
  return { size: rows.length, conflicting: labels.length > 1, labels, ...(similarity !== undefined ? { similarity: Math.round(similarity * 1e4) / 1e4 } : {}), members };
}

/** Conflicting groups first, then larger groups, then by first product. */
function byConcern(a: { g: DuplicateGroup; first: number }, b: { g: DuplicateGroup; first: number }): number {
  return Number(b.g.conflicting) - Number(a.g.conflicting) || b.g.size - a.g.size || a.first - b.first;
}

/**
 * Exact duplicates (same normalized text) and near duplicates: average-linkage groups of {@link matchRows}
 * whose mean cosine similarity of word + character n-gram TF-IDF is at least `threshold`, blocking on
 * shared rare words. A near group is reported only when its members are not all exact duplicates of one
 * another. Products without text are ignored. Groups whose labels disagree come first.
 * @example const { exact, near } = await findDuplicates(products, { threshold: 0.9 });
 */
export async function findDuplicates(
  products: readonly Product[],
  options: RunOptions & { threshold?: number } = {},
): Promise<{ exact: DuplicateGroup[]; near: DuplicateGroup[] }> {
  const keys = products.map(duplicateKey);
  const byKey = new Map<string, number[]>();
  keys.forEach((k, i) => {
    if (k === "") return;
    const rows = byKey.get(k);
    if (rows) rows.push(i);
    else byKey.set(k, [i]);
  });
  const exact = [...byKey.values()]
    .filter((rows) => rows.length > 1)
    .map((rows) => ({ g: group(products, rows), first: rows[0]! }))
    .sort(byConcern)
    .map((x) => x.g);

  const rows = products.map((_, i) => i).filter((i) => keys[i] !== "");
  if (rows.length < 2) return { exact, near: [] };
  const texts = rows.map((i) => products[i]!.text);
  const run: RunOptions = { signal: options.signal, onProgress: options.onProgress };
  const words = await new TextFeaturizer({ wordNgrams: [1, 1], charNgrams: [0, 0], cjkCharNgrams: [1, 1], sublinearTf: false }).fitTransformTexts(texts, run);
  const full = await new TextFeaturizer({}).fitTransformTexts(texts, run);
  const m = matchRows(words.matrix, full.matrix, { ...run, threshold: options.threshold ?? 0.9 });
  const clusters: number[][] = Array.from({ length: m.k }, () => []);
  for (let r = 0; r < rows.length; r++) clusters[m.labels[r]!]!.push(r);
  const near = clusters
    .filter((c) => c.length > 1 && new Set(c.map((r) => keys[rows[r]!])).size > 1)
    .map((c) => {
      let s = 0;
      for (const r of c) s += m.cohesion[r]!;
      return { g: group(products, c.map((r) => rows[r]!), s / c.length), first: rows[c[0]!]! };
    })
    .sort(byConcern)
    .map((x) => x.g);
  return { exact, near };
}

/**
 * Category sizes, largest/smallest ratio, Gini coefficient and normalized entropy.
 * @param labels category names by index; `y` the category index of each product
 */
export function catalogImbalance(labels: readonly string[], y: Int32Array): CatalogImbalance {
  const n = new Float64Array(labels.length);
  for (let i = 0; i < y.length; i++) n[y[i]!]!++;
  const counts = labels.map((label, c) => ({ label, count: n[c]! })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
  const K = counts.length;
  const total = y.length;
  // Gini over sizes sorted ascending: (2 Σ i·x_(i)) / (K Σ x) − (K + 1) / K, i from 1.
  let weighted = 0;
  for (let i = 0; i < K; i++) weighted += (i + 1) * counts[K - 1 - i]!.count;
  const gini = K > 1 && total > 0 ? (2 * weighted) / (K * total) - (K + 1) / K : 0;
  let h = 0;
  for (const { count } of counts) if (count > 0) h -= (count / total) * Math.log(count / total);
  const largest = counts[0] ?? { label: "", count: 0 };
  const smallest = counts[K - 1] ?? { label: "", count: 0 };
  return {
    counts,
    largest,
    smallest,
    ratio: smallest.count > 0 ? Math.round((largest.count / smallest.count) * 1e4) / 1e4 : 0,
    gini: Math.round(Math.max(0, gini) * 1e4) / 1e4,
    normalizedEntropy: K > 1 ? Math.round((h / Math.log(K)) * 1e4) / 1e4 : 1,
  };
}
