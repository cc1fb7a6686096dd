// Dense product-vector featurizers behind the one featurizer contract: TF-IDF → SVD, fastText (trained on the
// catalog) and the pretrained USE-lite encoder. Each fits into a FittedFeaturizer with unit rows.
import type { Artifact, ArtifactArray, FeaturizeOptions, Featurizer, FeaturizerFit, Features, FittedFeaturizer } from "../../core/contracts.js";
import { ConfigError } from "../../core/errors.js";
import type { Product } from "../../core/product.js";
import { Random } from "../../core/random.js";
import { dense, selectRows, type DenseMatrix } from "../../linalg/matrix.js";
import { truncatedSvd, TruncatedSvdModel } from "../../linalg/svd.js";
import type { TextFeaturizerParamsInput } from "../text/params.js";
import { FittedTextFeaturizer, TextFeaturizer } from "../text/text-featurizer.js";
import { FastText } from "./fasttext.js";
import { FastTextModel } from "./fasttext-model.js";
import type { FastTextParamsInput } from "./fasttext-params.js";
import { UseLiteEncoder, USE_LITE_DIM } from "./use-lite.js";

/** Nested artifact parts are stored under "<part>." prefixes (the product-vector manifest keeps this layout). */
function prefixed(prefix: string, arrays: Record<string, ArtifactArray>): Record<string, ArtifactArray> {
  return Object.fromEntries(Object.entries(arrays).map(([k, v]) => [`${prefix}.${k}`, v]));
}

function part(a: Artifact, name: string, kind: string): Artifact {
  const spec = a.meta[name] as { params: Record<string, unknown>; meta: Record<string, unknown> } | undefined;
  if (!spec) throw new TypeError(`A "${a.kind}" artifact needs its "${name}" part`);
  const arrays: Record<string, ArtifactArray> = {};
  for (const [k, v] of Object.entries(a.arrays)) if (k.startsWith(`${name}.`)) arrays[k.slice(name.length + 1)] = v;
  return { kind, params: spec.params, meta: spec.meta, arrays };
}

const texts = (items: readonly Product[]): (readonly string[])[] => items.map((p) => p.text);

/** Default text features of tfidf-svd: words, plus single CJK characters. */
const DEFAULT_SVD_TEXT: TextFeaturizerParamsInput = { wordNgrams: [1, 1], charNgrams: [0, 0], cjkCharNgrams: [1, 1] };

/** Parameters of {@link TfidfSvd}. */
export type TfidfSvdParams = {
  /** Text features (default: words, plus single CJK characters). */
  text?: TextFeaturizerParamsInput;
  /** Vector width (default 100; capped at products − 1 and the feature count). */
  dim?: number;
  /** The SVD is fitted on a seeded sample of this many products (default 20,000). */
  fitSample?: number;
};

/** Word TF-IDF → truncated SVD with unit rows (LSA), fitted: `svd` is null when too few products allowed one. */
export class FittedTfidfSvd implements FittedFeaturizer {
  readonly kind = "tfidf-svd";
  constructor(
    readonly text: FittedTextFeaturizer,
    readonly svd: TruncatedSvdModel | null,
  ) {}

  get dim(): number {
    return this.svd ? this.svd.components.rows : this.text.dim;
  }

  /** Rows of raw text-field arrays (first = title). */
  transformTexts(fields: readonly (readonly string[])[], options: FeaturizeOptions = {}): DenseMatrix {
    const x = this.text.transformTexts(fields, options);
    if (!this.svd) throw new ConfigError("This tfidf-svd model has no SVD (it was fitted on too few products)");
    return this.svd.transform(x);
  }

  async featurize(items: readonly Product[], options: FeaturizeOptions = {}): Promise<Features> {
    return { matrix: this.transformTexts(texts(items), options) };
  }

  async close(): Promise<void> {}

