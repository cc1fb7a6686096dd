// Shared fitting of the dual-CD linear classifiers: one-vs-rest solve, weight layout, temperature.
import { z } from "zod";
import type { FitOptions } from "../core/contracts.js";
import { Random, deriveSeed } from "../core/random.js";
import { stratifiedKFold } from "../core/folds.js";
import { assertFinite, selectRows, toCsr, type CsrMatrix, type Matrix } from "../linalg/matrix.js";
import { jsKernels, type Scorer } from "../linalg/kernels.js";
import { rowSquaredNorms } from "./dual-cd.js";
import { LinearModel, fitTemperature, type HeldOutEstimate } from "./linear-model.js";
import { SparseLinearModel, type SparseWeights } from "./sparse-linear-model.js";
import { softmaxInPlace } from "../linalg/topk.js";
import { defaultThreads, trainOneVsRest, type ClassSolution } from "./one-vs-rest.js";

/** Params common to the linear classifiers. */
export const LinearParams = z.object({
  /** Inverse regularization strength (larger = less regularized). */
  c: z.number().positive().default(1),
  /** Stopping tolerance of the dual solver (projected-gradient gap, as LIBLINEAR's eps). */
  tol: z.number().positive().default(0.1),
  /**
   * Passes over the data per class. The default stops early on purpose: on product text, a few passes
   * of dual coordinate descent score as well as the converged solution (bench:classify) in a fraction of
   * the time, early stopping acting as extra regularization (4 here; linear-svm's own default is 6, see
   * linear-svm.ts). Raise it (e.g. 1000) to run to `tol`.
   */
  maxIter: z.number().int().positive().default(4),
  /** "balanced" weights each class by n / (classes × its count), for imbalanced catalogs. */
  classWeight: z.union([z.enum(["none", "balanced"]), z.array(z.number().positive())]).default("none"),
  /** Learn an intercept (as a constant feature of this value, regularized like the weights). */
  intercept: z.number().min(0).default(1),
  /** Worker threads (default: one per extra core; 0 = this thread only). */
  threads: z.number().int().min(0).optional(),
  /** Rows used to fit the probability temperature on leave-one-out score estimates. */
  calibrationRows: z.number().int().min(0).default(3000),
  /**
   * Fraction of the leave-one-out correction α·‖x‖² applied to probe scores: the full correction is an
   * upper bound (it ignores how the other rows' dual variables would compensate); half fits best.
   */
  looScale: z.number().min(0).default(0.5),
  /** Probe only rows whose category has at least this many training examples. */
  minClassForProbe: z.number().int().min(1).default(3),
  /**
   * In models of 64 or more categories, class weights with |w| below this are dropped, as Parabel and Bonsai
   * prune theirs: on flipkart-1050's 504 leaf categories 0.02 keeps 1.3% of the weights (half the matrix is
   * exact zeros) at the same accuracy, and the model is then stored and scored sparse (when that takes at most
   * half the room of the dense matrix). 0 keeps every non-zero weight. Smaller models are never pruned.
   */
  pruneBelow: z.number().min(0).default(0.02),
  /**
   * Rows (at most; a seeded sample beyond that) given leave-one-out probability estimates, which the
   * pipeline's isotonic calibration uses instead of refitting on folds (0 = none). Also capped so that the
   * dual variables kept for them (rows × classes) stay under 40M values.
   */
  heldOutRows: z.number().int().min(0).default(100_000),
  /**
   * SVM losses: the held-out estimates are out-of-fold scores, each fold's from a warm-started refit of the
   * full solution without that fold (stratified, seeded) for `refitPasses` passes; 0 = leave-one-out
   * estimates instead (free, but less well calibrated). Logistic loss always uses leave-one-out.
   */
  heldOutFolds: z.number().int().min(0).max(20).default(2),
  refitPasses: z.number().int().min(1).default(1),
});
export type LinearParams = z.infer<typeof LinearParams>;

/** Below this many categories a linear model keeps its weights dense whatever their sparsity. */
export const SPARSE_MIN_CLASSES = 64;

