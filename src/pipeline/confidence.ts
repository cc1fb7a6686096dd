// Confidence a catalog team can act on: isotonic calibration of the top score, operating points for a target
// precision, and hierarchical backoff (the deepest category the model is sure of) or abstention.
import { ConfigError } from "../core/errors.js";
import { IsotonicCalibrator, lexOrder } from "../classify/calibration.js";
import { coverageAtPrecision } from "../metrics/calibration.js";
import { splitPath } from "../core/product.js";

/** A fitted calibration, stored in the model manifest. */
export interface CalibrationInfo {
  method: "isotonic";
  /** The isotonic map of the top category's score (knots). */
  x: number[];
  y: number[];
  /** Held-out rows it was fitted on, and their calibrated top scores and correctness, for operating points. */
  rows: number;
  confidence: number[];
  correct: number[];
  /**
   * Isotonic maps of the probability summed over the labels under the category chosen at each level
   * (level 1 first; levels above the deepest label path only), for backoff decisions.
   */
  levels?: ({ x: number[]; y: number[]; rows: number } | null)[];
}

/** Fewest held-out rows worth fitting an isotonic map on. */
const MIN_ROWS = 100;

/**
 * Fits an isotonic map from the top category's probability to the chance that it is right, on held-out
 * top scores and whether they were right. Returns undefined when there are too few rows.
 */
export function fitCalibration(
  confidence: Float64Array,
  correct: Uint8Array,
  levels: { confidence: Float64Array; correct: Uint8Array }[] = [],
  maxStored = 5000,
): CalibrationInfo | undefined {
  const n = confidence.length;
  if (n < MIN_ROWS) return undefined;
  const iso = IsotonicCalibrator.fit(confidence, correct);
  const eps = 0.5 / n;
  const calibrated = iso.transform(confidence).map((v) => Math.min(1 - eps, Math.max(eps, v)));
  const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
  // Keep an evenly spaced subset (by score) of the held-out pairs for operating points.
  const order = Array.from({ length: n }, (_, i) => i);
  lexOrder(order, calibrated, new Uint8Array(n)); // by calibrated score, then row
  const keep = n <= maxStored ? order : Array.from({ length: maxStored }, (_, t) => order[Math.floor((t * n) / maxStored)]!);
  return {
    method: "isotonic",
    x: Array.from(iso.x),
    y: Array.from(iso.y),
    rows: n,
    confidence: keep.map((i) => r4(calibrated[i]!)),
    correct: keep.map((i) => correct[i]!),
    ...(levels.length > 0
      ? {
          // A level seen on too few held-out rows (a rare branch) keeps its raw sums.
          levels: levels.map((l) => {
            if (l.confidence.length < MIN_ROWS) return null;
            const m = IsotonicCalibrator.fit(l.confidence, l.correct);
            return { x: Array.from(m.x), y: Array.from(m.y), rows: l.confidence.length };
          }),
        }
      : {}),
  };
}

/** The calibrators of the per-level sums of a stored calibration (identity where none was fitted). */
export function levelCalibrators(info: CalibrationInfo | undefined): (ScoreCalibrator | undefined)[] {
  if (!info?.levels) return [];
  return info.levels.map((l) => {
    if (!l) return undefined;
    const iso = new IsotonicCalibrator(Float64Array.from(l.x), Float64Array.from(l.y));
    const eps = 0.5 / Math.max(1, l.rows);
    return { transformOne: (p: number) => Math.min(1 - eps, Math.max(eps, iso.transformOne(p))) };
  });
}

/** A map from the top score to a calibrated probability. */
export interface ScoreCalibrator {
  transformOne(score: number): number;
}

/**
 * The calibrator of a stored calibration. Its output stays within [½/rows, 1 − ½/rows]: an isotonic step
 * fitted on a few hundred held-out products may reach exactly 0 or 1, which no finite evidence supports.
 */
export function calibrator(info: CalibrationInfo): ScoreCalibrator {
  const iso = new IsotonicCalibrator(Float64Array.from(info.x), Float64Array.from(info.y));
  const eps = 0.5 / Math.max(1, info.rows);
  return { transformOne: (p) => Math.min(1 - eps, Math.max(eps, iso.transformOne(p))) };
}

/** Smallest calibrated top score, so a calibrated row still ranks its categories. */
const MIN_TOP = 1e-6;

/**
 * Calibrates probability rows in place: the top category's probability becomes the calibrated chance that
 * it is right; the others share the rest in proportion, or, when that would lift one above the top, are
 * scaled with the top (so the ranking never changes and rows sum to at most 1).
 */
export function calibrateRows(proba: Float32Array, k: number, iso: ScoreCalibrator): void {
  const n = proba.length / k;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    // The top (its first index on ties) and the largest of the others (at least 0), in one pass.
    let best = o;
    let p = proba[o]!;
    let second = 0;
    for (let c = o + 1; c < o + k; c++) {
      const v = proba[c]!;
      if (v > p) {
        if (p > second) second = p;
        best = c;
        p = v;
      } else if (v > second) second = v;
    }
    if (!(p > 0)) continue;
    const { q, scale } = topCalibration(p, second, k, iso);
    for (let c = o; c < o + k; c++) proba[c] = c === best ? q : proba[c]! * scale;
  }
}

/**
 * How {@link calibrateRows} calibrates a row of `k` probabilities whose top is `p` (> 0) and whose largest other is
 * `second` (≥ 0): the top becomes `q`, every other probability is multiplied by `scale`.
 */
