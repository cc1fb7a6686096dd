// EASE (Steck, WWW 2019): closed-form item-to-item weights W = I − P·diag(P)⁻¹ with P = (XᵀX + λI)⁻¹, on the
// most bought items, with time-decayed rows so that recent co-purchases weigh more.
import { spdInverse } from "../linalg/spd-inverse.js";
import type { CsrMatrix } from "../linalg/matrix.js";
import { columnCounts, decay } from "./interactions.js";

/** EASE parameters. */
export interface EaseParams {
  /** L2 penalty λ added to the Gram diagonal (Steck: a few hundred on implicit data). */
  lambda: number;
  /** Items kept: the most bought ones (by distinct shoppers); the others get no EASE score. O(maxItems³) fit. */
  maxItems: number;
  /**
   * Half-life in days of a shopper–item pair's weight, counted from its last purchase to `now`: X[u, i] =
   * √(2^(−age / halfLife)), so a co-purchase of two recent items weighs most. null: plain binary X.
   */
  halfLifeDays: number | null;
}

/** A fitted EASE model over a subset of the items. */
export class EaseModel {
  constructor(
    /** Catalogue index of each kept item (ascending). */
    readonly kept: Int32Array,
    /** Position of each catalogue item in `kept`, or -1. */
    readonly position: Int32Array,
    /** m × m row-major weights: W[a·m + b] = how much having item kept[a] says about kept[b]; zero diagonal. */
    readonly weights: Float32Array,
    readonly params: EaseParams,
  ) {}

  get size(): number {
    return this.kept.length;
  }

  /**
   * Adds Σ_{j ∈ items} W[j, ·] into `out` (indexed by catalogue item): the EASE scores of a shopper who bought
   * `items`. O(|items ∩ kept| · m).
   */
  scoreInto(items: ArrayLike<number>, out: Float64Array): void {
    const m = this.kept.length;
    const w = this.weights;
    const kept = this.kept;
    for (let t = 0; t < items.length; t++) {
      const a = this.position[items[t]!]!;
      if (a < 0) continue;
      const o = a * m;
      for (let b = 0; b < m; b++) out[kept[b]!]! += w[o + b]!;
    }
  }

  /**
   * Like {@link scoreInto}, into `out` indexed by kept position (length ≥ kept.length, added to, not cleared):
   * out[b] += Σ_t W[items[t], kept[b]]. Contiguous rows, no scatter: the fast path of one shopper's scores.
   */
  scoreKeptInto(items: ArrayLike<number>, out: Float64Array): void {
    const m = this.kept.length;
    const w = this.weights;
    for (let t = 0; t < items.length; t++) {
      const a = this.position[items[t]!]!;
      if (a < 0) continue;
      const o = a * m;
      for (let b = 0; b < m; b++) out[b]! += w[o + b]!;
    }
  }

  /** W[from, to] for catalogue items (0 when either is not kept). */
  weight(from: number, to: number): number {
    const a = this.position[from]!;
    const b = this.position[to]!;
    return a < 0 || b < 0 ? 0 : this.weights[a * this.kept.length + b]!;
  }
}

/**
 * Fits EASE on shopper × item counts (binarized; `last` = last purchase time of each entry, `now` the time the
 * decay is measured to). Returns null when no item was bought.
 * @throws RangeError when the penalised Gram matrix is not positive definite (λ ≤ 0).
 * @example const ease = fitEase(counts, last, Date.now(), { lambda: 200, maxItems: 1500, halfLifeDays: 14 });
 */
export function fitEase(counts: CsrMatrix, last: Float64Array, now: number, params: EaseParams): EaseModel | null {
  if (!(params.lambda > 0)) throw new RangeError(`EASE needs lambda > 0: got ${params.lambda}`);
  const pop = columnCounts(counts);
  const order = Array.from({ length: counts.cols }, (_, i) => i)
    .filter((i) => pop[i]! > 0)
    .sort((a, b) => pop[b]! - pop[a]! || a - b);
  const kept = Int32Array.from(order.slice(0, params.maxItems)).sort();
  const m = kept.length;
  if (m === 0) return null;
  const position = new Int32Array(counts.cols).fill(-1);
  for (let a = 0; a < m; a++) position[kept[a]!] = a;

  // Lower triangle of XᵀX over the kept items: each shopper adds w_a·w_b for each pair of its items. O(Σ_u n_u²).
  const g = new Float64Array(m * m);
  const pos: number[] = [];
  const wt: number[] = [];
  for (let u = 0; u < counts.rows; u++) {
    pos.length = 0;
    wt.length = 0;
    for (let p = counts.indptr[u]!; p < counts.indptr[u + 1]!; p++) {
      const a = position[counts.indices[p]!]!;
      if (a < 0) continue;
      pos.push(a);
      wt.push(Math.sqrt(decay(now - last[p]!, params.halfLifeDays)));
    }
    for (let s = 0; s < pos.length; s++) {
      const a = pos[s]!;
      const wa = wt[s]!;
      const o = a * m;
      // Entries are in ascending item order, so pos is ascending: t ≤ s gives b ≤ a (the lower triangle).
      for (let t = 0; t <= s; t++) g[o + pos[t]!]! += wa * wt[t]!;
    }
  }
  for (let a = 0; a < m; a++) g[a * m + a]! += params.lambda;
  const p = spdInverse(g, m);
  if (p === null) throw new RangeError("EASE's penalised Gram matrix is not positive definite: raise lambda");
  // W[a, b] = −P[a, b] / P[b, b] (b ≠ a), 0 on the diagonal.
  const weights = new Float32Array(m * m);
  for (let a = 0; a < m; a++) {
    const o = a * m;
    for (let b = 0; b < m; b++) weights[o + b] = a === b ? 0 : -p[o + b]! / p[b * m + b]!;
  }
  return new EaseModel(kept, position, weights, { ...params });
}
