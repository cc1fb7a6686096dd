// AssemblyScript source of the scoring kernels of dense linear models, part of the module compiled from
// ./kernels.as.ts (which exports scoreCsr and spreadRows; loaded by ../kernels-wasm.ts's WasmScorer). Arguments that
// name arrays are byte offsets into the module's memory, which the JavaScript side lays out. The same
// floating-point operations in the same order as JsScorer in ../kernels-js.ts, so both give identical bits.

/**
 * o[c] = f32(o[c] + v · wr[c]) for c < 2·pairs (in float64, rounded to float32), two classes per SIMD step. The
 * lane past k of an odd k reads the weights' padding (zeros; for k = 1, whose stride has none, the next
 * feature's weight or the slack after the last), and what it adds to o[k] is overwritten
 * (see {@link scoreCsr}).
 */
// @ts-ignore: decorator
@inline
function addScaledPairs(o: usize, wr: usize, vv: v128, pairs: i32): void {
  for (let q = 0; q < pairs; q++) {
    const off = (<usize>q) << 3;
    const acc = f64x2.promote_low_f32x4(v128.load64_zero(o + off));
    const wv = f64x2.promote_low_f32x4(v128.load64_zero(wr + off));
    v128.store64_lane(o + off, f32x4.demote_f64x2_zero(f64x2.add(acc, f64x2.mul(vv, wv))), 0);
  }
}

/** Where {@link touchRows} leaves what it read (so that its loads are kept). */
let touchSink: i32 = 0;

/**
 * Reads the first word of the weights of every feature of rows [from, to): the loads do not depend on one
 * another, so the processor has many cache misses out at once, and the scoring loop that follows finds the
 * weights in the cache (its loads wait on the scores before them, so it has few misses out at a time).
 */
// @ts-ignore: decorator
@inline
function touchRows(indices: usize, from: i32, to: i32, w: usize, stride: usize): void {
  let t: i32 = 0;
  for (let p = from; p < to; p++) t |= load<i32>(w + (<usize>load<i32>(indices + ((<usize>p) << 2))) * stride);
  touchSink |= t;
}

/** The weights of the feature of non-zero p. */
// @ts-ignore: decorator
@inline
function weightsOf(indices: usize, p: i32, w: usize, stride: usize): usize {
  return w + (<usize>load<i32>(indices + ((<usize>p) << 2))) * stride;
}

/** One step of a pair of scores held in float64 lanes (each a float32 value): f32(acc + v · w), back to float64. */
// @ts-ignore: decorator
@inline
function stepPair(acc: v128, vv: v128, wr: usize, off: usize): v128 {
  const wv = f64x2.promote_low_f32x4(v128.load64_zero(wr + off));
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(acc, f64x2.mul(vv, wv))));
}

/**
 * Row i of {@link scoreCsr} for at most eight pairs of classes (`pairs` a constant where it is inlined), the
 * scores in registers: the pairs' steps do not depend on one another, so the processor overlaps them. Writes
 * whole pairs; the spill past k of an odd k lands on row i + 1's scores, written after it.
 */
// @ts-ignore: decorator
@inline
function scoreRowInRegisters(indptr: usize, indices: usize, data: usize, i: i32, w: usize, stride: usize, pairs: i32, intercept: usize, o: usize): void {
  let a0 = f64x2.promote_low_f32x4(v128.load64_zero(intercept));
  let a1 = pairs > 1 ? f64x2.promote_low_f32x4(v128.load64_zero(intercept, 8)) : a0;
  let a2 = pairs > 2 ? f64x2.promote_low_f32x4(v128.load64_zero(intercept, 16)) : a0;
  let a3 = pairs > 3 ? f64x2.promote_low_f32x4(v128.load64_zero(intercept, 24)) : a0;
  let a4 = pairs > 4 ? f64x2.promote_low_f32x4(v128.load64_zero(intercept, 32)) : a0;
  let a5 = pairs > 5 ? f64x2.promote_low_f32x4(v128.load64_zero(intercept, 40)) : a0;
  let a6 = pairs > 6 ? f64x2.promote_low_f32x4(v128.load64_zero(intercept, 48)) : a0;
  let a7 = pairs > 7 ? f64x2.promote_low_f32x4(v128.load64_zero(intercept, 56)) : a0;
  const start = load<i32>(indptr + ((<usize>i) << 2));
  const end = load<i32>(indptr + (((<usize>i) + 1) << 2));
  touchRows(indices, start, end, w, stride);
  for (let p = start; p < end; p++) {
    const vv = f64x2.splat(<f64>load<f32>(data + ((<usize>p) << 2)));
    const wr = weightsOf(indices, p, w, stride);
    a0 = stepPair(a0, vv, wr, 0);
    if (pairs > 1) a1 = stepPair(a1, vv, wr, 8);
    if (pairs > 2) a2 = stepPair(a2, vv, wr, 16);
    if (pairs > 3) a3 = stepPair(a3, vv, wr, 24);
    if (pairs > 4) a4 = stepPair(a4, vv, wr, 32);
    if (pairs > 5) a5 = stepPair(a5, vv, wr, 40);
    if (pairs > 6) a6 = stepPair(a6, vv, wr, 48);
    if (pairs > 7) a7 = stepPair(a7, vv, wr, 56);
  }
  v128.store64_lane(o, f32x4.demote_f64x2_zero(a0), 0);
  if (pairs > 1) v128.store64_lane(o, f32x4.demote_f64x2_zero(a1), 0, 8);
  if (pairs > 2) v128.store64_lane(o, f32x4.demote_f64x2_zero(a2), 0, 16);
  if (pairs > 3) v128.store64_lane(o, f32x4.demote_f64x2_zero(a3), 0, 24);
  if (pairs > 4) v128.store64_lane(o, f32x4.demote_f64x2_zero(a4), 0, 32);
  if (pairs > 5) v128.store64_lane(o, f32x4.demote_f64x2_zero(a5), 0, 40);
  if (pairs > 6) v128.store64_lane(o, f32x4.demote_f64x2_zero(a6), 0, 48);
  if (pairs > 7) v128.store64_lane(o, f32x4.demote_f64x2_zero(a7), 0, 56);
}

