// A category model that sees the product photo: a text branch (a CategoryModel, optional), an image
// branch (image descriptors + a classifier on them), and late fusion of the two, calibrated.
import type { Artifact, ArtifactArray, ClassifierModel } from "../core/contracts.js";
import { ModelFormatError } from "../core/errors.js";
import type { Product, ProductInput } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { topK as topKIndices } from "../linalg/topk.js";
import { restoreClassifier } from "../classify/registry.js";
import { readModelDir, writeModelDir } from "../persist/model-dir.js";
import { FittedImageFeaturizer, type ImageIssue } from "../featurize/image/image-featurizer.js";
import { CategoryModel, checkTopK, productsFromInputs, type CategoryScore } from "./category-model.js";
import { calibrateRows, calibrator, type CalibrationInfo, type ScoreCalibrator } from "./confidence.js";
import { fuseRows } from "./fusion.js";

/** Which evidence a model learns from. */
export type Modalities = "text" | "image" | "both";
export const MODALITIES: readonly Modalities[] = ["text", "image", "both"];
/** What a multimodal model records about itself (manifest). */
export interface MultimodalInfo {
  version: string;
  createdAt: string;
  libraryVersion: string;
  modalities: Exclude<Modalities, "text">;
  labels: string[];
  textFields: string[];
  idField: string;
  labelField: string;
  /** Exponents of the text and image probabilities in the fusion p ∝ p_text^textWeight · p_image^imageWeight. */
  textWeight: number;
  imageWeight: number;
  calibration?: CalibrationInfo;
  training: { rows: number; withImage: number; fingerprint: string; seconds: number; source?: string };
  /** Out-of-fold scores of each source and of the fusion, side by side. */
  heldOut: Record<"text" | "image" | "fused", { accuracy: number; macroF1: number } | undefined>;
}

/** Options of {@link MultimodalModel.classify}. */
export interface MultimodalClassifyOptions extends RunOptions {
  topK?: number;
  /** Folder relative image paths start from. */
  baseDir?: string;
}

/** A multimodal prediction: the categories plus which evidence it rests on. */
export interface MultimodalPrediction {
  id: string;
  categories: CategoryScore[];
  evidence: { text: boolean; image: boolean };
  /** Why the product's image was not used. */
  imageIssue?: { code: string; message: string };
}

/** Per-source probabilities of a batch of products (rows × labels), before fusion. */
export interface BranchProbabilities {
  text?: Float32Array;
  image?: Float32Array;
  hasText: Uint8Array;
  hasImage: Uint8Array;
  issues: ImageIssue[];
}

/** A category model that sees the product photo, alone or with the text. */
export class MultimodalModel {
  readonly info: MultimodalInfo;
  readonly text: CategoryModel | undefined;
  readonly imageFeaturizer: FittedImageFeaturizer;
  readonly imageClassifier: ClassifierModel;
  private readonly iso: ScoreCalibrator | undefined;

  constructor(info: MultimodalInfo, text: CategoryModel | undefined, imageFeaturizer: FittedImageFeaturizer, imageClassifier: ClassifierModel) {
    if (imageClassifier.classCount !== info.labels.length) throw new RangeError(`Image classifier has ${imageClassifier.classCount} classes but ${info.labels.length} labels`);
    if (text && text.labels.join("\u0000") !== info.labels.join("\u0000")) throw new RangeError("The text branch's labels differ from the model's");
    this.info = info;
    this.text = text;
    this.imageFeaturizer = imageFeaturizer;
    this.imageClassifier = imageClassifier;
    this.iso = info.calibration ? calibrator(info.calibration) : undefined;
  }

  get version(): string {
    return this.info.version;
  }

  get labels(): readonly string[] {
    return this.info.labels;
  }

  /** Maps raw input objects to products (text fields by name; every field kept for the image reference). */
  toProducts(items: readonly ProductInput[]): Product[] {
    return productsFromInputs(items, this.info.textFields, this.info.idField, true);
  }

  /** Each branch's probabilities for `products` (the text branch's raw classifier probabilities). */
  async branches(products: readonly Product[], options: MultimodalClassifyOptions = {}): Promise<BranchProbabilities> {
    const n = products.length;
    const hasText = new Uint8Array(n);
    let text: Float32Array | undefined;
    if (this.text) {
      text = this.text.rawProbabilities(products);
      products.forEach((p, i) => (hasText[i] = p.text.some((t) => t.trim() !== "") ? 1 : 0));
    }
    const feats = await this.imageFeaturizer.transform(products, { baseDir: options.baseDir, signal: options.signal, onProgress: options.onProgress });
    const image = this.imageClassifier.predictProba(feats.matrix).data;
    return { text, image, hasText, hasImage: feats.ok, issues: feats.issues };
  }

  /** Fused, calibrated probabilities (rows × labels) and the branch details. */
  async probabilities(products: readonly Product[], options: MultimodalClassifyOptions = {}): Promise<{ proba: Float32Array; branches: BranchProbabilities }> {
    const b = await this.branches(products, options);
    const proba = fuseRows(b.text, b.image, b.hasText, b.hasImage, this.labels.length, this.info.textWeight, new Float32Array(products.length * this.labels.length), this.info.imageWeight);
    if (this.iso) calibrateRows(proba, this.labels.length, this.iso);
    return { proba, branches: b };
  }