/** Per-class weights from the param. */
export function classWeights(spec: LinearParams["classWeight"], y: Int32Array, classCount: number): Float32Array {
  const w = new Float32Array(classCount).fill(1);
  if (spec === "none") return w;
  if (Array.isArray(spec)) {
    if (spec.length !== classCount) throw new RangeError(`classWeight has ${spec.length} values, expected ${classCount}`);
    w.set(spec);
    return w;
  }
  const counts = new Float64Array(classCount);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  let present = 0;
  for (let c = 0; c < classCount; c++) if (counts[c]! > 0) present++;
  for (let c = 0; c < classCount; c++) w[c] = counts[c]! > 0 ? y.length / (present * counts[c]!) : 1;
  return w;
}

/** Validates labels: integers in [0, classCount). */
export function checkLabels(y: Int32Array, rows: number, classCount: number): void {
  if (y.length !== rows) throw new TypeError(`Got ${y.length} labels for ${rows} rows`);
  if (!Number.isInteger(classCount) || classCount < 2) throw new RangeError(`Need at least 2 classes, got ${classCount}`);
  for (let i = 0; i < y.length; i++) {
    if (y[i]! < 0 || y[i]! >= classCount) throw new RangeError(`Label ${y[i]} at row ${i} is outside [0, ${classCount})`);
  }
}

/** Fits a one-vs-rest linear model with the given loss. */
export async function fitLinear(
  kind: string,
  loss: "squared-hinge" | "hinge" | "logistic",
  params: LinearParams,
  xIn: Matrix,
  y: Int32Array,
  classCount: number,
  options: FitOptions = {},
): Promise<FittedLinear> {
  checkLabels(y, xIn.rows, classCount);
  assertFinite(xIn);
  const x = toCsr(xIn);
  const seed = options.seed ?? 0;
  const rng = new Random(seed);
  const k = classCount;
  const { rows: probeRows, temperatureRows } = chooseProbeRows(y, k, params, rng);
  const nProbe = probeRows.length;
  const oof = loss !== "logistic" && params.heldOutRows > 0 && params.heldOutFolds >= 2 && x.rows >= params.heldOutFolds;
  const d = x.cols;
  // Models of few classes are dense and unpruned: the SVM's threads put their weights straight into the matrix.
  // On shared memory from the start: the solver threads write into it where it lies (no shared copy made and copied back).
  const denseOut = k < SPARSE_MIN_CLASSES && loss !== "logistic" ? new Float32Array(new SharedArrayBuffer(d * k * 4)) : undefined;
  const heldOutWanted = nProbe > 0 && params.heldOutRows > 0;
  // Leave-one-out estimate of a probe row's scores: removing row i from the dual solution moves its score for
  // problem k by alpha_ik · y_ik · ||x_i||², which is what an unseen product would have seen. The temperature
  // needs them on its rows; the held-out estimates on every probe row, unless out-of-fold scores stand in
  // (then only the temperature's rows are scored: cn-online-shopping-10cats scores 3,000 rows, not 50,218).
  const looAll = heldOutWanted && !oof;
  const looAt = looAll ? Int32Array.from({ length: nProbe }, (_, t) => t) : temperatureRows;
  const rows = Int32Array.from(looAt, (t) => probeRows[t]!);
  const sols = await trainOneVsRest(
    x,
    y,
    k,
    {
      loss,
      c: params.c,
      tol: params.tol,
      maxIter: params.maxIter,
      bias: params.intercept,
      classWeight: classWeights(params.classWeight, y, k),
      seed,
      probeRows,
      // With few categories the dense matrix is small, its contiguous rows score faster and pruning buys nothing
      // (cn-online-shopping-10cats: macro-F1 0.8973 → 0.8971 at 0.02), so those models stay dense and unpruned.
      pruneBelow: k >= SPARSE_MIN_CLASSES ? params.pruneBelow : 0,
      // A dense model's scores of those rows come from the solver threads (the same weights, where they lie).
      ...(denseOut ? { denseOut, scoreRows: rows } : {}),
      ...(oof ? { foldOf: stratifiedKFold(y, params.heldOutFolds, deriveSeed(seed, 0x0f01d)), folds: params.heldOutFolds, refitPasses: params.refitPasses } : {}),
    },
    params.threads ?? defaultThreads(),
    options,
  );
  const intercept = new Float32Array(k);
  const iterations = sols.map((s) => s.iterations);
  let converged = 0;
  for (const s of sols) {
    intercept[s.cls] = s.bias * params.intercept;
    if (s.converged) converged++;
  }
  const many = k >= SPARSE_MIN_CLASSES;
  let kept = 0;
  for (const s of sols) kept += s.features.length;
  // 8 bytes a stored non-zero against 4 bytes every weight: sparse when that is at most half the room.
  const isSparse = many && kept * 4 <= d * k;
  const sparse = isSparse ? sparseFromSolutions(d, sols) : undefined;
  const weights = isSparse ? undefined : denseFromSolutions(d, k, sols, denseOut);
  const build = (temperature: number, meta?: Record<string, unknown>, heldOut?: HeldOutEstimate): FittedLinear => {
    const common = { kind, classCount: k, featureCount: d, intercept, temperature, params: { ...params }, ...(meta ? { meta } : {}), ...(heldOut ? { heldOut } : {}) };
    return weights ? new LinearModel({ ...common, weights }) : new SparseLinearModel({ ...common, weights: sparse! });
  };
  const raw = build(1);
  const xsq = rowSquaredNorms(x, params.intercept, rows);
  const scores = (weights && threadScores(sols, rows.length, k)) || modelScores(raw, weights, intercept, rows.length === x.rows ? x : selectRows(x, rows), k);
  const labels = Int32Array.from(rows, (i) => y[i]!);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const t = looAt[r]!;
    for (const s of sols) {
      const yi = y[i] === s.cls ? 1 : -1;
      scores[r * k + s.cls]! -= params.looScale * s.probeAlpha[t]! * yi * xsq[r]!;
    }
  }
  const temperature = looAll
    ? fitTemperature(pickRows(scores, k, Array.from(temperatureRows)), Int32Array.from(temperatureRows, (t) => labels[t]!), k)
    : fitTemperature(scores, labels, k);
  let heldOut: HeldOutEstimate | undefined;
  if (heldOutWanted) {
    let proba = scores;
    if (oof) {
      // Out-of-fold scores, through the final model's temperature: what its confidence on unseen products looks like.
      proba = outOfFoldProba(sols, nProbe, k, temperature);
    } else for (let t = 0; t < nProbe; t++) softmaxInPlace(proba, t * k, k, temperature);
    heldOut = { rows: probeRows, proba };
  }
  return build(temperature, { iterations, convergedClasses: converged }, heldOut);
}

