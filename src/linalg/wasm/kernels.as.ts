// AssemblyScript source of the WebAssembly SIMD kernels (compiled by `npm run build` to
// dist/linalg/wasm/kernels.wasm with scripts/build-wasm.mjs; loaded by ../kernels-wasm.ts). Every argument that
// names an array is a byte offset into this module's memory, which the JavaScript side lays out. Each kernel
// does the same floating-point operations in the same order as its JavaScript twin in ../kernels-js.ts, so
// both give identical bits.

/** init + Σ_{p in [start, end)} w[indices[p]] · data[p]  (w float64, data float32). */
export function sparseDot(init: f64, indices: usize, data: usize, w: usize, start: i32, end: i32): f64 {
  let s = init;
  for (let p = start; p < end; p++) {
    const j = load<i32>(indices + ((<usize>p) << 2));
    s += load<f64>(w + ((<usize>j) << 3)) * <f64>load<f32>(data + ((<usize>p) << 2));
  }
  return s;
}

/** w[indices[p]] += step · data[p] for p in [start, end). */
export function sparseAxpy(step: f64, indices: usize, data: usize, w: usize, start: i32, end: i32): void {
  for (let p = start; p < end; p++) {
    const at = w + ((<usize>load<i32>(indices + ((<usize>p) << 2))) << 3);
    store<f64>(at, load<f64>(at) + step * <f64>load<f32>(data + ((<usize>p) << 2)));
  }
}

// The scoring of dense linear models (scoreCsr, and spreadRows that lays out its weights) is in ./score.as.ts.
export { scoreCsr, spreadRows } from "./score.as";

/**
 * One pass of dual coordinate descent for the L2-regularized SVM losses (LIBLINEAR's solve_l2r_l1l2_svc with
 * shrinking) over the rows index[0..active), in that order (the caller shuffles them). Per row i: y[i] (int8,
 * ±1), cost[i] (float32 C_i), xsq[i] (float64 ‖x_i‖² + bias²), alpha[i] (float64, updated); w (float64) holds
 * the d weights then the bias weight. A row whose projected gradient says it will stay at its bound (beyond
 * pgMaxOld / pgMinOld) is shrunk: swapped to index[active - 1] and active decremented. Writes the pass's
 * largest and smallest projected gradient to pg[0], pg[1] and returns the new active count.
 */
export function svmPass(
  indptr: usize,
  indices: usize,
  data: usize,
  w: usize,
  d: i32,
  bias: f64,
  y: usize,
  cost: usize,
  xsq: usize,
  alpha: usize,
  index: usize,
  active: i32,
  squared: i32,
  pgMaxOld: f64,
  pgMinOld: f64,
  pg: usize,
): i32 {
  let pgMaxNew = -Infinity;
  let pgMinNew = Infinity;
  const wd = w + ((<usize>d) << 3);
  for (let s = 0; s < active; s++) {
    const i = load<i32>(index + ((<usize>s) << 2));
    const yi = <f64>load<i8>(y + <usize>i);
    const ci = <f64>load<f32>(cost + ((<usize>i) << 2));
    // Squared hinge: diag = 1/(2C), no upper bound; hinge: diag = 0, upper bound C.
    const diag = squared ? 0.5 / ci : 0.0;
    const upper = squared ? Infinity : ci;
    const start = load<i32>(indptr + ((<usize>i) << 2));
    const end = load<i32>(indptr + (((<usize>i) + 1) << 2));
    let dot = load<f64>(wd) * bias;
    for (let p = start; p < end; p++) {
      const j = load<i32>(indices + ((<usize>p) << 2));
      dot += load<f64>(w + ((<usize>j) << 3)) * <f64>load<f32>(data + ((<usize>p) << 2));
    }
    const ai = alpha + ((<usize>i) << 3);
    const a = load<f64>(ai);
    const g = yi * dot - 1 + a * diag;
    let proj = 0.0;
    if (a == 0) {
      if (g > pgMaxOld) {
        active--;
        store<i32>(index + ((<usize>s) << 2), load<i32>(index + ((<usize>active) << 2)));
        store<i32>(index + ((<usize>active) << 2), i);
        s--;
        continue;
      } else if (g < 0) proj = g;
    } else if (a == upper) {
      if (g < pgMinOld) {
        active--;
        store<i32>(index + ((<usize>s) << 2), load<i32>(index + ((<usize>active) << 2)));
        store<i32>(index + ((<usize>active) << 2), i);
        s--;
        continue;
      } else if (g > 0) proj = g;
    } else proj = g;
    if (proj > pgMaxNew) pgMaxNew = proj;
    if (proj < pgMinNew) pgMinNew = proj;
    if (proj > 1e-12 || proj < -1e-12) {
      const na = min(max(a - g / (load<f64>(xsq + ((<usize>i) << 3)) + diag), 0.0), upper);
      store<f64>(ai, na);
      const step = (na - a) * yi;
      for (let p = start; p < end; p++) {
        const at = w + ((<usize>load<i32>(indices + ((<usize>p) << 2))) << 3);
        store<f64>(at, load<f64>(at) + step * <f64>load<f32>(data + ((<usize>p) << 2)));
      }
      store<f64>(wd, load<f64>(wd) + step * bias);
    }
  }
  store<f64>(pg, pgMaxNew);
  store<f64>(pg + 8, pgMinNew);
  return active;
}

