// Answering a block of JSONL lines for classifyJsonl (./classify-jsonl-run.ts), on the calling thread or a worker:
// the rows read and mapped (classifyBlockRows: jsonlBlockRows' rows), predicted, and written as `assort classify`'s
// lines. Also the lean predictor a worker answers with when the model is a linear one hashed in WebAssembly: the
// same answers as CategoryModel.predict from a few light modules (the worker then starts in a fraction of the time:
// no zod, no estimators). Only light modules are imported here.
import type { Artifact, ArtifactArray, ModelClassifyOptions } from "../core/contracts.js";
import type { RowIssue } from "../core/errors.js";
import type { ItemPrediction } from "../core/prediction.js";
import { itemPredictionJsonOpen } from "../core/prediction-json.js";
import type { Product } from "../core/product.js";
import type { RowMapping } from "../catalog/map-row.js";
import { classifyBlockRows } from "./classify-jsonl-rows.js";
import type { LineBlock } from "../catalog/read-lines.js";
import { LinearModel } from "../classify/linear-model.js";
import { isSparseArtifact, SparseLinearModel } from "../classify/sparse-linear-model.js";
import { KEEP_HASHER_BYTES, WasmTextHasher } from "../featurize/text/hash-wasm.js";
import { hashSpace } from "../featurize/text/hash-space.js";
import type { TextFeaturizerParams } from "../featurize/text/params.js";
import { csr, type CsrMatrix } from "../linalg/matrix.js";
import type { CalibrationInfo } from "./confidence.js";
import { Decider, type DecisionOptions } from "./decisions.js";

/** What answers a block's products: CategoryModel.predict, or a {@link LeanPredictor}. */
export interface BlockPredictor {
  predict(products: readonly Product[], options: ModelClassifyOptions): ItemPrediction[];
}

/** How a block is answered: what every worker is given once. */
export interface BlockSettings {
  mapping: RowMapping;
  options: ModelClassifyOptions;
  maxLineBytes: number;
  /** Appended to each prediction's JSON text (its closing brace not yet written), newline included. */
  tail: string;
}

/** A block's answer: its products' output lines and its rejected rows. */
export interface BlockAnswer {
  /** The output lines, UTF-8, one per product of the block (in order). */
  text: Uint8Array;
  /** Byte offset in `text` where each product's line ends. */
  ends: Int32Array;
  /** The block's rejected rows, in order, each with the number of the block's products before it. */
  issues: { at: number; issue: RowIssue }[];
}

/**
 * Answers one block of JSONL lines: each line read as readCatalog reads it (classifyBlockRows), the products
 * predicted by `model` (a CategoryModel, or a worker's {@link LeanPredictor}) and written as `itemPredictionJsonOpen(p) + tail`. With
 * `check`, the rows are read and counted only (`ends` all 0, no text).
 */
export function answerBlock(model: BlockPredictor, s: BlockSettings, block: LineBlock, check = false): BlockAnswer {
  const products: Product[] = [];
  const issues: BlockAnswer["issues"] = [];
  for (const r of classifyBlockRows(block, s.mapping, s.maxLineBytes)) {
    if (r.ok) products.push(r.product);
    else issues.push({ at: products.length, issue: r.issue });
  }
  // Only checking (a bad row already stops the output): the rows are counted, not answered.
  if (check) return { text: new Uint8Array(0), ends: new Int32Array(products.length), issues };
  const predictions = products.length > 0 ? model.predict(products, s.options) : [];
  const lines = new Array<string>(predictions.length);
  let units = 0;
  for (let i = 0; i < predictions.length; i++) units += (lines[i] = itemPredictionJsonOpen(predictions[i]!) + s.tail).length;
  // Each line written into one buffer (three bytes a UTF-16 unit at most), which gives its length in bytes too:
  // joining them first made a string that, with Chinese categories, V8 allocates as a large object, and counting
  // the bytes of each line took as long again (a block of cn's answers: ~0.45 ms, now ~0.12 ms).
  const out = Buffer.from(new Uint8Array(units * 3).buffer);
  const ends = new Int32Array(lines.length);
  let at = 0;
  for (let i = 0; i < lines.length; i++) ends[i] = at += out.write(lines[i]!, at);
  return { text: new Uint8Array(out.buffer, 0, at), ends, issues };
}


/** What a worker's {@link LeanPredictor} is built from (a category model with a linear classifier). */
export interface LeanParts {
  params: TextFeaturizerParams;
  columns: Int32Array;
  idf: Float32Array;
  classifier: Artifact;
  labels: readonly string[];
  calibration: CalibrationInfo | undefined;
}

