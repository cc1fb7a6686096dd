// assort/text: the text pipeline's pieces — normalization, tokenization (Latin + jieba for CJK), the names of
// hashed n-gram features, product codes, the query segmentation every store's search uses, and the code-point
// order of ids every store pages by.
export { normalizeText, stripHtml } from "../featurize/text/normalize.js";
export { tokenize, tokenBuffers, type TokenBuffers } from "../featurize/text/tokenize.js";
export { documentNgrams, columnOfBucket, type NgramOccurrence } from "../featurize/text/feature-names.js";
export { extractCodes, ProductCodes, CODES_CONFLICT, CODES_NEUTRAL, CODES_SHARED, type ProductCode, type CodeKind } from "../featurize/text/codes.js";
export { segmentWords, distinctTerms, MAX_QUERY_CHARS, MAX_QUERY_TERMS, MAX_TERM_CHARS } from "../service/search-terms.js";
export { compareIds } from "../service/memory-search.js";