/**
 * out[c] = W[d·K + c]·bias + Σ_{p in [start, end)} W[indices[p]·K + c]·data[p] for c < K ≤ 8 (wb = &W[d·K]), in
 * float32 (each product and sum rounded to float32, in order; out float64): one sweep of the row's entries, each
 * class's sum in a SIMD lane (four classes a vector, then a pair, then one). Float32 sums are as exact as the
 * float32 weights need, and take half the operations of float64 ones: the one-vs-rest passes on
 * cn-online-shopping-10cats took a quarter less time.
 */
// @ts-ignore: decorator
@inline
function rowDots(indices: usize, data: usize, w: usize, kk: usize, k: i32, wb: usize, bias: f64, start: i32, end: i32, out: usize): void {
  const quads = k >> 2;
  const rem = k & 3;
  const bb = f32x4.splat(<f32>bias);
  let a0 = quads > 0 ? f32x4.mul(v128.load(wb), bb) : f32x4.splat(0);
  let a1 = quads > 1 ? f32x4.mul(v128.load(wb + 16), bb) : f32x4.splat(0);
  const q4 = (<usize>quads) << 4;
  let a2 = rem >= 2 ? f32x4.mul(v128.load64_zero(wb + q4), bb) : f32x4.splat(0);
  let t: f32 = (rem & 1) != 0 ? load<f32>(wb + q4 + ((<usize>(rem & 2)) << 2)) * <f32>bias : 0;
  for (let p = start; p < end; p++) {
    const v = load<f32>(data + ((<usize>p) << 2));
    const vv = f32x4.splat(v);
    const wr = w + (<usize>load<i32>(indices + ((<usize>p) << 2))) * kk * 4;
    if (quads > 0) a0 = f32x4.add(a0, f32x4.mul(v128.load(wr), vv));
    if (quads > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load(wr + 16), vv));
    if (rem >= 2) a2 = f32x4.add(a2, f32x4.mul(v128.load64_zero(wr + q4), vv));
    if ((rem & 1) != 0) t += load<f32>(wr + q4 + ((<usize>(rem & 2)) << 2)) * v;
  }
  if (quads > 0) { v128.store(out, f64x2.promote_low_f32x4(a0)); v128.store(out + 16, f64x2.promote_low_f32x4(i32x4.shuffle(a0, a0, 2, 3, 0, 1))); }
  if (quads > 1) { v128.store(out + 32, f64x2.promote_low_f32x4(a1)); v128.store(out + 48, f64x2.promote_low_f32x4(i32x4.shuffle(a1, a1, 2, 3, 0, 1))); }
  if (rem >= 2) v128.store(out + ((<usize>quads) << 5), f64x2.promote_low_f32x4(a2));
  if ((rem & 1) != 0) store<f64>(out + ((<usize>(k - 1)) << 3), <f64>t);
}

/**
 * W[indices[p]·K + c] += step[c]·data[p] for p in [start, end), c < K ≤ 8, and the bias weights
 * W[d·K + c] += step[c]·bias: one sweep of the row's entries, in float32 (step[c] rounded to float32 once, then
 * each product and sum rounded to float32; lanes as {@link rowDots}).
 */
