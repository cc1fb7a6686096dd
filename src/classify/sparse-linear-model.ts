// A fitted multiclass linear model that stores and scores only its non-zero class weights (feature-major CSR),
// for models with many categories whose weight matrix is mostly zeros.
import type { Artifact, ClassifierModel } from "../core/contracts.js";
import { dense, type CsrMatrix, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { argmaxRows, softmaxInPlace } from "../linalg/topk.js";
import { sparseScorer, type SparseScorer } from "../linalg/sparse-scorer.js";
import { checkWidth, type HeldOutEstimate } from "./linear-model.js";

/** The non-zero weights of a linear model: for feature f, classes `classes[indptr[f] .. indptr[f+1])` (ascending) and their values. */
export interface SparseWeights {
  indptr: Int32Array;
  classes: Int32Array;
  values: Float32Array;
}

/**
 * scores = x·W + b, probabilities = softmax(scores / temperature), like {@link LinearModel}, with W kept as a
 * feature-major sparse matrix: scoring a row costs its non-zeros × the classes each feature has weight for
 * (not × every class), and the model takes 8 bytes a non-zero weight instead of 4 bytes every weight.
 * @example SparseLinearModel.fromDense(linear, 0.01) // prune |w| < 0.01, keep the rest sparse
 */
export class SparseLinearModel implements ClassifierModel {
  readonly kind: string;
  readonly classCount: number;
  readonly featureCount: number;
  readonly weights: SparseWeights;
  readonly intercept: Float32Array;
  readonly temperature: number;
  readonly params: Record<string, unknown>;
  readonly meta: Record<string, unknown>;
  /** Set by fitting only (see {@link HeldOutEstimate}). */
  readonly heldOut: HeldOutEstimate | undefined;

  constructor(init: {
    kind: string;
    classCount: number;
    featureCount: number;
    weights: SparseWeights;
    intercept: Float32Array;
    temperature: number;
    params: Record<string, unknown>;
    meta?: Record<string, unknown>;
    heldOut?: HeldOutEstimate;
  }) {
    const { indptr, classes, values } = init.weights;
    if (indptr.length !== init.featureCount + 1) throw new RangeError(`Weight indptr has length ${indptr.length}, expected ${init.featureCount + 1}`);
    const nz = indptr[init.featureCount]!;
    if (indptr[0] !== 0 || classes.length !== nz || values.length !== nz) throw new RangeError(`Weight arrays disagree: indptr ends at ${nz}, ${classes.length} classes, ${values.length} values`);
    for (let f = 0; f < init.featureCount; f++) {
      if (indptr[f + 1]! < indptr[f]!) throw new RangeError(`Weight indptr decreases at feature ${f}`);
    }
    for (let p = 0; p < nz; p++) {
      const c = classes[p]!;
      if (!(c >= 0 && c < init.classCount)) throw new RangeError(`Weight class ${c} is outside [0, ${init.classCount})`);
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
    this.zeroIntercept = init.intercept.every((b) => b === 0);
  }

  /** Whether every intercept is 0 (then a category no feature of a row touches scores exactly 0). */
  private readonly zeroIntercept: boolean;
  private scorer: SparseScorer | undefined;

  /** Non-zero weights stored. */
  get nonZeros(): number {
    return this.weights.indptr[this.featureCount]!;
  }

  /** Feature f's weight for class c (0 when not stored). O(log of the feature's non-zeros). */
  weight(f: number, c: number): number {
    const { indptr, classes, values } = this.weights;
    let lo = indptr[f]!;
    let hi = indptr[f + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (classes[mid]! < c) lo = mid + 1;
      else hi = mid;
    }
    return lo < indptr[f + 1]! && classes[lo] === c ? values[lo]! : 0;
  }

  /** Per-feature sum of the class weights (for the "mean" baseline of explanations). */
  featureSums(): Float64Array {
    const { indptr, values } = this.weights;
    const out = new Float64Array(this.featureCount);
    for (let f = 0; f < this.featureCount; f++) {
      let s = 0;
      for (let p = indptr[f]!; p < indptr[f + 1]!; p++) s += values[p]!;
      out[f] = s;
    }
    return out;
  }

  decisionFunction(x: Matrix): DenseMatrix {
    checkWidth(x, this.featureCount);
    const k = this.classCount;
    const out = dense(x.rows, k);
    const o = out.data;
    const { indptr: wp, classes: wc, values: wv } = this.weights;
    if (x.kind === "csr") {
      // WebAssembly when built (the same bits as the JavaScript loop, jsSparseScore).
      (this.scorer ??= sparseScorer(this.weights, k, this.intercept)).score(x, o);
    } else {
      for (let i = 0; i < x.rows; i++) o.set(this.intercept, i * k);
      const cols = x.cols;
      for (let i = 0; i < x.rows; i++) {
        const base = i * k;
        for (let j = 0; j < cols; j++) {
          const v = x.data[i * cols + j]!;
          if (v === 0) continue;
          for (let q = wp[j]!; q < wp[j + 1]!; q++) o[base + wc[q]!]! += v * wv[q]!;
        }
      }
    }
    return out;
  }

  predict(x: Matrix): Int32Array {
    return argmaxRows(this.decisionFunction(x).data, x.rows, this.classCount);
  }

  predictProba(x: Matrix): DenseMatrix {
    if (x.kind === "csr" && this.zeroIntercept) return this.sparseProba(x);
    const s = this.decisionFunction(x);
    for (let i = 0; i < x.rows; i++) softmaxInPlace(s.data, i * this.classCount, this.classCount, this.temperature);
    return s;
  }

  /**
   * Softmax when every category without a shared feature scores exactly 0 (no intercept, as nearest centroid):
   * only the categories a row touches need an exponential, the rest share one value. With thousands of
   * categories that is most of the cost of a prediction.
   */
  private sparseProba(x: CsrMatrix): DenseMatrix {
    checkWidth(x, this.featureCount);
    const k = this.classCount;
    const t = this.temperature;
    const out = dense(x.rows, k);
    const o = out.data;
    const { indptr: wp, classes: wc, values: wv } = this.weights;
    const acc = new Float64Array(k);
    const mark = new Uint8Array(k);
    const touched = new Int32Array(k);
    for (let i = 0; i < x.rows; i++) {
      let nt = 0;
      for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
        const v = x.data[p]!;
        const f = x.indices[p]!;
        for (let q = wp[f]!; q < wp[f + 1]!; q++) {
          const c = wc[q]!;
          if (mark[c] === 0) {
            mark[c] = 1;
            touched[nt++] = c;
          }
          acc[c]! += v * wv[q]!;
        }
      }
      let max = nt < k ? 0 : -Infinity;
      for (let j = 0; j < nt; j++) if (acc[touched[j]!]! > max) max = acc[touched[j]!]!;
      const e0 = Math.exp(-max / t);
      let sum = (k - nt) * e0;
      for (let j = 0; j < nt; j++) sum += Math.exp((acc[touched[j]!]! - max) / t);
      const base = i * k;
      o.fill(e0 / sum, base, base + k);
      for (let j = 0; j < nt; j++) {
        const c = touched[j]!;
        o[base + c] = Math.exp((acc[c]! - max) / t) / sum;
        acc[c] = 0;
        mark[c] = 0;
      }
    }
    return out;
  }

  toArtifact(): Artifact {
    const { indptr, classes, values } = this.weights;
    return {
      kind: this.kind,
      params: this.params,
      meta: { ...this.meta, classCount: this.classCount, featureCount: this.featureCount, temperature: this.temperature, sparse: true },
      arrays: { weightIndptr: indptr, weightClasses: classes, weightValues: values, intercept: this.intercept },
    };
  }

  /** Restores a model saved by {@link SparseLinearModel.toArtifact}. */
  static fromArtifact(a: Artifact): SparseLinearModel {
    const { classCount, featureCount, temperature } = a.meta as { classCount: number; featureCount: number; temperature: number };
    const { weightIndptr: indptr, weightClasses: classes, weightValues: values, intercept } = a.arrays;
    if (!(indptr instanceof Int32Array) || !(classes instanceof Int32Array) || !(values instanceof Float32Array) || !(intercept instanceof Float32Array)) {
      throw new TypeError(`Artifact of "${a.kind}" needs Int32 arrays "weightIndptr", "weightClasses" and Float32 arrays "weightValues", "intercept"`);
    }
    const meta = { ...a.meta };
    delete meta["sparse"];
    return new SparseLinearModel({ kind: a.kind, classCount, featureCount, weights: { indptr, classes, values }, intercept, temperature, params: a.params, meta });
  }
}

/** Whether an artifact holds sparse weights (written by {@link SparseLinearModel}) rather than a dense matrix. */
export function isSparseArtifact(a: Artifact): boolean {
  return a.arrays["weightIndptr"] !== undefined;
}

/**
 * Feature-major sparse weights from per-class dense columns: `column(c)` gives class c's weight of every feature
 * (length ≥ featureCount); weights with |w| < `pruneBelow` are dropped. Two passes (count, fill), no dense d×k copy.
 */
export function sparseFromColumns(featureCount: number, classCount: number, column: (c: number) => ArrayLike<number>, pruneBelow: number): SparseWeights {
  const indptr = new Int32Array(featureCount + 1);
  for (let c = 0; c < classCount; c++) {
    const w = column(c);
    for (let f = 0; f < featureCount; f++) {
      const v = w[f]!;
      if (v !== 0 && Math.abs(v) >= pruneBelow) indptr[f + 1]!++;
    }
  }
  for (let f = 0; f < featureCount; f++) indptr[f + 1]! += indptr[f]!;
  const nz = indptr[featureCount]!;
  const classes = new Int32Array(nz);
  const values = new Float32Array(nz);
  const fill = indptr.slice(0, featureCount);
  // Classes in ascending order, so each feature's run is sorted (weight() searches it).
  for (let c = 0; c < classCount; c++) {
    const w = column(c);
    for (let f = 0; f < featureCount; f++) {
      const v = w[f]!;
      if (v !== 0 && Math.abs(v) >= pruneBelow) {
        const at = fill[f]!++;
        classes[at] = c;
        values[at] = v;
      }
    }
  }
  return { indptr, classes, values };
}