  toArtifact(): Artifact {
    if (!this.svd) throw new ConfigError("Cannot save a tfidf-svd model without its SVD");
    const f = this.text.toArtifact();
    const s = this.svd.toArtifact();
    return {
      kind: this.kind,
      params: {},
      meta: { featurizer: { params: f.params, meta: f.meta }, svd: { params: s.params, meta: s.meta } },
      arrays: { ...prefixed("featurizer", f.arrays), ...prefixed("svd", s.arrays) },
    };
  }

  static fromArtifact(a: Artifact): FittedTfidfSvd {
    return new FittedTfidfSvd(FittedTextFeaturizer.fromArtifact(part(a, "featurizer", "text-tfidf")), TruncatedSvdModel.fromArtifact(part(a, "svd", "truncated-svd")));
  }
}

/**
 * The dense text embedding clustering uses: word TF-IDF → truncated SVD (`dim`) with unit rows; with too few
 * products for an SVD (under 2 dimensions) the fit keeps the sparse TF-IDF rows and a null SVD.
 */
export class TfidfSvd implements Featurizer {
  readonly kind = "tfidf-svd";
  readonly params: TfidfSvdParams;
  constructor(params: TfidfSvdParams = {}) {
    this.params = params;
  }

  async fit(items: readonly Product[], options: FeaturizeOptions = {}): Promise<FittedTfidfSvd> {
    return (await this.fitTransform(items, options)).featurizer;
  }

  async fitTransform(items: readonly Product[], options: FeaturizeOptions = {}): Promise<FeaturizerFit & { featurizer: FittedTfidfSvd; description: string }> {
    const { matrix, featurizer } = await new TextFeaturizer({ ...DEFAULT_SVD_TEXT, ...(this.params.text ?? {}) }).fitTransformTexts(texts(items), options);
    const dims = Math.min(this.params.dim ?? 100, items.length - 1, matrix.cols);
    if (dims < 2) return { featurizer: new FittedTfidfSvd(featurizer, null), matrix, description: `word TF-IDF (${matrix.cols} buckets)` };
    options.onProgress?.({ stage: "svd", done: 0, total: 1 });
    // The SVD of a seeded sample of rows: the top directions of 20,000 products are those of the catalog.
    const sample = this.params.fitSample ?? 20000;
    const rows = items.length > sample ? Int32Array.from(new Random((options.seed ?? 0) + 3).sample(items.length, sample)).sort() : null;
    const svd = truncatedSvd(rows ? selectRows(matrix, rows) : matrix, { components: dims, normalize: true, seed: options.seed ?? 0 });
    const fitted = rows ? `, fitted on ${sample} sampled rows` : "";
    return {
      featurizer: new FittedTfidfSvd(featurizer, svd),
      matrix: svd.transform(matrix),
      description: `word TF-IDF (${matrix.cols} buckets) → SVD ${dims}${fitted}, unit rows`,
    };
  }
}

/** Parameters of {@link FastTextVectors}. */
export type FastTextVectorsParams = {
  /** Vector width (default 100). */
  dim?: number;
  /** fastText parameters (mode defaults to skip-gram). */
  fasttext?: FastTextParamsInput;
  /** Smooth-inverse-frequency weight a of the word vectors (default {@link DEFAULT_SIF}). See FastTextModel.sentenceVector. */
  sif?: number;
};

/**
 * Default SIF weight of fastText product vectors: 0, fastText's plain mean, which keeps the category words that
 * clustering needs. SIF trades category for identity. Pricerunner test split (7,061 offers, 10 epochs), k-means
 * NMI / recall@10 against cluster_id: mean 0.64 / 0.18; a = 1e-3 0.60 / 0.21; 1e-4 0.46 / 0.27; 1e-5 0.35 / 0.32.
 * For "the same product from other merchants", pass `sif: 1e-5`.
 */
export const DEFAULT_SIF = 0;

/** Product vectors from a fastText model trained on the catalog: the (SIF-weighted) mean of unit word vectors. */
export class FittedFastTextVectors implements FittedFeaturizer {
  readonly kind = "fasttext";
  constructor(
    readonly model: FastTextModel,
    readonly sif: number,
  ) {}

  get dim(): number {
    return this.model.dim;
  }