// @ts-ignore: decorator
@inline
function rowAxpys(indices: usize, data: usize, w: usize, kk: usize, k: i32, wb: usize, bias: f64, start: i32, end: i32, step: usize): void {
  const quads = k >> 2;
  const rem = k & 3;
  const q4 = (<usize>quads) << 4;
  const s0 = f32x4.demote_f64x2_zero(v128.load(step));
  const s0b = f32x4.demote_f64x2_zero(v128.load(step + 16));
  const sA = i32x4.shuffle(s0, s0b, 0, 1, 4, 5);
  const s1a = f32x4.demote_f64x2_zero(v128.load(step + 32));
  const s1b = f32x4.demote_f64x2_zero(v128.load(step + 48));
  const sB = i32x4.shuffle(s1a, s1b, 0, 1, 4, 5);
  const sC = f32x4.demote_f64x2_zero(v128.load(step + ((<usize>quads) << 5)));
  const st = <f32>load<f64>(step + ((<usize>(k - 1)) << 3));
  for (let p = start; p < end; p++) {
    const v = load<f32>(data + ((<usize>p) << 2));
    const vv = f32x4.splat(v);
    const wr = w + (<usize>load<i32>(indices + ((<usize>p) << 2))) * kk * 4;
    if (quads > 0) v128.store(wr, f32x4.add(v128.load(wr), f32x4.mul(sA, vv)));
    if (quads > 1) v128.store(wr + 16, f32x4.add(v128.load(wr + 16), f32x4.mul(sB, vv)));
    if (rem >= 2) v128.store64_lane(wr + q4, f32x4.add(v128.load64_zero(wr + q4), f32x4.mul(sC, vv)), 0);
    if ((rem & 1) != 0) {
      const o = wr + q4 + ((<usize>(rem & 2)) << 2);
      store<f32>(o, load<f32>(o) + st * v);
    }
  }
  const b = <f32>bias;
  for (let c: usize = 0; c < kk; c++) store<f32>(wb + (c << 2), load<f32>(wb + (c << 2)) + <f32>load<f64>(step + (c << 3)) * b);
}

/**
 * {@link rowDots} (`dots`, into buf) or {@link rowAxpys} (steps from buf) with K a constant of each branch, so
 * that the compiler drops the per-entry tests on K (one loop per group size; the same operations in the same
 * order). `dots` is a constant at each call.
 */
// @ts-ignore: decorator
@inline
function rowSweepK(dots: bool, indices: usize, data: usize, w: usize, k: i32, wb: usize, bias: f64, start: i32, end: i32, buf: usize): void {
  switch (k) {
    case 8: if (dots) rowDots(indices, data, w, 8, 8, wb, bias, start, end, buf); else rowAxpys(indices, data, w, 8, 8, wb, bias, start, end, buf); break;
    case 7: if (dots) rowDots(indices, data, w, 7, 7, wb, bias, start, end, buf); else rowAxpys(indices, data, w, 7, 7, wb, bias, start, end, buf); break;
    case 6: if (dots) rowDots(indices, data, w, 6, 6, wb, bias, start, end, buf); else rowAxpys(indices, data, w, 6, 6, wb, bias, start, end, buf); break;
    case 5: if (dots) rowDots(indices, data, w, 5, 5, wb, bias, start, end, buf); else rowAxpys(indices, data, w, 5, 5, wb, bias, start, end, buf); break;
    case 4: if (dots) rowDots(indices, data, w, 4, 4, wb, bias, start, end, buf); else rowAxpys(indices, data, w, 4, 4, wb, bias, start, end, buf); break;
    case 3: if (dots) rowDots(indices, data, w, 3, 3, wb, bias, start, end, buf); else rowAxpys(indices, data, w, 3, 3, wb, bias, start, end, buf); break;
    case 2: if (dots) rowDots(indices, data, w, 2, 2, wb, bias, start, end, buf); else rowAxpys(indices, data, w, 2, 2, wb, bias, start, end, buf); break;
    default: if (dots) rowDots(indices, data, w, 1, 1, wb, bias, start, end, buf); else rowAxpys(indices, data, w, 1, 1, wb, bias, start, end, buf);
  }
}

