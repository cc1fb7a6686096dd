// Calibrators fitted on held-out confidences, so that "0.95" means right 95% of the time.
// Softmax temperature scaling is `fitTemperature` in linear-model.ts; this file adds isotonic regression.
import { lowerBound, upperBound } from "../linalg/search.js";

/** The persisted form of an {@link IsotonicCalibrator}: small and JSON-able. */
export interface IsotonicCalibratorJson {
  kind: "isotonic";
  version: 1;
  /** Strictly increasing confidences (the fitted knots). */
  x: number[];
  /** Calibrated value at each knot, non-decreasing. */
  y: number[];
}

/** Values within this distance are one x, as scikit-learn's `_make_unique` does for float64 (finfo.resolution). */
const UNIQUE_EPS = 1e-15;

/**
 * Pool adjacent violators in place, as scikit-learn's `_inplace_contiguous_isotonic_regression`: on return
 * `y` is the weighted least-squares non-decreasing fit. Equal neighbours are pooled too (y[i] ≥ y[k]).
 */
function poolAdjacentViolators(y: Float64Array, w: Float64Array): void {
  const n = y.length;
  // If [i..j] is a block, target[i] = j and target[j] = i; y[i], w[i] hold the block's mean and weight.
  const target = new Int32Array(n);
  for (let i = 0; i < n; i++) target[i] = i;
  let i = 0;
  while (i < n) {
    let k = target[i]! + 1;
    if (k === n) break;
    if (y[i]! < y[k]!) {
      i = k;
      continue;
    }
    let sumWy = w[i]! * y[i]!;
    let sumW = w[i]!;
    for (;;) {
      // Inside a non-increasing run: absorb block k.
      const prevY = y[k]!;
      sumWy += w[k]! * y[k]!;
      sumW += w[k]!;
      k = target[k]! + 1;
      if (k === n || prevY < y[k]!) {
        y[i] = sumWy / sumW;
        w[i] = sumW;
        target[i] = k - 1;
        target[k - 1] = i;
        // Step back one block: the merged mean may now violate the block before.
        if (i > 0) i = target[i - 1]!;
        break;
      }
    }
  }
  // Spread each block's mean over the block.
  i = 0;
  while (i < n) {
    const k = target[i]! + 1;
    y[k - 1] = y[i]!;
    for (let j = i + 1; j < k - 1; j++) y[j] = y[i]!;
    i = k;
  }
}

/**
 * Sorts `idx` (ascending) by confidence, then target, then index, as the comparator
 * `confidence[a] - confidence[b] || correct[a] - correct[b] || a - b` would (−0 equal to 0; finite values): the
 * confidences by the engine's numeric sort of a typed copy, each index put at its value's place by binary search
 * (so ties keep index order), and only runs of equal confidence sorted by target. On 50k held-out rows a fraction
 * of the comparator sort's time.
 */
export function lexOrder(idx: number[], confidence: ArrayLike<number>, correct: ArrayLike<number>): void {
  // Each loop is a function of its own: V8 compiled this one while in its first loop and threw the code away at
  // the next, not yet run (up to four times in one training).
  const sorted = sortedConfidences(idx, confidence);
  const out = placeByConfidence(idx, confidence, sorted);
  orderRuns(out, sorted, correct);
  for (let t = 0; t < idx.length; t++) idx[t] = out[t]!;
}

/** The confidences of the rows `idx`, ascending (−0 as 0). */
function sortedConfidences(idx: number[], confidence: ArrayLike<number>): Float64Array {
  const n = idx.length;
  const sorted = new Float64Array(n);
  for (let t = 0; t < n; t++) sorted[t] = confidence[idx[t]!]! + 0; // −0 → 0
  return sorted.sort();
}

/** The rows `idx` placed by confidence (`sorted`), each run of equal confidence in `idx`'s order. */
function placeByConfidence(idx: number[], confidence: ArrayLike<number>, sorted: Float64Array): Int32Array {
  const n = idx.length;
  const fill = new Int32Array(n);
  const out = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const i = idx[t]!;
    const at = lowerBound(sorted, confidence[i]! + 0);
    out[at + fill[at]!++] = i;
  }
  return out;
}

/** Orders each run of equal confidence in `out` by target, then index. */
function orderRuns(out: Int32Array, sorted: Float64Array, correct: ArrayLike<number>): void {
  const n = out.length;
  const scratch = new Int32Array(n);
  for (let a = 0; a < n; ) {
    let b = a + 1;
    while (b < n && sorted[b] === sorted[a]) b++;
    if (b - a > 1 && !partitionRun(out, a, b, correct, scratch)) {
      const run = Array.from(out.subarray(a, b)).sort((u, v) => correct[u]! - correct[v]! || u - v);
      for (let t = a; t < b; t++) out[t] = run[t - a]!;
    }
    a = b;
  }
}

