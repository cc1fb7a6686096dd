// The dense text embedding clustering and product vectors share: word TF-IDF → truncated SVD with unit rows.
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { Random } from "../core/random.js";
import type { TextFeaturizerParamsInput } from "../featurize/text/params.js";
import { TextFeaturizer, type FittedTextFeaturizer } from "../featurize/text/text-featurizer.js";
import { selectRows, type Matrix } from "../linalg/matrix.js";
import { truncatedSvd, type TruncatedSvdModel } from "../linalg/svd.js";

const DEFAULT_FIT_SAMPLE = 20000;

const DEFAULT_TEXT: TextFeaturizerParamsInput = { wordNgrams: [1, 1], charNgrams: [0, 0], cjkCharNgrams: [1, 1] };

/**
 * The dense text embedding the clusterers use: word TF-IDF → truncated SVD (`dims`, default 100) with unit
 * rows, or the sparse TF-IDF rows when there are too few products or `dims` is 0.
 */
export async function embedProducts(
  products: readonly Product[],
  options: RunOptions & { text?: TextFeaturizerParamsInput; dims?: number; fitSample?: number } = {},
): Promise<{ embedding: Matrix; features: string }> {
  const { embedding, features } = await fitTextEmbedding(products, options);
  return { embedding, features };
}

/** {@link embedProducts} with its fitted steps, so new products can be embedded the same way (`svd` is null without SVD). */
export async function fitTextEmbedding(
  products: readonly Product[],
  options: RunOptions & { text?: TextFeaturizerParamsInput; dims?: number; fitSample?: number } = {},
): Promise<{ embedding: Matrix; features: string; featurizer: FittedTextFeaturizer; svd: TruncatedSvdModel | null }> {
  const text = { ...DEFAULT_TEXT, ...(options.text ?? {}) };
  const { matrix, featurizer } = await new TextFeaturizer(text).fitTransformTexts(
    products.map((p) => p.text),
    options,
  );
  const dims = Math.min(options.dims ?? 100, products.length - 1, matrix.cols);
  if (dims < 2) return { embedding: matrix, features: `word TF-IDF (${matrix.cols} buckets)`, featurizer, svd: null };
  options.onProgress?.({ stage: "svd", done: 0, total: 1 });
  // The SVD of a seeded sample of rows: the top directions of 20,000 products are those of the catalog.
  const sample = options.fitSample ?? DEFAULT_FIT_SAMPLE;
  const rows = products.length > sample ? Int32Array.from(new Random((options.seed ?? 0) + 3).sample(products.length, sample)).sort() : null;
  const svd = truncatedSvd(rows ? selectRows(matrix, rows) : matrix, { components: dims, normalize: true, seed: options.seed ?? 0 });
  const fitted = rows ? `, fitted on ${sample} sampled rows` : "";
  return { embedding: svd.transform(matrix), features: `word TF-IDF (${matrix.cols} buckets) → SVD ${dims}${fitted}, unit rows`, featurizer, svd };
}
