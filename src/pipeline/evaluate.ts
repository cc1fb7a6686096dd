// Evaluation: a model against labelled products → accuracy, macro/micro/weighted P/R/F1, confusion.
import type { Product } from "../core/product.js";
import { ConfigError } from "../core/errors.js";
import { classificationReport, type ClassificationReport } from "../metrics/classification.js";
import type { CategoryModel } from "./category-model.js";
import { DEFAULT_PATH_SEPARATOR, splitPath } from "../core/product.js";
import { hierarchicalReport, type LevelScore } from "../metrics/hierarchical.js";
import { coverageAtPrecision, coverageByPrecision, expectedCalibrationError, reliabilityTable, type ReliabilityBin } from "../metrics/calibration.js";
import { calibrateRows, calibrator } from "./confidence.js";

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

/**
 * Scores `model` on labelled products. Labels unknown to the model are kept (their products are
 * errors), so the report never looks better than the model is.
 */
export function evaluate(model: CategoryModel, products: readonly Product[], options: EvaluateOptions = {}): EvaluationReport {
  if (products.length === 0) throw new ConfigError("Cannot evaluate on an empty catalog");
  const missing = products.find((p) => !p.label);
  if (missing) throw new ConfigError(`Cannot evaluate: product "${missing.id}"${missing.line ? ` (line ${missing.line})` : ""} has no category`);
  const labels = [...model.labels];
  const index = new Map(labels.map((l, i) => [l, i]));
  const unknown: string[] = [];
  for (const p of products) {
    if (!index.has(p.label!)) {
      index.set(p.label!, labels.length);
      labels.push(p.label!);
      unknown.push(p.label!);
    }
  }
  const yTrue = Int32Array.from(products, (p) => index.get(p.label!)!);
  const t = performance.now();
  const raw = model.rawProbabilities(products);
  const seconds = (performance.now() - t) / 1000;
  const k = model.labels.length;
  const n = products.length;
  const proba = Float32Array.from(raw);
  if (model.info.calibration) calibrateRows(proba, k, calibrator(model.info.calibration));
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
  if (options.minPrecision !== undefined) ({ threshold, coverage: heldOutCoverage } = model.operatingPoint(options.minPrecision));
  else if (options.backoff !== undefined && options.backoff !== false) threshold = options.backoff === true ? 0.5 : options.backoff;
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) throw new ConfigError(`backoff threshold must be in (0, 1], got ${threshold}`);
  const backoff = options.backoff !== undefined && options.backoff !== false && threshold !== undefined;
  const truePaths = products.map((p) => splitPath(p.label!, DEFAULT_PATH_SEPARATOR));
  const predPaths = products.map((_, i) => {
    if (!backoff) return splitPath(model.labels[yPred[i]!]!, DEFAULT_PATH_SEPARATOR);
    const d = model.tree.decide(proba, i * k, threshold!, raw, model.levelCalibrators);
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