/** Whether off[ik + c] is set for every c < kk (the row is shrunk or finished for every class). */
// @ts-ignore: decorator
@inline
function allOff(off: usize, ik: usize, kk: usize): bool {
  for (let c: usize = 0; c < kk; c++) if (load<u8>(off + ik + c) == 0) return false;
  return true;
}

/** index[s] = index[last], index[last] = i (row i, at s, leaves the active head). */
// @ts-ignore: decorator
@inline
function swapOut(index: usize, s: i32, last: i32, i: i32): void {
  store<i32>(index + ((<usize>s) << 2), load<i32>(index + ((<usize>last) << 2)));
  store<i32>(index + ((<usize>last) << 2), i);
}

/**
 * The projected gradient of a group's coordinate at alpha = a (gradient g, upper bound `upper`) for class c, or NaN
 * when shrinking takes it out (at a bound, beyond the previous pass's pgOld); recorded in pgNew. Shared by the
 * group passes (svmPassGroup, gramPassGroup).
 */
// @ts-ignore: decorator
@inline
function projectedGradient(a: f64, g: f64, upper: f64, pgOld: usize, pgNew: usize, c: usize): f64 {
  let proj = 0.0;
  if (a == 0) {
    if (g > load<f64>(pgOld + (c << 4))) return NaN;
    if (g < 0) proj = g;
  } else if (a == upper) {
    if (g < load<f64>(pgOld + (c << 4) + 8)) return NaN;
    if (g > 0) proj = g;
  } else proj = g;
  if (proj > load<f64>(pgNew + (c << 4))) store<f64>(pgNew + (c << 4), proj);
  if (proj < load<f64>(pgNew + (c << 4) + 8)) store<f64>(pgNew + (c << 4) + 8, proj);
  return proj;
}

/**
 * One pass of SVM dual coordinate descent for K binary problems at once (one-vs-rest classes sharing the
 * rows), visiting index[0..active) in that order. Feature-major float32 weights W[j·K + c] (j = d: the bias
 * weight; updates and dot products in float32 arithmetic: rowDots, rowAxpys);
 * per row i and class c: y[i·K + c] (int8 ±1), alpha[i·K + c] (float64), off[i·K + c] (uint8: 1 = shrunk
 * or finished, skipped); per row: cost[i] (float32 C_i), xsq[i] (float64). Per class: pgOld[2c], pgOld[2c+1]
 * (the previous pass's bounds for shrinking), pgNew[2c], pgNew[2c+1] (this pass's largest and smallest
 * projected gradient, written). A row whose classes are all off leaves the active head (swapped to its end).
 * Scratch: dot and step (K float64 each). Each class's arithmetic is svmPass's, lane by lane, in the same order, but for the float32 weights and sums.
 * Returns the new active count.
 */
export function svmPassGroup(
  indptr: usize,
  indices: usize,
  data: usize,
  w: usize,
  d: i32,
  k: i32,
  bias: f64,
  y: usize,
  cost: usize,
  xsq: usize,
  alpha: usize,
  off: usize,
  index: usize,
  active: i32,
  squared: i32,
  pgOld: usize,
  pgNew: usize,
  dot: usize,
  step: usize,
): i32 {
  const kk = <usize>k;
  for (let c: usize = 0; c < kk; c++) {
    store<f64>(pgNew + (c << 4), -Infinity);
    store<f64>(pgNew + (c << 4) + 8, Infinity);
  }
  const wb = w + (<usize>d) * kk * 4;
  for (let s = 0; s < active; s++) {
    const i = load<i32>(index + ((<usize>s) << 2));
    const ik = (<usize>i) * kk;
    if (allOff(off, ik, kk)) {
      active--;
      swapOut(index, s, active, i);
      s--;
      continue;
    }
    const ci = <f64>load<f32>(cost + ((<usize>i) << 2));
    const diag = squared ? 0.5 / ci : 0.0;
    const upper = squared ? Infinity : ci;
    const start = load<i32>(indptr + ((<usize>i) << 2));
    const end = load<i32>(indptr + (((<usize>i) + 1) << 2));
    rowSweepK(true, indices, data, w, k, wb, bias, start, end, dot);
    let moved = 0;
    for (let c: usize = 0; c < kk; c++) {
      store<f64>(step + (c << 3), 0.0);
      if (load<u8>(off + ik + c) != 0) continue;
      const yi = <f64>load<i8>(y + ik + c);
      const ai = alpha + ((ik + c) << 3);
      const a = load<f64>(ai);
      const g = yi * load<f64>(dot + (c << 3)) - 1 + a * diag;
      const proj = projectedGradient(a, g, upper, pgOld, pgNew, c);
      if (isNaN(proj)) {
        store<u8>(off + ik + c, 1);
        continue;
      }
      if (proj > 1e-12 || proj < -1e-12) {
        const na = min(max(a - g / (load<f64>(xsq + ((<usize>i) << 3)) + diag), 0.0), upper);
        store<f64>(ai, na);
        store<f64>(step + (c << 3), (na - a) * yi);
        moved = 1;
      }
    }
    if (moved) rowSweepK(false, indices, data, w, k, wb, bias, start, end, step);
    else if (allOff(off, ik, kk)) {
      // Every class of the row shrunk now: it leaves the active head at once (as svmPass's rows do).
      active--;
      swapOut(index, s, active, i);
      s--;
    }
  }
  return active;
}

