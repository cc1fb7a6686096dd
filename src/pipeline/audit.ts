// Catalog audit: products probably filed in the wrong category (confident learning on out-of-fold
// probabilities), exact and near-duplicate products, class imbalance and categories too small to learn.
import { ConfigError, throwIfAborted } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { Warning } from "../core/progress.js";
import { Random } from "../core/random.js";
import { smallClasses, stratifiedKFold } from "../catalog/split.js";
import { catalogImbalance, findDuplicates, type CatalogImbalance, type DuplicateGroup } from "./audit-checks.js";
import { DEFAULT_CLASSIFIER, encodeLabels, train, type TrainOptions } from "./train.js";

export type { CatalogImbalance, DuplicateGroup, DuplicateMember } from "./audit-checks.js";
export { catalogImbalance, findDuplicates } from "./audit-checks.js";

/**
 * Which products become label issues (all use the out-of-fold probabilities and the confident joint of
 * Northcutt, Jiang and Chuang 2021; see {@link findLabelIssues}).
 * - "pruned" (default): products whose out-of-fold prediction differs from their label, ranked by
 *   self-confidence (lowest p(label) first) and cut to the estimated number of label errors (the
 *   off-diagonal mass of the calibrated confident joint). Best precision and recall in our measurements:
 *   5% injected noise on pricerunner gives precision 0.94, recall 0.98.
 * - "confident-joint": the off-diagonal entries of the confident joint: a product labelled i whose most
 *   probable class among those whose threshold it clears is j ≠ i. Higher precision (0.97), lower recall (0.80).
 * - "prune-by-noise-rate": cleanlab's default: for each off-diagonal cell (i, j) of the calibrated joint, the
 *   n_ij products labelled i with the largest margin p_j − p_i, dropping those predicted as i (0.92 / 0.95).
 */
export type LabelIssueMethod = "pruned" | "confident-joint" | "prune-by-noise-rate";
export const LABEL_ISSUE_METHODS: readonly LabelIssueMethod[] = ["pruned", "confident-joint", "prune-by-noise-rate"];

/** Options of {@link auditCatalog}. */
export interface AuditOptions extends TrainOptions {
  /** Folds of the out-of-fold probabilities (default 5). */
  folds?: number;
  /** Categories with fewer products than this are reported as too small to learn (default 5). */
  minClassSize?: number;
  /** How candidates become label issues (default "pruned"). */
  method?: LabelIssueMethod;
  /** Mean similarity (0–1) near-duplicate groups need (default 0.9). */
  nearDuplicateThreshold?: number;
}

/** A product that is probably in the wrong category. */
export interface LabelIssue {
  id: string;
  /** Line of the product in its source file, when known. */
  line?: number;
  title: string;
  /** The category it is filed under. */
  label: string;
  /** The category the out-of-fold model is confident it belongs to. */
  suggested: string;
  /** How likely the label is wrong: 1 − p(label) out of fold, in [0, 1]; issues are ranked by it. */
  score: number;
  labelProbability: number;
  suggestedProbability: number;
}

/** The outcome of {@link auditCatalog}: plain JSON. */
export interface AuditReport {
  rows: number;
  categories: number;
  folds: number;
  seed: number;
  classifier: string;
  method: LabelIssueMethod;
  /** Share of products whose out-of-fold prediction equals their label. */
  outOfFoldAccuracy: number;
  /** Label errors estimated from the calibrated confident joint (off-diagonal mass). */
  estimatedLabelErrors: number;
  /** Per category: the confidence threshold t_j (mean out-of-fold probability of j over products labelled j). */
  thresholds: Record<string, number>;
  /** Products that could not be judged: their category had no other product to learn from. */
  unjudged: number;
  /** Suspected mislabels, most suspicious first. */
  labelIssues: LabelIssue[];
  /** Groups of products with the same normalized text, groups whose labels disagree first. */
  exactDuplicates: DuplicateGroup[];
  /** Groups of products with nearly the same text (not all exact duplicates), groups whose labels disagree first. */
  nearDuplicates: DuplicateGroup[];
  imbalance: CatalogImbalance;
  minClassSize: number;
  /** Categories with fewer than `minClassSize` products, smallest first. */
  smallCategories: { label: string; count: number }[];
  seconds: number;
  warnings: string[];
}