/** Rows [0, rows) of {@link scoreCsr} with the pair count a constant (so the unused registers go). */
// @ts-ignore: decorator
@inline
function scoreAllInRegisters(indptr: usize, indices: usize, data: usize, rows: i32, w: usize, stride: usize, pairs: i32, intercept: usize, out: usize, rowBytes: usize): void {
  for (let i = 0; i < rows; i++) scoreRowInRegisters(indptr, indices, data, i, w, stride, pairs, intercept, out + (<usize>i) * rowBytes);
}

/**
 * Lays out `features` rows of k float32, written one after another from `at`, `stride` bytes apart (stride ≥ 4k),
 * in place, the last first, each padded with zeros (for {@link scoreCsr}).
 */
export function spreadRows(at: usize, features: i32, k: i32, stride: usize): void {
  // Word by word, backwards (a row's words may overlap where they land): memory.copy and memory.fill cost a
  // call each, more than moving the few words of a row.
  const row = (<usize>k) << 2;
  for (let f = features - 1; f >= 0; f--) {
    const to = at + (<usize>f) * stride;
    const from = at + (<usize>f) * row;
    for (let b = stride - 4; b >= row; b -= 4) store<i32>(to + b, 0);
    for (let b = <isize>row - 4; b >= 0; b -= 4) store<i32>(to + b, load<i32>(from + b));
  }
}

/**
 * Scores of CSR rows against feature-major float32 weights, feature f's k weights at w + f·stride (bytes; the
 * JavaScript side pads each feature with zeros to whole cache lines): out[i·k + c] = intercept[c], then for each
 * non-zero (f, v) of row i, out[i·k + c] += v · w_f[c], each step computed in float64 and rounded to float32 (as
 * JavaScript does on a Float32Array), two classes per SIMD step. `intercept` holds whole pairs (zeros past k),
 * and `out` has room for 16 bytes past its last row: each row is written in whole pairs, in order, the spill past
 * a row's k scores landing where the next is written. Up to 16 classes, the scores stay in registers (a step
 * rounds them to float32 and back, the same bits); beyond, in `out`.
 */
export function scoreCsr(indptr: usize, indices: usize, data: usize, rows: i32, w: usize, k: i32, stride: usize, intercept: usize, out: usize): void {
  const pairs = (k + 1) >> 1;
  const rowBytes = (<usize>k) << 2;
  if (pairs == 1) scoreAllInRegisters(indptr, indices, data, rows, w, stride, 1, intercept, out, rowBytes);
  else if (pairs == 2) scoreAllInRegisters(indptr, indices, data, rows, w, stride, 2, intercept, out, rowBytes);
  else if (pairs == 3) scoreAllInRegisters(indptr, indices, data, rows, w, stride, 3, intercept, out, rowBytes);
  else if (pairs == 4) scoreAllInRegisters(indptr, indices, data, rows, w, stride, 4, intercept, out, rowBytes);
  else if (pairs == 5) scoreAllInRegisters(indptr, indices, data, rows, w, stride, 5, intercept, out, rowBytes);
  else if (pairs == 6) scoreAllInRegisters(indptr, indices, data, rows, w, stride, 6, intercept, out, rowBytes);
  else if (pairs == 7) scoreAllInRegisters(indptr, indices, data, rows, w, stride, 7, intercept, out, rowBytes);
  else if (pairs == 8) scoreAllInRegisters(indptr, indices, data, rows, w, stride, 8, intercept, out, rowBytes);
  else {
    for (let i = 0; i < rows; i++) {
      const o = out + (<usize>i) * rowBytes;
      memory.copy(o, intercept, (<usize>pairs) << 3);
      const start = load<i32>(indptr + ((<usize>i) << 2));
      const end = load<i32>(indptr + (((<usize>i) + 1) << 2));
      touchRows(indices, start, end, w, stride);
      for (let p = start; p < end; p++) addScaledPairs(o, weightsOf(indices, p, w, stride), f64x2.splat(<f64>load<f32>(data + ((<usize>p) << 2))), pairs);
    }
  }
}