/** out[t·K + c] = W[d·K + c]·bias + Σ_p W[indices[p]·K + c]·data[p] over row rows[t], for t < n (lane order as svmPassGroup). */
export function groupDots(indptr: usize, indices: usize, data: usize, w: usize, d: i32, k: i32, bias: f64, rows: usize, n: i32, out: usize): void {
  const kk = <usize>k;
  const wb = w + (<usize>d) * kk * 4;
  for (let t = 0; t < n; t++) {
    const i = load<i32>(rows + ((<usize>t) << 2));
    const o0 = out + (<usize>t) * kk * 8;
    rowSweepK(true, indices, data, w, k, wb, bias, load<i32>(indptr + ((<usize>i) << 2)), load<i32>(indptr + (((<usize>i) + 1) << 2)), o0);
  }
}

/**
 * Takes rows rows[0..n) out of K problems' solution: per row i and class c, step = −alpha[i·K + c]·y[i·K + c],
 * alpha[i·K + c] = 0, then W[j·K + c] += step·x_ij for the row's entries and the bias weight += step·bias
 * (skipped for a row whose alphas are all 0: on cn-online-shopping-10cats 44% of the rows).
 * Scratch: step (K float64).
 */
export function groupRemove(indptr: usize, indices: usize, data: usize, w: usize, d: i32, k: i32, bias: f64, y: usize, alpha: usize, rows: usize, n: i32, step: usize): void {
  const kk = <usize>k;
  const wb = w + (<usize>d) * kk * 4;
  for (let t = 0; t < n; t++) {
    const i = load<i32>(rows + ((<usize>t) << 2));
    const ik = (<usize>i) * kk;
    let any = false;
    for (let c: usize = 0; c < kk; c++) {
      const ai = alpha + ((ik + c) << 3);
      const a = load<f64>(ai);
      any = any || a != 0;
      store<f64>(step + (c << 3), -a * <f64>load<i8>(y + ik + c));
      store<f64>(ai, 0.0);
    }
    // A row with no dual weight has no share of W (W is never −0, so adding zeros would change nothing).
    if (any) rowSweepK(false, indices, data, w, k, wb, bias, load<i32>(indptr + ((<usize>i) << 2)), load<i32>(indptr + (((<usize>i) + 1) << 2)), step);
  }
}

/**
 * at[j] = j's place when counts[0..n) are sorted from the highest down, ties in index order (kernels-shared.ts
 * countOrderJs, the JavaScript twin): a counting sort in `start` (bound + 2 int32, zeroed). Returns the index of a
 * count outside [0, bound] (writing nothing), or -1.
 */
export function countOrder(counts: usize, n: i32, bound: i32, start: usize, at: usize): i32 {
  let top = 0;
  for (let j: usize = 0; j < <usize>n; j++) {
    const c = load<i32>(counts + (j << 2));
    if (c < 0 || c > bound) return <i32>j;
    top = max(top, c);
  }
  for (let j: usize = 0; j < <usize>n; j++) {
    const s = start + ((<usize>(top - load<i32>(counts + (j << 2)) + 1)) << 2);
    store<i32>(s, load<i32>(s) + 1);
  }
  for (let f: usize = 1; f <= <usize>(top + 1); f++) store<i32>(start + (f << 2), load<i32>(start + (f << 2)) + load<i32>(start + ((f - 1) << 2)));
  for (let j: usize = 0; j < <usize>n; j++) {
    const s = start + ((<usize>(top - load<i32>(counts + (j << 2)))) << 2);
    const v = load<i32>(s);
    store<i32>(at + (j << 2), v);
    store<i32>(s, v + 1);
  }
  return -1;
}

