// A category model restored for classifying JSONL without the model code (no zod, no estimators, no training
// code: `assort classify` of a JSONL file starts ~0.2 s sooner). Only a model that this restores as loadModel
// would, with the same checks passed (a flat category model, a linear classifier, text featurizer params given in
// full and valid), is restored here; for any other, or a bad one, loadLeanModel gives undefined and the caller
// loads it the usual way, which says what is wrong.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ArtifactArray } from "../core/contracts.js";
import { readModelDir } from "../persist/model-dir.js";
import type { TextFeaturizerParams } from "../featurize/text/params.js";
import { LeanPredictor } from "./classify-jsonl-answer.js";
import type { JsonlModel } from "./classify-jsonl-run.js";
import type { Decider } from "./decisions.js";
import { TrainingSample } from "./training-sample.js";

/** The classifier kinds whose models are linear (the classifier registry restores them as LinearModel or SparseLinearModel). */
const LINEAR_KINDS = new Set(["linear-svm", "logistic-regression", "complement-nb"]);
/** A linear kind whose weights are always sparse. */
const SPARSE_KIND = "nearest-centroid";

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isNumber = (v: unknown, min: number, max = Number.POSITIVE_INFINITY): v is number => typeof v === "number" && Number.isFinite(v) && v >= min && v <= max;
const isRange = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && isInt(v[0], 0, 8) && isInt(v[1], 0, 8) && v[0] <= v[1];

/** The text featurizer's params (featurize/text/params.ts: TextFeaturizerParams), in the schema's order. */
export const TEXT_PARAM_KEYS = ["wordNgrams", "charNgrams", "cjkCharNgrams", "hashBits", "titleWeight", "sublinearTf", "idf", "minDf", "wordWeight", "charWeight", "html"] as const;

/**
 * The text featurizer params as TextFeaturizerParams.parse gives them, where `raw` has every one of them, valid
 * (as a model's manifest has them); undefined otherwise (a missing one would take its default: the schema says).
 */
export function leanTextParams(raw: unknown): TextFeaturizerParams | undefined {
  if (!isRecord(raw)) return undefined;
  const { wordNgrams, charNgrams, cjkCharNgrams, hashBits, titleWeight, sublinearTf, idf, minDf, wordWeight, charWeight, html } = raw;
  if (!isRange(wordNgrams) || !isRange(charNgrams) || !isRange(cjkCharNgrams) || !isInt(hashBits, 10, 24) || !isNumber(titleWeight, 0, 100)) return undefined;
  if (typeof sublinearTf !== "boolean" || typeof idf !== "boolean" || typeof html !== "boolean" || !isInt(minDf, 1) || !isNumber(wordWeight, 0) || !isNumber(charWeight, 0)) return undefined;
  return { wordNgrams: [...wordNgrams], charNgrams: [...charNgrams], cjkCharNgrams: [...cjkCharNgrams], hashBits, titleWeight, sublinearTf, idf, minDf, wordWeight, charWeight, html };
}

/** Whether a manifest describes a model that {@link leanModel} may restore (looked at before its arrays are read). */
function leanKind(manifest: unknown): manifest is Record<string, unknown> {
  if (!isRecord(manifest) || manifest.kind !== "category-model" || !isRecord(manifest.featurizer) || !isRecord(manifest.classifier)) return false;
  const kind = manifest.classifier.kind;
  return typeof kind === "string" && (LINEAR_KINDS.has(kind) || kind === SPARSE_KIND) && leanTextParams(manifest.featurizer.params) !== undefined;
}

/** A category model with a linear classifier, restored from its model directory by {@link loadLeanModel}. */
export class LeanJsonlModel implements JsonlModel {
  readonly version: string;
  /** The model's input fields (as CategoryModel.fields). */
  readonly fields: { text: string[]; id: string };

  constructor(
    private readonly manifest: Record<string, unknown>,
    private readonly arrays: Record<string, ArtifactArray>,
    private readonly lean: LeanPredictor,
  ) {
    this.version = manifest.version as string;
    this.fields = { text: manifest.textFields as string[], id: manifest.idField as string };
  }

  get decider(): Decider {
    return this.lean.decider;
  }

  predictor(): LeanPredictor {
    return this.lean;
  }

  parts(): { manifest: Record<string, unknown>; arrays: Record<string, ArtifactArray>; linear: boolean } {
    return { manifest: this.manifest, arrays: this.arrays, linear: true };
  }
}

/**
 * The model restored as CategoryModel.fromParts restores it, with its checks (a featurizer with Int32 columns and
 * Float32 IDF of one length, a classifier its artifact restores, one class per label, a valid training sample,
 * labels and calibration the decisions accept); undefined where one fails or the WebAssembly hasher is missing.
 */
function leanModel(manifest: Record<string, unknown>, arrays: Record<string, ArtifactArray>): LeanJsonlModel | undefined {
  if (!leanKind(manifest)) return undefined;
  const featurizer = { ...(manifest.featurizer as Record<string, unknown>), params: leanTextParams((manifest.featurizer as Record<string, unknown>).params) };
  const columns = arrays["featurizer.columns"];
  const idf = arrays["featurizer.idf"];
  if (!(columns instanceof Int32Array) || !(idf instanceof Float32Array) || columns.length !== idf.length) return undefined;
  const sparse = arrays["classifier.weightIndptr"] !== undefined;
  if ((manifest.classifier as Record<string, unknown>).kind === SPARSE_KIND && !sparse) return undefined;
  const own = { ...manifest, featurizer };
  try {
    const lean = LeanPredictor.fromParts(own, arrays);
    if (!lean || lean.classCount !== (manifest.labels as unknown[]).length) return undefined;
    TrainingSample.fromArrays(arrays, columns.length, lean.classCount);
    return new LeanJsonlModel(own, arrays, lean);
  } catch {
    return undefined;
  }
}

/**
 * The category model in `dir` restored lean (see {@link LeanJsonlModel}), or undefined where it is not one this
 * restores, or cannot be read: the caller then loads it with loadModel, which reads it again and says what is wrong.
 * Errors are readModelDir's, as loadModel's.
 */
export async function loadLeanModel(dir: string): Promise<LeanJsonlModel | undefined> {
  // The manifest first, so that another kind of model is not read twice.
  let peek: unknown;
  try {
    peek = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
  if (!leanKind(peek)) return undefined;
  const { manifest, arrays } = await readModelDir(dir);
  return leanModel(manifest, arrays);
}
