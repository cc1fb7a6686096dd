// The rows a fit passes between its steps (fit-rows.ts, compact-wasm.ts, the fit worker): raw hashed parts, what
// weighting needs, and where compacted rows go. Types only.
import type { TextFeaturizerParams } from "./params.js";

/** Raw hashed rows of documents [first, first + rows), in shared memory (either thread may compact them). */
export interface RawPart {
  first: number;
  indptr: Int32Array;
  cols: Int32Array;
  counts: Float32Array;
}

/** What weighting a row needs: the parameters, the IDF per compact column and the first character column. */
export interface RowWeights {
  params: Pick<TextFeaturizerParams, "sublinearTf" | "wordWeight" | "charWeight">;
  idf: Float32Array;
  charStart: number;
}

/**
 * Where compacted rows go: entries from `at`, the rows' ends in `indptr` from `rowAt + 1`, and their squared
 * norms plus NORMS_BIAS2 (fit-rows.ts) in `norms` from `rowAt`.
 */
export interface RowsOut {
  indices: Int32Array;
  values: Float32Array;
  indptr: Int32Array;
  norms: Float64Array;
  at: number;
  rowAt: number;
}
