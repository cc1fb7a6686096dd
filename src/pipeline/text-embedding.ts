// The dense text embedding clustering uses: word TF-IDF → truncated SVD with unit rows (the tfidf-svd featurizer).
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { TfidfSvd, type FittedTfidfSvd } from "../featurize/embed/vectors.js";
import type { TextFeaturizerParamsInput } from "../featurize/text/params.js";
import type { Matrix } from "../linalg/matrix.js";

/** Options of {@link embedProducts}. */
export type TextEmbeddingOptions = RunOptions & { text?: TextFeaturizerParamsInput; dims?: number; fitSample?: number };

/**
 * The dense text embedding the clusterers use: word TF-IDF → truncated SVD (`dims`, default 100) with unit
 * rows, or the sparse TF-IDF rows when there are too few products or `dims` is 0.
 */
export async function embedProducts(products: readonly Product[], options: TextEmbeddingOptions = {}): Promise<{ embedding: Matrix; features: string }> {
  const { embedding, features } = await fitTextEmbedding(products, options);
  return { embedding, features };
}

/** {@link embedProducts} with its fitted featurizer, so new products can be embedded the same way (its `svd` is null without SVD). */
export async function fitTextEmbedding(products: readonly Product[], options: TextEmbeddingOptions = {}): Promise<{ embedding: Matrix; features: string; featurizer: FittedTfidfSvd }> {
  const { text, dims, fitSample, ...run } = options;
  const fit = await new TfidfSvd({ ...(text ? { text } : {}), ...(dims !== undefined ? { dim: dims } : {}), ...(fitSample !== undefined ? { fitSample } : {}) }).fitTransform(products, run);
  return { embedding: fit.matrix, features: fit.description, featurizer: fit.featurizer };
}