  async featurize(items: readonly Product[]): Promise<Features> {
    return { matrix: this.model.embedTexts(items.map((p) => p.text.join(" ")), this.sif) };
  }

  async close(): Promise<void> {}

  toArtifact(): Artifact {
    const a = this.model.toArtifact();
    return { kind: this.kind, params: {}, meta: { fasttext: { params: a.params, meta: a.meta }, sif: this.sif }, arrays: prefixed("fasttext", a.arrays) };
  }

  static fromArtifact(a: Artifact): FittedFastTextVectors {
    return new FittedFastTextVectors(FastTextModel.fromArtifact(part(a, "fasttext", "fasttext")), Number(a.meta["sif"] ?? 0));
  }
}

/** Trains a fastText model on the catalog's text; product vectors are the mean of its unit word vectors. */
export class FastTextVectors implements Featurizer {
  readonly kind = "fasttext";
  readonly params: FastTextVectorsParams;
  constructor(params: FastTextVectorsParams = {}) {
    const sif = params.sif ?? DEFAULT_SIF;
    if (!(sif >= 0 && sif <= 1)) throw new ConfigError(`sif must be between 0 and 1, got ${sif}`);
    this.params = params;
  }

  async fit(items: readonly Product[], options: FeaturizeOptions = {}): Promise<FittedFastTextVectors> {
    return (await this.fitTransform(items, options)).featurizer;
  }

  async fitTransform(items: readonly Product[], options: FeaturizeOptions = {}): Promise<FeaturizerFit & { featurizer: FittedFastTextVectors; description: string }> {
    const sif = this.params.sif ?? DEFAULT_SIF;
    const model = await new FastText({ dim: this.params.dim ?? 100, ...(this.params.fasttext ?? {}) }).fit(items, options);
    const p = model.params;
    const pooling = sif > 0 ? `SIF-weighted (a = ${sif}) sum of unit word vectors` : "mean of unit word vectors";
    return {
      featurizer: new FittedFastTextVectors(model, sif),
      matrix: model.embed(items, sif),
      description: `fastText ${p.mode} (${model.words.length} words, ${p.minn > 0 ? `char ${p.minn}–${p.maxn}-grams in ${p.buckets} buckets` : "no subwords"}, ${p.epochs} epochs), ${pooling}`,
    };
  }
}

/** The pretrained Universal Sentence Encoder lite (English, 512-d): nothing to fit. */
export class FittedUseLite implements FittedFeaturizer {
  readonly kind = "use-lite";
  readonly dim = USE_LITE_DIM;
  constructor(readonly encoder: UseLiteEncoder = new UseLiteEncoder()) {}

  async featurize(items: readonly Product[], options: FeaturizeOptions = {}): Promise<Features> {
    return { matrix: dense(items.length, USE_LITE_DIM, await this.encoder.embed(items.map((p) => p.text.join(" ")), options)) };
  }

  async close(): Promise<void> {}

  toArtifact(): Artifact {
    return { kind: this.kind, params: {}, meta: {}, arrays: {} };
  }
}

/** The USE-lite encoder as a featurizer spec (its vectors have a fixed width of 512). */
export class UseLite implements Featurizer {
  readonly kind = "use-lite";
  readonly params: { dim?: number };
  constructor(params: { dim?: number } = {}) {
    this.params = params;
  }

  async fit(): Promise<FittedUseLite> {
    return new FittedUseLite();
  }

  async fitTransform(items: readonly Product[], options: FeaturizeOptions = {}): Promise<FeaturizerFit & { featurizer: FittedUseLite; description: string }> {
    if (this.params.dim !== undefined && this.params.dim !== USE_LITE_DIM) {
      options.onWarning?.({ code: "FIXED_DIM", message: `use-lite vectors have ${USE_LITE_DIM} dimensions; dim ${this.params.dim} is ignored` });
    }
    const featurizer = new FittedUseLite();
    const { matrix } = await featurizer.featurize(items, options);
    return { featurizer, matrix, description: "Universal Sentence Encoder lite (English, 512-d), unit rows" };
  }
}
