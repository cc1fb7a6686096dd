// Bought together: per item, a blend of basket co-occurrence counts, same-shopper co-occurrence and content
// similarity (product vectors), the best N kept with the evidence that weighed most.
import type { CsrMatrix, DenseMatrix } from "../linalg/matrix.js";
import { transposeCsr } from "../linalg/sparse.js";
import { topK } from "../linalg/topk.js";
import { cooccurrenceRow, NeighborListsBuilder, type NeighborLists } from "./cooccurrence.js";
import { columnCounts } from "./interactions.js";

/** Parameters of {@link fitBoughtTogether}. */
export interface BoughtTogetherParams {
  /** α: a candidate's basket count is divided by (its shoppers + 1)^α, so best-sellers do not crowd every list. */
  popularityPenalty: number;
  /** β: weight of same-shopper co-occurrence (bought by the same shoppers, in any basket), each part scaled to max 1. */
  shopperWeight: number;
  /** γ: weight of content similarity (cosine of the product vectors, negatives as 0). */
  contentWeight: number;
  /**
   * Weight of title similarity: the cosine of the items' word TF-IDF rows (`titles`), which tells items of one
   * product line apart from items that merely share a theme ("jumbo bag red retrospot" and "jumbo bag pink
   * polkadot" share "jumbo bag"). Default 0.
   */
  titleWeight?: number;
  /** δ: weight of recent basket co-occurrence (each basket weighs 2^(−age / recentHalfLifeDays)), scaled to max 1. */
  recentWeight?: number;
  recentHalfLifeDays?: number;
  /** ε: weight of what sells now (each candidate's recent popularity, scaled to max 1). */
  popularWeight?: number;
  /**
   * Half-life (days) of what sells now measured in baskets: each basket b adds |b|·2^(−age_b / half-life) to each
   * of its items (an item in big recent baskets is the likeliest partner of any item), scaled to max 1. Needs
   * `basketAgeDays`; when left out, the `popular` argument of the fit is used instead.
   */
  popularHalfLifeDays?: number | null;
  /**
   * Shrinkage of same-shopper co-occurrence: each row is divided by (its maximum + this) instead of its maximum,
   * so an item whose partners share only a shopper or two weighs less than one with much evidence. Default 0.
   */
  shopperShrink?: number;
  /**
   * Basket-size damping: each basket adds |b|^(−e) (instead of 1) to the basket co-occurrence of its pairs, so a
   * 300-item wholesale order says less about any one pair than a 3-item basket. Default 0 (plain counts).
   */
  basketSizeExponent?: number;
  /**
   * Half-life (days) of the basket co-occurrence: each basket adds 2^(−age / this) (times its size weight), so pairs
   * of last season weigh less than this season's. null: no decay.
   */
  basketHalfLifeDays?: number | null;
  /**
   * Weight of the title-neighbour backoff: item i also gets the basket partners of its closest title neighbours k,
   * Σ_k sim(i, k) · basket_k[j] over its `backoffNeighbors` best k, where basket_k is k's basket co-occurrence row
   * (popularity-penalized, scaled to max 1, cut to its `backoffKeep` best partners, precomputed once). The red bag
   * with few baskets borrows the partners of the pink one. Default 0 (off); needs `titles` and `titleWeight` > 0.
   */
  backoffWeight?: number;
  /**
   * Shrinkage of the backoff: item i's backoff weight is multiplied by c / (c + its baskets), so an item with much
   * basket evidence of its own borrows less. null: no shrinkage.
   */
  backoffShrink?: number | null;
  /** Title neighbours the backoff borrows from. Default 5. */
  backoffNeighbors?: number;
  /** Basket partners kept per item for the backoff. Default 20. */
  backoffKeep?: number;
  /** Items kept per list. */
  neighbors: number;
  /** Above this many items, content similarity is computed among co-purchase candidates only (it is O(items²·dim)). */
  fullContentLimit?: number;
}

/**
 * What weighed most for a neighbour: 0 shared baskets (all-time or recent, or a title neighbour's baskets: see
 * `via`), 1 shared shoppers, 2 content (vectors or titles), 3 selling now.
 */
