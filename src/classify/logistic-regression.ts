// Logistic regression (one-vs-rest, L2-regularized) on sparse features, by dual coordinate descent.
import type { z } from "zod";
import type { Classifier, FitOptions } from "../core/contracts.js";
import type { Matrix } from "../linalg/matrix.js";
import { LinearParams, fitLinear, type FittedLinear } from "./fit-linear.js";

export const LogisticRegressionParams = LinearParams.extend({
  c: LinearParams.shape.c.default(10),
});
export type LogisticRegressionParams = z.infer<typeof LogisticRegressionParams>;

/**
 * L2-regularized logistic regression solved in the dual (LIBLINEAR -s 7), one problem per class.
 * Probabilities: softmax of the log-odds with a temperature fitted on leave-one-out estimates.
 */
export class LogisticRegression implements Classifier {
  readonly kind = "logistic-regression";
  readonly params: LogisticRegressionParams;
  constructor(params: z.input<typeof LogisticRegressionParams> = {}) {
    this.params = LogisticRegressionParams.parse(params);
  }
  fit(x: Matrix, y: Int32Array, classCount: number, options?: FitOptions): Promise<FittedLinear> {
    return fitLinear(this.kind, "logistic", this.params, x, y, classCount, options);
  }
}