/**
 * The probe rows' out-of-fold probabilities: each row's scores (the classes' probeOof) through softmaxInPlace's
 * steps at `temperature`, row by row in one loop (the same float64 operations, rounded to float32 where it stores
 * them): each row's k scores are gathered into a float64 scratch, so the loop touches `proba` once, in order.
 */
export function outOfFoldProba(sols: readonly ClassSolution[], n: number, k: number, temperature: number): Float32Array {
  const proba = new Float32Array(n * k);
  const oof: Float64Array[] = new Array<Float64Array>(k);
  for (const s of sols) oof[s.cls] = s.probeOof;
  const row = new Float32Array(k);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < k; c++) row[c] = oof[c]![t]!;
    softmaxInPlace(row, 0, k, temperature);
    proba.set(row, t * k);
  }
  return proba;
}

/**
 * The feature-major sparse weights of the classes' kept weights (solutions in class order): as
 * sparse-linear-model.ts's sparseFromColumns on the dense columns with the same threshold, from the pruned
 * columns each thread already made, in O(kept + features).
 */
export function sparseFromSolutions(featureCount: number, sols: readonly ClassSolution[]): SparseWeights {
  const indptr = new Int32Array(featureCount + 1);
  for (const s of sols) for (let t = 0; t < s.features.length; t++) indptr[s.features[t]! + 1]!++;
  for (let f = 0; f < featureCount; f++) indptr[f + 1]! += indptr[f]!;
  const nz = indptr[featureCount]!;
  const classes = new Int32Array(nz);
  const values = new Float32Array(nz);
  const fill = indptr.slice(0, featureCount);
  // Classes in ascending order, so each feature's run is sorted (weight() searches it).
  for (const s of sols) {
    for (let t = 0; t < s.features.length; t++) {
      const at = fill[s.features[t]!]!++;
      classes[at] = s.cls;
      values[at] = s.values[t]!;
    }
  }
  return { indptr, classes, values };
}