export const EVIDENCE = ["basket", "shopper", "content", "popular"] as const;
export type Evidence = (typeof EVIDENCE)[number];

/** Fitted lists: row i = the items bought with i, best first, and the evidence of each. */
export interface BoughtTogetherLists extends NeighborLists {
  evidence: Uint8Array;
  /**
   * Per entry, when the title-neighbour backoff weighed most: the neighbour k whose baskets the entry shares most
   * ("often bought with k"); -1 otherwise (the evidence is about the list's own item). Absent in lists fitted
   * before the backoff existed.
   */
  via?: Int32Array;
}

/**
 * Fits bought-together lists for every catalogue item. `baskets`: basket × item incidence; `counts`: shopper ×
 * item counts (binarized); `content`: one unit row per catalogue item (a zero row = no text), or null;
 * `basketAgeDays`: each basket's age at fit time (needed for `recentWeight` and `popularHalfLifeDays`);
 * `titles`: one L2-normalized sparse row per catalogue item (word TF-IDF; an empty row = no text), for `titleWeight`;
 * `shopperPopular`: each item's recent popularity among shoppers scaled to max 1, what sells now when
 * `popularHalfLifeDays` is null (`popularWeight` re-ranks the lists of bought items only). An item
 * with no purchases gets its content neighbours. Ties go to the lower item index.
 * With `backoffWeight`, each item's basket partners are computed twice (once for the backoff lists) and each list
 * adds up to backoffNeighbors · backoffKeep borrowed partners.
 * O(Σ_i (Σ_{b ∋ i} |b| + Σ_{u ∋ i} n_u + Σ_{w ∈ title i} df_w) + items²·dim) time, O(items) scratch.
 */
