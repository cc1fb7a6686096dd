// The fitted multilayer perceptron: standardised inputs, ReLU hidden layers, softmax output.
import type { Artifact, ClassifierModel } from "../core/contracts.js";
import { argmax } from "../linalg/topk.js";
import { assertFinite, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { gemmABt, softmaxRows } from "./mlp-kernels.js";

/** Rows pushed through the network at once when predicting (bounds the activation buffers). */
const PREDICT_CHUNK = 256;

/** Everything a fitted MLP is: input standardisation, layer sizes, weights and biases. */
export interface MlpState {
  /** Width of the input matrices the model accepts. */
  featureCount: number;
  classCount: number;
  /** The input columns the network reads (those non-zero in some training row), ascending. */
  columns: Int32Array;
  /** Per used column: training mean and 1/std (0 for a constant column). */
  mean: Float32Array;
  scale: Float32Array;
  /** Layer widths: [columns.length, hidden…, classCount]. */
  sizes: number[];
  /** Layer l's weights, sizes[l+1] × sizes[l] row-major (each output unit's weights contiguous). */
  weights: Float32Array[];
  biases: Float32Array[];
}

/**
 * Maps input columns to the network's compact input index (−1 = ignored), so a model trained on
 * hashed text (2^19 columns, a few thousand used) stays small.
 */
export function columnIndex(featureCount: number, columns: Int32Array): Int32Array {
  const idx = new Int32Array(featureCount).fill(-1);
  for (let c = 0; c < columns.length; c++) idx[columns[c]!] = c;
  return idx;
}

/**
 * Writes rows `rows[start .. start+count)` (or start.. when rows is null) of `x`, restricted to the used
 * columns and standardised, into `out` (count × columns.length). Dense and CSR input give the same
 * numbers: a stored zero and an absent entry both become (0 − mean)·scale.
 */
export function gatherRows(
  x: Matrix,
  rows: Int32Array | null,
  start: number,
  count: number,
  columns: Int32Array,
  index: Int32Array,
  mean: Float32Array,
  scale: Float32Array,
  out: Float32Array,
): void {
  const d = columns.length;
  for (let t = 0; t < count; t++) {
    const r = rows ? rows[start + t]! : start + t;
    const o = t * d;
    if (x.kind === "dense") {
      const base = r * x.cols;
      for (let c = 0; c < d; c++) out[o + c] = (x.data[base + columns[c]!]! - mean[c]!) * scale[c]!;
    } else {
      for (let c = 0; c < d; c++) out[o + c] = -mean[c]! * scale[c]!;
      for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
        const c = index[x.indices[p]!]!;
        if (c >= 0) out[o + c] = (x.data[p]! - mean[c]!) * scale[c]!;
      }
    }
  }
}

/**
 * Forward pass of `count` standardised rows through every layer; returns the logits (count × classes).
 * `acts[l]` are scratch buffers of at least count × sizes[l+1]; ReLU on all but the last layer.
 */
export function forward(state: MlpState, input: Float32Array, count: number, acts: Float32Array[]): Float32Array {
  const { sizes, weights, biases } = state;
  let a = input;
  for (let l = 0; l < weights.length; l++) {
    const out = acts[l]!;
    gemmABt(a, count, sizes[l]!, weights[l]!, sizes[l + 1]!, biases[l], out);
    if (l < weights.length - 1) {
      const len = count * sizes[l + 1]!;
      for (let i = 0; i < len; i++) if (out[i]! < 0) out[i] = 0;
    }
    a = out;
  }
  return a;
}

/** A fitted MLP classifier (see {@link Mlp}). */
export class MlpModel implements ClassifierModel {
  readonly kind = "mlp";
  readonly featureCount: number;
  readonly classCount: number;
  readonly state: MlpState;
  readonly params: Record<string, unknown>;
  readonly meta: Record<string, unknown>;
  private index: Int32Array | undefined;

  constructor(state: MlpState, params: Record<string, unknown>, meta: Record<string, unknown> = {}) {
    this.state = state;
    this.featureCount = state.featureCount;
    this.classCount = state.classCount;
    this.params = params;
    this.meta = meta;
  }

