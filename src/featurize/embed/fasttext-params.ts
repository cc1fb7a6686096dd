// Parameters of the fastText-style trainer: one zod schema (types, defaults, validation, docs).
import { z } from "zod";

/** Training modes: unsupervised skip-gram / CBOW, or supervised (labels predicted from the averaged input). */
export const FASTTEXT_MODES = ["skipgram", "cbow", "supervised"] as const;

/**
 * Parameters of {@link FastText}. Defaults follow fastText 0.9 where they fit product titles, except
 * `buckets` (200k rather than 2M: 80 MB of Float32 at dim 100 instead of 800 MB) and `epochs` (10: titles are
 * short, so a corpus has few tokens).
 */
export const FastTextParams = z
  .object({
    mode: z.enum(FASTTEXT_MODES).default("skipgram"),
    /** Vector width. */
    dim: z.number().int().min(2).max(1024).default(100),
    /** Context window: each position uses a window drawn uniformly from 1..window. */
    window: z.number().int().min(1).max(50).default(5),
    /** Negative samples per positive (unsupervised modes). */
    negatives: z.number().int().min(1).max(100).default(5),
    /** Words seen fewer times are dropped from the vocabulary (their subwords still give them a vector). */
    minCount: z.number().int().min(1).default(2),
    /** Shortest character n-gram (0 disables subwords). Words are wrapped in "<" and ">" first. */
    minn: z.number().int().min(0).max(20).default(3),
    /** Longest character n-gram. */
    maxn: z.number().int().min(0).max(20).default(6),
    /** Hash buckets for subwords (FNV-1a of the n-gram's UTF-8 bytes, modulo buckets). */
    buckets: z.number().int().min(1).max(20_000_000).default(200_000),
    /** Passes over the corpus. */
    epochs: z.number().int().min(1).max(1000).default(10),
    /** Starting learning rate, decayed linearly to 0 over all epochs. */
    lr: z.number().positive().max(10).default(0.05),
    /** Subsampling threshold t: a word of frequency f is kept with probability √(t/f) + t/f. */
    sample: z.number().min(0).max(1).default(1e-4),
    /** Worker threads (Hogwild over shared memory); 0 = one per core, at most 8. Only the built package has workers. Same seed → same model only with 1 thread (Hogwild updates race by design). */
    threads: z.number().int().min(0).max(64).default(0),
  })
  .refine((p) => p.minn === 0 || p.maxn >= p.minn, { message: "maxn must be ≥ minn", path: ["maxn"] });

export type FastTextParams = z.infer<typeof FastTextParams>;
export type FastTextParamsInput = z.input<typeof FastTextParams>;
