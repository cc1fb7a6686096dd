// Confidence metrics: calibration error, reliability tables, and how much of a catalog can be
// auto-accepted at a target precision (the rest goes to people).

/** Confidences as a model emits them: one per item. */
export type Confidences = Float64Array | Float32Array;

/** One equal-width confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  /** Items whose confidence falls in the bin. */
  count: number;
  /** Fraction of those items that are correct; null for an empty bin. */
  accuracy: number | null;
  /** Mean confidence of those items; null for an empty bin. */
  confidence: number | null;
}

/** @throws TypeError on unequal lengths; RangeError on a `correct` value other than 0/1 or a NaN confidence. */
function checkPairs(confidence: Confidences, correct: Uint8Array, unitRange: boolean): void {
  if (confidence.length !== correct.length) {
    throw new TypeError(`Pass confidence and correct of equal length: got ${confidence.length} and ${correct.length}`);
  }
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i]!;
    if (unitRange ? !(c >= 0 && c <= 1) : Number.isNaN(c)) {
      throw new RangeError(`Cannot score item ${i}: confidence ${c} is ${unitRange ? "outside [0, 1]" : "NaN"}`);
    }
    if (correct[i]! > 1) throw new RangeError(`Cannot score item ${i}: correct must be 0 or 1, got ${correct[i]}`);
  }
}

function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`Pass a positive integer bin count: got ${bins}`);
}

/**
 * Bin edges as numpy.linspace(0, 1, bins + 1) computes them: i · (1 / bins), with the last edge exactly 1.
 */
function edge(i: number, bins: number): number {
  return i === bins ? 1 : i * (1 / bins);
}

/**
 * Per-bin counts, correct counts and confidence sums. Bin b covers (edge b, edge b+1], except the first,
 * which also holds 0: [0, 1/bins] (the usual ECE implementation, Guo et al. 2017, with 0 kept in).
 */
function binStats(confidence: Confidences, correct: Uint8Array, bins: number) {
  checkBins(bins);
  checkPairs(confidence, correct, true);
  const count = new Float64Array(bins);
  const hits = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i]!;
    let b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    // c · bins can round across an edge: settle on the bin whose (lo, hi] holds c.
    while (b > 0 && c <= edge(b, bins)) b--;
    while (b < bins - 1 && c > edge(b + 1, bins)) b++;
    count[b]!++;
    hits[b]! += correct[i]!;
    confSum[b]! += c;
  }
  return { count, hits, confSum };
}

/**
 * Reliability table: one row per equal-width bin on [0, 1], empty bins included (accuracy and
 * confidence null), for a reliability diagram. Bins are right-closed, (lo, hi], except the first, [0, hi].
 * @throws TypeError on unequal lengths; RangeError on a confidence outside [0, 1], a `correct` value other
 * than 0/1, or a bin count that is not a positive integer.
 * @example reliabilityTable(Float64Array.of(0.9, 0.6), Uint8Array.of(1, 0), 2)
 * // → [{ lo: 0, hi: 0.5, count: 0, … }, { lo: 0.5, hi: 1, count: 2, accuracy: 0.5, confidence: 0.75 }]
 */
export function reliabilityTable(confidence: Confidences, correct: Uint8Array, bins = 15): ReliabilityBin[] {
  const { count, hits, confSum } = binStats(confidence, correct, bins);
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const k = count[b]!;
    out.push({
      lo: edge(b, bins),
      hi: edge(b + 1, bins),
      count: k,
      accuracy: k === 0 ? null : hits[b]! / k,
      confidence: k === 0 ? null : confSum[b]! / k,
    });
  }
  return out;
}

/**
 * Expected calibration error: Σ_B |B|/n · |acc(B) − conf(B)| over equal-width bins on [0, 1]
 * (Naeini et al. 2015; Guo et al. 2017), bins as in {@link reliabilityTable}. 0 is perfect.
 * NaN for no items (there is nothing to measure; compare with `Number.isNaN`).
 * @throws as {@link reliabilityTable}.
 * @example expectedCalibrationError(Float64Array.of(0.9, 0.6), Uint8Array.of(1, 0), 2) // → |0.5 − 0.75| = 0.25
 */
export function expectedCalibrationError(confidence: Confidences, correct: Uint8Array, bins = 15): number {
  const { count, hits, confSum } = binStats(confidence, correct, bins);
  const n = confidence.length;
  if (n === 0) return NaN;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b]! > 0) ece += Math.abs(hits[b]! - confSum[b]!) / n; // |B|/n · |acc − conf| = |hits − Σconf| / n
  }
  return ece;
}

/**
 * Maximum calibration error: the largest |acc(B) − conf(B)| over non-empty bins, bins as in
 * {@link reliabilityTable}. NaN for no items.
 * @throws as {@link reliabilityTable}.
 */
export function maxCalibrationError(confidence: Confidences, correct: Uint8Array, bins = 15): number {
  const { count, hits, confSum } = binStats(confidence, correct, bins);
  if (confidence.length === 0) return NaN;
  let mce = 0;
  for (let b = 0; b < bins; b++) {
    const k = count[b]!;
    if (k > 0) mce = Math.max(mce, Math.abs(hits[b]! - confSum[b]!) / k);
  }
  return mce;
}

