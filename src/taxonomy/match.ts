// Matching free-form category labels to a taxonomy: exact, after normalizing, too deep, or near matches.

import { separatorParts, type SeparatorParts } from "./build.js";
import type { Taxonomy, TaxonomyNode } from "./taxonomy.js";

/** How a label relates to the taxonomy. */
export type LabelStatus = "exact" | "normalized" | "too-deep" | "unknown";

/** What normalizing changed to make a label match. */
export type LabelFix = "case" | "whitespace" | "separator" | "unicode" | "empty-level";

/** A node offered for a label, with its path and a score in [0, 1] (higher is closer). */
export interface PathSuggestion {
  id: string;
  path: string;
  score: number;
}

/** How one label matches. Fields beyond `status` depend on it (see each). */
export interface LabelMatch {
  status: LabelStatus;
  /** exact, normalized: the matching node and its canonical path. */
  id?: string;
  path?: string;
  /** normalized: what differs from the canonical path. */
  fixes?: LabelFix[];
  /** too-deep: the deepest existing ancestor (a leaf). unknown: the deepest level that matched, if any. */
  ancestor?: { id: string; path: string };
  /** too-deep: the label's levels below the ancestor. */
  extra?: string[];
  /** unknown: the closest nodes, best first. */
  suggestions?: PathSuggestion[];
}

/** Words in shop labels that taxonomies often spell otherwise (token → the taxonomy's words). */
const SYNONYMS: Readonly<Record<string, string>> = {
  smartphone: "mobile phone",
  cellphone: "mobile phone",
  cell: "mobile",
  handy: "mobile phone",
  notebook: "laptop",
  tv: "television",
  telly: "television",
  sneaker: "athletic shoe",
  trainer: "athletic shoe",
  tee: "shirt",
  tshirt: "shirt",
  sofa: "couch",
  couch: "sofa",
  pan: "skillet",
  fridge: "refrigerator",
  cellular: "mobile",
  earphone: "headphone",
  earbud: "headphone",
  pc: "computer",
  sport: "sporting",
};

const STOPWORDS = new Set(["and", "or", "of", "the", "for", "with", "a", "an", "in", "on", "to", "s"]);

/** Lower-case, NFKC, collapsed spaces: the form names are compared in. */
export function normalizeName(s: string): string {
  return s.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

/** Plural and possessive endings off: "batteries" → "battery", "boxes" → "box", "shoes" → "shoe". */
function stem(w: string): string {
  if (w.length > 4 && w.endsWith("ies")) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && /(?:ches|shes|sses|xes|zes)$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) return w.slice(0, -1);
  return w;
}

/** Content words of a text, normalized and stemmed ("T-Shirts & Tops" → ["tshirt", "top"]). */
export function tokens(s: string): string[] {
  const words = normalizeName(s).replace(/(\p{L})-(\p{L})/gu, "$1$2").split(/[^\p{L}\p{N}]+/u);
  const out: string[] = [];
  for (const w of words) if (w !== "" && !STOPWORDS.has(w)) out.push(stem(w));
  return out;
}