/** Rows scored at a time: a probability matrix of about 16 MB (as CategoryModel's blocks). */
const probaRows = (labels: number): number => Math.max(64, Math.floor(2 ** 22 / labels));

/**
 * CategoryModel.predict for a model whose classifier is linear (dense or sparse weights) and whose text is hashed
 * in WebAssembly (FittedTextFeaturizer.transformTexts' rows, bit for bit): featurized, scored, calibrated and
 * ranked by the same code, so the same answers. {@link LeanPredictor.create} gives undefined where the hasher is
 * not available (the worker then loads the whole model).
 */
export class LeanPredictor implements BlockPredictor {
  private hasher: WasmTextHasher | undefined;
  private readonly classifier: LinearModel | SparseLinearModel;
  /** Labels, calibration and decisions, as the model's. */
  readonly decider: Decider;

  private constructor(
    private readonly parts: LeanParts,
    hasher: WasmTextHasher,
  ) {
    this.hasher = hasher;
    const a = parts.classifier;
    this.classifier = isSparseArtifact(a) ? SparseLinearModel.fromArtifact(a) : LinearModel.fromArtifact(a);
    this.decider = new Decider(parts.labels, parts.calibration);
  }

  /**
   * From CategoryModel.toParts' manifest and arrays of a model whose classifier is a LinearModel or a
   * SparseLinearModel (the caller knows: it restored the model), its featurizer params as parsed.
   */
  static fromParts(manifest: Record<string, unknown>, arrays: Record<string, ArtifactArray>): LeanPredictor | undefined {
    const spec = (name: string): Omit<Artifact, "arrays"> => manifest[name] as Omit<Artifact, "arrays">;
    const own: Record<string, ArtifactArray> = {};
    for (const [k, v] of Object.entries(arrays)) if (k.startsWith("classifier.")) own[k.slice("classifier.".length)] = v;
    return LeanPredictor.create({
      params: spec("featurizer").params as unknown as TextFeaturizerParams,
      columns: arrays["featurizer.columns"] as Int32Array,
      idf: arrays["featurizer.idf"] as Float32Array,
      classifier: { ...spec("classifier"), arrays: own },
      labels: manifest.labels as string[],
      calibration: manifest.calibration as CalibrationInfo | undefined,
    });
  }

  /** The classifier's number of classes. */
  get classCount(): number {
    return this.classifier.classCount;
  }

  static create(parts: LeanParts): LeanPredictor | undefined {
    const hasher = WasmTextHasher.create(parts.params, hashSpace(parts.params, parts.columns, parts.idf));
    return hasher ? new LeanPredictor(parts, hasher) : undefined;
  }

  predict(products: readonly Product[], options: ModelClassifyOptions): ItemPrediction[] {
    const threshold = this.decider.threshold(options);
    const block = probaRows(this.parts.labels.length);
    const out: ItemPrediction[] = [];
    for (let s = 0; s < products.length; s += block) {
      // The texts and ids in arrays made the same way every time: arrays from .map came in two element kinds
      // (its fast path or not), and V8 compiled the hashing and the ranking again for each.
      const e = Math.min(products.length, s + block);
      const texts = new Array<readonly string[]>(e - s);
      const ids = new Array<string>(e - s);
      for (let i = s; i < e; i++) {
        texts[i - s] = products[i]!.text;
        ids[i - s] = products[i]!.id;
      }
      const x = this.transform(texts);
      const raw = this.classifier.predictProba(x).data as Float32Array;
      for (const p of this.decider.rankRaw(ids, raw, options as DecisionOptions, threshold)) out.push(p);
    }
    return out;
  }

  /** FittedTextFeaturizer.transformTexts, in WebAssembly (the rows valid until the next call). */
  private transform(texts: readonly (readonly string[])[]): CsrMatrix {
    const { params, columns, idf } = this.parts;
    this.hasher ??= WasmTextHasher.create(params, hashSpace(params, columns, idf))!;
    // Views on the hasher's memory: the rows are scored before it hashes again.
    const r = this.hasher.hash(texts, undefined, undefined, true);
    // A huge block grew the hasher's memory, which never shrinks: let it go (as FittedTextFeaturizer does).
    if (this.hasher.workingBytes > KEEP_HASHER_BYTES) this.hasher = undefined;
    return csr(texts.length, columns.length, r.indptr, r.indices, r.values);
  }
}