/**
 * Out-of-fold class probabilities: stratified folds, a model trained with {@link train} on the other folds
 * scores each fold. Classes a fold's model never saw get probability 0 there.
 * @returns `proba` (rows × labels, row-major, labels as {@link encodeLabels} sorts them), the labels, `y`,
 *   and `judged` (1 where the row's own class was in its fold's training data).
 */
export async function outOfFoldProbabilities(
  products: readonly Product[],
  options: TrainOptions & { folds?: number } = {},
): Promise<{ proba: Float32Array; labels: string[]; y: Int32Array; judged: Uint8Array }> {
  const k = options.folds ?? 5;
  if (!Number.isInteger(k) || k < 2) throw new ConfigError(`Invalid fold count ${k}: use at least 2`);
  if (k > products.length) throw new ConfigError(`Cannot make ${k} folds from ${products.length} products`);
  const { labels, y } = encodeLabels(products);
  const n = products.length;
  const K = labels.length;
  const foldOf = stratifiedKFold(y, k, options.seed ?? 0);
  const proba = new Float32Array(n * K);
  const judged = new Uint8Array(n);
  const index = new Map(labels.map((l, i) => [l, i]));
  for (let f = 0; f < k; f++) {
    throwIfAborted(options.signal, "Auditing");
    const trainSet: Product[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < n; i++) {
      if (foldOf[i] === f) testIdx.push(i);
      else trainSet.push(products[i]!);
    }
    if (testIdx.length === 0) continue;
    // Raw probabilities (a distribution over classes, as confident learning expects): no top-score
    // calibration (it would also refit the classifier twice per fold) and no explanation sample.
    const model = await train(trainSet, {
      ...options,
      calibration: "none",
      explainSamples: false,
      onWarning: undefined,
      onProgress: (e) => options.onProgress?.({ stage: `fold ${f + 1}/${k} ${e.stage}`, done: e.done, total: e.total }),
    });
    const m = model.labels.length;
    const global = Int32Array.from(model.labels, (l) => index.get(l)!);
    const known = new Uint8Array(K);
    for (let c = 0; c < m; c++) known[global[c]!] = 1;
    const p = model.probabilities(testIdx.map((i) => products[i]!));
    await model.close();
    testIdx.forEach((i, r) => {
      for (let c = 0; c < m; c++) proba[i * K + global[c]!] = p[r * m + c]!;
      judged[i] = known[y[i]!]!;
    });
  }
  return { proba, labels, y, judged };
}

/** One row flagged by {@link findLabelIssues}. */
export interface LabelIssueRow {
  row: number;
  suggested: number;
  score: number;
}

/**
 * Confident learning (Northcutt, Jiang and Chuang 2021, "Confident Learning: Estimating Uncertainty in
 * Dataset Labels") over out-of-fold probabilities. Per class j the threshold t_j is the mean p_j over rows
 * labelled j. A row labelled i counts in cell (i, j) of the confident joint when j is its most probable class
 * among those whose threshold it clears. The joint is calibrated so row i sums to the rows labelled i; its
 * off-diagonal mass estimates the number of label errors. Which rows are flagged depends on `method` (see
 * {@link LabelIssueMethod}). Score of a flagged row: 1 − p(label). O(n · classes).
 * @param proba rows × classCount probabilities, row-major
 * @param judged rows to consider (default all); others neither set thresholds nor get flagged
 * @returns flagged rows, most suspicious first, the thresholds and the estimated error count
 * @example const { issues } = findLabelIssues(proba, y, 3);
 */