  /**
   * Classifies raw product objects; `image` (or the configured field) is a path relative to `baseDir`, or a
   * data URI. A product whose image cannot be used is classified from its text and says why.
   */
  async classify(items: readonly ProductInput[], options: MultimodalClassifyOptions = {}): Promise<MultimodalPrediction[]> {
    return this.predict(this.toProducts(items), options);
  }

  /** Classifies products already mapped (text fields + `fields` holding the image reference). */
  async predict(products: readonly Product[], options: MultimodalClassifyOptions = {}): Promise<MultimodalPrediction[]> {
    const k = Math.min(checkTopK(options.topK ?? 1), this.labels.length);
    if (products.length === 0) return [];
    const { proba, branches } = await this.probabilities(products, options);
    const issueOf = new Map(branches.issues.map((s) => [s.row, s]));
    const n = this.labels.length;
    const idx = new Int32Array(k);
    return products.map((p, i) => {
      const m = topKIndices(proba, i * n, n, k, idx);
      const categories: CategoryScore[] = [];
      for (let j = 0; j < m; j++) categories.push({ category: this.labels[idx[j]!]!, score: proba[i * n + idx[j]!]! });
      const issue = issueOf.get(i);
      return {
        id: p.id,
        categories,
        evidence: { text: branches.hasText[i] === 1, image: branches.hasImage[i] === 1 },
        ...(issue ? { imageIssue: { code: issue.code, message: issue.message } } : {}),
      };
    });
  }

  /** Writes the model to `dir` atomically: one model directory, the text branch's arrays under "text.". */
  async save(dir: string): Promise<void> {
    const arrays: Record<string, ArtifactArray> = {};
    const put = (prefix: string, a: Record<string, ArtifactArray>): void => {
      for (const [k, v] of Object.entries(a)) arrays[`${prefix}${k}`] = v;
    };
    const f = this.imageFeaturizer.toArtifact();
    const c = this.imageClassifier.toArtifact();
    put("image.featurizer.", f.arrays);
    put("image.classifier.", c.arrays);
    let text: Record<string, unknown> | undefined;
    if (this.text) {
      const parts = this.text.toParts();
      put("text.", parts.arrays);
      text = parts.manifest;
    }
    await writeModelDir(dir, {
      kind: "multimodal-model",
      ...this.info,
      imageFeaturizer: { kind: f.kind, params: f.params, meta: f.meta },
      imageClassifier: { kind: c.kind, params: c.params, meta: c.meta },
      ...(text ? { text } : {}),
    }, arrays);
  }

  /** Loads a model written by {@link MultimodalModel.save}. */
  static async load(dir: string): Promise<MultimodalModel> {
    const { manifest, arrays } = await readModelDir(dir);
    return MultimodalModel.fromParts(manifest, arrays, dir);
  }

  /** Rebuilds a model from a manifest and arrays read from `dir` (named in errors). */
  static fromParts(manifest: Record<string, unknown>, arrays: Record<string, ArtifactArray>, dir: string): MultimodalModel {
    if (manifest.kind !== "multimodal-model") throw new ModelFormatError(dir, `it holds a "${String(manifest.kind)}", not a multimodal model`);
    const sub = (prefix: string): Record<string, ArtifactArray> => {
      const own: Record<string, ArtifactArray> = {};
      for (const [k, v] of Object.entries(arrays)) if (k.startsWith(prefix)) own[k.slice(prefix.length)] = v;
      return own;
    };
    const artifact = (name: "imageFeaturizer" | "imageClassifier", prefix: string): Artifact => {
      const spec = manifest[name] as { kind: string; params: Record<string, unknown>; meta: Record<string, unknown> } | undefined;
      if (!spec) throw new ModelFormatError(dir, `the manifest has no ${name}`);
      return { kind: spec.kind, params: spec.params, meta: spec.meta, arrays: sub(prefix) };
    };
    try {
      const text = manifest.text ? CategoryModel.fromParts(manifest.text as Record<string, unknown>, sub("text."), dir) : undefined;
      const featurizer = FittedImageFeaturizer.fromArtifact(artifact("imageFeaturizer", "image.featurizer."));
      const classifier = restoreClassifier(artifact("imageClassifier", "image.classifier."));
      const m = manifest as unknown as MultimodalInfo;
      const info: MultimodalInfo = {
        version: m.version,
        createdAt: m.createdAt,
        libraryVersion: m.libraryVersion,
        modalities: m.modalities,
        labels: m.labels,
        textFields: m.textFields,
        idField: m.idField,
        labelField: m.labelField,
        textWeight: m.textWeight,
        imageWeight: m.imageWeight,
        ...(m.calibration ? { calibration: m.calibration } : {}),
        training: m.training,
        heldOut: m.heldOut,
      };
      return new MultimodalModel(info, text, featurizer, classifier);
    } catch (e) {
      if (e instanceof ModelFormatError) throw e;
      throw new ModelFormatError(dir, (e as Error).message);
    }
  }

  /** Stops worker threads and native sessions the branches started. */
  async close(): Promise<void> {
    await this.text?.close();
    await this.imageFeaturizer.close();
  }
}

/** Loads either kind of model directory: a text CategoryModel or a MultimodalModel. */
export async function loadAnyModel(dir: string): Promise<CategoryModel | MultimodalModel> {
  const { manifest, arrays } = await readModelDir(dir);
  return manifest.kind === "multimodal-model" ? MultimodalModel.fromParts(manifest, arrays, dir) : CategoryModel.fromParts(manifest, arrays, dir);
}
