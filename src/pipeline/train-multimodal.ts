// Training on photos, alone or with the text: the image branch, out-of-fold predictions of both branches,
// the fusion weights learned on them, and the calibration of the fused top score.
import path from "node:path";
import { ConfigError, InvalidInputError, throwIfAborted } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { LIBRARY_VERSION } from "../core/version.js";
import { selectRows, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { stratifiedKFold } from "../catalog/split.js";
import { createClassifier } from "../classify/registry.js";
import { ImageFeaturizer, type ImageDescriptor, type ImageFeaturizerParamsInput, type ImageIssue } from "../featurize/image/image-featurizer.js";
import type { CategoryModel } from "./category-model.js";
import { makeVersion } from "./model-inputs.js";
import { fitCalibration } from "./confidence.js";
import { chooseFusionWeight, fuseRows, scoreRows } from "./fusion.js";
import { MODALITIES, MultimodalModel, type Modalities, type MultimodalInfo } from "./multimodal-model.js";
import { classCounts, DEFAULT_CLASSIFIER, encodeLabels, fingerprint, train, type TrainOptions } from "./train.js";

/**
 * The image descriptors a multimodal model uses unless told otherwise: MobileNetV2 features plus HOG and colour
 * histograms (flipkart-1050 photos, top level, logistic regression: 0.748 test accuracy, against 0.719 for the
 * CNN alone and 0.62 for HOG + colour alone).
 */
export const DEFAULT_MODEL_DESCRIPTORS: readonly ImageDescriptor[] = ["cnn", "hog", "color"];

/** Options of {@link trainMultimodal}: those of {@link train} for the text branch, plus the image branch's. */
export interface MultimodalTrainOptions extends TrainOptions {
  /** "both" (default), "image" (photos only) or "text" (then this is plain {@link train}). */
  modalities?: Modalities;
  /** Image descriptors and sizes (see ImageFeaturizer); descriptors default to {@link DEFAULT_MODEL_DESCRIPTORS}. */
  image?: ImageFeaturizerParamsInput;
  /** Classifier on the image features (default "logistic-regression"). */
  imageClassifier?: string;
  imageClassifierParams?: Record<string, unknown>;
  /** Folder relative image paths start from (the data file's folder). Default: the working directory. */
  baseDir?: string;
  /** Folds for the out-of-fold predictions that learn the fusion weight and the calibration (default 3). */
  fusionFolds?: number;
  /** Fix the text weight in [0, 1] instead of learning it. */
  textWeight?: number;
  /** "skip" (default): a product whose image cannot be used is reported and falls back to text; "fail": refuse. */
  onBadImage?: "skip" | "fail";
  /** Called with each product whose image could not be used. */
  onImageIssue?(issue: ImageIssue): void;
}

/** Held-out probabilities of a classifier kind on `x`, over `folds` (rows with `use[i] = 0` stay 0). */
async function outOfFold(
  x: Matrix,
  y: Int32Array,
  k: number,
  folds: Int32Array,
  foldCount: number,
  use: Uint8Array,
  kind: string,
  params: Record<string, unknown> | undefined,
  options: RunOptions,
  stage: string,
): Promise<Float32Array> {
  const out = new Float32Array(y.length * k);
  for (let f = 0; f < foldCount; f++) {
    throwIfAborted(options.signal, "Learning the fusion weight");
    options.onProgress?.({ stage, done: f, total: foldCount });
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = 0; i < y.length; i++) if (use[i] === 1) (folds[i] === f ? te : tr).push(i);
    if (te.length === 0 || tr.length === 0) continue;
    const trRows = Int32Array.from(tr);
    const m = await createClassifier(kind, params).fit(selectRows(x, trRows), Int32Array.from(tr, (i) => y[i]!), k, { seed: options.seed, signal: options.signal });
    const p = m.predictProba(selectRows(x, Int32Array.from(te))).data;
    te.forEach((r, t) => out.set(p.subarray(t * k, t * k + k), r * k));
  }
  options.onProgress?.({ stage, done: foldCount, total: foldCount });
  return out;
}

/**
 * Trains on text, photos or both. With "text" this is {@link train}; otherwise the image branch is fitted
 * on the products whose image loads (the rest are reported), and with "both" the text weight of the late
 * fusion is learned on out-of-fold predictions, which also calibrate the fused top score.
 * @example const model = await trainMultimodal(products, { modalities: "both", image: { descriptors: ["hog", "color"] }, baseDir: "data" });
 */
