// A category model that sees the product photo: a text branch (a CategoryModel, optional), an image
// branch (image descriptors + a classifier on them), and late fusion of the two, calibrated. It implements
// the ProductModel contract, so the CLI, the service and the HTTP API serve it like a text model.
import type { Artifact, ArtifactArray, ClassifierModel, ModelCapabilities, ModelClassifyOptions, ModelDescription, ProductModel } from "../core/contracts.js";
import { ConfigError, ModelFormatError } from "../core/errors.js";
import { toItemExplanation, type ItemPrediction } from "../core/prediction.js";
import type { Product, ProductInput } from "../core/product.js";
import type { CsrMatrix } from "../linalg/matrix.js";
import { restoreClassifier } from "../classify/registry.js";
import { readModelDir, writeModelDir } from "../persist/model-dir.js";
import { FittedImageFeaturizer, type ImageIssue } from "../featurize/image/image-featurizer.js";
import { CategoryModel } from "./category-model.js";
import type { CalibrationInfo } from "./confidence.js";
import { Decider } from "./decisions.js";
import { explain, type Explanation } from "./explain.js";
import { fuseRows } from "./fusion.js";
import { productsFromInputs } from "./model-inputs.js";
import type { Modalities } from "./modalities.js";

export { MODALITIES, type Modalities } from "./modalities.js";
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
  /** Training products per label (the training mix monitoring compares served predictions with; absent in older models). */
  classCounts?: Record<string, number>;
  /** Out-of-fold scores of each source and of the fusion, side by side. */
  heldOut: Record<"text" | "image" | "fused", { accuracy: number; macroF1: number } | undefined>;
}

/** Options of {@link MultimodalModel.classify}: those of every model (top-k, decisions, explanations of the text evidence), plus where photos are. */
export type MultimodalClassifyOptions = ModelClassifyOptions;

/** A multimodal prediction: the one per-item prediction object, with `evidence` (and `imageIssue` when the photo was not used). */
export type MultimodalPrediction = ItemPrediction;

/** Per-source probabilities of a batch of products (rows × labels), before fusion. */
export interface BranchProbabilities {
  text?: Float32Array;
  image?: Float32Array;
  hasText: Uint8Array;
  hasImage: Uint8Array;
  issues: ImageIssue[];
  /** The text branch's feature rows (reused for explanations). */
  textRows?: CsrMatrix;
}

/** A category model that sees the product photo, alone or with the text. */
export class MultimodalModel implements ProductModel {
  readonly kind = "multimodal-model";
  readonly info: MultimodalInfo;
  readonly text: CategoryModel | undefined;
  readonly imageFeaturizer: FittedImageFeaturizer;
  readonly imageClassifier: ClassifierModel;
  /** Labels, calibration of the fused score and decisions (shared with every model kind). */
  readonly decider: Decider;

  constructor(info: MultimodalInfo, text: CategoryModel | undefined, imageFeaturizer: FittedImageFeaturizer, imageClassifier: ClassifierModel) {
    if (imageClassifier.classCount !== info.labels.length) throw new RangeError(`Image classifier has ${imageClassifier.classCount} classes but ${info.labels.length} labels`);
    if (text && text.labels.join("\u0000") !== info.labels.join("\u0000")) throw new RangeError("The text branch's labels differ from the model's");
    this.info = info;
    this.text = text;
    this.imageFeaturizer = imageFeaturizer;
    this.imageClassifier = imageClassifier;
    this.decider = new Decider(info.labels, info.calibration);
  }

  get version(): string {
    return this.info.version;
  }

  get labels(): readonly string[] {
    return this.info.labels;
  }

  get fields(): ModelDescription["fields"] {
    return { text: this.info.textFields, id: this.info.idField, label: this.info.labelField, image: this.imageFeaturizer.imageField };
  }

  get capabilities(): ModelCapabilities {
    return { explain: this.text !== undefined, decisions: this.decider.calibrated, taxonomy: false, images: true };
  }

  /** The score threshold for a target precision on held-out data (of the fused, calibrated score). */
  operatingPoint(minPrecision: number): { threshold: number; coverage: number } {
    return this.decider.operatingPoint(minPrecision);
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
    let textRows: CsrMatrix | undefined;
    if (this.text) {
      textRows = this.text.featurizer.transform(products);
      text = this.text.classifier.predictProba(textRows).data;
      products.forEach((p, i) => (hasText[i] = p.text.some((t) => t.trim() !== "") ? 1 : 0));
    }
    const feats = await this.imageFeaturizer.transform(products, { baseDir: options.baseDir, signal: options.signal, onProgress: options.onProgress });
    const image = this.imageClassifier.predictProba(feats.matrix).data;
    return { text, image, hasText, hasImage: feats.ok, issues: feats.issues, ...(textRows ? { textRows } : {}) };
  }

