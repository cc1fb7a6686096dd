// Dense product vectors for clustering and similar items: TF-IDF+SVD, fastText, or the USE-lite encoder; persistent.
import { TruncatedSvdModel } from "../linalg/svd.js";
import { writeFileAtomic } from "../core/atomic-write.js";
import type { ArtifactArray } from "../core/contracts.js";
import { ConfigError, ModelFormatError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { FastText } from "../featurize/embed/fasttext.js";
import { FastTextModel } from "../featurize/embed/fasttext-model.js";
import type { FastTextParamsInput } from "../featurize/embed/fasttext-params.js";
import { UseLiteEncoder, USE_LITE_DIM } from "../featurize/embed/use-lite.js";
import { formatVec } from "../featurize/embed/vec-format.js";
import type { TextFeaturizerParamsInput } from "../featurize/text/params.js";
import { FittedTextFeaturizer } from "../featurize/text/text-featurizer.js";
import { dense, toDense, type DenseMatrix } from "../linalg/matrix.js";
import { readModelDir, writeModelDir } from "../persist/model-dir.js";
import { SimilarIndex, type SimilarIndexOptions } from "../similar/similar-index.js";
import { fitTextEmbedding } from "./text-embedding.js";

/** How product vectors are made. */
export const VECTOR_METHODS = ["tfidf-svd", "fasttext", "use-lite"] as const;
export type VectorMethod = (typeof VECTOR_METHODS)[number];

/**
 * Default SIF weight of fastText product vectors: 0, fastText's plain mean, which keeps the category words that
 * clustering needs. SIF trades category for identity. Pricerunner test split (7,061 offers, 10 epochs), k-means
 * NMI / recall@10 against cluster_id: mean 0.64 / 0.18; a = 1e-3 0.60 / 0.21; 1e-4 0.46 / 0.27; 1e-5 0.35 / 0.32.
 * For "the same product from other merchants", pass `sif: 1e-5`.
 */
const DEFAULT_SIF = 0;

/** The manifest kind of a saved {@link ProductVectors} model. */
export const PRODUCT_VECTORS_KIND = "product-vectors";

/** Options of {@link fitProductVectors}. */
export interface ProductVectorsOptions extends RunOptions {
  /** Default "tfidf-svd". "use-lite" is English-only and has a fixed width of 512. */
  method?: VectorMethod;
  /** Vector width (tfidf-svd, fasttext). Default 100. */
  dim?: number;
  /** fastText parameters (mode defaults to skip-gram). */
  fasttext?: FastTextParamsInput;
  /**
   * fastText: smooth-inverse-frequency weight a of the word vectors in a product vector (a / (a + f(w))).
   * Default 0, fastText's plain mean (best for clustering by category); 1e-5 makes rare words (model codes)
   * dominate, best for finding the same product (see FastTextModel.sentenceVector).
   */
  sif?: number;
  /** Text features of tfidf-svd (default: words, plus single CJK characters). */
  text?: TextFeaturizerParamsInput;
  /** tfidf-svd: the SVD is fitted on a seeded sample of this many products. Default 20,000. */
  fitSample?: number;
  /** Keep the training products' ids and vectors in the model (for export and an index). Default true. */
  keepVectors?: boolean;
}

type Embedder =
  | { method: "tfidf-svd"; featurizer: FittedTextFeaturizer; svd: TruncatedSvdModel }
  | { method: "fasttext"; model: FastTextModel; sif: number }
  | { method: "use-lite"; encoder: UseLiteEncoder };

/**
 * A fitted product-vector model: `embed` maps products to unit rows of width `dim`; the training products'
 * vectors are kept (`ids`, `vectors`) unless `keepVectors` was false. Save with {@link save}, read with
 * {@link ProductVectors.load}; export as a .vec file with {@link exportVec}.
 */
export class ProductVectors {
  readonly method: VectorMethod;
  readonly dim: number;
  /** What the vectors are, in words. */
  readonly description: string;
  readonly ids: readonly string[];
  readonly vectors: DenseMatrix | null;
  readonly seconds: number;
  private readonly embedder: Embedder;

  private constructor(embedder: Embedder, dim: number, description: string, ids: readonly string[], vectors: DenseMatrix | null, seconds: number) {
    this.embedder = embedder;
    this.method = embedder.method;
    this.dim = dim;
    this.description = description;
    this.ids = ids;
    this.vectors = vectors;
    this.seconds = seconds;
  }

  /** @internal Used by {@link fitProductVectors}. */
  static create(embedder: Embedder, dim: number, description: string, ids: readonly string[], vectors: DenseMatrix | null, seconds: number): ProductVectors {
    return new ProductVectors(embedder, dim, description, ids, vectors, seconds);
  }

  /** The fastText model behind the "fasttext" method (word vectors, nearest words), else null. */
  get fastText(): FastTextModel | null {
    return this.embedder.method === "fasttext" ? this.embedder.model : null;
  }

  /** Unit-length vectors of products (all text fields), rows in input order. */
  async embed(products: readonly Product[], options: RunOptions = {}): Promise<DenseMatrix> {
    return this.embedTexts(
      products.map((p) => p.text),
      options,
    );
  }

  /** Unit-length vectors of raw text-field arrays (first = title). */
  async embedTexts(texts: readonly (readonly string[])[], options: RunOptions = {}): Promise<DenseMatrix> {
    const e = this.embedder;
    if (e.method === "tfidf-svd") return e.svd.transform(e.featurizer.transformTexts(texts, options));
    if (e.method === "fasttext") return e.model.embedTexts(texts.map((t) => t.join(" ")), e.sif);
    const data = await e.encoder.embed(
      texts.map((t) => t.join(" ")),
      options,
    );
    return dense(texts.length, USE_LITE_DIM, data);
  }

  /** A similar-items index over the kept training vectors; `groups[i]` (e.g. categories) enables same-group search. */
  async buildIndex(groups?: readonly (string | undefined)[], options: SimilarIndexOptions & RunOptions = {}): Promise<SimilarIndex> {
    if (!this.vectors) throw new ConfigError("This product-vector model kept no vectors (keepVectors: false): embed the products and use SimilarIndex.build");
    return SimilarIndex.build(this.ids, this.vectors, groups, options);
  }

  /** Writes the model to a directory, atomically (manifest.json + arrays.bin). */
  async save(dir: string): Promise<void> {
    const arrays: Record<string, ArtifactArray> = {};
    const e = this.embedder;
    let parts: Record<string, unknown> = {};
    const put = (prefix: string, a: Record<string, ArtifactArray>): void => {
      for (const [k, v] of Object.entries(a)) arrays[`${prefix}.${k}`] = v;
    };
    if (e.method === "tfidf-svd") {
      const f = e.featurizer.toArtifact();
      const s = e.svd.toArtifact();
      put("featurizer", f.arrays);
      put("svd", s.arrays);
      parts = { featurizer: { params: f.params, meta: f.meta }, svd: { params: s.params, meta: s.meta } };
    } else if (e.method === "fasttext") {
      const a = e.model.toArtifact();
      put("fasttext", a.arrays);
      parts = { fasttext: { params: a.params, meta: a.meta }, sif: e.sif };
    }
    if (this.vectors) arrays["vectors"] = this.vectors.data;
    await writeModelDir(
      dir,
      {
        kind: PRODUCT_VECTORS_KIND,
        method: this.method,
        dim: this.dim,
        description: this.description,
        seconds: this.seconds,
        createdAt: new Date().toISOString(),
        ids: this.vectors ? this.ids : [],
        ...parts,
      },
      arrays,
    );
  }

  /** Reads a model written by {@link save}. @throws ModelNotFoundError, ModelFormatError. */
  static async load(dir: string): Promise<ProductVectors> {
    const { manifest, arrays } = await readModelDir(dir);
    if (manifest["kind"] !== PRODUCT_VECTORS_KIND) throw new ModelFormatError(dir, `it holds a "${String(manifest["kind"])}" model, not product vectors`);
    const method = manifest["method"] as VectorMethod;
    const dim = manifest["dim"] as number;
    const take = (prefix: string): Record<string, ArtifactArray> => {
      const out: Record<string, ArtifactArray> = {};
      for (const [k, v] of Object.entries(arrays)) if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = v;
      return out;
    };
    type Part = { params: Record<string, unknown>; meta: Record<string, unknown> };
    let embedder: Embedder;
    try {
      if (method === "tfidf-svd") {
        const f = manifest["featurizer"] as Part;
        const s = manifest["svd"] as Part;
        embedder = {
          method,
          featurizer: FittedTextFeaturizer.fromArtifact({ kind: "text-tfidf", ...f, arrays: take("featurizer") }),
          svd: TruncatedSvdModel.fromArtifact({ kind: "truncated-svd", ...s, arrays: take("svd") }),
        };
      } else if (method === "fasttext") {
        const a = manifest["fasttext"] as Part;
        embedder = { method, model: FastTextModel.fromArtifact({ kind: "fasttext", ...a, arrays: take("fasttext") }), sif: Number(manifest["sif"] ?? 0) };
      } else if (method === "use-lite") {
        embedder = { method, encoder: new UseLiteEncoder() };
      } else {
        throw new ModelFormatError(dir, `unknown vector method "${String(method)}"`);
      }
    } catch (e) {
      if (e instanceof ModelFormatError) throw e;
      throw new ModelFormatError(dir, (e as Error).message);
    }
    const ids = (manifest["ids"] as string[] | undefined) ?? [];
    const v = arrays["vectors"];
    if (v !== undefined && (!(v instanceof Float32Array) || v.length !== ids.length * dim)) throw new ModelFormatError(dir, `its vectors do not match ${ids.length} ids × ${dim}`);
    const vectors = v instanceof Float32Array ? dense(ids.length, dim, v) : null;
    return new ProductVectors(embedder, dim, String(manifest["description"] ?? method), ids, vectors, Number(manifest["seconds"] ?? 0));
  }

  /**
   * Writes a .vec text file atomically: the kept product vectors under their ids, or with `words: true` the
   * fastText model's word vectors (fasttext method only). Returns the number of vectors written.
   */
  async exportVec(file: string, options: { words?: boolean } = {}): Promise<number> {
    let names: readonly string[];
    let m: DenseMatrix;
    if (options.words) {
      const ft = this.fastText;
      if (!ft) throw new ConfigError(`Word vectors exist only for the fasttext method; this model is "${this.method}"`);
      names = ft.words;
      m = ft.wordMatrix();
    } else {
      if (!this.vectors) throw new ConfigError("This product-vector model kept no vectors to export (keepVectors: false)");
      names = this.ids;
      m = this.vectors;
    }
    await writeFileAtomic(file, formatVec(names, m));
    return names.length;
  }
}

/**
 * Fits product vectors on a catalog: "tfidf-svd" (word TF-IDF → SVD, as clustering uses), "fasttext" (a
 * skip-gram model trained on the catalog's own text; product = mean of unit word vectors), or "use-lite"
 * (the pretrained English sentence encoder, nothing to fit).
 * @example
 * const pv = await fitProductVectors(products, { method: "fasttext", seed: 1 });
 * const index = await pv.buildIndex(products.map((p) => p.label));
 */
export async function fitProductVectors(products: readonly Product[], options: ProductVectorsOptions = {}): Promise<ProductVectors> {
  const t0 = performance.now();
  const method = options.method ?? "tfidf-svd";
  if (!VECTOR_METHODS.includes(method)) throw new ConfigError(`Unknown vector method "${method}": choose one of ${VECTOR_METHODS.join(", ")}`);
  if (products.length === 0) throw new ConfigError("Cannot fit product vectors: the catalog has no products");
  const dim = options.dim ?? 100;
  if (!Number.isInteger(dim) || dim < 2) throw new ConfigError(`dim must be an integer ≥ 2, got ${dim}`);
  const keep = options.keepVectors ?? true;
  const ids = products.map((p) => p.id);
  let embedder: Embedder;
  let vectors: DenseMatrix;
  let description: string;
  if (method === "tfidf-svd") {
    const fit = await fitTextEmbedding(products, { ...options, dims: dim });
    if (!fit.svd) throw new ConfigError(`Cannot fit tfidf-svd vectors on ${products.length} products: at least 3 products with text are needed`);
    embedder = { method, featurizer: fit.featurizer, svd: fit.svd };
    vectors = toDense(fit.embedding);
    description = fit.features;
  } else if (method === "fasttext") {
    const sif = options.sif ?? DEFAULT_SIF;
    if (!(sif >= 0 && sif <= 1)) throw new ConfigError(`sif must be between 0 and 1, got ${sif}`);
    const model = await new FastText({ dim, ...(options.fasttext ?? {}) }).fit(products, options);
    embedder = { method, model, sif };
    vectors = model.embed(products, sif);
    const p = model.params;
    const pooling = sif > 0 ? `SIF-weighted (a = ${sif}) sum of unit word vectors` : "mean of unit word vectors";
    description = `fastText ${p.mode} (${model.words.length} words, ${p.minn > 0 ? `char ${p.minn}–${p.maxn}-grams in ${p.buckets} buckets` : "no subwords"}, ${p.epochs} epochs), ${pooling}`;
  } else {
    if (options.dim !== undefined && options.dim !== USE_LITE_DIM) {
      options.onWarning?.({ code: "FIXED_DIM", message: `use-lite vectors have ${USE_LITE_DIM} dimensions; dim ${options.dim} is ignored` });
    }
    const encoder = new UseLiteEncoder();
    embedder = { method, encoder };
    vectors = dense(products.length, USE_LITE_DIM, await encoder.embed(products.map((p) => p.text.join(" ")), options));
    description = "Universal Sentence Encoder lite (English, 512-d), unit rows";
  }
  return ProductVectors.create(embedder, vectors.cols, description, keep ? ids : [], keep ? vectors : null, (performance.now() - t0) / 1000);
}

/** Writes a similar-items index to a model directory, atomically. */
export async function saveSimilarIndex(dir: string, index: SimilarIndex): Promise<void> {
  const { manifest, arrays } = await index.toArtifact();
  await writeModelDir(dir, { ...manifest, createdAt: new Date().toISOString() }, arrays);
}

/** Reads a similar-items index written by {@link saveSimilarIndex}. @throws ModelNotFoundError, ModelFormatError. */
export async function loadSimilarIndex(dir: string): Promise<SimilarIndex> {
  const { manifest, arrays } = await readModelDir(dir);
  return SimilarIndex.fromArtifact(manifest, arrays, dir);
}
