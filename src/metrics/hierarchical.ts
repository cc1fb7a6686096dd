// Metrics for category paths (A > B > C): per-level scores, hierarchical P/R/F1 (Kiritchenko et al. 2005),
// exact-path accuracy and how often the model backs off to an ancestor or abstains.

/** Accuracy and macro-F1 at one depth of the taxonomy. */
export interface LevelScore {
  /** 1 = top level. */
  level: number;
  /** Fraction of the counted items whose predicted length-`level` prefix equals the true one. */
  accuracy: number;
  /** Unweighted mean F1 over the level-`level` categories that occur in the truth or the predictions. */
  macroF1: number;
  /** Items counted at this level: those whose true path has at least `level` segments. */
  support: number;
}

/** Every figure of {@link hierarchicalReport}. Ratios with a zero denominator are 0 (no NaN). */
export interface HierarchicalReport {
  n: number;
  /** One entry per level, 1 up to the deepest true path. */
  levels: LevelScore[];
  /** Σ|T ∩ P| / Σ|P| over items, T and P the ancestor sets (root excluded) of the true and predicted paths. */
  hierarchicalPrecision: number;
  /** Σ|T ∩ P| / Σ|T|. */
  hierarchicalRecall: number;
  /** Harmonic mean of hierarchicalPrecision and hierarchicalRecall. */
  hierarchicalF1: number;
  /** Fraction of items whose predicted path equals the true path, segment for segment. */
  exactAccuracy: number;
  /** Fraction of items with a non-empty prediction shorter than the true path (a backoff to an ancestor level). */
  backoffRate: number;
  /** Fraction of items with an empty prediction. */
  abstainRate: number;
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Keys of a path's prefixes: `keys[l]` identifies the length-(l+1) prefix. A node is its whole path from
 * the root (A > X and B > X are different nodes); JSON quoting keeps any segment text unambiguous.
 */
function prefixKeys(path: readonly string[]): string[] {
  const keys: string[] = [];
  let key = "";
  for (const segment of path) {
    key += JSON.stringify(segment);
    keys.push(key);
  }
  return keys;
}

/** Number of leading segments two paths share. */
function commonPrefixLength(a: readonly string[], b: readonly string[]): number {
  const m = Math.min(a.length, b.length);
  let l = 0;
  while (l < m && a[l] === b[l]) l++;
  return l;
}

/**
 * Scores predicted category paths against true ones. Each path is its list of segments, top level
 * first (split a label with `splitPath`). A prediction may be shorter than the truth (a backoff to an
 * ancestor) or empty (the model abstained).
 *
 * - Per level L (1 = top), the length-L prefixes are compared. Items whose true path is shorter than
 *   L are not counted at that level. A prediction shorter than L is wrong at that level: it is a false
 *   negative of the true category and a false positive of none (as scikit-learn's macro `f1_score` with a
 *   sentinel "no prediction" label left out of `labels=`). Macro-F1 averages over the level-L categories
 *   that occur among the counted items' true or predicted prefixes.
 * - Hierarchical precision/recall/F1 (Kiritchenko, Matwin, Nock & Famili, 2005) are micro-averaged over
 *   items: each item's set is every prefix (ancestor, including the node itself, root excluded) of its
 *   path, so |T ∩ P| is the length of the common prefix. An abstention has an empty set: it lowers
 *   recall and leaves precision alone. Predictions deeper than the truth lower precision.
 * - Backoff: a non-empty prediction shorter than the true path, whether or not it is an ancestor of it.
 *
 * An empty input gives n = 0, no levels and all rates 0. O(total segments).
 * @throws TypeError when the lists differ in length; RangeError when a true path is empty.
 * @example
 * const r = hierarchicalReport([["A", "B", "C"]], [["A", "B"]]);
 * [r.hierarchicalPrecision, r.hierarchicalRecall]; // [1, 0.666…]  (backoff to A > B)
 */
export function hierarchicalReport(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
): HierarchicalReport {
  if (yTrue.length !== yPred.length) {
    throw new TypeError(`Pass yTrue and yPred of equal length: got ${yTrue.length} and ${yPred.length}`);
  }
  const n = yTrue.length;

  // Per level: counts per category key (true count, predicted count, true positives).
  interface Counts {
    support: number;
    predicted: number;
    tp: number;
  }
  const levelCounts: Map<string, Counts>[] = [];
  const levelItems: number[] = [];
  const levelCorrect: number[] = [];
  const counts = (level: number, key: string): Counts => {
    const m = levelCounts[level]!;
    let c = m.get(key);
    if (c === undefined) {
      c = { support: 0, predicted: 0, tp: 0 };
      m.set(key, c);
    }
    return c;
  };

  let common = 0;
  let trueSize = 0;
  let predSize = 0;
  let exact = 0;
  let backoff = 0;
  let abstain = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t.length === 0) throw new RangeError(`Cannot score item ${i}: its true path is empty`);
    const shared = commonPrefixLength(t, p);
    common += shared;
    trueSize += t.length;
    predSize += p.length;
    if (shared === t.length && p.length === t.length) exact++;
    if (p.length === 0) abstain++;
    else if (p.length < t.length) backoff++;

    const tKeys = prefixKeys(t);
    const pKeys = prefixKeys(p.slice(0, t.length));
    for (let l = 0; l < t.length; l++) {
      if (levelCounts.length <= l) {
        levelCounts.push(new Map());
        levelItems.push(0);
        levelCorrect.push(0);
      }
      levelItems[l]!++;
      counts(l, tKeys[l]!).support++;
      if (l < pKeys.length) {
        counts(l, pKeys[l]!).predicted++;
        if (l < shared) {
          counts(l, tKeys[l]!).tp++;
          levelCorrect[l]!++;
        }
      }
    }
  }

  const levels: LevelScore[] = [];
  for (let l = 0; l < levelCounts.length; l++) {
    let sumF1 = 0;
    for (const c of levelCounts[l]!.values()) sumF1 += ratio(2 * c.tp, c.support + c.predicted);
    levels.push({
      level: l + 1,
      accuracy: ratio(levelCorrect[l]!, levelItems[l]!),
      macroF1: ratio(sumF1, levelCounts[l]!.size),
      support: levelItems[l]!,
    });
  }

  const hierarchicalPrecision = ratio(common, predSize);
  const hierarchicalRecall = ratio(common, trueSize);
  return {
    n,
    levels,
    hierarchicalPrecision,
    hierarchicalRecall,
    hierarchicalF1: ratio(2 * hierarchicalPrecision * hierarchicalRecall, hierarchicalPrecision + hierarchicalRecall),
    exactAccuracy: ratio(exact, n),
    backoffRate: ratio(backoff, n),
    abstainRate: ratio(abstain, n),
  };
}
