// The text featurizer's default parameters as a plain object, without the schema (params.ts) and its zod: what
// the fit worker hashes a catalog with while the catalog is still being read (fit-worker.ts feedFitWorker), before
// the modules that validate parameters have loaded. The schema takes its defaults from here.

/** What `TextFeaturizerParams.parse({})` gives, key for key in the schema's order (params.test.ts checks it). */
export const DEFAULT_TEXT_PARAMS = Object.freeze({
  wordNgrams: Object.freeze([1, 2] as const),
  charNgrams: Object.freeze([2, 5] as const),
  cjkCharNgrams: Object.freeze([1, 2] as const),
  hashBits: 18,
  titleWeight: 2,
  sublinearTf: true,
  idf: true,
  minDf: 1,
  wordWeight: 0.7,
  charWeight: 1,
  html: true,
});
