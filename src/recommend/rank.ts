// Top-k of a score row with filters: excluded items never shown, at most N items per group, ties to the lower index.
import { topK } from "../linalg/topk.js";

/** Filters of {@link rankItems}. */
export interface RankFilters {
  /** 1 for items never to be shown (deleted products, non-products). */
  excluded?: Uint8Array | null;
  /** Group (category) of each item, -1 for none; with `maxPerGroup`. */
  groups?: Int32Array | null;
  /** At most this many items of one group (items without a group are not limited). */
  maxPerGroup?: number;
}

/**
 * Indices of the `k` best items of `scores` (descending; ties → lower index; -Infinity and NaN never shown),
 * honouring the filters. `scores` is modified: excluded items are set to -Infinity. O(n·k) without a group
 * limit; with one, the candidates widen until k items fit (O(n log n) at worst).
 * @example rankItems(Float64Array.of(0.1, 0.9, 0.5), 2) // → Int32Array [1, 2]
 */
export function rankItems(scores: Float64Array, k: number, filters: RankFilters = {}): Int32Array {
  const n = scores.length;
  const { excluded, groups, maxPerGroup } = filters;
  if (excluded) for (let i = 0; i < n; i++) if (excluded[i] === 1) scores[i] = -Infinity;
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i]!)) scores[i] = -Infinity;
  if (!groups || maxPerGroup === undefined || maxPerGroup <= 0) {
    const top = new Int32Array(Math.min(k, n));
    const got = topK(scores, 0, n, k, top);
    let keep = 0;
    while (keep < got && scores[top[keep]!]! > -Infinity) keep++;
    return top.slice(0, keep);
  }
  for (let width = Math.min(n, 4 * k); ; width = Math.min(n, width * 4)) {
    const top = new Int32Array(width);
    const got = topK(scores, 0, n, width, top);
    const used = new Map<number, number>();
    const out: number[] = [];
    for (let t = 0; t < got && out.length < k; t++) {
      const i = top[t]!;
      if (scores[i] === -Infinity) break;
      const g = groups[i]!;
      if (g >= 0) {
        const c = used.get(g) ?? 0;
        if (c >= maxPerGroup) continue;
        used.set(g, c + 1);
      }
      out.push(i);
    }
    if (out.length >= k || width >= n || got < width) return Int32Array.from(out);
  }
}
