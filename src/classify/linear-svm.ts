// Multiclass linear SVM (one-vs-rest, L2-regularized, squared hinge by default) on sparse features.
import { z } from "zod";
import type { Classifier, FitOptions } from "../core/contracts.js";
import type { Matrix } from "../linalg/matrix.js";
import { LinearParams, fitLinear, type FittedLinear } from "./fit-linear.js";

export const LinearSvmParams = LinearParams.extend({
  /** "squared-hinge" (LIBLINEAR -s 1, scikit-learn's LinearSVC default) or "hinge" (-s 3). */
  loss: z.enum(["squared-hinge", "hinge"]).default("squared-hinge"),
});
export type LinearSvmParams = z.infer<typeof LinearSvmParams>;

/**
 * Linear SVM trained by dual coordinate descent with shrinking (LIBLINEAR's solver), one binary problem
 * per class, spread over worker threads. Probabilities: softmax of the margins with a temperature fitted
 * on leave-one-out margin estimates.
 * @example const model = await new LinearSvm({ c: 1 }).fit(x, y, classCount, { seed: 42 });
 */
export class LinearSvm implements Classifier {
  readonly kind = "linear-svm";
  readonly params: LinearSvmParams;
  constructor(params: z.input<typeof LinearSvmParams> = {}) {
    this.params = LinearSvmParams.parse(params);
  }
  fit(x: Matrix, y: Int32Array, classCount: number, options?: FitOptions): Promise<FittedLinear> {
    return fitLinear(this.kind, this.params.loss, this.params, x, y, classCount, options);
  }
}