export function findLabelIssues(
  proba: Float32Array,
  y: Int32Array,
  classCount: number,
  options: { method?: LabelIssueMethod; judged?: Uint8Array } = {},
): { issues: LabelIssueRow[]; thresholds: Float64Array; estimatedErrors: number } {
  const n = y.length;
  const K = classCount;
  if (proba.length !== n * K) throw new TypeError(`proba has ${proba.length} entries for ${n} rows × ${K} classes`);
  const judged = options.judged;
  const method = options.method ?? "pruned";
  const use = (i: number): boolean => !judged || judged[i] === 1;
  // Thresholds: mean self-probability per class. A class with no judged rows falls back to 0.5
  // (the model must favour it over all others combined).
  const sum = new Float64Array(K);
  const count = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    if (!use(i)) continue;
    const c = y[i]!;
    sum[c]! += proba[i * K + c]!;
    count[c]!++;
  }
  const thresholds = Float64Array.from(sum, (s, c) => (count[c]! > 0 ? s / count[c]! : 0.5));
  // Confident joint: cell (given, most probable class among those over their threshold).
  const joint = new Float64Array(K * K);
  const confident = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (!use(i)) continue;
    let best = -1;
    let bestP = -1;
    for (let j = 0; j < K; j++) {
      const p = proba[i * K + j]!;
      if (p >= thresholds[j]! - 1e-6 && p > bestP) {
        best = j;
        bestP = p;
      }
    }
    if (best < 0) continue;
    confident[i] = best;
    joint[y[i]! * K + best]!++;
  }
  // Calibrate rows to the given-label counts; the off-diagonal mass estimates the errors.
  const perCell = new Float64Array(K * K);
  let estimated = 0;
  for (let i = 0; i < K; i++) {
    let rowSum = 0;
    for (let j = 0; j < K; j++) rowSum += joint[i * K + j]!;
    if (rowSum === 0) continue;
    for (let j = 0; j < K; j++) {
      const v = (joint[i * K + j]! / rowSum) * count[i]!;
      perCell[i * K + j] = v;
      if (j !== i) estimated += v;
    }
  }
  const estimatedErrors = Math.round(estimated);
  const argmax = (i: number): number => {
    let a = 0;
    for (let j = 1; j < K; j++) if (proba[i * K + j]! > proba[i * K + a]!) a = j;
    return a;
  };
  const flag = (i: number, j: number): LabelIssueRow => ({ row: i, suggested: j, score: 1 - proba[i * K + y[i]!]! });
  let issues: LabelIssueRow[] = [];
  if (method === "prune-by-noise-rate") {
    issues = pruneByNoiseRate(proba, y, K, perCell, use, argmax).map(({ row, suggested }) => flag(row, suggested));
  } else if (method === "confident-joint") {
    for (let i = 0; i < n; i++) if (confident[i]! >= 0 && confident[i] !== y[i]) issues.push(flag(i, confident[i]!));
  } else {
    for (let i = 0; i < n; i++) {
      if (!use(i)) continue;
      const a = argmax(i);
      if (a !== y[i]) issues.push(flag(i, a));
    }
  }
  // Most suspicious first; ties (p(label) ≈ 0) by the suggestion's probability.
  issues.sort((a, b) => b.score - a.score || proba[b.row * K + b.suggested]! - proba[a.row * K + a.suggested]! || a.row - b.row);
  if (method === "pruned" && issues.length > estimatedErrors) issues.length = estimatedErrors;
  return { issues, thresholds, estimatedErrors };
}

/**
 * cleanlab's "prune_by_noise_rate": per off-diagonal cell (i, j), the round(n_ij) rows labelled i with the
 * largest margin p_j − p_i; rows predicted as their own label are dropped.
 */