export function fitBoughtTogether(
  baskets: CsrMatrix,
  counts: CsrMatrix,
  content: DenseMatrix | null,
  p: BoughtTogetherParams,
  basketAgeDays?: Float64Array,
  shopperPopular?: Float64Array,
  titles?: CsrMatrix | null,
): BoughtTogetherLists {
  const n = counts.cols;
  if (baskets.cols !== n || (content !== null && content.rows !== n) || (titles && titles.rows !== n)) throw new RangeError(`Pass matrices over the same ${n} items`);
  const tw = titles ? (p.titleWeight ?? 0) : 0;
  const titlesOf = tw > 0 ? transposeCsr(titles!) : null;
  const ct = new Float64Array(n);
  const touchedT: number[] = [];
  const basketsOf = transposeCsr(baskets);
  const shoppersOf = transposeCsr(counts);
  const pop = columnCounts(counts);
  const penalty = Float64Array.from(pop, (v) => Math.pow(v + 1, -p.popularityPenalty));
  const popular = p.popularHalfLifeDays != null && basketAgeDays ? basketPopularity(baskets, basketAgeDays, p.popularHalfLifeDays) : shopperPopular;
  const pw = popular ? (p.popularWeight ?? 0) : 0;
  const recentWeight = p.recentWeight ?? 0;
  const sizeW = basketWeights(baskets, p.basketSizeExponent ?? 0, p.basketHalfLifeDays ?? null, basketAgeDays);
  // Recent co-occurrence has its own decay: the baskets' size weights only.
  const sizeOnly = p.basketHalfLifeDays != null ? basketWeights(baskets, p.basketSizeExponent ?? 0, null) : sizeW;
  const recent = recentWeight > 0 && basketAgeDays ? Float64Array.from(basketAgeDays, (a, b) => Math.pow(2, -Math.max(0, a) / (p.recentHalfLifeDays ?? 60)) * (sizeOnly ? sizeOnly[b]! : 1)) : null;
  const bw = titlesOf ? (p.backoffWeight ?? 0) : 0;
  const backoff = bw > 0 ? basketLists(baskets, basketsOf, penalty, sizeW, p.backoffKeep ?? 20) : null;
  const boShrink = p.backoffShrink ?? null;
  const bo = new Float64Array(n);
  const boBest = new Float64Array(n);
  const boVia = new Int32Array(n);
  const touchedO: number[] = [];
  const nbr = new Int32Array(p.backoffNeighbors ?? 5);
  const nbrSim = new Float64Array(n);
  const cr = new Float64Array(n);
  const touchedR: number[] = [];
  const cb = new Float64Array(n);
  const cs = new Float64Array(n);
  const cc = new Float64Array(n);
  const touchedB: number[] = [];
  const touchedS: number[] = [];
  const score = new Float64Array(n);
  const cand = new Int32Array(n);
  const stamp = new Int32Array(n);
  const hasText = new Uint8Array(n);
  if (content !== null) {
    for (let i = 0; i < n; i++) {
      for (let f = i * content.cols; f < (i + 1) * content.cols; f++) {
        if (content.data[f] !== 0) {
          hasText[i] = 1;
          break;
        }
      }
    }
  }
  const top = new Int32Array(p.neighbors);
  const full = content !== null && p.contentWeight > 0 && n <= (p.fullContentLimit ?? 20_000);
  const out = new NeighborListsBuilder(n);
  const evidence: number[] = [];
  const via: number[] = [];
  const idx = new Int32Array(p.neighbors);
  const sc = new Float64Array(p.neighbors);
  for (let i = 0; i < n; i++) {
    touchedB.length = 0;
    touchedS.length = 0;
    cooccurrenceRow(i, basketsOf, baskets, cb, touchedB, sizeW);
    touchedR.length = 0;
    if (recent) cooccurrenceRow(i, basketsOf, baskets, cr, touchedR, recent);
    cr[i] = 0;
    let maxR = 0;
    for (const j of touchedR) {
      cr[j] = cr[j]! * penalty[j]!;
      if (cr[j]! > maxR) maxR = cr[j]!;
    }
    const wr = maxR > 0 ? recentWeight / maxR : 0;
    if (p.shopperWeight > 0) cooccurrenceRow(i, shoppersOf, counts, cs, touchedS);
    touchedT.length = 0;
    if (titlesOf) sparseRowDots(i, titles!, titlesOf, tw, ct, touchedT);
    ct[i] = 0;
    touchedO.length = 0;
    if (backoff && touchedT.length > 0) {
      // The basket partners of i's closest title neighbours, weighted by their title similarity.
      for (let t = 0; t < touchedT.length; t++) nbrSim[t] = ct[touchedT[t]!]!;
      const got = topK(nbrSim, 0, touchedT.length, nbr.length, nbr);
      for (let r = 0; r < got; r++) {
        const k = touchedT[nbr[r]!]!;
        const w = ((bw * nbrSim[nbr[r]!]!) / tw) * (boShrink !== null ? boShrink / (boShrink + basketsOf.indptr[i + 1]! - basketsOf.indptr[i]!) : 1);
        if (!(w > 0)) break;
        for (let q = backoff.indptr[k]!; q < backoff.indptr[k + 1]!; q++) {
          const j = backoff.indices[q]!;
          const v = w * backoff.scores[q]!;
          if (bo[j] === 0) touchedO.push(j);
          bo[j]! += v;
          if (v > boBest[j]!) {
            boBest[j] = v;
            boVia[j] = k;
          }
        }
      }
      bo[i] = 0;
    }
    cb[i] = 0;
    cs[i] = 0;
    let maxB = 0;
    for (const j of touchedB) {
      cb[j] = cb[j]! * penalty[j]!;
      if (cb[j]! > maxB) maxB = cb[j]!;
    }
    let maxS = 0;
    for (const j of touchedS) if (cs[j]! > maxS) maxS = cs[j]!;
    const wb = maxB > 0 ? 1 / maxB : 0;
    // What sells now only re-ranks the lists of items that were bought: a new product gets its content neighbours.
    const bought = pw > 0 && (maxB > 0 || maxS > 0);
    const ws = maxS > 0 ? p.shopperWeight / (maxS + (p.shopperShrink ?? 0)) : 0;
    // Candidates in ascending item order (so topK's ties go to the lower item): every item when content is
    // scored in full, else the items sharing a basket or a shopper with i (marked with stamp i + 1, then scanned).
    let m = n;
    if (!full) {
      for (const j of touchedB) stamp[j] = i + 1;
      for (const j of touchedS) stamp[j] = i + 1;
      for (const j of touchedT) stamp[j] = i + 1;
      for (const j of touchedO) stamp[j] = i + 1;
      stamp[i] = 0;
      m = 0;
      for (let j = 0; j < n; j++) if (stamp[j] === i + 1) cand[m++] = j;
    }
    cc.fill(0, 0, m);
    if (content !== null && p.contentWeight > 0 && hasText[i] === 1) contentRow(content, i, full ? null : cand, m, p.contentWeight, cc);
    for (let t = 0; t < m; t++) {
      const j = full ? t : cand[t]!;
      const c = cc[t]! + ct[j]!;
      score[t] = j === i ? -Infinity : cb[j]! * wb + cr[j]! * wr + bo[j]! + cs[j]! * ws + c + (bought && (cb[j]! > 0 || cs[j]! > 0 || c > 0 || bo[j]! > 0) ? pw * popular![j]! : 0);
    }
    const got = topK(score, 0, m, p.neighbors, top);
    let keep = 0;
    for (; keep < got; keep++) {
      const t = top[keep]!;
      if (!(score[t]! > 0)) break;
      const j = full ? t : cand[t]!;
      idx[keep] = j;
      sc[keep] = score[t]!;
      const b = cb[j]! * wb + cr[j]! * wr;
      const s = cs[j]! * ws;
      const c = cc[t]! + ct[j]!;
      const q = bought ? pw * popular![j]! : 0;
      const o = bo[j]!;
      // The backoff weighs most: the neighbour whose baskets gave j the most is the reason ("often bought with k").
      const borrowed = o > b && o >= s && o >= c && o >= q;
      evidence.push(borrowed || (b >= s && b >= c && b >= q) ? 0 : s >= c && s >= q ? 1 : c >= q ? 2 : 3);
      via.push(borrowed ? boVia[j]! : -1);
    }
    out.push(idx, sc, keep);
    for (const j of touchedB) cb[j] = 0;
    for (const j of touchedS) cs[j] = 0;
    for (const j of touchedR) cr[j] = 0;
    for (const j of touchedT) ct[j] = 0;
    for (const j of touchedO) {
      bo[j] = 0;
      boBest[j] = 0;
    }
  }
  return { ...out.build(), evidence: Uint8Array.from(evidence), via: Int32Array.from(via) };
}

