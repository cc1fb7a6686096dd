// Parameters of the text featurizer: one zod schema for validation, defaults and docs.
import { z } from "zod";
import { DEFAULT_TEXT_PARAMS as D } from "./params-defaults.js";

const range = z
  .tuple([z.number().int().min(0).max(8), z.number().int().min(0).max(8)])
  .refine(([a, b]) => a <= b, "the first value must not exceed the second");
const pair = (p: readonly [number, number]): [number, number] => [p[0], p[1]];

/** Parameters of the text featurizer: one schema for validation, defaults and docs. */
export const TextFeaturizerParams = z.object({
  /** Word n-gram lengths, e.g. [1, 2] for unigrams and bigrams; [0, 0] turns words off. */
  wordNgrams: range.default(pair(D.wordNgrams)),
  /** Character n-gram lengths within each space-padded Latin word (like scikit-learn's char_wb). */
  charNgrams: range.default(pair(D.charNgrams)),
  /** Character n-gram lengths over runs of Chinese/Japanese text. */
  cjkCharNgrams: range.default(pair(D.cjkCharNgrams)),
  /** log2 of the buckets per block (words, characters). */
  hashBits: z.number().int().min(10).max(24).default(D.hashBits),
  /** Multiplier on term counts from the first text field (the title). */
  titleWeight: z.number().min(0).max(100).default(D.titleWeight),
  /** 1 + log(tf) instead of raw counts. */
  sublinearTf: z.boolean().default(D.sublinearTf),
  /** Inverse document frequency weighting (smoothed, as scikit-learn). */
  idf: z.boolean().default(D.idf),
  /** Ignore buckets seen in fewer than this many training documents. */
  minDf: z.number().int().min(1).default(D.minDf),
  /**
   * Weight of the word block and the character block after each is L2-normalized (character n-grams
   * generalize better to unseen model numbers and spellings, so they weigh a little more).
   */
  wordWeight: z.number().min(0).default(D.wordWeight),
  charWeight: z.number().min(0).default(D.charWeight),
  /** Strip HTML tags and entities. */
  html: z.boolean().default(D.html),
});
export type TextFeaturizerParams = z.infer<typeof TextFeaturizerParams>;
export type TextFeaturizerParamsInput = z.input<typeof TextFeaturizerParams>;

