// AssemblyScript source of the scoring kernel of sparse linear models (compiled by `npm run build` to
// dist/linalg/wasm/sparse-score.wasm with scripts/build-wasm.mjs; loaded by ../sparse-scorer.ts). Arguments
// that name arrays are byte offsets into this module's memory, which the JavaScript side lays out. It does the
// floating-point operations of SparseLinearModel.decisionFunction in the same order, so both give identical bits.

/**
 * Scores of CSR rows against feature-major sparse weights (feature f: the (class, value) pairs
 * wcv[wp[f] .. wp[f+1]), each an i32 class then its f32 value, so one feature's weights are one run of
 * memory): out[i·k + c] = intercept[c], then for each non-zero (f, v) of row i and each weight (c, w) of f,
 * out[i·k + c] += v · w, computed in float64 and rounded to float32 (as JavaScript does on a Float32Array).
 */
export function scoreSparse(indptr: usize, indices: usize, data: usize, rows: i32, wp: usize, wcv: usize, k: i32, intercept: usize, out: usize): void {
  const rowBytes = (<usize>k) << 2;
  for (let i = 0; i < rows; i++) {
    const o = out + (<usize>i) * rowBytes;
    memory.copy(o, intercept, rowBytes);
    const end = load<i32>(indptr + (((<usize>i) + 1) << 2));
    for (let p = load<i32>(indptr + ((<usize>i) << 2)); p < end; p++) {
      const v = <f64>load<f32>(data + ((<usize>p) << 2));
      const f = <usize>load<i32>(indices + ((<usize>p) << 2));
      const qEnd = wcv + ((<usize>load<i32>(wp + ((f + 1) << 2))) << 3);
      for (let q = wcv + ((<usize>load<i32>(wp + (f << 2))) << 3); q < qEnd; q += 8) {
        const at = o + ((<usize>load<i32>(q)) << 2);
        store<f32>(at, <f32>(<f64>load<f32>(at) + v * <f64>load<f32>(q, 4)));
      }
    }
  }
}