/**
 * out[j] += weight · (x_i · x_j) for every item j sharing a feature with item i (`x`: item × feature rows, `xT`
 * its transpose), each j listed once in `touched` (out must be 0 there before; only positive entries are listed).
 * O(Σ_{f ∈ x_i} df_f).
 */
export function sparseRowDots(i: number, x: CsrMatrix, xT: CsrMatrix, weight: number, out: Float64Array, touched: number[]): void {
  for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
    const f = x.indices[p]!;
    const v = weight * x.data[p]!;
    for (let q = xT.indptr[f]!; q < xT.indptr[f + 1]!; q++) {
      const j = xT.indices[q]!;
      if (out[j] === 0) touched.push(j);
      out[j]! += v * xT.data[q]!;
    }
  }
}

/**
 * Each basket's weight in the basket co-occurrence: |b|^(−sizeExponent) · 2^(−max(0, age_b) / halfLifeDays) (empty
 * baskets 0); undefined when both are off (every basket weighs 1). The decay needs `ageDays`. O(baskets).
 */
export function basketWeights(baskets: CsrMatrix, sizeExponent: number, halfLifeDays: number | null, ageDays?: Float64Array): Float64Array | undefined {
  const decay = halfLifeDays !== null && ageDays !== undefined;
  if (sizeExponent === 0 && !decay) return undefined;
  const out = new Float64Array(baskets.rows);
  for (let b = 0; b < baskets.rows; b++) {
    const size = baskets.indptr[b + 1]! - baskets.indptr[b]!;
    if (size === 0) continue;
    out[b] = Math.pow(size, -sizeExponent) * (decay ? Math.pow(2, -Math.max(0, ageDays[b]!) / halfLifeDays) : 1);
  }
  return out;
}

