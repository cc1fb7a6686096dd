// The "for you" blend on item indices: the shopper's own repeat purchases, EASE, the segment's favourites and
// what is popular now, each scaled to a maximum of 1 and weighted; every answer says which part decided it.
import type { CsrMatrix } from "../linalg/matrix.js";
import type { EaseModel } from "./ease.js";
import { columnCounts, decay } from "./interactions.js";
import { rankItems, type RankFilters } from "./rank.js";

/** Blend weights and the repeat signal's shape (chosen on a validation split; see the recommender's docs). */
export interface BlendParams {
  /** Mode "all": weight of EASE next to the shopper's own items (weight 1). */
  easeWeight: number;
  /** Weight of the segment's favourites (modes all and new). */
  segmentWeight: number;
  /** Weight of recent popularity (modes all and new). */
  popularWeight: number;
  /** Weight of how recently the shopper last bought an item of their own (decayed with `recencyHalfLifeDays`). */
  recencyWeight: number;
  recencyHalfLifeDays: number;
  /** Exponent of an item's repeat rate (the share of its buyers who bought it again) on own items; 0 ignores it. */
  repeatRateExponent: number;
  /** Pseudo-count of the repeat rate's shrinkage towards the catalogue-wide rate. */
  repeatRatePrior: number;
  /** Half-life in days of recent popularity (a shopper's purchase of an item weighs 2^(−age/halfLife)). */
  popularHalfLifeDays: number;
  /** Own items the shopper returned weigh this much (0–1). */
  returnPenalty: number;
}

/** The parts of a score, in the order of {@link PART_NAMES}. */
export const PART_NAMES = ["repeat", "ease", "segment", "popular"] as const;
export type PartName = (typeof PART_NAMES)[number];

/** One recommended item: its index, score and the part that contributed most. */
export interface RankedItem {
  item: number;
  score: number;
  part: PartName;
}

/** What the blend needs besides its parameters. */
export interface BlendInputs {
  /** Shopper × item distinct-order counts and last purchase times (from buildInteractions). */
  counts: CsrMatrix;
  last: Float64Array;
  /** Aligned with `counts`: 1 where the shopper returned the item. */
  returned: Uint8Array | null;
  ease: EaseModel | null;
  /** Segment of each shopper (-1 none) and each segment's favourites (segments × items, each row scaled to max 1). */
  segmentOf: Int32Array | null;
  favourites: Float32Array | null;
  /** "Now" for recency: the time of the latest event. */
  now: number;
}

/**
 * Scores every item for a shopper. Mode "all": own(i) + easeWeight·ease(i) + segmentWeight·segment(i) +
 * popularWeight·popular(i), where own(i) = (count/max count)·repeatRate(i)^exponent scaled to max 1, plus
 * recencyWeight·2^(−days since last bought / half-life), times returnPenalty for returned items. Mode "new":
 * the same without own items, which are never shown. A shopper without purchases (index -1) gets what is popular
 * now (recent popularity, weight 1).
 */
export class Blend {
  readonly popularity: Float64Array;
  readonly popularNow: Float64Array;
  readonly repeatRate: Float64Array;
  private readonly tie: Float64Array;
  readonly nItems: number;

  constructor(
    readonly inputs: BlendInputs,
    readonly params: BlendParams,
  ) {
    const { counts, last, now } = inputs;
    const n = counts.cols;
    this.nItems = n;
    this.popularity = columnCounts(counts);
    let maxPop = 0;
    for (const v of this.popularity) maxPop = Math.max(maxPop, v);
    // Ties (a shopper with few signals) fall to the more popular item, then to the lower index.
    this.tie = Float64Array.from(this.popularity, (v) => (1e-9 * v) / (maxPop + 1));
    this.scratchOut = new Float64Array(n);
    this.scratchOwn = new Float64Array(n);
    this.scratchEase = new Float64Array(inputs.ease ? inputs.ease.kept.length : 0);
    this.popularNow = new Float64Array(n);
    const again = new Float64Array(n);
    let a2 = 0;
    let a1 = 0;
    for (let p = 0; p < counts.indptr[counts.rows]!; p++) {
      const i = counts.indices[p]!;
      this.popularNow[i]! += decay(now - last[p]!, params.popularHalfLifeDays);
      if (counts.data[p]! >= 2) {
        again[i]!++;
        a2++;
      }
      a1++;
    }
    scaleToMax(this.popularNow);
    const base = a1 > 0 ? a2 / a1 : 0;
    const c = params.repeatRatePrior;
    this.repeatRate = Float64Array.from(this.popularity, (v, i) => (again[i]! + c * base) / (v + c || 1));
  }

  // Scratch of one call (JavaScript runs one call at a time): no allocation per shopper.
  private readonly scratchOut: Float64Array;
  private readonly scratchEase: Float64Array;
  private readonly scratchOwn: Float64Array;
  private scratchOwnScore = new Float64Array(64);
  private lastEaseFactor = 0;

  /**
   * Writes every item's score for shopper `u` into `out` (length = items) and, when `parts` is given, each part's
   * weighted contribution into parts[k] (PART_NAMES order). Own items get -Infinity in mode "new".
   */
  score(u: number, mode: "all" | "new", out: Float64Array, parts?: Float64Array[]): void {
    if (parts) for (const x of parts) x.fill(0);
    this.scoreParts(u, mode, out, parts, false);
  }