/** A fitted linear classifier: dense weights, or sparse ones when most are zero (see `pruneBelow`). */
export type FittedLinear = LinearModel | SparseLinearModel;

function scoreRows(scorer: Scorer, x: CsrMatrix, k: number): Float32Array {
  const out = new Float32Array(x.rows * k);
  scorer.score(x, out);
  return out;
}

/** The rows' scores (rows × k) from the solutions' rowScores, or undefined where a solution has none. */
function threadScores(sols: readonly ClassSolution[], rows: number, k: number): Float32Array | undefined {
  if (rows === 0 || sols.some((s) => s.rowScores.length !== rows)) return undefined;
  const out = new Float32Array(rows * k);
  for (const s of sols) for (let r = 0; r < rows; r++) out[r * k + s.cls] = s.rowScores[r]!;
  return out;
}

/**
 * The model's scores of `probe`: a dense model's on the JavaScript scorer (the same bits as the WebAssembly one,
 * which would first copy the whole weight matrix into its memory: 16.5 MB on cn-online-shopping-10cats).
 */
function modelScores(raw: FittedLinear, weights: Float32Array | undefined, intercept: Float32Array, probe: CsrMatrix, k: number): Float32Array {
  return weights ? scoreRows(jsKernels.scorer(weights, k, intercept), probe, k) : raw.decisionFunction(probe).data;
}

/** The dense feature-major weights (features × k) of the classes' kept weights (added to `into`, when given). */
function denseFromSolutions(d: number, k: number, sols: readonly ClassSolution[], into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(d * k);
  for (const s of sols) for (let t = 0; t < s.features.length; t++) out[s.features[t]! * k + s.cls] = s.values[t]!;
  return out;
}

function classCounts(y: Int32Array, k: number): Int32Array {
  const counts = new Int32Array(k);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  return counts;
}

/** Rows `rows` of a row-major rows × k array, as a new array. */
function pickRows(a: Float32Array, k: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * k);
  rows.forEach((t, j) => out.set(a.subarray(t * k, t * k + k), j * k));
  return out;
}

/**
 * The rows whose leave-one-out scores are estimated (sorted): every row when they fit the budget, else a
 * seeded sample; and the positions among them of the temperature's rows: a seeded sample of calibrationRows
 * rows whose category keeps enough examples without them (a singleton's leave-one-out score says "unknown
 * class", which is no evidence about the scale).
 */
function chooseProbeRows(y: Int32Array, k: number, params: LinearParams, rng: Random): { rows: Int32Array; temperatureRows: Int32Array } {
  const n = y.length;
  const counts = classCounts(y, k);
  const eligible: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < n; i++) (counts[y[i]!]! >= params.minClassForProbe ? eligible : others).push(i);
  const perm = Int32Array.from(eligible);
  rng.shuffle(perm);
  const head = Math.min(params.calibrationRows, perm.length);
  const forTemperature = perm.slice(0, head).sort();
  const budget = Math.min(params.heldOutRows, Math.floor(40e6 / k));
  let rows: Int32Array;
  if (budget <= head) rows = forTemperature;
  else if (budget >= n) rows = Int32Array.from({ length: n }, (_, i) => i);
  else {
    // Beyond the temperature's rows, a uniform sample of all the others.
    const pool = Int32Array.from([...perm.subarray(head), ...others]);
    rng.shuffle(pool);
    rows = Int32Array.from([...forTemperature, ...pool.subarray(0, budget - head)]).sort();
  }
  const temperatureRows = new Int32Array(head);
  for (let t = 0, j = 0; t < head; t++) {
    while (rows[j]! !== forTemperature[t]!) j++;
    temperatureRows[t] = j;
  }
  return { rows, temperatureRows };
}