/**
 * a[p] = map[a[p]] for p < n (int32, in place): a matrix's column indices renumbered where they were copied in
 * (kernels-shared.ts mapInto, the JavaScript twin, writes a shared array ~4 times slower).
 */
export function mapIndices(a: usize, n: i32, map: usize): void {
  for (let p: usize = 0; p < <usize>n; p++) {
    const at = a + (p << 2);
    store<i32>(at, load<i32>(map + ((<usize>load<i32>(at)) << 2)));
  }
}

/**
 * The positions p in [from, to) of the float32 array w with |w[p]| ≥ lim, ascending, into out (int32); returns how
 * many. Four at a time: one comparison and one bit mask, looked into only where a weight passes.
 */
export function keptScan(w: usize, from: i32, to: i32, lim: f32, out: usize): i32 {
  const l = f32x4.splat(lim);
  let m = 0;
  let p = from;
  for (; p + 4 <= to; p += 4) {
    const mask = i32x4.bitmask(f32x4.ge(f32x4.abs(v128.load(w + ((<usize>p) << 2))), l));
    if (mask == 0) continue;
    for (let t = 0; t < 4; t++) {
      if ((mask & (1 << t)) != 0) {
        store<i32>(out + ((<usize>m) << 2), p + t);
        m++;
      }
    }
  }
  for (; p < to; p++) {
    if (abs<f32>(load<f32>(w + ((<usize>p) << 2))) >= lim) {
      store<i32>(out + ((<usize>m) << 2), p);
      m++;
    }
  }
  return m;
}

/** g[j] += s·q[j] for j < n (float64; two lanes a step, the same product and sum per element as one at a time). */
// @ts-ignore: decorator
@inline
function gramMove(g: usize, q: usize, n: i32, s: f64): void {
  const ss = f64x2.splat(s);
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const o = (<usize>j) << 3;
    v128.store(g + o, f64x2.add(v128.load(g + o), f64x2.mul(ss, v128.load(q + o))));
  }
  if (j < n) {
    const o = (<usize>j) << 3;
    store<f64>(g + o, load<f64>(g + o) + s * load<f64>(q + o));
  }
}

/** Whether off[c·n + i] is set for every c < k. */
// @ts-ignore: decorator
@inline
function gramAllOff(off: usize, n: usize, k: usize, i: usize): bool {
  for (let c: usize = 0; c < k; c++) if (load<u8>(off + c * n + i) == 0) return false;
  return true;
}

/**
 * One pass of SVM dual coordinate descent for K binary problems over n rows in the dual space, visiting
 * index[0..active) in that order: q (n × n float64) is the rows' Gram matrix (with the bias), and per class c and
 * row i, class-major: y[c·n + i] (int8 ±1), alpha[c·n + i] and g[c·n + i] = Σ_j alpha·y·q_ij (float64, the score
 * of row i), off[c·n + i] (uint8, 1 = shrunk or finished). Per row: cost[i] (float32), xsq[i] (float64, q_ii).
 * pgOld / pgNew as svmPassGroup's. A step on (i, c) adds step·q_i to g_c. The tests, bounds and shrinking are
 * svmPassGroup's, in the same order. Returns the new active count.
 */