export function topCalibration(p: number, second: number, k: number, iso: ScoreCalibrator): { q: number; scale: number } {
  // The top of k probabilities is at least 1/k: a calibrator fitted on few low-confidence rows may say less.
  const q = Math.max(MIN_TOP, 1 / k, iso.transformOne(p));
  const share = p < 1 ? (1 - q) / (1 - p) : 0;
  return { q, scale: second * share <= q ? share : q / p };
}

/** The score threshold that reaches `minPrecision` on the held-out rows, or a ConfigError saying the best achievable. */
export function thresholdFor(info: CalibrationInfo, minPrecision: number): { threshold: number; coverage: number } {
  if (!(minPrecision > 0 && minPrecision <= 1)) throw new ConfigError(`minPrecision must be in (0, 1], got ${minPrecision}`);
  const [r] = coverageAtPrecision(Float64Array.from(info.confidence), Uint8Array.from(info.correct), [minPrecision]);
  if (!r!.reachable || r!.threshold === null) {
    const b = r!.bestPrecision;
    throw new ConfigError(
      `This model cannot reach precision ${minPrecision} on its held-out estimate (${info.rows} rows)` +
        (b ? `: the best achievable is ${b.precision.toFixed(4)}, accepting ${(b.coverage * 100).toFixed(1)}% of products (score ≥ ${b.threshold.toFixed(4)})` : ""),
    );
  }
  return { threshold: r!.threshold, coverage: r!.coverage };
}

/** What to do with one product: file it at a leaf, back off to an ancestor, or abstain. */
export interface Decision {
  /** The chosen category path, or null when abstaining. */
  category: string | null;
  /** Probability of the chosen category (summed over the leaves below it for an ancestor). */
  score: number;
  /** Levels in the chosen path (0 when abstaining). */
  depth: number;
  status: "leaf" | "backoff" | "abstain";
}

/**
 * The label tree of a model: every label path and its ancestors, so leaf probabilities can be summed
 * upwards. Labels need not all have the same depth.
 */
export class LabelTree {
  /** Ancestor paths of each label (top level first, the label itself last). */
  readonly ancestors: string[][];
  readonly maxDepth: number;
  /** Child prefixes of each prefix ("" = the root), and the labels below each prefix. */
  private readonly children = new Map<string, string[]>();
  private readonly below = new Map<string, number[]>();

  constructor(
    readonly labels: readonly string[],
    separator: string,
  ) {
    this.ancestors = labels.map((l) => {
      const parts = splitPath(l, separator);
      return parts.map((_, d) => parts.slice(0, d + 1).join(" > "));
    });
    this.maxDepth = this.ancestors.reduce((m, a) => Math.max(m, a.length), 0);
    this.ancestors.forEach((path, c) => {
      let parent = "";
      for (const prefix of path) {
        let kids = this.children.get(parent);
        if (!kids) this.children.set(parent, (kids = []));
        if (!kids.includes(prefix)) kids.push(prefix);
        let under = this.below.get(prefix);
        if (!under) this.below.set(prefix, (under = []));
        under.push(c);
        parent = prefix;
      }
    });
  }

  /**
   * Backoff: the top label when its (calibrated) probability reaches `threshold`. Otherwise walk down from
   * the root, at each level into the child with the most probability (summed over its labels in
   * `ancestors`, the classifier's own probabilities, then mapped by that level's calibrator when there is
   * one), while that reaches the threshold, and answer the deepest category reached (e.g. "Home > Cookware" instead of a
   * doubtful "Pans"); abstain when no top-level category reaches it. The answer is always a prefix of a
   * known label.
   */
  decide(proba: Float32Array, offset: number, threshold: number, ancestors: Float32Array = proba, levels: readonly (ScoreCalibrator | undefined)[] = []): Decision {
    const k = this.labels.length;
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[offset + c]! > proba[offset + best]!) best = c;
    const top = proba[offset + best]!;
    if (top >= threshold) return { category: this.labels[best]!, score: top, depth: this.ancestors[best]!.length, status: "leaf" };
    let at: Decision | null = null;
    for (const step of this.descend(ancestors, offset)) {
      // A full label is only answered through the calibrated test above.
      if (!step.internal) break;
      const cal = levels[step.depth - 1];
      const score = cal ? cal.transformOne(step.sum) : Math.min(1, step.sum);
      if (score < threshold) break;
      at = { category: step.prefix, score, depth: step.depth, status: "backoff" };
    }
    return at ?? { category: null, score: top, depth: 0, status: "abstain" };
  }

  /**
   * The greedy path from the root: at each level the child with the most probability summed over its
   * labels. Yields each step's prefix, level, sum and whether it has children.
   */
  *descend(proba: Float32Array, offset: number): Generator<{ prefix: string; depth: number; sum: number; internal: boolean }> {
    let at = "";
    for (let depth = 1; ; depth++) {
      const kids = this.children.get(at);
      if (!kids) return;
      let pick = "";
      let pickScore = -1;
      for (const kid of kids) {
        let sum = 0;
        for (const c of this.below.get(kid)!) sum += proba[offset + c]!;
        if (sum > pickScore) {
          pick = kid;
          pickScore = sum;
        }
      }
      yield { prefix: pick, depth, sum: pickScore, internal: this.children.has(pick) };
      at = pick;
    }
  }
}
