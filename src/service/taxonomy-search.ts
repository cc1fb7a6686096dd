// Type-ahead over a taxonomy's paths (tens of thousands): every word of the query must start a word of the
// path (any level); matches in the leaf rank first, then shallower paths, then alphabetical order. A linear
// scan over pre-lowered paths: about a millisecond for Google's 5,595 paths.

interface Entry {
  path: string;
  lower: string;
  /** Start offset of the leaf (last level) in `lower`. */
  leafAt: number;
  depth: number;
}

/** Lower-cased words of a text (letters and digits of any script). */
function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== "");
}

/** Whether `w` starts a word of `lower` at or after `from`; the offset of the first such start, or -1. */
function wordStart(lower: string, w: string, from = 0): number {
  let i = lower.indexOf(w, from);
  while (i >= 0) {
    const before = i === 0 ? "" : lower[i - 1]!;
    if (i === 0 || !/[\p{L}\p{N}]/u.test(before)) return i;
    i = lower.indexOf(w, i + 1);
  }
  return -1;
}

/** A searchable list of category paths. */
export class TaxonomySearch {
  private readonly entries: Entry[];

  /** `paths`: full category paths, levels separated by `separator` (default " > "); duplicates are dropped. */
  constructor(
    paths: Iterable<string>,
    private readonly separator = " > ",
  ) {
    const seen = new Set<string>();
    this.entries = [];
    for (const path of paths) {
      if (seen.has(path)) continue;
      seen.add(path);
      const at = path.lastIndexOf(separator);
      this.entries.push({ path, lower: path.toLowerCase(), leafAt: at < 0 ? 0 : at + separator.length, depth: path.split(separator).length });
    }
    this.entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Whether `path` is one of the paths, or a level above one (a prefix ending at a separator). */
  has(path: string): boolean {
    if (this.entries[this.lowerBound(path)]?.path === path) return true;
    const below = `${path}${this.separator}`;
    return this.entries[this.lowerBound(below)]?.path.startsWith(below) ?? false;
  }

  /** Index of the first entry whose path is not below `path` (code-unit order, the entries' order). */
  private lowerBound(path: string): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.path < path) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The best `limit` paths for `q` and how many match in all; an empty query lists the top-level paths first. */
  search(q: string, limit = 20): { total: number; paths: string[] } {
    const ws = words(q);
    const hits: { e: Entry; rank: number }[] = [];
    for (const e of this.entries) {
      let leafHits = 0;
      let ok = true;
      for (const w of ws) {
        const at = wordStart(e.lower, w);
        if (at < 0) {
          ok = false;
          break;
        }
        if (at >= e.leafAt || wordStart(e.lower, w, e.leafAt) >= 0) leafHits++;
      }
      if (!ok) continue;
      // Leaf matches first (all words in the leaf best), then shallower paths.
      hits.push({ e, rank: (ws.length - leafHits) * 100 + e.depth });
    }
    hits.sort((a, b) => a.rank - b.rank || (a.e.path < b.e.path ? -1 : a.e.path > b.e.path ? 1 : 0));
    return { total: hits.length, paths: hits.slice(0, limit).map((h) => h.e.path) };
  }
}