  /** Fused probabilities before (`raw`) and after (`proba`) calibration, rows × labels, and the branch details. */
  async score(products: readonly Product[], options: MultimodalClassifyOptions = {}): Promise<{ proba: Float32Array; raw: Float32Array; branches: BranchProbabilities }> {
    const b = await this.branches(products, options);
    const raw = fuseRows(b.text, b.image, b.hasText, b.hasImage, this.labels.length, this.info.textWeight, new Float32Array(products.length * this.labels.length), this.info.imageWeight);
    return { raw, proba: this.decider.calibrate(raw), branches: b };
  }

  /** Fused, calibrated probabilities (rows × labels) and the branch details. */
  async probabilities(products: readonly Product[], options: MultimodalClassifyOptions = {}): Promise<{ proba: Float32Array; branches: BranchProbabilities }> {
    const { proba, branches } = await this.score(products, options);
    return { proba, branches };
  }

  /**
   * Classifies raw product objects; `image` (or the configured field) is a path relative to `baseDir`, or a
   * data URI. A product whose image cannot be used is classified from its text and says why.
   */
  async classify(items: readonly ProductInput[], options: MultimodalClassifyOptions = {}): Promise<MultimodalPrediction[]> {
    return this.predict(this.toProducts(items), options);
  }

  /** The same as {@link MultimodalModel.classify}: photos are read and embedded in batches already. */
  classifyBatch(items: readonly ProductInput[], options: MultimodalClassifyOptions = {}): Promise<MultimodalPrediction[]> {
    return this.classify(items, options);
  }

  /** The same as {@link MultimodalModel.predict}. */
  predictBatch(products: readonly Product[], options: MultimodalClassifyOptions = {}): Promise<MultimodalPrediction[]> {
    return this.predict(products, options);
  }

  /** {@link MultimodalModel.predict} batch after batch (photos are read and embedded in batches already). */
  async *predictStream(batches: AsyncIterable<Product[]>, options: MultimodalClassifyOptions = {}): AsyncGenerator<{ products: Product[]; predictions: MultimodalPrediction[] }> {
    for await (const products of batches) yield { products, predictions: await this.predict(products, options) };
  }

  /** Explanations of the text evidence (the text branch's terms and nearest training products). */
  explain(items: readonly ProductInput[], options: { topFeatures?: number; topAgainst?: number; neighbors?: number; category?: string } = {}): Explanation[] {
    if (!this.text) throw new ConfigError("This model learned from photos only: its answers have no text evidence to explain");
    return explain(this.text, this.toProducts(items), options);
  }

  /** Classifies products already mapped (text fields + `fields` holding the image reference). */
  async predict(products: readonly Product[], options: MultimodalClassifyOptions = {}): Promise<MultimodalPrediction[]> {
    const threshold = this.decider.threshold(options);
    if (options.explain && !this.text) throw new ConfigError("This model learned from photos only: its answers have no text evidence to explain");
    if (products.length === 0) return [];
    const { proba, raw, branches } = await this.score(products, options);
    const issueOf = new Map(branches.issues.map((s) => [s.row, s]));
    const out = this.decider.rank(
      products.map((p) => p.id),
      proba,
      raw,
      options,
      threshold,
    );
    // Explanations of the text evidence, from the rows the text branch already computed.
    const why = options.explain && this.text ? explain(this.text, products, options.explain === true ? {} : options.explain, branches.textRows) : undefined;
    return out.map((p, i) => {
      const issue = issueOf.get(i);
      return {
        ...p,
        evidence: { text: branches.hasText[i] === 1, image: branches.hasImage[i] === 1 },
        ...(issue ? { imageIssue: { code: issue.code, message: issue.message } } : {}),
        ...(why ? { explanation: toItemExplanation({ ...why[i]!, notes: [...why[i]!.notes, "Explains the text evidence only; the photo's part is not broken down"] }) } : {}),
      };
    });
  }

  /** What the model is, in a shape every model kind shares. */
  describe(): ModelDescription {
    const i = this.info;
    const kinds = [this.text ? `text: ${this.text.classifier.kind}` : undefined, `image: ${this.imageClassifier.kind}`].filter(Boolean).join(", ");
    const both = i.modalities === "both";
    return {
      kind: this.kind,
      version: i.version,
      createdAt: i.createdAt,
      libraryVersion: i.libraryVersion,
      modalities: i.modalities,
      labels: [...i.labels],
      fields: this.fields,
      classifier: kinds,
      features: { ...(this.text ? { text: this.text.featurizer.dim } : {}), image: this.imageFeaturizer.dim },
      calibrated: this.decider.calibrated,
      capabilities: this.capabilities,
      training: i.training,
      summary: `${both ? "text + image" : "image"} model on ${i.training.rows.toLocaleString("en-US")} products (${i.training.withImage.toLocaleString("en-US")} with a usable photo) in ${i.labels.length} categories`,
      heldOut: i.heldOut,
      details: { textWeight: i.textWeight, imageWeight: i.imageWeight, imageFeatures: this.imageFeaturizer.params.descriptors, ...(i.classCounts ? { classCounts: i.classCounts } : {}) },
    };
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
        ...(m.classCounts ? { classCounts: m.classCounts } : {}),
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