function pruneByNoiseRate(
  proba: Float32Array,
  y: Int32Array,
  K: number,
  perCell: Float64Array,
  use: (i: number) => boolean,
  argmax: (i: number) => number,
): { row: number; suggested: number }[] {
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < y.length; i++) if (use(i)) byClass[y[i]!]!.push(i);
  const margin = (r: number, j: number): number => proba[r * K + j]! - proba[r * K + y[r]!]!;
  const picked = new Map<number, { row: number; suggested: number; margin: number }>();
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const take = Math.round(perCell[i * K + j]!);
      if (j === i || take === 0) continue;
      const rows = byClass[i]!.slice().sort((a, b) => margin(b, j) - margin(a, j) || a - b);
      for (const r of rows.slice(0, take)) {
        const m = margin(r, j);
        const prev = picked.get(r);
        if (!prev || m > prev.margin) picked.set(r, { row: r, suggested: j, margin: m });
      }
    }
  }
  return [...picked.values()].filter(({ row }) => argmax(row) !== y[row]);
}

/**
 * Audits a labelled catalog: suspected mislabels from out-of-fold probabilities (see
 * {@link findLabelIssues}), exact and near-duplicate groups, class imbalance and small categories.
 * Categories with fewer products than folds are still scored (a warning says some folds lack them); a
 * product whose category has no other product cannot be judged and is counted in `unjudged`.
 * @example
 * const { products } = await readCatalogFile("catalog.jsonl", { requireLabel: true });
 * const report = await auditCatalog(products, { seed: 42 });
 * report.labelIssues.slice(0, 10); // { id, title, label, suggested, score, … }
 */
