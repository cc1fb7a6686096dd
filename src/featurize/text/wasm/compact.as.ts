// AssemblyScript source of the WebAssembly compaction of a fit's raw hashed rows (compiled by `npm run build` to
// dist/featurize/text/wasm/compact.wasm with scripts/build-wasm.mjs; driven by ../compact-wasm.ts). It is
// ../fit-rows.ts's compactRows step for step: each raw bucket looked up in the same table, the same float64
// operations in the same order, the same float32 roundings, so both give identical bits (compact-wasm.test.ts
// checks it).
//
// Memory is imported and shared: the main thread and the fit worker compact their parts into one output, each
// from a scratch region of its own. The natural logarithm is the host's Math.log (`env.log`), as in hash.as.ts.

@external("env", "log")
declare function hostLog(x: f64): f64;

/** The squared norms are summed from this bias² (fit-rows.ts NORMS_BIAS2). */
const NORMS_BIAS2: f64 = 1;

/**
 * Compacts and weighs `rows` raw rows: row d's entries are [from[d], from[d + 1]) of `cols` (raw buckets, int32)
 * and `counts` (float32). Each bucket b is looked up in `table` (int32 pairs: [2b] its compact column, -1 to drop
 * it, [2b + 1] the bits of its IDF as a float32); a count v becomes (sublinear: `logTf[v]` = 1 + ln v for whole
 * v < 64, else 1 + ln v) × idf; each row is L2-normalized per block (columns below `charStart`: words, weight
 * `wordWeight`; the rest: characters, `charWeight`). Entries go to `indices` / `values` from entry `at`; row d's
 * end to `ends[d]` (int32) and its squared norm plus NORMS_BIAS2 to `norms[d]` (float64). Returns the end of the
 * entries written.
 */
export function compactRows(
  from: usize,
  cols: usize,
  counts: usize,
  rows: i32,
  table: usize,
  logTf: usize,
  sublinear: i32,
  charStart: i32,
  wordWeight: f64,
  charWeight: f64,
  indices: usize,
  values: usize,
  ends: usize,
  norms: usize,
  at: i32,
): i32 {
  let o = at;
  for (let d = 0; d < rows; d++) {
    const start = o;
    let wNorm: f64 = 0;
    let cNorm: f64 = 0;
    const e = load<i32>(from + ((<usize>(d + 1)) << 2));
    for (let k = load<i32>(from + ((<usize>d) << 2)); k < e; k++) {
      const pair = table + ((<usize>load<i32>(cols + ((<usize>k) << 2))) << 3);
      const c = load<i32>(pair);
      if (c < 0) continue;
      let v = <f64>load<f32>(counts + ((<usize>k) << 2));
      if (sublinear != 0) v = v >= 0 && v < 64 && v == Math.floor(v) ? load<f64>(logTf + ((<usize>(<i32>v)) << 3)) : 1 + hostLog(v);
      v *= <f64>load<f32>(pair + 4);
      store<i32>(indices + ((<usize>o) << 2), c);
      store<f32>(values + ((<usize>o) << 2), <f32>v);
      o++;
      if (c < charStart) wNorm += v * v;
      else cNorm += v * v;
    }
    const ws: f64 = wNorm > 0 ? wordWeight / Math.sqrt(wNorm) : 0;
    const cs: f64 = cNorm > 0 ? charWeight / Math.sqrt(cNorm) : 0;
    // The squares of the values as stored (float32), summed in float64.
    let sq = NORMS_BIAS2;
    for (let k = start; k < o; k++) {
      const p = values + ((<usize>k) << 2);
      const v = <f64>(<f32>(<f64>load<f32>(p) * (load<i32>(indices + ((<usize>k) << 2)) < charStart ? ws : cs)));
      store<f32>(p, <f32>v);
      sq += v * v;
    }
    store<i32>(ends + ((<usize>d) << 2), o);
    store<f64>(norms + ((<usize>d) << 3), sq);
  }
  return o;
}

/**
 * The fitted space of a fit's raw buckets (text-featurizer.ts's loop over them, the JavaScript twin): bucket b's
 * document frequency is dfA[b] + dfB[b] (the two threads' counts); a bucket seen in at least `minDf` documents is the
 * next compact column, in bucket order, with IDF ln((1 + docs) / (1 + df)) + 1 rounded to float32 (1 when `idf` is 0).
 * Writes `table` (int32 pairs: [2b] the column or -1, [2b + 1] the IDF's float32 bits), and per column its bucket
 * over dfB, its document frequency over dfA (each entry is read before it is written over) and its IDF to `idfs`.
 * Returns the column count.
 */
export function fitSpace(dfA: usize, dfB: usize, width: i32, minDf: i32, docs: i32, idf: i32, table: usize, idfs: usize): i32 {
  let dim = 0;
  for (let b = 0; b < width; b++) {
    const at = (<usize>b) << 2;
    const c = load<i32>(dfA + at) + load<i32>(dfB + at);
    const pair = table + ((<usize>b) << 3);
    if (c < minDf) {
      store<i32>(pair, -1);
      continue;
    }
    const v: f32 = idf != 0 ? <f32>(hostLog((1 + <f64>docs) / (1 + <f64>c)) + 1) : 1;
    const to = (<usize>dim) << 2;
    store<i32>(dfA + to, c);
    store<i32>(dfB + to, b);
    store<f32>(idfs + to, v);
    store<i32>(pair, dim);
    store<f32>(pair + 4, v);
    dim++;
  }
  return dim;
}
