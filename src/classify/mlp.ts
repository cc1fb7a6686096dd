// Multilayer perceptron classifier: ReLU hidden layers, softmax cross-entropy, AdamW, mini-batches.
import { z } from "zod";
import type { Classifier, FitOptions } from "../core/contracts.js";
import { throwIfAborted } from "../core/errors.js";
import { Random } from "../core/random.js";
import { assertFinite, type Matrix } from "../linalg/matrix.js";
import { checkLabels } from "./fit-linear.js";
import { mlpWorkerThreads, ParallelGradients } from "./mlp-parallel.js";
import { AdamW, GradientBuffers, type MlpNet } from "./mlp-trainer.js";
import { columnIndex, forward, gatherRows, MlpModel, type MlpState } from "./mlp-model.js";

/** MLP params: one schema for validation, defaults and docs. */
export const MlpParams = z.object({
  /** Width of each hidden layer, input side first; [] gives multinomial logistic regression. */
  hiddenLayers: z.array(z.number().int().min(1).max(65536)).max(8).default([256]),
  /** Hidden activation (ReLU: cheap, and the usual choice with Adam). */
  activation: z.enum(["relu"]).default("relu"),
  /** Peak Adam step size. */
  learningRate: z.number().positive().max(1).default(1e-3),
  /** "cosine" anneals the step size to 0 over `epochs`; "constant" keeps it. */
  schedule: z.enum(["cosine", "constant"]).default("cosine"),
  /** Adam moment decay rates and denominator epsilon. */
  beta1: z.number().min(0).max(0.999999).default(0.9),
  beta2: z.number().min(0).max(0.999999).default(0.999),
  adamEpsilon: z.number().positive().default(1e-8),
  /** Rows per gradient step. */
  batchSize: z.number().int().min(1).max(65536).default(128),
  /** Passes over the training rows (the most; early stopping may end sooner). */
  epochs: z.number().int().min(1).max(10000).default(100),
  /** Decoupled weight decay (AdamW): each step shrinks weights by learningRate × weightDecay. Biases are not decayed. */
  weightDecay: z.number().min(0).default(1e-2),
  /** Probability of zeroing each hidden unit during training (inverted dropout; 0 = off). */
  dropout: z.number().min(0).max(0.9).default(0),
  /**
   * Fraction of rows held out to pick the best epoch and stop early (0 = no hold-out: stop when the
   * training loss stops improving by `tol`). The held-out rows are not trained on.
   */
  validationFraction: z.number().min(0).max(0.5).default(0),
  /** Epochs without improvement (of held-out accuracy, or training loss) before stopping. */
  patience: z.number().int().min(1).default(10),
  /** Smallest training-loss decrease that counts as improvement when there is no hold-out. */
  tol: z.number().min(0).default(1e-4),
  /** Standardise each input column (mean 0, variance 1, fitted on the training rows) before the first layer. */
  standardize: z.boolean().default(true),
  /**
   * Worker threads beside this one that share each mini-batch (data parallel, shared memory). Default:
   * one per extra core when an epoch is large (≥ 10⁹ multiply-adds), else none. Results differ from a
   * single-threaded fit only by float summation order.
   */
  threads: z.number().int().min(0).max(64).optional(),
  /** Largest first-layer weight count accepted (used input columns × first layer width). */
  maxInputWeights: z.number().int().positive().default(64_000_000),
});
export type MlpParams = z.infer<typeof MlpParams>;
export type MlpParamsInput = z.input<typeof MlpParams>;

/**
 * A multilayer perceptron on typed arrays: inputs restricted to columns used in training and
 * standardised, ReLU hidden layers (He-initialised, optional dropout), softmax output, cross-entropy
 * loss, AdamW with a cosine step-size schedule, optional early stopping on a held-out fraction. Dense
 * and CSR input give the same model (rows are gathered into dense mini-batches). Cost per epoch:
 * 6 · rows · Σ (layer inputs × outputs) flops in register-blocked float32 products.
 * @example const m = await new Mlp({ hiddenLayers: [512], epochs: 20 }).fit(x, y, 10, { seed: 1 });
 */
export class Mlp implements Classifier {
  readonly kind = "mlp";
  readonly params: MlpParams;
  constructor(params: MlpParamsInput = {}) {
    this.params = MlpParams.parse(params);
  }

