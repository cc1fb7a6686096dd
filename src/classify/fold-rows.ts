// Rows by fold for the out-of-fold refits of dual-cd.ts: which rows a fold leaves in and out, the weights of the
// rows left out, and the scores of a fold's rows put back in place. Each loop is a function of its own, so that V8
// compiles each once, with what it has seen of it (inside one function it compiled the rest while in the first loop,
// and threw that code away at the next).

/** Rows 0..n outside fold f into `kept` and those in it into `left`, in order; the count of those kept. */
export function splitByFold(foldOf: Int32Array, f: number, n: number, kept: Int32Array, left: Int32Array): number {
  let l = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (foldOf[i] !== f) kept[l++] = i;
    else left[m++] = i;
  }
  return l;
}

/** w[0..n) −= by[0..n). */
export function subtractFrom(w: Float32Array, by: Float32Array, n: number): void {
  for (let j = 0; j < n; j++) w[j] = w[j]! - by[j]!;
}

/** Zeroes the k values of each of the first n rows listed. */
export function zeroRows(a: Float64Array, list: Int32Array, n: number, k: number): void {
  for (let t = 0; t < n; t++) a.fill(0, list[t]! * k, list[t]! * k + k);
}

/** The rows (of `rows`) in fold f into `list`, with their positions in `rows` into `at`; their count. */
export function rowsOfFold(foldOf: Int32Array, f: number, rows: Int32Array, list: Int32Array, at: Int32Array): number {
  let n = 0;
  for (let t = 0; t < rows.length; t++) {
    if (foldOf[rows[t]!] !== f) continue;
    list[n] = rows[t]!;
    at[n++] = t;
  }
  return n;
}

/** Row j of the n × k `dots` into row at[j] of `out`. */
export function scatterRows(dots: Float64Array, at: Int32Array, n: number, k: number, out: Float64Array): void {
  for (let j = 0; j < n; j++) for (let c = 0, o = at[j]! * k; c < k; c++) out[o + c] = dots[j * k + c]!;
}