export async function auditCatalog(products: readonly Product[], options: AuditOptions = {}): Promise<AuditReport> {
  const started = performance.now();
  if (products.length === 0) throw new ConfigError("Cannot audit an empty catalog");
  const missing = products.find((p) => p.label === undefined || p.label === "");
  if (missing) throw new ConfigError(`Cannot audit: product "${missing.id}"${missing.line ? ` (line ${missing.line})` : ""} has no category`);
  const folds = options.folds ?? 5;
  const minClassSize = options.minClassSize ?? 5;
  if (!Number.isInteger(minClassSize) || minClassSize < 1) throw new ConfigError(`Invalid minimum category size ${minClassSize}: use a whole number of at least 1`);
  const method = options.method ?? "pruned";
  if (!LABEL_ISSUE_METHODS.includes(method)) throw new ConfigError(`Unknown label issue method "${method}": use one of ${LABEL_ISSUE_METHODS.join(", ")}`);
  const seed = options.seed ?? 0;
  const warnings: string[] = [];
  const warn = (w: Warning): void => {
    warnings.push(w.message);
    options.onWarning?.(w);
  };
  const { labels, y } = encodeLabels(products);
  if (labels.length < 2) throw new ConfigError(`Cannot audit a catalog with ${labels.length} category ("${labels[0]}"): a classifier needs at least 2`);
  const small = smallClasses(y, folds);
  if (small.length > 0) {
    warn({
      code: "SMALL_CLASS",
      message: `${small.length} categor${small.length === 1 ? "y has" : "ies have"} fewer products than folds (${small
        .slice(0, 3)
        .map((c) => `"${labels[c]}"`)
        .join(", ")}${small.length > 3 ? ", …" : ""}): they are scored by models that saw fewer of them`,
    });
  }

  const oof = await outOfFoldProbabilities(products, { ...options, folds, seed });
  const K = labels.length;
  let correct = 0;
  for (let i = 0; i < products.length; i++) {
    let arg = 0;
    for (let j = 1; j < K; j++) if (oof.proba[i * K + j]! > oof.proba[i * K + arg]!) arg = j;
    if (arg === y[i]) correct++;
  }
  let unjudged = 0;
  for (let i = 0; i < products.length; i++) if (!oof.judged[i]) unjudged++;
  if (unjudged > 0) {
    warn({ code: "UNJUDGED", message: `${unjudged} product${unjudged === 1 ? " is" : "s are"} alone in ${unjudged === 1 ? "its category" : "their categories"}: their labels cannot be checked` });
  }
  const found = findLabelIssues(oof.proba, y, K, { method, judged: oof.judged });
  const labelIssues: LabelIssue[] = found.issues.map(({ row, suggested, score }) => {
    const p = products[row]!;
    return {
      id: p.id,
      ...(p.line !== undefined ? { line: p.line } : {}),
      title: p.text[0] ?? "",
      label: p.label!,
      suggested: labels[suggested]!,
      score: round(score),
      labelProbability: round(oof.proba[row * K + y[row]!]!),
      suggestedProbability: round(oof.proba[row * K + suggested]!),
    };
  });

  throwIfAborted(options.signal, "Auditing");
  const duplicates = await findDuplicates(products, {
    threshold: options.nearDuplicateThreshold ?? 0.9,
    signal: options.signal,
    onProgress: (e) => options.onProgress?.({ stage: `duplicates ${e.stage}`, done: e.done, total: e.total }),
  });
  const imbalance = catalogImbalance(labels, y);
  const smallCategories = imbalance.counts.filter((c) => c.count < minClassSize).sort((a, b) => a.count - b.count || (a.label < b.label ? -1 : 1));
  return {
    rows: products.length,
    categories: K,
    folds,
    seed,
    classifier: options.classifier ?? DEFAULT_CLASSIFIER,
    method,
    outOfFoldAccuracy: round(correct / products.length),
    estimatedLabelErrors: found.estimatedErrors,
    thresholds: Object.fromEntries(labels.map((l, c) => [l, round(found.thresholds[c]!)])),
    unjudged,
    labelIssues,
    exactDuplicates: duplicates.exact,
    nearDuplicates: duplicates.near,
    imbalance,
    minClassSize,
    smallCategories,
    seconds: round((performance.now() - started) / 1000),
    warnings,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * Flips `rate` of the labels, each to a different label drawn uniformly from the catalog's other labels
 * (seeded), for measuring how many injected errors an audit recovers. Product ids should be unique.
 * @returns copies of the products with the flipped labels, the flipped ids, and their original labels
 * @example const { products: noisy, flipped } = injectLabelNoise(products, 0.05, 1);
 */
export function injectLabelNoise(
  products: readonly Product[],
  rate: number,
  seed: number,
): { products: Product[]; flipped: Set<string>; original: Map<string, string> } {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`Pass a noise rate from 0 to 1: got ${rate}`);
  const labels = [...new Set(products.map((p) => p.label ?? ""))].sort();
  if (labels.length < 2) throw new RangeError(`Cannot flip labels with ${labels.length} distinct label`);
  const rng = new Random(seed);
  const rows = rng.sample(products.length, Math.round(rate * products.length));
  const out = products.map((p) => ({ ...p }));
  const flipped = new Set<string>();
  const original = new Map<string, string>();
  for (const r of rows) {
    const p = out[r]!;
    const from = p.label ?? "";
    const others = labels.filter((l) => l !== from);
    p.label = others[rng.int(others.length)]!;
    flipped.add(p.id);
    original.set(p.id, from);
  }
  return { products: out, flipped, original };
}

/**
 * Precision and recall of an audit's label issues against known flipped ids (see {@link injectLabelNoise}).
 * With `original` labels, also the share of correctly flagged products whose suggestion is the original label.
 */
export function measureAuditRecovery(
  report: Pick<AuditReport, "labelIssues">,
  flippedIds: ReadonlySet<string>,
  original?: ReadonlyMap<string, string>,
): { precision: number; recall: number; f1: number; flagged: number; flipped: number; suggestionAccuracy?: number } {
  const flagged = new Set(report.labelIssues.map((i) => i.id));
  let hits = 0;
  let restored = 0;
  for (const issue of report.labelIssues) {
    if (!flippedIds.has(issue.id)) continue;
    hits++;
    if (original?.get(issue.id) === issue.suggested) restored++;
  }
  const precision = flagged.size > 0 ? hits / flagged.size : 0;
  const recall = flippedIds.size > 0 ? hits / flippedIds.size : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    precision,
    recall,
    f1,
    flagged: flagged.size,
    flipped: flippedIds.size,
    ...(original ? { suggestionAccuracy: hits > 0 ? restored / hits : 0 } : {}),
  };
}