  async fit(x: Matrix, y: Int32Array, classCount: number, options: FitOptions = {}): Promise<MlpModel> {
    checkLabels(y, x.rows, classCount);
    assertFinite(x);
    const p = this.params;
    const rng = new Random(options.seed ?? 0);
    const n = x.rows;
    // Hold-out split (shuffled), then column statistics on the training part only.
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    const nVal = p.validationFraction > 0 ? Math.min(n - 1, Math.floor(n * p.validationFraction)) : 0;
    const valRows = order.slice(0, nVal);
    const trainRows = order.slice(nVal);
    const stats = columnStats(x, trainRows, p.standardize);
    const sizes = [stats.columns.length, ...p.hiddenLayers, classCount];
    if (sizes[0]! * sizes[1]! > p.maxInputWeights) {
      throw new RangeError(
        `An MLP over ${sizes[0]} used input columns with a first layer of ${sizes[1]} needs ${sizes[0]! * sizes[1]!} weights, above maxInputWeights ${p.maxInputWeights}: reduce the features (e.g. fewer hash bits) or use a linear classifier`,
      );
    }
    const layerWork = sizes.slice(1).reduce((acc, w, l) => acc + w * sizes[l]!, 0);
    const workers = p.threads ?? (trainRows.length * layerWork >= 1e9 ? Math.min(1, mlpWorkerThreads()) : 0);
    const alloc = (len: number): Float32Array => (workers > 0 ? new Float32Array(new SharedArrayBuffer(len * 4)) : new Float32Array(len));
    const state: MlpState = { featureCount: x.cols, classCount, ...stats, sizes, weights: [], biases: [] };
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!;
      const w = alloc(sizes[l + 1]! * fanIn);
      const sd = Math.sqrt(2 / Math.max(1, fanIn)); // He initialisation for ReLU
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * sd;
      state.weights.push(w);
      state.biases.push(alloc(sizes[l + 1]!));
    }
    const net: MlpNet = { sizes, weights: state.weights, biases: state.biases };
    const bs = Math.min(p.batchSize, trainRows.length);
    const par = workers > 0 ? new ParallelGradients(net, bs, p.dropout > 0, workers) : undefined;
    const local = par ? undefined : new GradientBuffers(net, bs);
    const grads = (par ?? local)!;
    const input = par ? par.input : new Float32Array(bs * sizes[0]!);
    const labels = par ? par.labels : new Int32Array(bs);
    const masks = par ? par.masks : sizes.slice(1, -1).map((w) => new Float32Array(p.dropout > 0 ? bs * w : 0));
    const adam = new AdamW(net, p.beta1, p.beta2, p.adamEpsilon);
    const keep = 1 / (1 - p.dropout);
    const index = columnIndex(x.cols, state.columns);
    const batches = Math.ceil(trainRows.length / bs);
    const totalSteps = p.epochs * batches;
    let best = { score: -Infinity, epoch: -1, weights: [] as Float32Array[], biases: [] as Float32Array[] };
    let bestLoss = Infinity;
    let stale = 0;
    let epochsRun = 0;
    try {
      for (let epoch = 0; epoch < p.epochs; epoch++) {
        rng.shuffle(trainRows);
        let loss = 0;
        for (let b = 0; b < batches; b++) {
          const start = b * bs;
          const count = Math.min(bs, trainRows.length - start);
          gatherRows(x, trainRows, start, count, state.columns, index, state.mean, state.scale, input);
          for (let i = 0; i < count; i++) labels[i] = y[trainRows[start + i]!]!;
          // Dropout masks are drawn here, in row order, so the thread count never changes them.
          for (const m of masks) for (let i = 0; i < m.length; i++) m[i] = rng.float() < p.dropout ? 0 : keep;
          const lr = p.schedule === "cosine" ? (p.learningRate * (1 + Math.cos((Math.PI * adam.step) / totalSteps))) / 2 : p.learningRate;
          loss += par ? par.compute(count) : local!.compute(input, count, labels, masks, count);
          adam.update(grads.gradW, grads.gradB, lr, p.weightDecay);
          if (b % 25 === 24) {
            throwIfAborted(options.signal);
            options.onProgress?.({ stage: "mlp", done: epoch * batches + b + 1, total: totalSteps });
            await new Promise((r) => setImmediate(r)); // let a timer abort us
          }
        }
        throwIfAborted(options.signal);
        options.onProgress?.({ stage: "mlp", done: (epoch + 1) * batches, total: totalSteps });
        epochsRun = epoch + 1;
        loss /= trainRows.length;
        if (!Number.isFinite(loss)) throw new RangeError(`MLP training diverged at epoch ${epoch + 1} (loss ${loss}): lower learningRate`);
        if (nVal > 0) {
          const score = accuracy(state, x, valRows, y, index);
          if (score > best.score) {
            best = { score, epoch, weights: state.weights.map((w) => w.slice()), biases: state.biases.map((v) => v.slice()) };
            stale = 0;
          } else if (++stale >= p.patience) break;
        } else if (loss < bestLoss - p.tol) {
          bestLoss = loss;
          stale = 0;
        } else if (++stale >= p.patience) break;
      }
    } finally {
      await par?.close();
    }
    const meta: Record<string, unknown> = { epochs: epochsRun };
    if (nVal > 0) {
      state.weights = best.weights;
      state.biases = best.biases;
      meta.bestEpoch = best.epoch + 1;
      meta.validationAccuracy = best.score;
    } else if (workers > 0) {
      // Move the weights off shared memory: the model outlives the workers and may be persisted or cloned.
      state.weights = state.weights.map((w) => w.slice());
      state.biases = state.biases.map((b) => b.slice());
    }
    return new MlpModel(state, { ...p }, meta);
  }
}

