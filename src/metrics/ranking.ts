// Top-k ranking metrics for recommendations (full ranking, binary relevance): hit rate, recall, precision, NDCG,
// MAP and catalogue coverage, defined as the peers' protocol does (../shared/bench/anchors/recs_anchor.py).

/** Scores of one ranked list against its relevant items, each in [0, 1]. */
export interface ListScores {
  /** 1 when at least one of the top k is relevant. */
  hitRate: number;
  /** Relevant items in the top k / all relevant items. */
  recall: number;
  /** Relevant items in the top k / k (a list shorter than k still divides by k). */
  precision: number;
  /** DCG of the top k (gain 1 / log2(rank + 1)) / the DCG of an ideal list of min(k, |relevant|) hits. */
  ndcg: number;
  /** Average precision: Σ precision@r over the ranks r ≤ k that hit, / min(k, |relevant|). */
  averagePrecision: number;
}

/** Means over lists, plus coverage. */
export interface RankingScores extends ListScores {
  /** Lists scored (users or query items with at least one relevant item). */
  lists: number;
  /** Distinct items recommended in any top k / catalogue size. */
  coverage: number;
}

const DISCOUNT = Array.from({ length: 1025 }, (_, r) => 1 / Math.log2(r + 2));
const discount = (rank0: number): number => (rank0 < DISCOUNT.length ? DISCOUNT[rank0]! : 1 / Math.log2(rank0 + 2));

/**
 * Scores one ranked list: `ranked[0 .. min(k, ranked.length))` are item ids, best first; `relevant` holds the
 * ground truth (items outside the catalogue may be in it: they count in |relevant| and can never be hit).
 * @throws RangeError when `relevant` is empty (such a list is left out of the means) or k < 1.
 * @example scoreList([3, 1, 2], new Set([1, 9]), 3) // hit 1, recall 0.5, precision 1/3, ndcg (1/log2 3)/(1 + 1/log2 3)
 */
export function scoreList(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): ListScores {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`Pass k as a whole number of at least 1: got ${k}`);
  if (relevant.size === 0) throw new RangeError("Pass at least one relevant item: a list without any is not scored");
  const n = Math.min(k, ranked.length);
  let hits = 0;
  let dcg = 0;
  let ap = 0;
  for (let r = 0; r < n; r++) {
    if (!relevant.has(ranked[r]!)) continue;
    hits++;
    dcg += discount(r);
    ap += hits / (r + 1);
  }
  const ideal = Math.min(k, relevant.size);
  let idcg = 0;
  for (let r = 0; r < ideal; r++) idcg += discount(r);
  return {
    hitRate: hits > 0 ? 1 : 0,
    recall: hits / relevant.size,
    precision: hits / k,
    ndcg: dcg / idcg,
    averagePrecision: ap / ideal,
  };
}

/**
 * Accumulates list scores into means and the catalogue coverage of the recommended items.
 * @example
 * const acc = new RankingAccumulator(10, catalogSize);
 * for (const u of users) acc.add(top10(u), truth(u));
 * acc.result(); // { hitRate, recall, precision, ndcg, averagePrecision, lists, coverage }
 */
export class RankingAccumulator {
  private readonly sums = { hitRate: 0, recall: 0, precision: 0, ndcg: 0, averagePrecision: 0 };
  private count = 0;
  private readonly seen: Uint8Array;
  private distinct = 0;

  /** `catalogSize`: items that could be recommended (the coverage denominator); ids must lie in [0, catalogSize). */
  constructor(
    readonly k: number,
    readonly catalogSize: number,
  ) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`Pass k as a whole number of at least 1: got ${k}`);
    if (!Number.isInteger(catalogSize) || catalogSize < 0) throw new RangeError(`Pass a catalogue size of at least 0: got ${catalogSize}`);
    this.seen = new Uint8Array(catalogSize);
  }

  /** Adds one list; a list with no relevant items is not scored (its items still count towards coverage). */
  add(ranked: ArrayLike<number>, relevant: ReadonlySet<number>): void {
    const n = Math.min(this.k, ranked.length);
    for (let r = 0; r < n; r++) {
      const it = ranked[r]!;
      if (it < 0 || it >= this.catalogSize) throw new RangeError(`Recommended item ${it} is outside the catalogue [0, ${this.catalogSize})`);
      if (this.seen[it] === 0) {
        this.seen[it] = 1;
        this.distinct++;
      }
    }
    if (relevant.size === 0) return;
    const s = scoreList(ranked, relevant, this.k);
    this.sums.hitRate += s.hitRate;
    this.sums.recall += s.recall;
    this.sums.precision += s.precision;
    this.sums.ndcg += s.ndcg;
    this.sums.averagePrecision += s.averagePrecision;
    this.count++;
  }

  /** Means over the scored lists (0 when none was scored) and the coverage. */
  result(): RankingScores {
    const c = this.count || 1;
    return {
      hitRate: this.sums.hitRate / c,
      recall: this.sums.recall / c,
      precision: this.sums.precision / c,
      ndcg: this.sums.ndcg / c,
      averagePrecision: this.sums.averagePrecision / c,
      lists: this.count,
      coverage: this.catalogSize > 0 ? this.distinct / this.catalogSize : 0,
    };
  }
}
