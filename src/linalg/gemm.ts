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

/**
 * Dot products of rows of a row-major float32 matrix `x` (rows of length k) with one float32 vector, continued
 * from `acc`: for each row r, acc[r] += Σ x[r·k + p]·v[vo + p] over p0 ≤ p < p1, summed in float64 in the order
 * p0, p0 + 1, … starting from acc[r]. A sum split at any p is therefore the unsplit sum bit for bit (an exact
 * nearest-neighbour scan scores a few leading columns of every row first and finishes only the rows that can
 * still win). The rows are `rows[i]` for i0 ≤ i < i1, or i itself when `rows` is null; four rows at a time share
 * each load of v (the scan's inner loop: float32 loads, float64 products and sums, about 1.3× the speed of one
 * row at a time). O((i1 − i0)·(p1 − p0)).
 * @example const acc = new Float64Array(2); dotRows32(Float32Array.of(1, 2, 3, 4), 2, Float32Array.of(1, 1), 0, 0, 2, null, 0, 2, acc) // acc = [3, 7]
 */
export function dotRows32(x: Float32Array, k: number, v: Float32Array, vo: number, p0: number, p1: number, rows: Int32Array | null, i0: number, i1: number, acc: Float64Array): void {
  const i4 = i1 - ((i1 - i0) % 4);
  for (let i = i0; i < i4; i += 4) {
    const r0 = rows ? rows[i]! : i;
    const r1 = rows ? rows[i + 1]! : i + 1;
    const r2 = rows ? rows[i + 2]! : i + 2;
    const r3 = rows ? rows[i + 3]! : i + 3;
    const b0 = r0 * k;
    const b1 = r1 * k;
    const b2 = r2 * k;
    const b3 = r3 * k;
    let s0 = acc[r0]!;
    let s1 = acc[r1]!;
    let s2 = acc[r2]!;
    let s3 = acc[r3]!;
    for (let p = p0; p < p1; p++) {
      const w = v[vo + p]!;
      s0 += x[b0 + p]! * w;
      s1 += x[b1 + p]! * w;
      s2 += x[b2 + p]! * w;
      s3 += x[b3 + p]! * w;
    }
    acc[r0] = s0;
    acc[r1] = s1;
    acc[r2] = s2;
    acc[r3] = s3;
  }
  for (let i = i4; i < i1; i++) {
    const r = rows ? rows[i]! : i;
    const b = r * k;
    let s = acc[r]!;
    for (let p = p0; p < p1; p++) s += x[b + p]! * v[vo + p]!;
    acc[r] = s;
  }
}