/** Used columns and standardisation: mean and 1/std per column over `rows` (float64 sums). */
function columnStats(x: Matrix, rows: Int32Array, standardize: boolean): { columns: Int32Array; mean: Float32Array; scale: Float32Array } {
  const d = x.cols;
  const sum = new Float64Array(d);
  const sq = new Float64Array(d);
  const nz = new Uint8Array(d);
  for (let t = 0; t < rows.length; t++) {
    const r = rows[t]!;
    if (x.kind === "dense") {
      const base = r * d;
      for (let c = 0; c < d; c++) {
        const v = x.data[base + c]!;
        if (v !== 0) {
          nz[c] = 1;
          sum[c] += v;
          sq[c] += v * v;
        }
      }
    } else {
      for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
        const c = x.indices[p]!;
        const v = x.data[p]!;
        if (v !== 0) {
          nz[c] = 1;
          sum[c] += v;
          sq[c] += v * v;
        }
      }
    }
  }
  let used = 0;
  for (let c = 0; c < d; c++) used += nz[c]!;
  // Keep at least one column so a degenerate (all-zero) input still yields a well-formed network.
  const columns = new Int32Array(Math.max(1, used));
  for (let c = 0, k = 0; c < d; c++) if (nz[c]) columns[k++] = c;
  const mean = new Float32Array(columns.length);
  const scale = new Float32Array(columns.length).fill(1);
  if (standardize && rows.length > 0) {
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k]!;
      const m = sum[c]! / rows.length;
      const v = Math.max(0, sq[c]! / rows.length - m * m);
      mean[k] = m;
      scale[k] = v > 1e-12 ? 1 / Math.sqrt(v) : 0;
    }
  }
  return { columns, mean, scale };
}

/** Accuracy of the current weights on `rows`. */
function accuracy(state: MlpState, x: Matrix, rows: Int32Array, y: Int32Array, index: Int32Array): number {
  const chunk = 256;
  const k = state.classCount;
  const input = new Float32Array(chunk * state.columns.length);
  const acts = state.sizes.slice(1).map((w) => new Float32Array(chunk * w));
  let correct = 0;
  for (let start = 0; start < rows.length; start += chunk) {
    const count = Math.min(chunk, rows.length - start);
    gatherRows(x, rows, start, count, state.columns, index, state.mean, state.scale, input);
    const logits = forward(state, input, count, acts);
    for (let i = 0; i < count; i++) {
      let bj = 0;
      for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + bj]!) bj = j;
      if (bj === y[rows[start + i]!]) correct++;
    }
  }
  return rows.length > 0 ? correct / rows.length : 0;
}