/**
 * Risk–coverage curve for plots: one point per distinct confidence value, from the highest down. Point j
 * accepts every item with confidence ≥ `threshold[j]` (ties in or out together): `coverage[j]` is the
 * fraction accepted, `precision[j]` the fraction of accepted items that are correct, `risk[j]` = 1 − precision.
 */
export interface RiskCoverageCurve {
  threshold: Float64Array;
  coverage: Float64Array;
  precision: Float64Array;
  risk: Float64Array;
}

/**
 * The {@link RiskCoverageCurve} of confidences and correctness: sort by confidence, descending, and
 * accumulate precision. Confidences may be any non-NaN scores (not only [0, 1]). No items → empty arrays.
 * O(n log n).
 * @throws TypeError on unequal lengths; RangeError on a NaN confidence or a `correct` value other than 0/1.
 * @example riskCoverageCurve(Float64Array.of(0.9, 0.8, 0.8), Uint8Array.of(1, 1, 0))
 * // → threshold [0.9, 0.8], coverage [1/3, 1], precision [1, 2/3], risk [0, 1/3]
 */
export function riskCoverageCurve(confidence: Confidences, correct: Uint8Array): RiskCoverageCurve {
  checkPairs(confidence, correct, false);
  const n = confidence.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => confidence[b]! - confidence[a]!);

  const threshold: number[] = [];
  const coverage: number[] = [];
  const precision: number[] = [];
  let hits = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    hits += correct[i]!;
    // Close a point at the end of each run of equal confidences.
    if (j === n - 1 || confidence[order[j + 1]!]! !== confidence[i]!) {
      threshold.push(confidence[i]!);
      coverage.push((j + 1) / n);
      precision.push(hits / (j + 1));
    }
  }
  return {
    threshold: Float64Array.from(threshold),
    coverage: Float64Array.from(coverage),
    precision: Float64Array.from(precision),
    risk: Float64Array.from(precision, (p) => 1 - p),
  };
}

/** The operating point of one target precision; see {@link coverageAtPrecision}. */
export interface CoverageAtPrecision {
  target: number;
  /** Fraction of items auto-accepted (confidence ≥ threshold); 0 when the target cannot be reached. */
  coverage: number;
  /** Lowest confidence to accept; null when the target cannot be reached. */
  threshold: number | null;
  /** Precision of the accepted items (≥ target); null when the target cannot be reached. */
  precision: number | null;
  reachable: boolean;
  /** The best precision any threshold gives, at the largest coverage that gives it; null for no items. */
  bestPrecision: { precision: number; coverage: number; threshold: number } | null;
}

/**
 * For each target precision, the largest coverage whose accepted items reach it: items with confidence ≥
 * threshold are auto-accepted, the rest go to review. Thresholds are tried at every distinct confidence
 * value, so items with equal confidence are accepted or rejected together. Precision need not fall
 * monotonically as coverage grows, so every threshold is considered, not only the first that fails.
 * When no threshold reaches a target, it is reported with `reachable: false`, coverage 0, threshold and
 * precision null; `bestPrecision` then says what can be reached (it is filled in for every target).
 * No items: every target unreachable, `bestPrecision` null. O(n log n + points · targets).
 * @throws as {@link riskCoverageCurve}; RangeError on a target outside [0, 1].
 * @example
 * coverageAtPrecision(Float64Array.of(0.99, 0.9, 0.8, 0.7), Uint8Array.of(1, 1, 0, 1), [0.75, 1])
 * // → target 0.75: coverage 1, threshold 0.7, precision 0.75; target 1: coverage 0.5, threshold 0.9
 */
export function coverageAtPrecision(
  confidence: Confidences,
  correct: Uint8Array,
  targets: readonly number[],
): CoverageAtPrecision[] {
  for (const t of targets) {
    if (!(t >= 0 && t <= 1)) throw new RangeError(`Pass target precisions in [0, 1]: got ${t}`);
  }
  const curve = riskCoverageCurve(confidence, correct);
  const points = curve.threshold.length;

  let best: CoverageAtPrecision["bestPrecision"] = null;
  for (let j = 0; j < points; j++) {
    if (best === null || curve.precision[j]! >= best.precision) {
      best = { precision: curve.precision[j]!, coverage: curve.coverage[j]!, threshold: curve.threshold[j]! };
    }
  }

  return targets.map((target) => {
    for (let j = points - 1; j >= 0; j--) {
      if (curve.precision[j]! >= target) {
        return {
          target,
          coverage: curve.coverage[j]!,
          threshold: curve.threshold[j]!,
          precision: curve.precision[j]!,
          reachable: true,
          bestPrecision: best === null ? null : { ...best },
        };
      }
    }
    return { target, coverage: 0, threshold: null, precision: null, reachable: false, bestPrecision: best === null ? null : { ...best } };
  });
}

/**
 * The report shape of {@link coverageAtPrecision}: target → coverage, keys as `String(target)`
 * (unreachable targets give 0). @example coverageByPrecision(results) // → { "0.95": 0.97, "0.98": 0.91 }
 */
export function coverageByPrecision(results: readonly CoverageAtPrecision[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[String(r.target)] = r.coverage;
  return out;
}
