// Dense product vectors for clustering and similar items: TF-IDF+SVD, fastText, or the USE-lite encoder; persistent.
import { writeFileAtomic } from "../core/atomic-write.js";
import type { ArtifactArray, FittedFeaturizer } from "../core/contracts.js";
import { ConfigError, ModelFormatError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { FittedFastTextVectors } from "../featurize/embed/vectors.js";
import type { FastTextModel } from "../featurize/embed/fasttext-model.js";
import type { FastTextParamsInput } from "../featurize/embed/fasttext-params.js";
import { formatVec } from "../featurize/embed/vec-format.js";
import { createFeaturizer, restoreFeaturizer } from "../featurize/registry.js";
import type { TextFeaturizerParamsInput } from "../featurize/text/params.js";
import { dense, toDense, type DenseMatrix } from "../linalg/matrix.js";
import { readModelDir, writeModelDir } from "../persist/model-dir.js";
import { SimilarIndex, type SimilarIndexOptions } from "../similar/similar-index.js";

/** How product vectors are made. */
export const VECTOR_METHODS = ["tfidf-svd", "fasttext", "use-lite"] as const;
export type VectorMethod = (typeof VECTOR_METHODS)[number];

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
  private readonly embedder: FittedFeaturizer;

  private constructor(embedder: FittedFeaturizer, dim: number, description: string, ids: readonly string[], vectors: DenseMatrix | null, seconds: number) {
    this.embedder = embedder;
    this.method = embedder.kind as VectorMethod;
    this.dim = dim;
    this.description = description;
    this.ids = ids;
    this.vectors = vectors;
    this.seconds = seconds;
  }

  /** @internal Used by {@link fitProductVectors}. */
  static create(embedder: FittedFeaturizer, dim: number, description: string, ids: readonly string[], vectors: DenseMatrix | null, seconds: number): ProductVectors {
    return new ProductVectors(embedder, dim, description, ids, vectors, seconds);
  }

  /** The fastText model behind the "fasttext" method (word vectors, nearest words), else null. */
  get fastText(): FastTextModel | null {
    return this.embedder instanceof FittedFastTextVectors ? this.embedder.model : null;
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
    const items = texts.map((text, i) => ({ id: String(i), text }));
    return toDense((await this.embedder.featurize(items, options)).matrix);
  }

  /** A similar-items index over the kept training vectors; `groups[i]` (e.g. categories) enables same-group search. */
  async buildIndex(groups?: readonly (string | undefined)[], options: SimilarIndexOptions & RunOptions = {}): Promise<SimilarIndex> {
    if (!this.vectors) throw new ConfigError("This product-vector model kept no vectors (keepVectors: false): embed the products and use SimilarIndex.build");
    return SimilarIndex.build(this.ids, this.vectors, groups, options);
  }

  /**
   * Writes the model to a directory, atomically (manifest.json + arrays.bin). `withVectors: false` leaves the
   * kept training vectors out (a catalog service keeps them in its store; loading stays small and fast).
   */
  async save(dir: string, o: { withVectors?: boolean } = {}): Promise<void> {
    // The embedder's parts sit in the manifest beside the vectors (meta) and in the arrays (prefixed by part).
    const a = this.embedder.toArtifact();
    const arrays: Record<string, ArtifactArray> = { ...a.arrays };
    const vectors = o.withVectors === false ? null : this.vectors;
    if (vectors) arrays["vectors"] = vectors.data;
    await writeModelDir(
      dir,
      {
        kind: PRODUCT_VECTORS_KIND,
        method: this.method,
        dim: this.dim,
        description: this.description,
        seconds: this.seconds,
        createdAt: new Date().toISOString(),
        ids: vectors ? this.ids : [],
        ...a.meta,
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
    if (!VECTOR_METHODS.includes(method)) throw new ModelFormatError(dir, `unknown vector method "${String(method)}"`);
    const { vectors: v, ...parts } = arrays;
    let embedder: FittedFeaturizer;
    try {
      embedder = restoreFeaturizer({ kind: method, params: {}, meta: manifest, arrays: parts });
    } catch (e) {
      throw new ModelFormatError(dir, (e as Error).message);
    }
    const ids = (manifest["ids"] as string[] | undefined) ?? [];
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
  const { method = "tfidf-svd", dim, fasttext, sif, text, fitSample, keepVectors = true, ...run } = options;
  if (!VECTOR_METHODS.includes(method)) throw new ConfigError(`Unknown vector method "${method}": choose one of ${VECTOR_METHODS.join(", ")}`);
  if (products.length === 0) throw new ConfigError("Cannot fit product vectors: the catalog has no products");
  if (dim !== undefined && (!Number.isInteger(dim) || dim < 2)) throw new ConfigError(`dim must be an integer ≥ 2, got ${dim}`);
  const params = Object.fromEntries(Object.entries({ dim, fasttext, sif, text, fitSample }).filter(([, v]) => v !== undefined));
  const fit = await createFeaturizer(method, params).fitTransform(products, run);
  // Too few products for an SVD leave sparse TF-IDF rows: not product vectors.
  if (fit.matrix.kind !== "dense") throw new ConfigError(`Cannot fit ${method} vectors on ${products.length} products: at least 3 products with text are needed`);
  const vectors = toDense(fit.matrix);
  const ids = products.map((p) => p.id);
  const description = fit.description ?? method;
  return ProductVectors.create(fit.featurizer, vectors.cols, description, keepVectors ? ids : [], keepVectors ? vectors : null, (performance.now() - t0) / 1000);
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
