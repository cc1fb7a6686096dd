// Back-propagation and the AdamW update of the MLP, on preallocated buffers (shared with mlp-worker).
import { gemmABt, softmaxRows, transpose } from "./mlp-kernels.js";

/** What gradient computation needs of a network: layer widths and (possibly shared) weights. */
export interface MlpNet {
  sizes: number[];
  weights: Float32Array[];
  biases: Float32Array[];
}

/**
 * Computes the cross-entropy gradient of a slice of a mini-batch into `gradW`/`gradB` (overwritten).
 * Deltas are divided by `batchCount` (the whole batch), so the slices' gradients add up to the batch
 * gradient: that is what lets two threads split a batch. `masks[l]` (inverted-dropout factors per
 * hidden unit, count × width) may be empty arrays for no dropout.
 */
export class GradientBuffers {
  readonly gradW: Float32Array[];
  readonly gradB: Float32Array[];
  private readonly acts: Float32Array[];
  private readonly deltas: Float32Array[];
  private readonly tA: Float32Array;
  private readonly tD: Float32Array;
  private readonly tW: Float32Array;

  constructor(
    private readonly net: MlpNet,
    maxRows: number,
    grads?: { gradW: Float32Array[]; gradB: Float32Array[] },
  ) {
    const sz = net.sizes;
    this.acts = sz.slice(1).map((w) => new Float32Array(maxRows * w));
    this.deltas = sz.slice(1).map((w) => new Float32Array(maxRows * w));
    this.gradW = grads?.gradW ?? net.weights.map((w) => new Float32Array(w.length));
    this.gradB = grads?.gradB ?? net.biases.map((b) => new Float32Array(b.length));
    const maxW = Math.max(...sz);
    this.tA = new Float32Array(maxRows * maxW);
    this.tD = new Float32Array(maxRows * maxW);
    this.tW = new Float32Array(Math.max(...net.weights.map((w) => w.length)));
  }

  /** Forward and backward over `count` rows of `input`; returns their summed cross-entropy. */
  compute(input: Float32Array, count: number, labels: Int32Array, masks: Float32Array[], batchCount: number): number {
    const { sizes: sz, weights, biases } = this.net;
    const L = weights.length;
    let a = input;
    for (let l = 0; l < L; l++) {
      const out = this.acts[l]!;
      gemmABt(a, count, sz[l]!, weights[l]!, sz[l + 1]!, biases[l], out);
      if (l < L - 1) {
        const len = count * sz[l + 1]!;
        const mask = masks[l];
        if (mask && mask.length > 0) {
          for (let i = 0; i < len; i++) out[i] = out[i]! > 0 ? out[i]! * mask[i]! : 0;
        } else {
          for (let i = 0; i < len; i++) if (out[i]! < 0) out[i] = 0;
        }
      }
      a = out;
    }
    const k = sz[L]!;
    const probs = this.acts[L - 1]!;
    const loss = softmaxRows(probs, count, k, labels);
    const dOut = this.deltas[L - 1]!;
    const inv = 1 / batchCount;
    for (let i = 0; i < count; i++) {
      const yi = labels[i]!;
      for (let j = 0; j < k; j++) dOut[i * k + j] = (probs[i * k + j]! - (j === yi ? 1 : 0)) * inv;
    }
    for (let l = L - 1; l >= 0; l--) {
      const nOut = sz[l + 1]!;
      const nIn = sz[l]!;
      const d = this.deltas[l]!;
      const prev = l === 0 ? input : this.acts[l - 1]!;
      // gradW (nOut×nIn) = dᵀ·prev, computed as (dᵀ)·(prevᵀ)ᵀ so the product reads both operands by row.
      transpose(d, count, nOut, this.tD);
      transpose(prev, count, nIn, this.tA);
      gemmABt(this.tD, nOut, count, this.tA, nIn, undefined, this.gradW[l]!);
      const gb = this.gradB[l]!;
      gb.fill(0);
      for (let i = 0; i < count; i++) for (let j = 0; j < nOut; j++) gb[j] += d[i * nOut + j]!;
      if (l > 0) {
        // delta(l−1) = (d·W) ⊙ relu' ⊙ mask; prev already holds relu(z)·mask, so prev > 0 ⇔ the unit was live.
        transpose(weights[l]!, nOut, nIn, this.tW);
        const dPrev = this.deltas[l - 1]!;
        gemmABt(d, count, nOut, this.tW, nIn, undefined, dPrev);
        const mask = masks[l - 1];
        const len = count * nIn;
        const masked = mask !== undefined && mask.length > 0;
        for (let i = 0; i < len; i++) {
          if (prev[i]! <= 0) dPrev[i] = 0;
          else if (masked) dPrev[i] = dPrev[i]! * mask[i]!;
        }
      }
    }
    return loss;
  }
}

/** AdamW moments for every weight and bias array. */
export class AdamW {
  step = 0;
  private readonly mW: Float32Array[];
  private readonly vW: Float32Array[];
  private readonly mB: Float32Array[];
  private readonly vB: Float32Array[];

  constructor(
    private readonly net: MlpNet,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly eps: number,
  ) {
    this.mW = net.weights.map((w) => new Float32Array(w.length));
    this.vW = net.weights.map((w) => new Float32Array(w.length));
    this.mB = net.biases.map((b) => new Float32Array(b.length));
    this.vB = net.biases.map((b) => new Float32Array(b.length));
  }

  /** One step: decoupled decay `lr · weightDecay` on weights (not biases), then the Adam update. */
  update(gradW: Float32Array[], gradB: Float32Array[], lr: number, weightDecay: number): void {
    this.step++;
    for (let l = 0; l < this.net.weights.length; l++) {
      this.apply(this.net.weights[l]!, gradW[l]!, this.mW[l]!, this.vW[l]!, lr, weightDecay);
      this.apply(this.net.biases[l]!, gradB[l]!, this.mB[l]!, this.vB[l]!, lr, 0);
    }
  }

  private apply(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, decay: number): void {
    const { beta1: b1, beta2: b2, eps } = this;
    const c1 = 1 / (1 - Math.pow(b1, this.step));
    const c2 = 1 / (1 - Math.pow(b2, this.step));
    const shrink = 1 - lr * decay;
    const step = lr * c1;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const mi = b1 * m[i]! + (1 - b1) * gi;
      const vi = b2 * v[i]! + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i]! * shrink - (step * mi) / (Math.sqrt(vi * c2) + eps);
    }
  }
}