/**
 * Each item's best `keep` basket partners: co-occurrence (baskets weighted by `sizeW` when given) times the
 * partner's `penalty`, scaled so the row's best is 1; ties to the lower item. O(Σ_i Σ_{b ∋ i} |b|).
 */
export function basketLists(baskets: CsrMatrix, basketsOf: CsrMatrix, penalty: Float64Array, sizeW: Float64Array | undefined, keep: number): NeighborLists {
  const n = baskets.cols;
  const cb = new Float64Array(n);
  const touched: number[] = [];
  const vals = new Float64Array(n);
  const top = new Int32Array(keep);
  const idx = new Int32Array(keep);
  const sc = new Float64Array(keep);
  const out = new NeighborListsBuilder(n);
  for (let i = 0; i < n; i++) {
    touched.length = 0;
    cooccurrenceRow(i, basketsOf, baskets, cb, touched, sizeW);
    cb[i] = 0;
    touched.sort((a, b) => a - b);
    let max = 0;
    for (let t = 0; t < touched.length; t++) {
      const v = cb[touched[t]!]! * penalty[touched[t]!]!;
      vals[t] = v;
      if (v > max) max = v;
    }
    const got = topK(vals, 0, touched.length, keep, top);
    let m = 0;
    for (; m < got && vals[top[m]!]! > 0; m++) {
      idx[m] = touched[top[m]!]!;
      sc[m] = vals[top[m]!]! / max;
    }
    out.push(idx, sc, m);
    for (const j of touched) cb[j] = 0;
  }
  return out.build();
}

/**
 * What sells now, in baskets: item j gets Σ_{b ∋ j} |b| · 2^(−max(0, age_b) / halfLifeDays), scaled to max 1.
 * `baskets`: basket × item incidence; `ageDays`: each basket's age. O(nnz).
 */
export function basketPopularity(baskets: CsrMatrix, ageDays: Float64Array, halfLifeDays: number): Float64Array {
  const out = new Float64Array(baskets.cols);
  for (let b = 0; b < baskets.rows; b++) {
    const start = baskets.indptr[b]!;
    const end = baskets.indptr[b + 1]!;
    if (end === start) continue;
    const w = (end - start) * Math.pow(2, -Math.max(0, ageDays[b]!) / halfLifeDays);
    for (let q = start; q < end; q++) out[baskets.indices[q]!]! += w;
  }
  let max = 0;
  for (const v of out) if (v > max) max = v;
  if (max > 0) for (let j = 0; j < out.length; j++) out[j] = out[j]! / max;
  return out;
}

/**
 * out[t] = weight · max(0, x_i · x_j) for the candidates j (all items in order when `cand` is null), four
 * candidates at a time so each load of x_i feeds four multiply-adds. O(m · dim).
 */
function contentRow(x: DenseMatrix, i: number, cand: Int32Array | null, m: number, weight: number, out: Float64Array): void {
  const d = x.cols;
  const a = x.data;
  const oi = i * d;
  let t = 0;
  for (; t + 4 <= m; t += 4) {
    const o0 = (cand ? cand[t]! : t) * d;
    const o1 = (cand ? cand[t + 1]! : t + 1) * d;
    const o2 = (cand ? cand[t + 2]! : t + 2) * d;
    const o3 = (cand ? cand[t + 3]! : t + 3) * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let f = 0; f < d; f++) {
      const v = a[oi + f]!;
      s0 += v * a[o0 + f]!;
      s1 += v * a[o1 + f]!;
      s2 += v * a[o2 + f]!;
      s3 += v * a[o3 + f]!;
    }
    out[t] = s0 > 0 ? weight * s0 : 0;
    out[t + 1] = s1 > 0 ? weight * s1 : 0;
    out[t + 2] = s2 > 0 ? weight * s2 : 0;
    out[t + 3] = s3 > 0 ? weight * s3 : 0;
  }
  for (; t < m; t++) {
    const oj = (cand ? cand[t]! : t) * d;
    let s0 = 0;
    for (let f = 0; f < d; f++) s0 += a[oi + f]! * a[oj + f]!;
    out[t] = s0 > 0 ? weight * s0 : 0;
  }
}