/**
 * Orders out[a..b), a run of equal confidence, by target then index when it is in index order (as an ascending
 * `idx` leaves it) and every target in it is 0 or 1 (rows right or wrong, the usual case): the 0s then the 1s, each
 * in the order they are, in one pass instead of a comparator sort (held-out confidences tie in long runs at 1.0);
 * false, leaving out as it was, otherwise.
 */
function partitionRun(out: Int32Array, a: number, b: number, correct: ArrayLike<number>, scratch: Int32Array): boolean {
  let zeros = 0;
  for (let t = a; t < b; t++) {
    const c = correct[out[t]!]!;
    if (c === 0) zeros++;
    else if (c !== 1) return false;
    if (t > a && out[t]! < out[t - 1]!) return false;
  }
  let z = a;
  let o = a + zeros;
  for (let t = a; t < b; t++) {
    const i = out[t]!;
    if (correct[i] === 0) out[z++] = i;
    else scratch[o++] = i;
  }
  for (let t = a + zeros; t < b; t++) out[t] = scratch[t]!;
  return true;
}

/**
 * Isotonic-regression calibrator: a non-decreasing, piecewise-linear map from a model's confidence to
 * the observed rate of being right, fitted on held-out (confidence, correct) pairs. Reproduces
 * scikit-learn's `IsotonicRegression(out_of_bounds="clip")` on float64 input: zero-weight samples dropped,
 * confidences within 1e-15 merged (weighted mean of their targets), pool-adjacent-violators, interior
 * knots with the same value as both neighbours trimmed, `numpy.interp` between knots, and inputs
 * clipped to the fitted range.
 * @example
 * const cal = IsotonicCalibrator.fit(heldOutConfidence, heldOutCorrect);
 * const calibrated = cal.transform(newConfidence);
 * const restored = IsotonicCalibrator.fromJSON(JSON.parse(JSON.stringify(cal)));
 */
export class IsotonicCalibrator {
  /** Knots: strictly increasing. */
  readonly x: Float64Array;
  /** Values at the knots: non-decreasing. */
  readonly y: Float64Array;

  /** Builds a calibrator from knots; prefer {@link IsotonicCalibrator.fit} or {@link IsotonicCalibrator.fromJSON}. */
  constructor(x: Float64Array, y: Float64Array) {
    IsotonicCalibrator.check(x, y);
    this.x = x;
    this.y = y;
  }

  /**
   * Fits on held-out confidences and targets (1 = the prediction was right, 0 = wrong; any values in
   * [0, 1] such as soft labels work too), with optional non-negative sample weights. O(n log n).
   * @throws TypeError on unequal lengths; RangeError on a non-finite confidence or target, a negative or
   * non-finite weight, or when no sample has a positive weight.
   */
  static fit(
    confidence: Float64Array | Float32Array,
    correct: Uint8Array | Float64Array | Float32Array,
    sampleWeight?: Float64Array | Float32Array,
  ): IsotonicCalibrator {
    const n = confidence.length;
    if (correct.length !== n || (sampleWeight !== undefined && sampleWeight.length !== n)) {
      const w = sampleWeight === undefined ? "" : `, ${sampleWeight.length} weights`;
      throw new TypeError(`Pass confidence, correct and sampleWeight of equal length: got ${n}, ${correct.length}${w}`);
    }
    const idx: number[] = [];
    for (let i = 0; i < n; i++) {
      const w = sampleWeight === undefined ? 1 : sampleWeight[i]!;
      if (!Number.isFinite(confidence[i]!)) throw new RangeError(`Cannot fit on item ${i}: confidence ${confidence[i]} is not finite`);
      if (!Number.isFinite(correct[i]!)) throw new RangeError(`Cannot fit on item ${i}: target ${correct[i]} is not finite`);
      if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`Cannot fit on item ${i}: weight ${w} is not a finite non-negative number`);
      if (w > 0) idx.push(i);
    }
    if (idx.length === 0) throw new RangeError("Pass at least one sample with a positive weight to fit a calibrator");

    // numpy.lexsort((y, X)): by confidence, then target; stable.
    lexOrder(idx, confidence, correct);
    const weightOf = (i: number): number => (sampleWeight === undefined ? 1 : sampleWeight[i]!);

