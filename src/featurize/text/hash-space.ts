// The fitted feature space a transforming WebAssembly hasher maps buckets into (hash-wasm.ts), from a fitted
// featurizer's columns and idf: FittedTextFeaturizer's, and a classifying worker's (pipeline/classify-jsonl-answer.ts).
import { lowerBound } from "../../linalg/search.js";
import { weightRow, type RowWeights } from "./fit-rows.js";
import type { HashSpace } from "./hash-wasm.js";
import type { TextFeaturizerParams } from "./params.js";

/** The space of a fitted featurizer's columns (raw buckets, ascending) and idf, weighted as FittedTextFeaturizer.weightRow. */
export function hashSpace(params: TextFeaturizerParams, columns: Int32Array, idf: Float32Array): HashSpace {
  const charStart = lowerBound(columns, 1 << params.hashBits);
  const weights: RowWeights = { params, idf, charStart };
  return { columns, idf, charStart, weightRow: (indices, values, start, end) => weightRow(weights, indices, values, start, end) };
}