  /**
   * The scores, with the parts written only where `parts` is given. Leaves the EASE row (by kept position) in
   * scratchEase with its factor in lastEaseFactor, and each own item's contribution in scratchOwn (mode all, with
   * `keepOwn`; the caller clears it), so {@link recommend} finds the deciding part of its few items without n-long part rows.
   */
  private scoreParts(u: number, mode: "all" | "new", out: Float64Array, parts: Float64Array[] | undefined, keepOwn: boolean): void {
    const p = this.params;
    const { counts, last, returned, ease, segmentOf, favourites, now } = this.inputs;
    const n = this.nItems;
    out.set(this.tie);
    const a = u >= 0 && u < counts.rows ? counts.indptr[u]! : 0;
    const b = u >= 0 && u < counts.rows ? counts.indptr[u + 1]! : 0;
    const own = counts.indices.subarray(a, b);
    // Popular now (all of the score for a shopper without purchases: the cold start), and the segment's favourites.
    const pw = own.length === 0 ? 1 : p.popularWeight;
    const popularNow = this.popularNow;
    if (pw > 0) for (let i = 0; i < n; i++) out[i]! += pw * popularNow[i]!;
    if (parts) for (let i = 0; i < n; i++) parts[3]![i] = pw * popularNow[i]!;
    const s = segmentOf && u >= 0 && u < segmentOf.length ? segmentOf[u]! : -1;
    if (s >= 0 && favourites && p.segmentWeight > 0) {
      const o = s * n;
      for (let i = 0; i < n; i++) out[i]! += p.segmentWeight * favourites[o + i]!;
      if (parts) for (let i = 0; i < n; i++) parts[2]![i] = p.segmentWeight * favourites[o + i]!;
    }
    // EASE from the shopper's items, scaled so its best item scores 1 (summed by kept position, then spread).
    const w = mode === "all" ? p.easeWeight : 1;
    this.lastEaseFactor = 0;
    if (ease && own.length > 0 && w > 0) {
      const e = this.scratchEase;
      const kept = ease.kept;
      const m = kept.length;
      e.fill(0, 0, m);
      ease.scoreKeptInto(own, e);
      let max = 0;
      for (let t = 0; t < m; t++) if (e[t]! > max) max = e[t]!;
      if (max > 0) {
        const f = w / max;
        this.lastEaseFactor = f;
        for (let t = 0; t < m; t++) out[kept[t]!]! += f * e[t]!;
        if (parts) for (let t = 0; t < m; t++) parts[1]![kept[t]!] = f * e[t]!;
      }
    }
    if (mode === "new") {
      for (const i of own) out[i] = -Infinity;
      return;
    }
    // The shopper's own items.
    let maxCount = 0;
    for (let q = a; q < b; q++) maxCount = Math.max(maxCount, counts.data[q]!);
    let maxOwn = 0;
    if (this.scratchOwnScore.length < b - a) this.scratchOwnScore = new Float64Array(2 * (b - a));
    const ownScore = this.scratchOwnScore;
    for (let q = a; q < b; q++) {
      const v = (counts.data[q]! / maxCount) * Math.pow(this.repeatRate[counts.indices[q]!]!, p.repeatRateExponent);
      ownScore[q - a] = v;
      if (v > maxOwn) maxOwn = v;
    }
    const ownPart = this.scratchOwn;
    for (let q = a; q < b; q++) {
      const i = counts.indices[q]!;
      let v = (maxOwn > 0 ? ownScore[q - a]! / maxOwn : 0) + p.recencyWeight * decay(now - last[q]!, p.recencyHalfLifeDays);
      if (returned && returned[q] === 1) v *= p.returnPenalty;
      out[i]! += v;
      if (keepOwn) ownPart[i] = v;
      if (parts) parts[0]![i] = v;
    }
  }

  /** The best `k` items for shopper `u` with their scores and deciding parts. No n-long allocation per call. */
  recommend(u: number, mode: "all" | "new", k: number, filters: RankFilters = {}): RankedItem[] {
    const out = this.scratchOut;
    this.scoreParts(u, mode, out, undefined, true);
    const top = rankItems(out, k, filters);
    const { counts, ease, segmentOf, favourites } = this.inputs;
    const p = this.params;
    const own = u >= 0 && u < counts.rows ? counts.indices.subarray(counts.indptr[u]!, counts.indptr[u + 1]!) : new Int32Array(0);
    const pw = own.length === 0 ? 1 : p.popularWeight;
    const s = segmentOf && u >= 0 && u < segmentOf.length ? segmentOf[u]! : -1;
    const segOffset = s >= 0 && favourites && p.segmentWeight > 0 ? s * this.nItems : -1;
    const ranked = Array.from(top, (i) => {
      // Each part's weighted contribution to item i, in PART_NAMES order; the largest decides (ties → popular).
      const easePos = ease && this.lastEaseFactor > 0 ? ease.position[i]! : -1;
      const v = [
        mode === "all" ? this.scratchOwn[i]! : 0,
        easePos >= 0 ? this.lastEaseFactor * this.scratchEase[easePos]! : 0,
        segOffset >= 0 ? p.segmentWeight * favourites![segOffset + i]! : 0,
        pw * this.popularNow[i]!,
      ];
      let best = 3;
      for (let t = 0; t < 3; t++) if (v[t]! > v[best]!) best = t;
      return { item: i, score: out[i]!, part: PART_NAMES[best]! };
    });
    if (mode === "all") for (const i of own) this.scratchOwn[i] = 0;
    return ranked;
  }
}

/** Scales a row in place so that its largest value is 1 (a row without positive values is left as is). */
export function scaleToMax(row: Float64Array | Float32Array, offset = 0, length = row.length - offset): void {
  let max = 0;
  for (let i = offset; i < offset + length; i++) if (row[i]! > max) max = row[i]!;
  if (max > 0) for (let i = offset; i < offset + length; i++) row[i] = row[i]! / max;
}
