// Dense kernels of the multilayer perceptron: a register-blocked A·Bᵀ product and a transpose.
import { gemmABtSimd } from "./mlp-wasm.js";

/** Products smaller than this many multiply-adds stay in JS (the copy into WebAssembly memory would dominate). */
const SIMD_MIN_WORK = 1 << 15;

/**
 * out(m×n) = a(m×k) · bᵀ + bias, where b is n×k row-major (both operands read along k, contiguously).
 * Large products with k a multiple of 4 run on the WebAssembly SIMD kernel (mlp-wasm.ts, float32
 * accumulation, several times faster); otherwise 2×4 register blocking in JS (8 accumulators fed by
 * 6 loads per step, float64 accumulation). `bias` may be undefined (no bias). O(m·n·k).
 */
export function gemmABt(
  a: Float32Array,
  m: number,
  k: number,
  b: Float32Array,
  n: number,
  bias: Float32Array | undefined,
  out: Float32Array,
): void {
  if (m * n * k >= SIMD_MIN_WORK && gemmABtSimd(a, m, k, b, n, bias, out)) return;
  gemmABtScalar(a, m, k, b, n, bias, out);
}

/** The scalar JS path of {@link gemmABt} (also its reference in tests). */
export function gemmABtScalar(
  a: Float32Array,
  m: number,
  k: number,
  b: Float32Array,
  n: number,
  bias: Float32Array | undefined,
  out: Float32Array,
): void {
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  for (let i = 0; i < m2; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const o0 = i * n;
    const o1 = o0 + n;
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p]!;
        const x1 = a[a1 + p]!;
        const w0 = b[b0 + p]!;
        const w1 = b[b1 + p]!;
        const w2 = b[b2 + p]!;
        const w3 = b[b3 + p]!;
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
      }
      const c0 = bias ? bias[j]! : 0;
      const c1 = bias ? bias[j + 1]! : 0;
      const c2 = bias ? bias[j + 2]! : 0;
      const c3 = bias ? bias[j + 3]! : 0;
      out[o0 + j] = s00 + c0; out[o0 + j + 1] = s01 + c1; out[o0 + j + 2] = s02 + c2; out[o0 + j + 3] = s03 + c3;
      out[o1 + j] = s10 + c0; out[o1 + j + 1] = s11 + c1; out[o1 + j + 2] = s12 + c2; out[o1 + j + 3] = s13 + c3;
    }
    for (let j = n4; j < n; j++) {
      out[o0 + j] = dot(a, a0, b, j * k, k) + (bias ? bias[j]! : 0);
      out[o1 + j] = dot(a, a1, b, j * k, k) + (bias ? bias[j]! : 0);
    }
  }
  for (let i = m2; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = dot(a, i * k, b, j * k, k) + (bias ? bias[j]! : 0);
  }
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[ao + p]! * b[bo + p]!;
  return s;
}

/** out(cols×rows) = aᵀ for a rows×cols row-major matrix. Blocked by 32 to stay in cache. O(rows·cols). */
export function transpose(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) {
        const r = i * cols;
        for (let j = j0; j < j1; j++) out[j * rows + i] = a[r + j]!;
      }
    }
  }
}

/** In-place row softmax of an m×n matrix; returns the summed cross-entropy of labels `y` (if given). */
export function softmaxRows(z: Float32Array, m: number, n: number, y?: Int32Array, yOffset = 0): number {
  let loss = 0;
  for (let i = 0; i < m; i++) {
    const o = i * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (z[o + j]! > max) max = z[o + j]!;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(z[o + j]! - max);
      z[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < n; j++) z[o + j] = z[o + j]! * inv;
    if (y) loss -= Math.log(Math.max(z[o + y[yOffset + i]!]!, 1e-30));
  }
  return loss;
}
