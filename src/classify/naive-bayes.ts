// Complement naive Bayes (Rennie et al. 2003), scikit-learn's ComplementNB: a fast baseline for text.
import { z } from "zod";
import type { Classifier, FitOptions } from "../core/contracts.js";
import { assertFinite, toCsr, type Matrix } from "../linalg/matrix.js";
import { checkLabels } from "./fit-linear.js";
import { LinearModel, fitTemperature } from "./linear-model.js";

export const ComplementNbParams = z.object({
  /** Additive (Laplace/Lidstone) smoothing. */
  alpha: z.number().positive().default(0.3),
  /** Normalize the weight vectors (the "WCNB" variant). */
  norm: z.boolean().default(false),
});
export type ComplementNbParams = z.infer<typeof ComplementNbParams>;

/**
 * Complement naive Bayes: each class is scored by how unlike the other classes' feature mass the
 * item is. One pass over the data; needs non-negative features (TF-IDF counts).
 */
export class ComplementNb implements Classifier {
  readonly kind = "complement-nb";
  readonly params: ComplementNbParams;
  constructor(params: z.input<typeof ComplementNbParams> = {}) {
    this.params = ComplementNbParams.parse(params);
  }

  async fit(xIn: Matrix, y: Int32Array, classCount: number, options: FitOptions = {}): Promise<LinearModel> {
    checkLabels(y, xIn.rows, classCount);
    assertFinite(xIn);
    const x = toCsr(xIn);
    const d = x.cols;
    const k = classCount;
    // Feature mass per (feature, class), feature-major like LinearModel's weights.
    const count = new Float64Array(d * k);
    const total = new Float64Array(d);
    for (let i = 0; i < x.rows; i++) {
      const c = y[i]!;
      for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
        const v = x.data[p]!;
        if (v < 0) throw new RangeError(`Complement naive Bayes needs non-negative features; row ${i} has ${v}`);
        count[x.indices[p]! * k + c]! += v;
        total[x.indices[p]!]! += v;
      }
    }
    const compSum = new Float64Array(k);
    for (let f = 0; f < d; f++) {
      for (let c = 0; c < k; c++) compSum[c]! += total[f]! - count[f * k + c]! + this.params.alpha;
    }
    const weights = new Float32Array(d * k);
    const logSum = new Float64Array(k);
    for (let f = 0; f < d; f++) {
      for (let c = 0; c < k; c++) {
        const logged = Math.log((total[f]! - count[f * k + c]! + this.params.alpha) / compSum[c]!);
        weights[f * k + c] = -logged;
        logSum[c]! += logged;
      }
    }
    if (this.params.norm) {
      for (let f = 0; f < d; f++) for (let c = 0; c < k; c++) weights[f * k + c] = -weights[f * k + c]! / logSum[c]!;
    }
    const intercept = new Float32Array(k);
    const raw = new LinearModel({ kind: this.kind, classCount: k, featureCount: d, weights, intercept, temperature: 1, params: { ...this.params } });
    // Naive Bayes scores are badly scaled as probabilities: fit a temperature on the training rows.
    const temperature = fitTemperature(raw.decisionFunction(x).data, y, k);
    options.onProgress?.({ stage: "train", done: k, total: k });
    return new LinearModel({ kind: this.kind, classCount: k, featureCount: d, weights, intercept, temperature, params: { ...this.params } });
  }
}
