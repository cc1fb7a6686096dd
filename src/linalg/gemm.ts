// The blocked dense product A·Bᵀ shared by the randomized SVD (float64) and the MLP (float32, staged).

/**
 * out (m × n) = a (m × k) · bᵀ + bias, where b is n × k row-major, so both operands are read along k,
 * contiguously. 2 × 4 register blocking: 8 float64 accumulators fed by 6 loads per step; leftover rows and
 * columns are plain dot products (two rows per pass) in the same summation order. `bias` (length n) may be undefined.
 * With `upper`, row c of b is zero past column c (b = Cᵀ with C upper triangular), and each sum stops at
 * the diagonal (a 4-column tile stops at its last column's). `out` must not alias `a` or `b`.
 * O(m · n · k), about half that with `upper`.
 * The kernel sees float64 only, so its element loads stay monomorphic (a float32 caller would make every load
 * check two array types and cost the SVD about half again): float32 operands go through {@link gemmABt32}.
 * @example gemmABt(Float64Array.of(1, 2), 1, 2, Float64Array.of(3, 4, 5, 6), 2, undefined, out) // out = [11, 17]
 */
export function gemmABt(a: Float64Array, m: number, k: number, b: Float64Array, n: number, bias: Float64Array | undefined, out: Float64Array, upper = false): void {
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  for (let i = 0; i < m2; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const o0 = i * n;
    const o1 = o0 + n;
    for (let j = 0; j < n4; j += 4) {
      const len = upper ? Math.min(k, j + 4) : k;
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < len; p++) {
        const x0 = a[a0 + p]!;
        const x1 = a[a1 + p]!;
        const w0 = b[b0 + p]!;
        const w1 = b[b1 + p]!;
        const w2 = b[b2 + p]!;
        const w3 = b[b3 + p]!;
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
      }
      if (bias) {
        const c0 = bias[j]!;
        const c1 = bias[j + 1]!;
        const c2 = bias[j + 2]!;
        const c3 = bias[j + 3]!;
        s00 += c0; s01 += c1; s02 += c2; s03 += c3;
        s10 += c0; s11 += c1; s12 += c2; s13 += c3;
      }
      out[o0 + j] = s00; out[o0 + j + 1] = s01; out[o0 + j + 2] = s02; out[o0 + j + 3] = s03;
      out[o1 + j] = s10; out[o1 + j + 1] = s11; out[o1 + j + 2] = s12; out[o1 + j + 3] = s13;
    }
    for (let j = n4; j < n; j++) {
      const len = upper ? Math.min(k, j + 1) : k;
      const bj = j * k;
      let s0 = 0;
      let s1 = 0;
      for (let p = 0; p < len; p++) {
        s0 += a[a0 + p]! * b[bj + p]!;
        s1 += a[a1 + p]! * b[bj + p]!;
      }
      const c = bias ? bias[j]! : 0;
      out[o0 + j] = s0 + c;
      out[o1 + j] = s1 + c;
    }
  }
  for (let i = m2; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = dot(a, i * k, b, j * k, upper ? Math.min(k, j + 1) : k) + (bias ? bias[j]! : 0);
  }
}

/** Σ a[ao + p]·b[bo + p] over p < len, in order. */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s = 0;
  for (let p = 0; p < len; p++) s += a[ao + p]! * b[bo + p]!;
  return s;
}

/** Staging buffers up to this many float64 values (8 MiB) are kept for the next call; larger ones are not. */
const KEEP_STAGING = 1 << 20;
let staging = new Float64Array(0);

/**
 * {@link gemmABt} on float32 operands: a, b and bias are widened into float64 staging (exact), the kernel runs,
 * and the sums are rounded into `out` once, so the results are bit for bit those of float32 loads with float64
 * accumulation. The copies cost O((m + n)·k + m·n) next to the product's O(m·n·k).
 */
export function gemmABt32(a: Float32Array, m: number, k: number, b: Float32Array, n: number, bias: Float32Array | undefined, out: Float32Array): void {
  const na = m * k;
  const nb = n * k;
  const nc = bias ? n : 0;
  const need = na + nb + nc + m * n;
  let s = staging;
  if (s.length < need) {
    s = new Float64Array(need);
    if (need <= KEEP_STAGING) staging = s;
  }
  const a64 = s.subarray(0, na);
  const b64 = s.subarray(na, na + nb);
  const c64 = bias ? s.subarray(na + nb, na + nb + nc) : undefined;
  const o64 = s.subarray(na + nb + nc, need);
  a64.set(a.subarray(0, na));
  b64.set(b.subarray(0, nb));
  if (c64 && bias) c64.set(bias.subarray(0, n));
  gemmABt(a64, m, k, b64, n, c64, o64);
  out.set(o64);
}
