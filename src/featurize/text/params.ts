// Parameters of the text featurizer: one zod schema for validation, defaults and docs.
import { z } from "zod";

const range = z
  .tuple([z.number().int().min(0).max(8), z.number().int().min(0).max(8)])
  .refine(([a, b]) => a <= b, "the first value must not exceed the second");

/** Parameters of the text featurizer: one schema for validation, defaults and docs. */
export const TextFeaturizerParams = z.object({
  /** Word n-gram lengths, e.g. [1, 2] for unigrams and bigrams; [0, 0] turns words off. */
  wordNgrams: range.default([1, 2]),
  /** Character n-gram lengths within each space-padded Latin word (like scikit-learn's char_wb). */
  charNgrams: range.default([2, 5]),
  /** Character n-gram lengths over runs of Chinese/Japanese text. */
  cjkCharNgrams: range.default([1, 2]),
  /** log2 of the buckets per block (words, characters). */
  hashBits: z.number().int().min(10).max(24).default(18),
  /** Multiplier on term counts from the first text field (the title). */
  titleWeight: z.number().min(0).max(100).default(2),
  /** 1 + log(tf) instead of raw counts. */
  sublinearTf: z.boolean().default(true),
  /** Inverse document frequency weighting (smoothed, as scikit-learn). */
  idf: z.boolean().default(true),
  /** Ignore buckets seen in fewer than this many training documents. */
  minDf: z.number().int().min(1).default(1),
  /**
   * Weight of the word block and the character block after each is L2-normalized (character n-grams
   * generalize better to unseen model numbers and spellings, so they weigh a little more).
   */
  wordWeight: z.number().min(0).default(0.7),
  charWeight: z.number().min(0).default(1),
  /** Strip HTML tags and entities. */
  html: z.boolean().default(true),
});
export type TextFeaturizerParams = z.infer<typeof TextFeaturizerParams>;
export type TextFeaturizerParamsInput = z.input<typeof TextFeaturizerParams>;

