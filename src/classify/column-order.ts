// The column order the one-vs-rest solvers see (one-vs-rest.ts): columns renumbered by document frequency, so that
// the weights of the frequent features, which most rows touch, lie together in cache.
import { knownColumnCounts, type CsrMatrix } from "../linalg/matrix.js";
import type { CsrArrays } from "./dual-cd.js";

/**
 * A renumbering of x's columns by descending document frequency (ties in column order): `at[j]` is column j's
 * new number. The solvers' weights of the frequent features, which most entries touch, then lie together in
 * cache instead of spread over the whole (hashed) vector; a pass does the same operations in the same order,
 * so the solutions are the same to the bit. One group's six passes on cn-online-shopping-10cats (413,824
 * features × 5 classes of float64 weights, 16.5 MB): 954 → 730 ms CPU.
 */
export function frequencyOrder(x: CsrArrays): Int32Array {
  const d = x.cols;
  // The featurizer's document frequencies, when it recorded them, spare a pass over every entry (~20 ms on cn).
  let df = knownColumnCounts(x);
  if (!df) {
    df = new Int32Array(d);
    const { indices } = x;
    for (let p = x.indptr[0]!, end = x.indptr[x.rows]!; p < end; p++) df[indices[p]!]!++;
  }
  let top = 0;
  for (let j = 0; j < d; j++) if (df[j]! > top) top = df[j]!;
  // Counting sort, highest frequency first: start[f] = columns with a frequency above f.
  const start = new Int32Array(top + 2);
  for (let j = 0; j < d; j++) start[top - df[j]! + 1]!++;
  for (let f = 1; f <= top + 1; f++) start[f]! += start[f - 1]!;
  const at = new Int32Array(d);
  for (let j = 0; j < d; j++) at[j] = start[top - df[j]!]!++;
  return at;
}

/** x with column j renumbered at[j] (the entries of each row in the same order; indptr and data shared). */
export function renumberColumns(x: CsrMatrix, at: Int32Array): CsrMatrix {
  const first = x.indptr[0]!;
  const end = x.indptr[x.rows]!;
  const indices = new Int32Array(x.indices.length);
  for (let p = first; p < end; p++) indices[p] = at[x.indices[p]!]!;
  return { ...x, indices };
}
