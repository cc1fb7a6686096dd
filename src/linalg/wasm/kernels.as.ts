// AssemblyScript source of the WebAssembly SIMD kernels (compiled by `npm run build` to
// dist/linalg/wasm/kernels.wasm with scripts/build-wasm.mjs; loaded by ../kernels.ts). Every argument that
// names an array is a byte offset into this module's memory, which the JavaScript side lays out. Each kernel
// does the same floating-point operations in the same order as its JavaScript twin in ../kernels.ts, so
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

/**
 * Scores of CSR rows against feature-major float32 weights (w[f·k + c]):
 * out[i·k + c] = intercept[c], then for each non-zero (f, v) of row i, out[i·k + c] += v · w[f·k + c], each
 * step computed in float64 and rounded to float32 (as JavaScript does on a Float32Array), two classes per
 * SIMD step.
 */
export function scoreCsr(indptr: usize, indices: usize, data: usize, rows: i32, w: usize, k: i32, intercept: usize, out: usize): void {
  const pairs = k & ~1;
  const rowBytes = (<usize>k) << 2;
  for (let i = 0; i < rows; i++) {
    const o = out + (<usize>i) * rowBytes;
    memory.copy(o, intercept, rowBytes);
    const end = load<i32>(indptr + (((<usize>i) + 1) << 2));
    for (let p = load<i32>(indptr + ((<usize>i) << 2)); p < end; p++) {
      const v = <f64>load<f32>(data + ((<usize>p) << 2));
      const vv = f64x2.splat(v);
      const wr = w + (<usize>load<i32>(indices + ((<usize>p) << 2))) * rowBytes;
      let c = 0;
      for (; c < pairs; c += 2) {
        const off = (<usize>c) << 2;
        const acc = f64x2.promote_low_f32x4(v128.load64_zero(o + off));
        const wv = f64x2.promote_low_f32x4(v128.load64_zero(wr + off));
        const r = f32x4.demote_f64x2_zero(f64x2.add(acc, f64x2.mul(vv, wv)));
        v128.store64_lane(o + off, r, 0);
      }
      if (c < k) {
        const off = (<usize>c) << 2;
        store<f32>(o + off, <f32>(<f64>load<f32>(o + off) + v * <f64>load<f32>(wr + off)));
      }
    }
  }
}

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