  /** Logits (pre-softmax scores), rows × classCount. */
  decisionFunction(x: Matrix): DenseMatrix {
    return this.run(x, false);
  }

  /** Softmax probabilities; each row sums to 1. */
  predictProba(x: Matrix): DenseMatrix {
    return this.run(x, true);
  }

  predict(x: Matrix): Int32Array {
    const s = this.decisionFunction(x);
    const out = new Int32Array(s.rows);
    for (let i = 0; i < s.rows; i++) out[i] = argmax(s.data, i * s.cols, s.cols);
    return out;
  }

  private run(x: Matrix, proba: boolean): DenseMatrix {
    if (x.cols !== this.featureCount) throw new TypeError(`Input has ${x.cols} features, the model expects ${this.featureCount}`);
    assertFinite(x);
    const s = this.state;
    this.index ??= columnIndex(s.featureCount, s.columns);
    const k = this.classCount;
    const out = new Float32Array(x.rows * k);
    const chunk = Math.min(PREDICT_CHUNK, Math.max(1, x.rows));
    const input = new Float32Array(chunk * s.columns.length);
    const acts = s.sizes.slice(1).map((w) => new Float32Array(chunk * w));
    for (let start = 0; start < x.rows; start += chunk) {
      const count = Math.min(chunk, x.rows - start);
      gatherRows(x, null, start, count, s.columns, this.index, s.mean, s.scale, input);
      const logits = forward(s, input, count, acts);
      if (proba) softmaxRows(logits, count, k);
      out.set(logits.subarray(0, count * k), start * k);
    }
    return { kind: "dense", rows: x.rows, cols: k, data: out };
  }

  toArtifact(): Artifact {
    const s = this.state;
    const arrays: Artifact["arrays"] = { columns: s.columns, mean: s.mean, scale: s.scale };
    s.weights.forEach((w, l) => (arrays[`w${l}`] = w));
    s.biases.forEach((b, l) => (arrays[`b${l}`] = b));
    return {
      kind: this.kind,
      params: this.params,
      meta: { ...this.meta, featureCount: s.featureCount, classCount: s.classCount, sizes: s.sizes },
      arrays,
    };
  }

  /** Restores a model from its artifact, checking every array's type and length. */
  static fromArtifact(a: Artifact): MlpModel {
    const bad = (why: string): TypeError => new TypeError(`Artifact of "${a.kind}" is not a valid MLP: ${why}`);
    const { featureCount, classCount, sizes } = a.meta as { featureCount?: unknown; classCount?: unknown; sizes?: unknown };
    if (typeof featureCount !== "number" || typeof classCount !== "number") throw bad("meta.featureCount/classCount missing");
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((v) => Number.isInteger(v) && v > 0)) throw bad("meta.sizes missing");
    const f32 = (name: string, len: number): Float32Array => {
      const v = a.arrays[name];
      if (!(v instanceof Float32Array) || v.length !== len) throw bad(`array "${name}" must be Float32 of length ${len}`);
      return v;
    };
    const columns = a.arrays.columns;
    if (!(columns instanceof Int32Array) || columns.length !== sizes[0]) throw bad(`array "columns" must be Int32 of length ${sizes[0]}`);
    for (let c = 0; c < columns.length; c++) if (columns[c]! < 0 || columns[c]! >= featureCount) throw bad(`column ${columns[c]} out of range`);
    if (sizes[sizes.length - 1] !== classCount) throw bad("the last layer width differs from classCount");
    const weights: Float32Array[] = [];
    const biases: Float32Array[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      weights.push(f32(`w${l}`, sizes[l + 1] * sizes[l]));
      biases.push(f32(`b${l}`, sizes[l + 1]));
    }
    const state: MlpState = {
      featureCount,
      classCount,
      columns,
      mean: f32("mean", columns.length),
      scale: f32("scale", columns.length),
      sizes: sizes as number[],
      weights,
      biases,
    };
    return new MlpModel(state, a.params, a.meta);
  }
}
