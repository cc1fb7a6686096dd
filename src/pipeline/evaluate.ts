// Evaluation: a model against labelled products → accuracy, macro/micro/weighted P/R/F1, confusion.
import type { FeaturizeOptions, ProductModel } from "../core/contracts.js";
import type { Product } from "../core/product.js";
import { ConfigError } from "../core/errors.js";
import { classificationReport, type ClassificationReport } from "../metrics/classification.js";
import type { CategoryModel, ScoredRows } from "./category-model.js";
import { DEFAULT_PATH_SEPARATOR, splitPath } from "../core/product.js";
import { hierarchicalReport, type LevelScore } from "../metrics/hierarchical.js";
import { coverageAtPrecision, coverageByPrecision, expectedCalibrationError, reliabilityTable, type ReliabilityBin } from "../metrics/calibration.js";
import type { Decider } from "./decisions.js";
import { evidenceScores, type MultimodalEvaluation } from "./evaluate-multimodal.js";
import type { BranchProbabilities } from "./multimodal-model.js";

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Score decisions with hierarchical backoff at this threshold (true = 0.5) or at `minPrecision`'s. */
  backoff?: boolean | number;
  /** Target precision for the operating point (threshold learned on held-out data). */
  minPrecision?: number;
  /** Precisions for `coverageAtPrecision`. Default [0.9, 0.95, 0.98, 0.99]. */
  precisionTargets?: number[];
}

export interface EvaluationReport extends ClassificationReport {
  modelVersion: string;
  /** Categories in the data that the model never saw (every such product counts as an error). */
  unknownLabels: string[];
  /** Items per second of featurizing + classifying the evaluation set. */
  itemsPerSecond: number;
  /** Accuracy and macro-F1 at each level of the category paths (level 1 = top). */
  levels: LevelScore[];
  /** Kiritchenko's hierarchical precision/recall/F1 (ancestor-set overlap), of the decisions when backing off. */
  hierarchicalPrecision: number;
  hierarchicalRecall: number;
  hierarchicalF1: number;
  /** Exact full-path accuracy of the decisions (a backoff or abstention is not exact). */
  pathAccuracy: number;
  backoffRate: number;
  abstainRate: number;
  /** Expected calibration error of the top score (15 bins), after and before the model's calibration. */
  ece: number;
  eceUncalibrated: number;
  reliability: ReliabilityBin[];
  /** Share of products that can be auto-accepted at each precision, e.g. {"0.95": 0.97, "0.98": 0.91}, measured on this data. */
  coverageAtPrecision: Record<string, number>;
  /** With `minPrecision`: the held-out threshold applied here, and the precision and coverage it gives on this data. */
  operatingPoint?: { minPrecision: number; threshold: number; precision: number; coverage: number; heldOutCoverage: number };
}

/** What evaluation reads of a model: its decider and its probability rows (both built-in kinds have them). */
export interface ScorableModel extends ProductModel {
  readonly decider: Decider;
  score(products: readonly Product[], options?: FeaturizeOptions): ScoredRows | Promise<ScoredRows & { branches?: BranchProbabilities }>;
}

function isScorable(m: ProductModel): m is ScorableModel {
  const s = m as Partial<ScorableModel>;
  return typeof s.score === "function" && s.decider !== undefined;
}

/** The report of any model kind: the classification report, plus each evidence source side by side for photo models. */
export type ModelEvaluation = EvaluationReport & Partial<Omit<MultimodalEvaluation, "modelVersion">>;

/** The true label of each product as an index; labels the model never saw become classes of their own. */
function encodeTruth(modelLabels: readonly string[], products: readonly Product[]): { labels: string[]; yTrue: Int32Array; unknown: string[] } {
  if (products.length === 0) throw new ConfigError("Cannot evaluate on an empty catalog");
  const missing = products.find((p) => !p.label);
  if (missing) throw new ConfigError(`Cannot evaluate: product "${missing.id}"${missing.line ? ` (line ${missing.line})` : ""} has no category`);
  const labels = [...modelLabels];
  const index = new Map(labels.map((l, i) => [l, i]));
  const unknown: string[] = [];
  for (const p of products) {
    if (!index.has(p.label!)) {
      index.set(p.label!, labels.length);
      labels.push(p.label!);
      unknown.push(p.label!);
    }
  }
  return { labels, yTrue: Int32Array.from(products, (p) => index.get(p.label!)!), unknown };
}

/**
 * Scores `model` on labelled products. Labels unknown to the model are kept (their products are
 * errors), so the report never looks better than the model is.
 */
export function evaluate(model: CategoryModel, products: readonly Product[], options: EvaluateOptions = {}): EvaluationReport {
  const truth = encodeTruth(model.labels, products);
  const t = performance.now();
  const scored = model.score(products);
  return reportOf(model, products, truth, scored, (performance.now() - t) / 1000, options);
}

