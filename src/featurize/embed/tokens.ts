// Words for the embedders: the project's normalizer and tokenizer (jieba for Chinese), as the rest of assort sees text.
import type { Product } from "../../core/product.js";
import { normalizeText } from "../text/normalize.js";
import { tokenBuffers, tokenize } from "../text/tokenize.js";

/**
 * Words of a text as the rest of assort sees them: HTML stripped, NFKC, lower-cased, letter/digit runs, and
 * Chinese/Japanese segmented by jieba.
 * @example textTokens("Apple iPhone 8 64GB") // ["apple", "iphone", "8", "64gb"]
 */
export function textTokens(text: string): string[] {
  const buf = tokenBuffers();
  tokenize(normalizeText(text), buf);
  return buf.words;
}

/** The words of a product: all its text fields in order. */
export function productTokens(p: Product): string[] {
  return p.text.flatMap((t) => textTokens(t));
}
