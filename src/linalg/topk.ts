// Top-k selection over a row of scores (k is small: a partial insertion sort, O(n·k)).

/**
 * Writes the indices of the k largest values of `scores[offset .. offset+n)` into `out` (descending;
 * ties keep the lower index first). Returns the number written (min(k, n)).
 */
export function topK(scores: ArrayLike<number>, offset: number, n: number, k: number, out: Int32Array): number {
  const m = Math.min(k, n);
  let filled = 0;
  // The smallest value kept once m are (what a value must beat), held here rather than looked up for every value.
  let floor = Infinity;
  for (let j = 0; j < n; j++) {
    const v = scores[offset + j]!;
    if (filled === m && v <= floor) continue;
    let pos = filled < m ? filled++ : m - 1;
    while (pos > 0 && scores[offset + out[pos - 1]!]! < v) {
      out[pos] = out[pos - 1]!;
      pos--;
    }
    out[pos] = j;
    if (filled === m) floor = scores[offset + out[m - 1]!]!;
  }
  return m;
}

/** Index of the largest value in `scores[offset .. offset+n)` (first on ties). */
export function argmax(scores: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bv = scores[offset]!;
  for (let j = 1; j < n; j++) {
    const v = scores[offset + j]!;
    if (v > bv) {
      bv = v;
      best = j;
    }
  }
  return best;
}

/** The argmax of each row of a row-major rows × n array. */
export function argmaxRows(scores: ArrayLike<number>, rows: number, n: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = argmax(scores, i * n, n);
  return out;
}

/** In-place softmax over `row[offset .. offset+n)` with temperature `t` (Float64 accumulation). */
export function softmaxInPlace(row: Float32Array | Float64Array, offset: number, n: number, t = 1): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (row[offset + j]! > max) max = row[offset + j]!;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp((row[offset + j]! - max) / t);
    row[offset + j] = e;
    sum += e;
  }
  for (let j = 0; j < n; j++) row[offset + j] = row[offset + j]! / sum;
}