export function gramPassGroup(
  q: usize,
  n: i32,
  k: i32,
  y: usize,
  cost: usize,
  xsq: usize,
  alpha: usize,
  g: usize,
  off: usize,
  index: usize,
  active: i32,
  squared: i32,
  pgOld: usize,
  pgNew: usize,
): i32 {
  const kk = <usize>k;
  const nn = <usize>n;
  for (let c: usize = 0; c < kk; c++) {
    store<f64>(pgNew + (c << 4), -Infinity);
    store<f64>(pgNew + (c << 4) + 8, Infinity);
  }
  for (let s = 0; s < active; s++) {
    const i = load<i32>(index + ((<usize>s) << 2));
    const iu = <usize>i;
    if (gramAllOff(off, nn, kk, iu)) {
      active--;
      swapOut(index, s, active, i);
      s--;
      continue;
    }
    const ci = <f64>load<f32>(cost + (iu << 2));
    const diag = squared ? 0.5 / ci : 0.0;
    const upper = squared ? Infinity : ci;
    let moved = 0;
    for (let c: usize = 0; c < kk; c++) {
      const at = c * nn + iu;
      if (load<u8>(off + at) != 0) continue;
      const yi = <f64>load<i8>(y + at);
      const ai = alpha + (at << 3);
      const a = load<f64>(ai);
      const gr = yi * load<f64>(g + (at << 3)) - 1 + a * diag;
      const proj = projectedGradient(a, gr, upper, pgOld, pgNew, c);
      if (isNaN(proj)) {
        store<u8>(off + at, 1);
        continue;
      }
      if (proj > 1e-12 || proj < -1e-12) {
        const na = min(max(a - gr / (load<f64>(xsq + (iu << 3)) + diag), 0.0), upper);
        store<f64>(ai, na);
        gramMove(g + ((c * nn) << 3), q + ((iu * nn) << 3), n, (na - a) * yi);
        moved = 1;
      }
    }
    if (!moved && gramAllOff(off, nn, kk, iu)) {
      active--;
      swapOut(index, s, active, i);
      s--;
    }
  }
  return active;
}

/**
 * Takes rows rows[0..m) out of K problems' dual solution (layout as gramPassGroup's): per row i and class c with
 * alpha[c·n + i] ≠ 0, in that order, alpha to 0 and g_c += −alpha·y·q_i.
 */
export function gramRemove(q: usize, n: i32, k: i32, y: usize, alpha: usize, g: usize, rows: usize, m: i32): void {
  const kk = <usize>k;
  const nn = <usize>n;
  for (let t = 0; t < m; t++) {
    const iu = <usize>load<i32>(rows + ((<usize>t) << 2));
    for (let c: usize = 0; c < kk; c++) {
      const at = c * nn + iu;
      const a = load<f64>(alpha + (at << 3));
      if (a == 0) continue;
      store<f64>(alpha + (at << 3), 0.0);
      gramMove(g + ((c * nn) << 3), q + ((iu * nn) << 3), n, -a * <f64>load<i8>(y + at));
    }
  }
}

/**
 * Rows [r0, r1) of a Gram matrix's upper triangle (kernels-shared.ts's GramPlan, one block): entries t in [t0, t1) in the
 * CSC's order (by column, then row), each adding val[f]·val[b] (f = from[t], its row a = rowOf[f]) to
 * out[(a − r0)·n + rowOf[b]] for b in [f, end[t]) (its column's rows from a on), then bias² to out[(a − r0)·n + b],
 * b ≥ a (out, (r1 − r0) × n float64, zeroed). Each entry the same sum, in the same (column) order, as a sweep of
 * the whole matrix column by column, but the block's rows stay in cache while they are summed.
 */
export function gramRows(from: usize, end: usize, rowOf: usize, val: usize, t0: i32, t1: i32, n: i32, r0: i32, r1: i32, bias: f64, out: usize): void {
  const rowBytes = (<usize>n) << 3;
  for (let t = t0; t < t1; t++) {
    const f = load<i32>(from + ((<usize>t) << 2));
    const e = load<i32>(end + ((<usize>t) << 2));
    const va = load<f64>(val + ((<usize>f) << 3));
    const base = out + (<usize>(load<i32>(rowOf + ((<usize>f) << 2)) - r0)) * rowBytes;
    for (let b = f; b < e; b++) {
      const at = base + ((<usize>load<i32>(rowOf + ((<usize>b) << 2))) << 3);
      store<f64>(at, load<f64>(at) + va * load<f64>(val + ((<usize>b) << 3)));
    }
  }
  const bb = bias * bias;
  for (let a = r0; a < r1; a++) {
    const base = out + (<usize>(a - r0)) * rowBytes;
    for (let b = a; b < n; b++) {
      const at = base + ((<usize>b) << 3);
      store<f64>(at, load<f64>(at) + bb);
    }
  }
}
