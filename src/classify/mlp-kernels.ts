// Dense kernels of the multilayer perceptron: the A·Bᵀ product (WebAssembly SIMD or linalg's blocked JS kernel) and a transpose.
import { gemmABt32 } from "../linalg/gemm.js";
import { gemmABtSimd } from "./mlp-wasm.js";

/** Products smaller than this many multiply-adds stay in JS (the copy into WebAssembly memory would dominate). */
const SIMD_MIN_WORK = 1 << 15;

/**
 * out(m×n) = a(m×k) · bᵀ + bias, where b is n×k row-major (both operands read along k, contiguously).
 * Large products with k a multiple of 4 run on the WebAssembly SIMD kernel (mlp-wasm.ts, float32
 * accumulation, several times faster); otherwise linalg's 2×4 register-blocked JS kernel (float64
 * staging and accumulation). `bias` may be undefined (no bias). O(m·n·k).
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
  gemmABt32(a, m, k, b, n, bias, out);
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
