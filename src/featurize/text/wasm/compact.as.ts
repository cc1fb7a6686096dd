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
