// assort/embeddings: dense text representations — the fastText-style trainer and its model, the USE-lite
// encoder, tokens and subwords, the .vec format, and the product-vector featurizers behind fitProductVectors.
export { FastText, type FastTextFitOptions } from "../featurize/embed/fasttext.js";
export { FastTextModel, type FastTextStats } from "../featurize/embed/fasttext-model.js";
export { FastTextParams, FASTTEXT_MODES, type FastTextParamsInput } from "../featurize/embed/fasttext-params.js";
export { textTokens, productTokens } from "../featurize/embed/tokens.js";
export { fnv1a, charNgrams } from "../featurize/embed/subwords.js";
export { formatVec, parseVec } from "../featurize/embed/vec-format.js";
export { UseLiteEncoder, USE_LITE_DIM, cjkShare, type UseLiteOptions } from "../featurize/embed/use-lite.js";
export {
  TfidfSvd,
  FittedTfidfSvd,
  FastTextVectors,
  FittedFastTextVectors,
  UseLite,
  FittedUseLite,
  DEFAULT_SIF,
  type TfidfSvdParams,
  type FastTextVectorsParams,
} from "../featurize/embed/vectors.js";