export async function trainMultimodal(products: readonly Product[], options: MultimodalTrainOptions = {}): Promise<CategoryModel | MultimodalModel> {
  const modalities = options.modalities ?? "both";
  if (!MODALITIES.includes(modalities)) throw new ConfigError(`Unknown modalities "${String(modalities)}": choose ${MODALITIES.join(", ")}`);
  if (modalities === "text") return train(products, options);
  if (options.strategy === "top-down" || options.taxonomy) throw new ConfigError("Image models use the flat strategy without a taxonomy for now: use the flat strategy and no taxonomy, or train text only");
  if (options.textWeight !== undefined && !(options.textWeight >= 0 && options.textWeight <= 1)) throw new ConfigError(`textWeight must be in [0, 1], got ${options.textWeight}`);
  const started = performance.now();
  const { labels, y } = encodeLabels(products);
  const k = labels.length;
  if (k < 2) throw new ConfigError(`Need at least 2 categories to train, found ${k}`);

  let spec: ImageFeaturizer;
  try {
    spec = new ImageFeaturizer({ descriptors: [...DEFAULT_MODEL_DESCRIPTORS], ...options.image });
  } catch (e) {
    throw new ConfigError("Invalid image settings", [(e as Error).message]);
  }
  const baseDir = path.resolve(options.baseDir ?? ".");
  const { featurizer: fitted, ...feats } = await spec.fitTransform(products, {
    baseDir,
    signal: options.signal,
    onProgress: options.onProgress,
    ...(options.source ? { file: options.source } : {}),
  });
  if (options.onBadImage === "fail" && feats.issues.length > 0) {
    const file = options.source ?? "input";
    throw new InvalidInputError(
      feats.issues.slice(0, 20).map((s) => ({ file, line: s.line ?? s.row + 1, field: fitted.imageField, message: `product "${s.id}": ${s.message}` })),
      feats.issues.length,
      undefined,
      { hint: { kind: "skip-bad-rows" } },
    );
  }
  for (const issue of feats.issues) options.onImageIssue?.(issue);
  const ok = feats.ok;
  const withImage = ok.reduce((a, v) => a + v, 0);
  if (withImage < 2) throw new ConfigError(`Only ${withImage} product image(s) could be used: an image model needs photos (see the reported image problems)`);

  // The text branch after the photos: a catalog refused for its images fails fast.
  const text = modalities === "both" ? await train(products, { ...options, calibration: "none", explainSamples: false }) : undefined;
  const imageKind = options.imageClassifier ?? "logistic-regression";
  const okRows = Int32Array.from(Array.from(ok.keys()).filter((i) => ok[i] === 1));
  const imageClassifier = await createClassifier(imageKind, options.imageClassifierParams).fit(
    selectRows(feats.matrix, okRows) as DenseMatrix,
    Int32Array.from(okRows, (i) => y[i]!),
    k,
    options,
  );

  // Out-of-fold predictions of each branch: the fusion weight and the calibration are learned on them.
  const foldCount = options.fusionFolds ?? 3;
  if (!Number.isInteger(foldCount) || foldCount < 2) throw new ConfigError(`fusionFolds must be a whole number of at least 2, got ${foldCount}`);
  const folds = stratifiedKFold(y, foldCount, options.seed ?? 0);
  const all = new Uint8Array(y.length).fill(1);
  const imageOof = await outOfFold(feats.matrix, y, k, folds, foldCount, ok, imageKind, options.imageClassifierParams, options, "fuse:image");
  let textOof: Float32Array | undefined;
  const hasText = new Uint8Array(y.length);
  if (text) {
    products.forEach((p, i) => (hasText[i] = p.text.some((t) => t.trim() !== "") ? 1 : 0));
    const x = text.featurizer.transform(products);
    textOof = await outOfFold(x, y, k, folds, foldCount, all, text.info.classifierChoice?.chosen ?? DEFAULT_CLASSIFIER, options.classifierParams, options, "fuse:text");
  }
  const weights = !text
    ? { textWeight: 0, imageWeight: 1 }
    : options.textWeight !== undefined
      ? { textWeight: options.textWeight, imageWeight: 1 - options.textWeight }
      : chooseFusionWeight(textOof!, imageOof, hasText, ok, y, k);
  const { textWeight, imageWeight } = weights;
  const fused = fuseRows(textOof, imageOof, hasText, ok, k, textWeight, new Float32Array(y.length * k), imageWeight);

  const confidence = new Float64Array(y.length);
  const correct = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (fused[i * k + c]! > fused[i * k + b]!) b = c;
    confidence[i] = fused[i * k + b]!;
    correct[i] = b === y[i] ? 1 : 0;
  }
  const calibration = options.calibration === "none" ? undefined : fitCalibration(confidence, correct);
  if (options.calibration !== "none" && !calibration) {
    options.onWarning?.({ code: "NO_CALIBRATION", message: `scores are not calibrated: too few products (${products.length}) for held-out folds` });
  }
  const score = (p: Float32Array | undefined, rows: Uint8Array): { accuracy: number; macroF1: number } | undefined => {
    if (!p) return undefined;
    const r = scoreRows(p, k, Int32Array.from(y, (v, i) => (rows[i] === 1 ? v : -1)).filter((v) => v >= 0), labels);
    return { accuracy: r.accuracy, macroF1: r.macroF1 };
  };
  const pick = (p: Float32Array | undefined, rows: Uint8Array): Float32Array | undefined => {
    if (!p) return undefined;
    const out: number[] = [];
    for (let i = 0; i < y.length; i++) if (rows[i] === 1) for (let c = 0; c < k; c++) out.push(p[i * k + c]!);
    return Float32Array.from(out);
  };
  const createdAt = new Date();
  const fp = fingerprint(products);
  const info: MultimodalInfo = {
    version: makeVersion(createdAt, fp, `multimodal-${modalities}`),
    createdAt: createdAt.toISOString(),
    libraryVersion: LIBRARY_VERSION,
    modalities,
    labels,
    textFields: options.textFields ?? ["title", "description"],
    idField: options.idField ?? "id",
    labelField: options.labelField ?? "category",
    textWeight,
    imageWeight,
    ...(calibration ? { calibration } : {}),
    training: { rows: products.length, withImage, fingerprint: fp, seconds: (performance.now() - started) / 1000, ...(options.source ? { source: options.source } : {}) },
    classCounts: classCounts(labels, y),
    heldOut: {
      text: score(pick(textOof, all), all),
      image: score(pick(imageOof, ok), ok),
      fused: score(fused, all),
    },
  };
  return new MultimodalModel(info, text, fitted, imageClassifier);
}