/**
 * Scores a model of any kind on labelled products: the report of {@link evaluate}, and for models that see
 * photos also each evidence source alone and fused (`text`, `image`, `imageOnLoaded`, `fused`, `withImage`…).
 * @example const report = await evaluateModel(await loadModel("models/shop"), holdout);
 */
export async function evaluateModel(model: ProductModel, products: readonly Product[], options: EvaluateOptions & FeaturizeOptions = {}): Promise<ModelEvaluation> {
  if (!isScorable(model)) throw new ConfigError(`Cannot evaluate a "${model.kind}" model: it does not expose its probabilities`);
  const truth = encodeTruth(model.labels, products);
  const t = performance.now();
  const scored = await model.score(products, options);
  const report = reportOf(model, products, truth, scored, (performance.now() - t) / 1000, options);
  const branches = (scored as { branches?: BranchProbabilities }).branches;
  if (!branches) return report;
  const { modelVersion: _v, ...evidence } = evidenceScores(model, truth.labels, truth.yTrue, scored.proba, branches);
  return { ...report, ...evidence };
}

function reportOf(
  model: ScorableModel | CategoryModel,
  products: readonly Product[],
  truth: { labels: string[]; yTrue: Int32Array; unknown: string[] },
  scored: ScoredRows,
  seconds: number,
  options: EvaluateOptions,
): EvaluationReport {
  const { labels, yTrue, unknown } = truth;
  const { raw, proba } = scored;
  const decider = model.decider;
  const k = model.labels.length;
  const n = products.length;
  const yPred = new Int32Array(n);
  const conf = new Float64Array(n);
  const confRaw = new Float64Array(n);
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + b]!) b = c;
    yPred[i] = b;
    conf[i] = proba[i * k + b]!;
    let rb = 0;
    for (let c = 1; c < k; c++) if (raw[i * k + c]! > raw[i * k + rb]!) rb = c;
    confRaw[i] = raw[i * k + rb]!;
    correct[i] = b === yTrue[i] ? 1 : 0;
  }
  // Decisions: the top leaf, or with backoff the deepest sure ancestor (or nothing).
  let threshold: number | undefined;
  let heldOutCoverage = 0;
  // The held-out threshold for a precision may be 0 (every held-out product clears it); a backoff threshold given
  // by the caller must be in (0, 1].
  if (options.minPrecision !== undefined) ({ threshold, coverage: heldOutCoverage } = decider.operatingPoint(options.minPrecision));
  else if (options.backoff !== undefined && options.backoff !== false) {
    threshold = options.backoff === true ? 0.5 : options.backoff;
    if (!(threshold > 0 && threshold <= 1)) throw new ConfigError(`backoff threshold must be in (0, 1], got ${threshold}`);
  }
  const backoff = options.backoff !== undefined && options.backoff !== false && threshold !== undefined;
  const truePaths = products.map((p) => splitPath(p.label!, DEFAULT_PATH_SEPARATOR));
  const predPaths = products.map((_, i) => {
    if (!backoff) return splitPath(model.labels[yPred[i]!]!, DEFAULT_PATH_SEPARATOR);
    const d = decider.tree.decide(proba, i * k, threshold!, raw, decider.levelCalibrators);
    return d.category === null ? [] : splitPath(d.category, DEFAULT_PATH_SEPARATOR);
  });
  const h = hierarchicalReport(truePaths, predPaths);
  const targets = options.precisionTargets ?? [0.9, 0.95, 0.98, 0.99];
  let operatingPoint: EvaluationReport["operatingPoint"];
  if (options.minPrecision !== undefined && threshold !== undefined) {
    let accepted = 0;
    let right = 0;
    for (let i = 0; i < n; i++) {
      if (conf[i]! >= threshold) {
        accepted++;
        right += correct[i]!;
      }
    }
    operatingPoint = { minPrecision: options.minPrecision, threshold, precision: accepted ? right / accepted : 0, coverage: accepted / n, heldOutCoverage };
  }
  return {
    ...classificationReport(yTrue, yPred, labels),
    modelVersion: model.version,
    unknownLabels: unknown,
    itemsPerSecond: products.length / Math.max(seconds, 1e-9),
    levels: h.levels,
    hierarchicalPrecision: h.hierarchicalPrecision,
    hierarchicalRecall: h.hierarchicalRecall,
    hierarchicalF1: h.hierarchicalF1,
    pathAccuracy: h.exactAccuracy,
    backoffRate: h.backoffRate,
    abstainRate: h.abstainRate,
    ece: expectedCalibrationError(conf, correct),
    eceUncalibrated: expectedCalibrationError(confRaw, correct),
    reliability: reliabilityTable(conf, correct),
    coverageAtPrecision: coverageByPrecision(coverageAtPrecision(conf, correct, targets)),
    ...(operatingPoint ? { operatingPoint } : {}),
  };
}
