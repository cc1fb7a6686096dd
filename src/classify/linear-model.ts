// A fitted multiclass linear model: scores = x·W + b, probabilities = softmax(scores / temperature).
import type { Artifact, ClassifierModel } from "../core/contracts.js";
import { dense, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { argmaxRows, softmaxInPlace } from "../linalg/topk.js";
import { kernels, type Scorer } from "../linalg/kernels.js";

/**
 * Held-out estimates of training rows' probabilities, made while fitting (leave-one-out from the dual
 * solution): what calibration needs without refitting on folds. Not saved with the model.
 */
export interface HeldOutEstimate {
  /** Training rows (sorted). */
  rows: Int32Array;
  /** Probabilities, rows.length × classCount. */
  proba: Float32Array;
}

/** The held-out estimate a freshly fitted linear model (dense or sparse) carries, if any. */
export function heldOutEstimate(model: unknown): HeldOutEstimate | undefined {
  const h = typeof model === "object" && model !== null && "heldOut" in model ? (model as { heldOut: unknown }).heldOut : undefined;
  return h && typeof h === "object" && "rows" in h && "proba" in h ? (h as HeldOutEstimate) : undefined;
}

/**
 * Weights are feature-major (`weights[f * classCount + k]`) so one non-zero feature touches one
 * contiguous run of class weights when scoring.
 */
export class LinearModel implements ClassifierModel {
  readonly kind: string;
  readonly classCount: number;
  readonly featureCount: number;
  readonly weights: Float32Array;
  readonly intercept: Float32Array;
  /** Softmax temperature fitted on (approximate) held-out scores. */
  readonly temperature: number;
  readonly params: Record<string, unknown>;
  readonly meta: Record<string, unknown>;
  private scorer: Scorer | undefined;
  /** Set by fitting only (see {@link HeldOutEstimate}). */
  readonly heldOut: HeldOutEstimate | undefined;

  constructor(init: {
    kind: string;
    classCount: number;
    featureCount: number;
    weights: Float32Array;
    intercept: Float32Array;
    temperature: number;
    params: Record<string, unknown>;
    meta?: Record<string, unknown>;
    heldOut?: HeldOutEstimate;
  }) {
    if (init.weights.length !== init.classCount * init.featureCount) {
      throw new RangeError(`Weights have length ${init.weights.length}, expected ${init.classCount}×${init.featureCount}`);
    }
    if (init.intercept.length !== init.classCount) throw new RangeError("Intercept length must equal the class count");
    this.kind = init.kind;
    this.classCount = init.classCount;
    this.featureCount = init.featureCount;
    this.weights = init.weights;
    this.intercept = init.intercept;
    this.temperature = init.temperature;
    this.params = init.params;
    this.meta = init.meta ?? {};
    this.heldOut = init.heldOut;
  }

  decisionFunction(x: Matrix): DenseMatrix {
    checkWidth(x, this.featureCount);
    const k = this.classCount;
    const out = dense(x.rows, k);
    const o = out.data;
    const w = this.weights;
    if (x.kind !== "csr") for (let i = 0; i < x.rows; i++) o.set(this.intercept, i * k);
    if (x.kind === "csr") {
      (this.scorer ??= kernels().scorer(w, k, this.intercept)).score(x, o);
    } else {
      const cols = x.cols;
      for (let i = 0; i < x.rows; i++) {
        const base = i * k;
        for (let j = 0; j < cols; j++) {
          const v = x.data[i * cols + j]!;
          if (v === 0) continue;
          const off = j * k;
          for (let c = 0; c < k; c++) o[base + c]! += v * w[off + c]!;
        }
      }
    }
    return out;
  }

  predict(x: Matrix): Int32Array {
    return argmaxRows(this.decisionFunction(x).data, x.rows, this.classCount);
  }

  predictProba(x: Matrix): DenseMatrix {
    const s = this.decisionFunction(x);
    for (let i = 0; i < x.rows; i++) softmaxInPlace(s.data, i * this.classCount, this.classCount, this.temperature);
    return s;
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: this.params,
      meta: { ...this.meta, classCount: this.classCount, featureCount: this.featureCount, temperature: this.temperature },
      arrays: { weights: this.weights, intercept: this.intercept },
    };
  }

  static fromArtifact(a: Artifact): LinearModel {
    const { classCount, featureCount, temperature } = a.meta as { classCount: number; featureCount: number; temperature: number };
    const { weights, intercept } = a.arrays;
    if (!(weights instanceof Float32Array) || !(intercept instanceof Float32Array)) {
      throw new TypeError(`Artifact of "${a.kind}" needs Float32 arrays "weights" and "intercept"`);
    }
    return new LinearModel({ kind: a.kind, classCount, featureCount, weights, intercept, temperature, params: a.params, meta: a.meta });
  }
}

/** Throws TypeError when x's width differs from the model's (the usual sign of a feature mismatch). */
export function checkWidth(x: Matrix, featureCount: number): void {
  if (x.cols !== featureCount) {
    throw new TypeError(`Input has ${x.cols} features, the model expects ${featureCount}`);
  }
}

/**
 * Fits the softmax temperature T minimizing the mean negative log-likelihood of `labels` under
 * softmax(scores / T) (golden-section search on log T in [1e-3, 1e3]).
 */
export function fitTemperature(scores: Float32Array, labels: Int32Array, classCount: number): number {
  const n = labels.length;
  if (n === 0) return 1;
  // Each row's scores less its largest, once (the same float64 differences every evaluation computed afresh).
  const shifted = new Float64Array(n * classCount);
  const truth = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * classCount;
    let max = -Infinity;
    for (let c = 0; c < classCount; c++) if (scores[off + c]! > max) max = scores[off + c]!;
    for (let c = 0; c < classCount; c++) shifted[off + c] = scores[off + c]! - max;
    truth[i] = scores[off + labels[i]!]! - max;
  }
  const nll = (logT: number): number => {
    const t = Math.exp(logT);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const off = i * classCount;
      let sum = 0;
      for (let c = 0; c < classCount; c++) sum += Math.exp(shifted[off + c]! / t);
      total += Math.log(sum) - truth[i]! / t;
    }
    return total / n;
  };
  return minimizeTemperature(nll);
}

/**
 * The temperature T minimizing `nll(log T)` (a mean negative log-likelihood, unimodal in log T): golden-section
 * search on log T in [1e-3, 1e3].
 */
export function minimizeTemperature(nll: (logT: number) => number): number {
  let a = Math.log(1e-3);
  let b = Math.log(1e3);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = nll(c);
  let fd = nll(d);
  // ±1% in T is far below what calibration can resolve: about 25 evaluations.
  for (let it = 0; it < 60 && b - a > 1e-2; it++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = nll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = nll(d);
    }
  }
  return Math.exp((a + b) / 2);
}