/** Levenshtein distance with two reused rows: O(|a|·|b|) time, O(|b|) memory. */
function editDistance(a: string, b: string, rowA: Int32Array, rowB: Int32Array): number {
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const del = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      const sub = prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = del < ins ? (del < sub ? del : sub) : ins < sub ? ins : sub;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

/** How close two words are: 1 the same, 0.6 when one (4+ letters) starts or ends the other, else 0. */
function wordPair(w: string, t: string): number {
  if (t === w) return 1;
  return w.length >= 4 && t.length >= 4 && (t.endsWith(w) || w.endsWith(t) || t.startsWith(w) || w.startsWith(t)) ? 0.6 : 0;
}

/** A label word scored against the whole vocabulary once: its own table and one per word of its synonym. */
interface Term {
  own: Float32Array;
  synonym: Float32Array[];
}

/** Best score of a table over a node's word ids. */
function best(table: Float32Array, ids: Int32Array): number {
  let b = 0;
  for (let i = 0; i < ids.length; i++) {
    const v = table[ids[i]!]!;
    if (v > b) {
      b = v;
      if (b === 1) break;
    }
  }
  return b;
}

/** How well a label word is found among a node's words, directly or through its synonym (all of whose words count). */
function termScore(t: Term, ids: Int32Array): number {
  let s = best(t.own, ids);
  if (s < 1 && t.synonym.length > 0) {
    let sum = 0;
    for (const table of t.synonym) sum += best(table, ids);
    s = Math.max(s, sum / t.synonym.length);
  }
  return s;
}

interface NodeKey {
  node: TaxonomyNode;
  path: string;
  name: string;
  /** Word ids of the name, and of the whole path (distinct). */
  nameIds: Int32Array;
  pathIds: Int32Array;
}

/** Label words whose vocabulary scores are kept between calls (4 bytes × vocabulary size each). */
const MAX_CACHED_TERMS = 2000;

/** Suggestions scoring less are left out. */
const MIN_SCORE = 0.45;

/**
 * Matches labels against one taxonomy; builds its indexes once (O(nodes)), so build a new one after
 * renaming nodes. `suggest` scores every node, skipping the edit distance where words alone rule a node
 * out: about a millisecond per label on Google's 5,595 categories.
 * @example new LabelMatcher(taxonomy).match("electronics > PHONES").status // "normalized"
 */
export class LabelMatcher {
  readonly taxonomy: Taxonomy;
  readonly #sep: SeparatorParts;
  readonly #childByName = new Map<string | null, Map<string, string>>(); // parent → normalized name → id
  readonly #keys: NodeKey[] = [];
  readonly #vocab = new Map<string, number>();
  readonly #words: string[] = [];
  readonly #terms = new Map<string, Term>(); // label word → its scores against the vocabulary
  #maxName = 0;

  constructor(taxonomy: Taxonomy) {
    this.taxonomy = taxonomy;
    this.#sep = separatorParts(taxonomy.separator);
    const pathIds = new Map<string | null, Int32Array>([[null, new Int32Array(0)]]);
    const pathOf = new Map<string | null, string>();
    for (const node of taxonomy.nodes()) {
      const name = normalizeName(node.name);
      let siblings = this.#childByName.get(node.parent);
      if (!siblings) this.#childByName.set(node.parent, (siblings = new Map()));
      if (!siblings.has(name)) siblings.set(name, node.id);
      const nameIds = Int32Array.from(new Set(tokens(node.name).map((w) => this.#wordId(w))));
      const up = pathIds.get(node.parent)!;
      const all = Int32Array.from(new Set([...up, ...nameIds]));
      pathIds.set(node.id, all);
      const path = node.parent === null ? node.name : `${pathOf.get(node.parent)!}${taxonomy.separator}${node.name}`;
      pathOf.set(node.id, path);
      this.#keys.push({ node, path, name, nameIds, pathIds: all });
      if (name.length > this.#maxName) this.#maxName = name.length;
    }
  }

  #wordId(w: string): number {
    let id = this.#vocab.get(w);
    if (id === undefined) {
      id = this.#words.length;
      this.#vocab.set(w, id);
      this.#words.push(w);
    }
    return id;
  }

  #term(w: string): Term {
    const cached = this.#terms.get(w);
    if (cached !== undefined) return cached;
    const table = (x: string) => {
      const t = new Float32Array(this.#words.length);
      for (let i = 0; i < this.#words.length; i++) t[i] = wordPair(x, this.#words[i]!);
      return t;
    };
    const syn = SYNONYMS[w];
    const term = { own: table(w), synonym: syn === undefined ? [] : syn.split(" ").map((p) => table(stem(p))) };
    if (this.#terms.size >= MAX_CACHED_TERMS) this.#terms.clear();
    this.#terms.set(w, term);
    return term;
  }

  /** The label's levels, normalized (NFKC, lower case, spaces collapsed, empty levels dropped). */
  levels(label: string): string[] {
    return label
      .normalize("NFKC")
      .split(this.#sep.core)
      .map(normalizeName)
      .filter((s) => s !== "");
  }

  /** Where a label stands: exact path, a match after normalizing, deeper than a leaf, or unknown with suggestions. */
  match(label: string, maxSuggestions = 3): LabelMatch {
    const exact = this.taxonomy.byPath(label);
    if (exact !== undefined) return { status: "exact", id: exact.id, path: label };
    const levels = this.levels(label);
    let at: string | null = null;
    let matched = 0;
    for (const level of levels) {
      const next: string | undefined = this.#childByName.get(at)?.get(level);
      if (next === undefined) break;
      at = next;
      matched++;
    }
    if (at !== null && matched === levels.length) {
      return { status: "normalized", id: at, path: this.taxonomy.path(at), fixes: this.#fixes(label, this.taxonomy.pathNames(at)) };
    }
    const ancestor = at === null ? undefined : { id: at, path: this.taxonomy.path(at) };
    if (at !== null && this.taxonomy.isLeaf(at)) {
      const raw = label.normalize("NFKC").split(this.#sep.core).map((s) => s.trim()).filter((s) => s !== "");
      return { status: "too-deep", ancestor: ancestor!, extra: raw.slice(matched) };
    }
    const suggestions = this.suggest(label, maxSuggestions, at ?? undefined);
    return ancestor === undefined ? { status: "unknown", suggestions } : { status: "unknown", ancestor, suggestions };
  }

  /**
   * The nodes closest to a label, best first: half the similarity of the label's last level to the node's
   * name (edit distance, or shared words, whichever is higher), half how many of the label's words the
   * node's path holds (plurals, a few common synonyms and word endings count). Nodes below `within`
   * (the deepest level of the label that exists) get a small bonus. Scores under 0.45 are left out.
   */
  suggest(label: string, limit = 3, within?: string): PathSuggestion[] {
    const levels = this.levels(label);
    if (levels.length === 0 || limit <= 0) return [];
    const last = levels[levels.length - 1]!;
    const lastTerms = tokens(last).map((w) => this.#term(w));
    const labelTerms = [...new Set(levels.flatMap(tokens))].map((w) => this.#term(w));
    const under = within === undefined ? undefined : this.taxonomy.path(within) + this.taxonomy.separator;
    const keys = this.#keys;
    // Pass 1, cheap: word scores, and an upper bound of each node's score (the edit similarity is at most
    // 1 - length difference / longer length). Pass 2 visits nodes by that bound and stops when it cannot win.
    const rest = new Float64Array(keys.length);
    const dices = new Float64Array(keys.length);
    const bound = new Float64Array(keys.length);
    for (let n = 0; n < keys.length; n++) {
      const k = keys[n]!;
      let shared = 0;
      for (const t of lastTerms) shared += termScore(t, k.nameIds);
      const words = lastTerms.length + k.nameIds.length;
      dices[n] = words === 0 ? 0 : (2 * shared) / words;
      let covered = 0;
      for (const t of labelTerms) covered += termScore(t, k.pathIds);
      const coverage = labelTerms.length === 0 ? 0 : covered / labelTerms.length;
      const jaccard = covered / (labelTerms.length + k.pathIds.length - covered || 1);
      rest[n] = 0.5 * (0.8 * coverage + 0.2 * jaccard) + (under !== undefined && k.path.startsWith(under) ? 0.1 : 0);
      const editBound = 1 - Math.abs(last.length - k.name.length) / Math.max(last.length, k.name.length, 1);
      bound[n] = 0.5 * Math.max(editBound, dices[n]!) + rest[n]!;
    }
    // A score is at least its word part: the `limit`-th best word part is a bar that most nodes' bounds miss.
    const floor = new Float64Array(limit);
    for (let n = 0; n < keys.length; n++) {
      const low = 0.5 * dices[n]! + rest[n]!;
      if (low <= floor[limit - 1]!) continue;
      let i = limit - 1;
      while (i > 0 && floor[i - 1]! < low) {
        floor[i] = floor[i - 1]!;
        i--;
      }
      floor[i] = low;
    }
    const cut = Math.max(MIN_SCORE, floor[limit - 1]!);
    const order: number[] = [];
    for (let n = 0; n < keys.length; n++) if (bound[n]! >= cut) order.push(n);
    order.sort((a, b) => bound[b]! - bound[a]! || a - b);
    const rowA = new Int32Array(this.#maxName + 1);
    const rowB = new Int32Array(this.#maxName + 1);
    const top: { key: NodeKey; score: number }[] = []; // best first, at most `limit`
    for (const n of order) {
      const bar = top.length < limit ? MIN_SCORE : Math.max(MIN_SCORE, top[top.length - 1]!.score);
      if (bound[n]! < bar) break;
      const k = keys[n]!;
      const longer = Math.max(last.length, k.name.length, 1);
      const edit = 1 - editDistance(last, k.name, rowA, rowB) / longer;
      const score = Math.min(1, 0.5 * Math.max(edit, dices[n]!) + rest[n]!);
      if (score < bar) continue;
      let i = top.length;
      while (i > 0 && (top[i - 1]!.score < score || (top[i - 1]!.score === score && top[i - 1]!.key.node.depth > k.node.depth))) i--;
      top.splice(i, 0, { key: k, score });
      if (top.length > limit) top.pop();
    }
    return top.map((s) => ({ id: s.key.node.id, path: s.key.path, score: Math.round(s.score * 1000) / 1000 }));
  }

  /** What separates a label from the canonical path it matched after normalizing. */
  #fixes(label: string, names: readonly string[]): LabelFix[] {
    const fixes: LabelFix[] = [];
    const nfkc = label.normalize("NFKC");
    if (nfkc !== label) fixes.push("unicode");
    const { core, before, after } = this.#sep;
    const parts = nfkc.split(core);
    let spacing = false;
    let space = false;
    let empty = false;
    const kept: string[] = [];
    parts.forEach((p, i) => {
      if (p.trim() === "") {
        empty = true;
        return;
      }
      let seg = p;
      if (i > 0 && after !== "") {
        if (seg.startsWith(after)) seg = seg.slice(after.length);
        else spacing = true;
      }
      if (i < parts.length - 1 && before !== "") {
        if (seg.endsWith(before)) seg = seg.slice(0, seg.length - before.length);
        else spacing = true;
      }
      if (seg !== seg.trim() || /\s{2,}|[^\S ]/.test(seg)) space = true;
      kept.push(seg.trim().replace(/\s+/g, " "));
    });
    if (kept.some((k, i) => k !== names[i])) fixes.push("case");
    if (space) fixes.push("whitespace");
    if (spacing) fixes.push("separator");
    if (empty) fixes.push("empty-level");
    return fixes;
  }
}
