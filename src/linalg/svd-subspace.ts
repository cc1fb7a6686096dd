// The fast path of the randomized SVD: subspace iteration on panel-major Float32 blocks with sketch-based
// re-conditioning, and a Rayleigh-Ritz step on the long side. Returns null on rank-deficient input.
import { Random } from "./random.js";
import type { CsrMatrix } from "./matrix.js";
import { symmetricEigenQl } from "./eigen.js";
import {
  cholesky,
  crossUpper,
  frobenius,
  householderR,
  invertUpper,
  sparseSign,
  timesSmall,
  transposeSmall,
  type SparseSign,
  type SvdFactors,
} from "./svd-kernels.js";
import {
  fromPairedPanels,
  fromPanels64,
  normalProduct64,
  normalProductPaired,
  panelCsr,
  panelTimesTransposed,
  panelWidth,
  toPanels,
} from "./svd-panels.js";

/** Estimated condition number (‖R‖_F‖R⁻¹‖_F of the sketch) above which a block is re-conditioned, Y ← Y·R⁻¹. */
const RECONDITION_ABOVE = 1e5;
/** The same for the last block, whose condition number enters the Rayleigh-Ritz step squared. */
const RECONDITION_LAST_ABOVE = 1e3;
/** Non-zeros per row of the sparse sign sketch. */
const SKETCH_NONZEROS = 4;
/** Sketch condition number above which the block counts as rank deficient (the Gram-Schmidt path takes over). */
const RANK_DEFICIENT_ABOVE = 1e13;

/**
 * The subspace-iteration SVD of A, given as at = Aᵀ (A has at.cols ≤ at.rows rows), with sketch width l ≥ r,
 * or null when a block turns out rank deficient. `transposed` says A = Xᵀ, whose right singular vectors are
 * X's left ones: V is then recovered from AZ. q + 1 steps Y ← A(AᵀY) from a random sign block.
 */