    // scikit-learn's _make_unique: merge runs of x within UNIQUE_EPS of the run's first x.
    const ux: number[] = [];
    const uy: number[] = [];
    const uw: number[] = [];
    let curX = confidence[idx[0]!]!;
    let curWy = 0;
    let curW = 0;
    for (const i of idx) {
      const x = confidence[i]!;
      const w = weightOf(i);
      if (x - curX >= UNIQUE_EPS) {
        ux.push(curX);
        uw.push(curW);
        uy.push(curWy / curW);
        curX = x;
        curW = w;
        curWy = correct[i]! * w;
      } else {
        curW += w;
        curWy += correct[i]! * w;
      }
    }
    ux.push(curX);
    uw.push(curW);
    uy.push(curWy / curW);

    const y = Float64Array.from(uy);
    poolAdjacentViolators(y, Float64Array.from(uw));

    // Keep the first and last knot and every knot whose value differs from a neighbour's.
    const keptX: number[] = [];
    const keptY: number[] = [];
    for (let j = 0; j < y.length; j++) {
      if (j === 0 || j === y.length - 1 || y[j] !== y[j - 1] || y[j] !== y[j + 1]) {
        keptX.push(ux[j]!);
        keptY.push(y[j]!);
      }
    }
    return new IsotonicCalibrator(Float64Array.from(keptX), Float64Array.from(keptY));
  }

  /**
   * Calibrated value of one confidence: clipped to the fitted range, then linearly interpolated
   * between knots (numpy.interp). @throws RangeError on NaN.
   */
  transformOne(confidence: number): number {
    if (Number.isNaN(confidence)) throw new RangeError("Cannot calibrate a NaN confidence");
    const { x, y } = this;
    const m = x.length;
    const c = Math.min(Math.max(confidence, x[0]!), x[m - 1]!);
    if (c === x[m - 1]!) return y[m - 1]!;
    // Largest j with x[j] ≤ c (exists: c ≥ x[0]); c < x[m - 1], so j < m - 1.
    const lo = upperBound(x, c, 0, m - 1) - 1;
    if (x[lo] === c) return y[lo]!;
    const slope = (y[lo + 1]! - y[lo]!) / (x[lo + 1]! - x[lo]!);
    return slope * (c - x[lo]!) + y[lo]!;
  }

  /** Calibrated values of many confidences (a new array). @throws RangeError on NaN. */
  transform(confidence: Float64Array | Float32Array): Float64Array {
    const out = new Float64Array(confidence.length);
    for (let i = 0; i < confidence.length; i++) out[i] = this.transformOne(confidence[i]!);
    return out;
  }

  toJSON(): IsotonicCalibratorJson {
    return { kind: "isotonic", version: 1, x: Array.from(this.x), y: Array.from(this.y) };
  }

  /**
   * Restores a calibrator from {@link IsotonicCalibrator.toJSON}'s output (e.g. after JSON.parse).
   * @throws SyntaxError when the object is not an isotonic calibrator of version 1 or its knots are malformed.
   */
  static fromJSON(json: unknown): IsotonicCalibrator {
    const o = json as Partial<IsotonicCalibratorJson> | null;
    if (typeof o !== "object" || o === null || o.kind !== "isotonic") {
      throw new SyntaxError('Cannot read calibrator: expected an object with kind "isotonic"');
    }
    if (o.version !== 1) throw new SyntaxError(`Cannot read calibrator: version ${String(o.version)} is not supported (expected 1)`);
    const isNumbers = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => typeof v === "number");
    if (!isNumbers(o.x) || !isNumbers(o.y)) throw new SyntaxError("Cannot read calibrator: x and y must be arrays of numbers");
    try {
      return new IsotonicCalibrator(Float64Array.from(o.x), Float64Array.from(o.y));
    } catch (e) {
      throw new SyntaxError(`Cannot read calibrator: ${(e as Error).message}`, { cause: e });
    }
  }

  /** @throws RangeError unless x is strictly increasing, y non-decreasing, both finite, equal length ≥ 1. */
  private static check(x: Float64Array, y: Float64Array): void {
    if (x.length === 0 || x.length !== y.length) {
      throw new RangeError(`Pass knots x and y of equal, non-zero length: got ${x.length} and ${y.length}`);
    }
    for (let j = 0; j < x.length; j++) {
      if (!Number.isFinite(x[j]!) || !Number.isFinite(y[j]!)) throw new RangeError(`Knot ${j} is not finite`);
      if (j > 0 && !(x[j]! > x[j - 1]!)) throw new RangeError(`Knots x must increase strictly: x[${j}] = ${x[j]} after ${x[j - 1]}`);
      if (j > 0 && !(y[j]! >= y[j - 1]!)) throw new RangeError(`Knots y must not decrease: y[${j}] = ${y[j]} after ${y[j - 1]}`);
    }
  }
}