export function subspaceSvd(at: CsrMatrix, transposed: boolean, l: number, r: number, q: number, seed: number): SvdFactors | null {
  const sm = at.cols;
  const bg = at.rows;
  // Panel offsets (row · 16) are Int32.
  if (sm >= 2 ** 27) return null;
  // Power steps hold A·Aᵀ·Q in Float32: scale A by a power of two (exact) when ‖A‖_F is far from 1, so that
  // neither σ₁² overflows nor σ_l² underflows Float32's range; σ is scaled back at the end.
  let fro = 0;
  for (let p = 0; p < at.indptr[bg]!; p++) fro += at.data[p]! * at.data[p]!;
  const shift = fro > 0 && Math.abs(Math.log2(fro)) > 64 ? Math.round(Math.log2(fro) / 2) : 0;
  const atp = panelCsr(at, 2 ** -shift);
  const lp = panelWidth(l);
  const rng = new Random(seed);
  const next = (): number => rng.uint32();
  // Ω: random signs on the short side, 32 per draw; the first step already gives AAᵀΩ.
  let y: Float64Array = new Float64Array(sm * l);
  for (let i = 0; i < y.length; i += 32) {
    const bits = next();
    const end = Math.min(32, y.length - i);
    for (let b = 0; b < end; b++) y[i + b] = ((bits >>> b) & 1) * 2 - 1;
  }
  let spare: Float64Array = new Float64Array(sm * l);
  const qy = new Float32Array(2 * sm * lp);
  const s = 2 * l;
  const sketch: SparseSign | null = sm > s ? sparseSign(sm, s, SKETCH_NONZEROS, next) : null;
  const sy = new Float64Array(Math.max(s, sm) * l);
  const steps = q + 1;
  // Estimated condition number of the block that entered the previous step (a random sign block: about l).
  let before = l;
  let scale = 1;
  for (let k = 0; k < steps; k++) {
    if (k > 0) {
      // Condition of Y from the R of a QR of S·Y (of Y itself when it is short).
      if (!sketch) sy.set(y.subarray(0, sm * l));
      const rs = householderR(sy, sketch ? s : sm, l);
      const rsInv = invertUpper(rs, l);
      const cond = frobenius(rs, l * l) * frobenius(rsInv, l * l);
      if (!(cond < RANK_DEFICIENT_ABOVE)) return null;
      // Re-condition when the block is ill conditioned now, or would be after one more step of the same growth.
      const growth = Math.max(1, cond / before);
      const limit = k === steps - 1 ? RECONDITION_LAST_ABOVE : RECONDITION_ABOVE;
      if (cond > limit || (k < steps - 1 && cond * growth > RECONDITION_ABOVE * 10)) {
        timesSmall(y, sm, l, transposeSmall(rsInv, l, l), l, spare, true);
        [y, spare] = [spare, y];
        before = l;
        scale = 1;
      } else {
        // Keep the scale near 1 (each step multiplies it by about σ₁²).
        before = cond;
        scale = 1 / Math.abs(rs[0]!);
      }
    }
    if (k < steps - 1) {
      toPanels(y, sm, l, qy, true, false, scale);
      fromPairedPanels(normalProductPaired(atp, qy, lp), sm, l, y, sketch, sy);
    }
  }
  // Last step in Float64 from the Float32-rounded basis Q̃ (y holds the same numbers): AZ with Z = AᵀQ̃.
  const qp = toPanels(y, sm, l, qy.subarray(0, sm * lp), false, true, scale);
  const yp = new Float64Array(sm * lp);
  const az = fromPanels64(normalProduct64(atp, qp, lp, yp), sm, l, spare);
  // Rayleigh-Ritz on span(Z): G = ZᵀZ = Q̃ᵀ(AZ), M = (AZ)ᵀ(AZ).
  const g = crossUpper(y, az, sm, l, new Float64Array(l * l));
  const rz = cholesky(g, l, 1e-13);
  if (!rz) return null;
  const rzInv = invertUpper(rz, l);
  const mm = crossUpper(az, az, sm, l, new Float64Array(l * l));
  // H = R⁻ᵀ M R⁻¹ (symmetric l × l).
  const mr = new Float64Array(l * l);
  for (let i = 0; i < l; i++) {
    for (let c = 0; c < l; c++) {
      let acc = 0;
      for (let k = 0; k <= c; k++) acc += mm[i * l + k]! * rzInv[k * l + c]!;
      mr[i * l + c] = acc;
    }
  }
  const h = new Float64Array(l * l);
  for (let i = 0; i < l; i++) {
    for (let c = i; c < l; c++) {
      let acc = 0;
      for (let k = 0; k <= i; k++) acc += rzInv[k * l + i]! * mr[k * l + c]!;
      h[i * l + c] = h[c * l + i] = acc;
    }
  }
  const { values, vectors } = symmetricEigenQl(h, l);
  const sigma = new Float64Array(r);
  for (let t = 0; t < r; t++) sigma[t] = Math.sqrt(Math.max(0, values[t]!));
  // QL resolves σ² only to ~1e-14·σ₁²: a σ_r this small means (numerical) rank below r, the fallback's case.
  if (!(sigma[r - 1]! > 1e-6 * sigma[0]!)) return null;
  const unscale = 2 ** shift;
  // Right singular vectors of A: V_A = Z·C with C = R⁻¹E (l × r); stored transposed (r × l) for timesSmall.
  const ct = new Float64Array(r * l);
  for (let t = 0; t < r; t++) {
    const scale = transposed ? 1 / sigma[t]! : 1;
    for (let i = 0; i < l; i++) {
      let acc = 0;
      for (let k = i; k < l; k++) acc += rzInv[i * l + k]! * vectors[k * l + t]!;
      ct[t * l + i] = acc * scale;
    }
  }
  if (transposed) {
    // A = Xᵀ: X's right singular vectors are A's left ones, A·V_A·Σ⁻¹ = (AZ)·C·Σ⁻¹ (sm × r).
    const v = timesSmall(az, sm, l, ct, r, new Float64Array(sm * r));
    const vt = new Float32Array(r * sm);
    for (let j = 0; j < sm; j++) for (let t = 0; t < r; t++) vt[t * sm + j] = v[j * r + t]!;
    return { sigma: sigma.map((v) => v * unscale), vt };
  }
  // Z·C = Aᵀ(Q̃·C): the short block times C, then one sparse product.
  // Q̃·C and its panels reuse the buffers of the last step (sm·lp ≥ sm·r values, 2·sm·lp ≥ sm·panelWidth(r)).
  const qc = timesSmall(y, sm, l, ct, r, yp);
  const qcp = toPanels(qc, sm, r, qy, false, false);
  return { sigma: sigma.map((v) => v * unscale), vt: panelTimesTransposed(atp, qcp, r, new Float32Array(r * bg)) };
}
