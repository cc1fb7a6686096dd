// Dual coordinate descent for L2-regularized linear SVM and logistic regression on one binary problem,
// as in LIBLINEAR (Hsieh et al. 2008 with shrinking; Yu, Huang & Lin 2011). Pure kernels over CSR
// arrays: O(nnz) per pass, a few passes to converge on text.
import { Random } from "../core/random.js";
import { kernels, type SparseWorkspace } from "../linalg/kernels.js";
import { knownFacts } from "../linalg/matrix.js";
import { rowsOfFold, scatterRows, splitByFold, subtractFrom, zeroRows } from "./fold-rows.js";

/** The CSR arrays a solver reads (possibly on shared memory). */
export interface CsrArrays {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

export interface BinaryProblem {
  x: CsrArrays;
  /** +1 / -1 per row. */
  y: Int8Array;
  /** Per-row upper bound C_i (C times the row's class weight). */
  cost: Float32Array;
  /** Value of the constant bias feature (0 = no intercept). */
  bias: number;
}

export interface SolverOptions {
  loss: "squared-hinge" | "hinge" | "logistic";
  /** Stopping tolerance on the projected-gradient gap (LIBLINEAR's eps). */
  tol: number;
  maxIter: number;
  seed: number;
}

export interface SolverResult {
  /** Weights (cols values) followed by the bias weight. */
  w: Float64Array;
  /** Dual variable per row (for logistic loss, the one paired with the row's own label). */
  alpha: Float64Array;
  iterations: number;
  converged: boolean;
}

const workspaces = new WeakMap<Int32Array, SparseWorkspace>();

/** Makes `ws` (over shared rows) the workspace the solvers use for `x` in this thread. */
export function bindWorkspace(x: CsrArrays, ws: SparseWorkspace): void {
  workspaces.set(x.indices, ws);
}

/** This thread's workspace over x as the solvers left it (undefined before any), e.g. to scan its group weights. */
export function currentWorkspace(x: CsrArrays): SparseWorkspace | undefined {
  return workspaces.get(x.indices);
}

/** The kernels' workspace over x (one per matrix and thread, reused across the classes), w zeroed. */
function workspaceFor(x: CsrArrays): SparseWorkspace {
  let ws = workspaces.get(x.indices);
  if (!ws) {
    ws = kernels().workspace(x, x.cols);
    workspaces.set(x.indices, ws);
  } else ws.reset();
  return ws;
}

/**
 * Squared norms of the rows (plus bias²): the diagonal of the Gram matrix; of rows `rows` alone (in that order)
 * when given. A featurizer that summed them as it wrote the rows (matrix.ts knownFacts) spares the pass: the same
 * sums, to the bit.
 */
export function rowSquaredNorms(x: CsrArrays, bias: number, rows?: ArrayLike<number>): Float64Array {
  const n = rows ? rows.length : x.rows;
  const known = knownFacts(x).squaredNorms;
  if (known && known.bias2 === bias * bias && known.norms.length === x.rows) return rows ? Float64Array.from(rows, (i) => known.norms[i]!) : known.norms.slice();
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const i = rows ? rows[t]! : t;
    let s = bias * bias;
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) s += x.data[p]! * x.data[p]!;
    out[t] = s;
  }
  return out;
}

/** Solves one binary problem; `xsq` = rowSquaredNorms (shared across the classes of one-vs-rest). */
export function solveBinary(prob: BinaryProblem, xsq: Float64Array, opt: SolverOptions): SolverResult {
  return opt.loss === "logistic" ? solveLogistic(prob, xsq, opt) : solveSvm(prob, xsq, opt);
}

function shuffleHead(idx: Int32Array, n: number, rng: Random): void {
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
}

/**
 * Dual CD for the SVM losses from zero. Each pass runs in the kernels ({@link SparseWorkspace.svmPass}: one
 * call a pass, not one per coordinate); {@link svmPasses} shuffles and applies the stopping test.
 */
function solveSvm(prob: BinaryProblem, xsq: Float64Array, opt: SolverOptions): SolverResult {
  const { x } = prob;
  const ws = workspaceFor(x);
  loadProblem(ws, prob, xsq);
  ws.dual.alpha.fill(0);
  const index = ws.dual.index;
  for (let i = 0; i < x.rows; i++) index[i] = i;
  const r = svmPasses(ws, prob.bias, opt, x.rows);
  return { w: Float64Array.from(ws.w), alpha: Float64Array.from(ws.dual.alpha), ...r };
}

/** Copies a problem's per-row arrays into the workspace. */
function loadProblem(ws: SparseWorkspace, prob: BinaryProblem, xsq: Float64Array): void {
  const t = ws.dual;
  t.y.set(prob.y);
  t.cost.set(prob.cost);
  t.xsq.set(xsq);
}

/**
 * Passes of SVM dual CD over the workspace's rows dual.index[0..l), from its w and dual.alpha as they are:
 * each pass shuffles the active rows with a generator seeded by `opt.seed` (LIBLINEAR's random permutation),
 * runs in the kernels, and shrinks; it stops when the projected-gradient gap is within `opt.tol` on every row
 * (a gap reached on a shrunk set is re-checked on all of them first) or after `opt.maxIter` passes.
 */
function svmPasses(ws: SparseWorkspace, bias: number, opt: SolverOptions, l: number): { iterations: number; converged: boolean } {
  const squared = opt.loss === "squared-hinge";
  const index = ws.dual.index;
  const rng = new Random(opt.seed);
  let active = l;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let iter = 0;
  let converged = false;
  while (iter < opt.maxIter) {
    shuffleHead(index, active, rng);
    const pass = ws.svmPass(active, squared, bias, pgMaxOld, pgMinOld);
    active = pass.active;
    iter++;
    if (pass.pgMax - pass.pgMin <= opt.tol) {
      if (active === l) {
        converged = true;
        break;
      }
      // Converged on the shrunk set: re-check every row once before stopping.
      active = l;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pass.pgMax <= 0 ? Infinity : pass.pgMax;
    pgMinOld = pass.pgMin >= 0 ? -Infinity : pass.pgMin;
  }
  return { iterations: iter, converged };
}

function solveLogistic(prob: BinaryProblem, xsq: Float64Array, opt: SolverOptions): SolverResult {
  const { x, y, cost, bias } = prob;
  const { indptr } = x;
  const l = x.rows;
  const d = x.cols;
  const ws = workspaceFor(x);
  const w = ws.w;
  // alpha[i] is row i's dual variable; its partner is C_i - alpha[i] (LIBLINEAR's alpha[2i], alpha[2i+1]).
  const alpha = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    alpha[i] = Math.min(0.001 * cost[i]!, 1e-8);
    const step = y[i]! * alpha[i]!;
    ws.axpy(step, indptr[i]!, indptr[i + 1]!);
    w[d]! += step * bias;
  }
  const index = new Int32Array(l);
  for (let i = 0; i < l; i++) index[i] = i;
  const rng = new Random(opt.seed);
  const innerEpsMin = Math.min(1e-8, opt.tol);
  let innerEps = 1e-2;
  let iter = 0;
  let converged = false;
  while (iter < opt.maxIter) {
    shuffleHead(index, l, rng);
    let newtonIter = 0;
    let gMax = 0;
    for (let s = 0; s < l; s++) {
      const i = index[s]!;
      const yi = y[i]!;
      const c = cost[i]!;
      const start = indptr[i]!;
      const end = indptr[i + 1]!;
      const dot = ws.dot(w[d]! * bias, start, end);
      const a = xsq[i]!;
      const b = yi * dot;
      // Minimize over whichever of the pair decreases the objective (LIBLINEAR's g_1 / g_2 choice).
      const own = alpha[i]!;
      let sign = 1;
      let alphaOld = own;
      if (0.5 * a * (c - own - own) + b < 0) {
        sign = -1;
        alphaOld = c - own;
      }
      let z = alphaOld;
      if (c - z < 0.5 * c) z = 0.1 * z;
      let gp = a * (z - alphaOld) + sign * b + Math.log(z / (c - z));
      if (Math.abs(gp) > gMax) gMax = Math.abs(gp);
      let inner = 0;
      while (inner <= 100 && Math.abs(gp) >= innerEps) {
        const gpp = a + c / (c - z) / z;
        const tmpz = z - gp / gpp;
        z = tmpz <= 0 ? z * 0.1 : tmpz;
        gp = a * (z - alphaOld) + sign * b + Math.log(z / (c - z));
        inner++;
      }
      newtonIter += inner;
      if (inner > 0) {
        alpha[i] = sign === 1 ? z : c - z;
        const step = sign * (z - alphaOld) * yi;
        ws.axpy(step, start, end);
        w[d]! += step * bias;
      }
    }
    iter++;
    if (gMax < opt.tol) {
      converged = true;
      break;
    }
    if (newtonIter <= l / 10) innerEps = Math.max(innerEpsMin, 0.1 * innerEps);
  }
  return { w: Float64Array.from(w), alpha, iterations: iter, converged };
}

/**
 * A warm-started fit of the problem without some rows (SVM losses): starting from a solution (`alpha`, `w`)
 * of the whole problem, the rows whose `foldOf` is `drop` leave (their dual variables to 0, their share of w
 * removed), then `passes` passes of coordinate descent over the rows that stay let those compensate. Much
 * cheaper than a fit from zero on the other folds, and what out-of-fold scores need. Returns the new weights
 * (cols values then the bias weight); `solution` is not changed.
 */
export function refitWithout(
  prob: BinaryProblem,
  xsq: Float64Array,
  loss: "squared-hinge" | "hinge",
  solution: { alpha: Float64Array; w: Float64Array },
  foldOf: Int32Array,
  drop: number,
  passes: number,
  seed: number,
): Float64Array {
  const ws = workspaceFor(prob.x);
  loadProblem(ws, prob, xsq);
  refitIn(ws, prob, { loss, solution, foldOf, drop, passes, seed });
  return Float64Array.from(ws.w);
}

/** What a refit without one fold starts from and does (see {@link refitWithout}). */
interface Refit {
  loss: "squared-hinge" | "hinge";
  solution: { alpha: Float64Array; w: Float64Array };
  foldOf: Int32Array;
  drop: number;
  passes: number;
  seed: number;
}

/** {@link refitWithout} in a workspace whose problem is loaded: leaves the refit's weights in ws.w. */
function refitIn(ws: SparseWorkspace, prob: BinaryProblem, r: Refit): void {
  const { loss, solution, foldOf, drop, passes, seed } = r;
  const { x, y, bias } = prob;
  const d = x.cols;
  const w = ws.w;
  const alpha = ws.dual.alpha;
  const index = ws.dual.index;
  const { indptr } = x;
  w.set(solution.w);
  alpha.set(solution.alpha);
  let l = 0;
  for (let i = 0; i < x.rows; i++) {
    if (foldOf[i] !== drop) {
      index[l++] = i;
      continue;
    }
    const step = -alpha[i]! * y[i]!;
    alpha[i] = 0;
    if (step === 0) continue;
    ws.axpy(step, indptr[i]!, indptr[i + 1]!);
    w[d]! += step * bias;
  }
  // tol 0: exactly `passes` passes (shrinking may skip rows from the second on).
  svmPasses(ws, bias, { loss, tol: 0, maxIter: passes, seed }, l);
}

/** How out-of-fold scores are made: see {@link outOfFoldScores}. */
export interface OutOfFold {
  loss: "squared-hinge" | "hinge";
  /** Each row's fold, in [0, folds). */
  foldOf: Int32Array;
  folds: number;
  /** Passes of each warm-started refit. */
  passes: number;
  /** The seed of fold f's refit. */
  seedOf: (fold: number) => number;
  /** The rows to score. */
  rows: Int32Array;
}

/**
 * Out-of-fold decision values of `rows` (SVM losses): for each fold f < `folds`, {@link refitWithout} the
 * rows of fold f (seed `seedOf(f)`), then the score w·x + bias·b of each of `rows` in fold f under that refit.
 * All in one workspace, so neither the refit's weights nor the scores leave the kernels' memory.
 */
export function outOfFoldScores(prob: BinaryProblem, xsq: Float64Array, solution: { alpha: Float64Array; w: Float64Array }, spec: OutOfFold): Float64Array {
  const { loss, foldOf, folds, passes, seedOf, rows } = spec;
  const { x, bias } = prob;
  const ws = workspaceFor(x);
  loadProblem(ws, prob, xsq);
  const out = new Float64Array(rows.length);
  const { indptr } = x;
  for (let f = 0; f < folds; f++) {
    refitIn(ws, prob, { loss, solution, foldOf, drop: f, passes, seed: seedOf(f) });
    const w = ws.w;
    for (let t = 0; t < rows.length; t++) {
      const i = rows[t]!;
      if (foldOf[i] === f) out[t] = ws.dot(w[x.cols]! * bias, indptr[i]!, indptr[i + 1]!);
    }
  }
  return out;
}

/** K binary problems over the same rows (one-vs-rest classes solved together). */
export interface GroupProblem {
  x: CsrArrays;
  /** Problems in the group. */
  k: number;
  /** y[i·k + c]: +1 / -1. */
  y: Int8Array;
  /** Per-row upper bound C_i (the same for the k problems). */
  cost: Float32Array;
  bias: number;
}

export interface GroupResult {
  /** Feature-major weights w[j·k + c] (j = cols: the bias weights), float32 as the solver keeps them. */
  w: Float32Array;
  /** alpha[i·k + c]. */
  alpha: Float64Array;
  /** Passes each problem ran, and whether it reached the tolerance. */
  iterations: Int32Array;
  converged: Uint8Array;
}

/** The workspace over x for groups of up to `k` problems (one per matrix and thread), w zeroed. */
function groupWorkspaceFor(x: CsrArrays, k: number): SparseWorkspace {
  const ws = workspaceFor(x);
  if (ws.group.capacity >= k) return ws;
  const wide = kernels().workspace(x, x.cols, k);
  workspaces.set(x.indices, wide);
  return wide;
}

/**
 * Solves k SVM problems over the same rows together: one shuffled order of the rows a pass (seeded by
 * `opt.seed`) for all of them, each row's entries read once for the k problems and their weights side by
 * side (w[j·k + c]), so a pass costs little more than one problem's. Per problem, the dual CD, shrinking and
 * stopping test of LIBLINEAR, as {@link solveBinary} (a problem that has converged stops changing).
 */
export function solveSvmGroup(prob: GroupProblem, xsq: Float64Array, opt: SolverOptions): GroupResult {
  return solveSvmGroupThen(prob, xsq, opt, (w, alpha, r) => ({ w: w.slice(), alpha: alpha.slice(), ...r })).solution;
}

/**
 * {@link solveSvmGroup}, with the solution read by `take` from the workspace itself (`w` and `alpha` are views on
 * it, valid only during the call) instead of copied out whole, and then, with `oof`, {@link groupOutOfFoldScores}
 * from that solution in the same workspace: the first fold's refit starts from it where it lies, the others from
 * one saved copy. The same solution and scores, to the bit; on flipkart-1050's 504 categories (63 groups of
 * 67,703 × 8 weights) the copies in and out of the workspace took 0.1 s of each thread.
 */
export function solveSvmGroupThen<T>(
  prob: GroupProblem,
  xsq: Float64Array,
  opt: SolverOptions,
  take: (w: Float32Array, alpha: Float64Array, r: { iterations: Int32Array; converged: Uint8Array }) => T,
  oof?: OutOfFold,
): { solution: T; oof?: Float64Array } {
  const { x, k } = prob;
  const ws = groupWorkspaceFor(x, k);
  loadGroup(ws, prob, xsq);
  const g = ws.group;
  const nw = (x.cols + 1) * k;
  const na = x.rows * k;
  g.w.fill(0, 0, nw);
  g.alpha.fill(0, 0, na);
  g.off.fill(0, 0, na);
  const index = ws.dual.index;
  for (let i = 0; i < x.rows; i++) index[i] = i;
  const r = groupPasses(ws, prob, opt, x.rows);
  const solution = take(g.w.subarray(0, nw), g.alpha.subarray(0, na), r);
  if (!oof) return { solution };
  let saved: { w: Float32Array; alpha: Float64Array } | undefined;
  if (oof.folds > 1) {
    saved = { w: scratchWeights(nw), alpha: scratch(na) };
    saved.w.set(g.w.subarray(0, nw));
    saved.alpha.set(g.alpha.subarray(0, na));
  }
  return {
    solution,
    oof: groupOofIn(ws, prob, oof, (f) => {
      if (f > 0) restore(g, saved!);
    }),
  };
}

/**
 * The weights w[j·k + c] = Σ_i alpha[i·k + c]·y[i·k + c]·x_ij (j = cols: the bias weights, with prob.bias) of a
 * group's dual solution (e.g. gram-cd.ts's), summed in this thread's group workspace, row by row in row order
 * (float32 arithmetic): a view on the workspace, valid until its next use.
 */
export function groupWeightsFromDual(prob: GroupProblem, alpha: Float64Array): Float32Array {
  const { x, k, bias } = prob;
  const ws = groupWorkspaceFor(x, k);
  const g = ws.group;
  const nw = (x.cols + 1) * k;
  g.w.fill(0, 0, nw);
  // groupRemove adds −alpha·y·x_i: with −y, the rows' shares go in.
  let m = 0;
  for (let i = 0; i < x.rows; i++) {
    let any = false;
    for (let c = 0; c < k; c++) {
      g.y[i * k + c] = -prob.y[i * k + c]!;
      g.alpha[i * k + c] = alpha[i * k + c]!;
      any ||= alpha[i * k + c] !== 0;
    }
    if (any) g.list[m++] = i;
  }
  ws.groupRemove(k, m, bias);
  return g.w.subarray(0, nw);
}

function restore(g: SparseWorkspace["group"], from: { w: Float32Array; alpha: Float64Array }): void {
  g.w.set(from.w);
  g.alpha.set(from.alpha);
}

/** This thread's reusable scratch arrays (weights, alphas), grown as needed: no fresh allocation per group. */
let scratchW = new Float32Array(0);
let scratchA = new Float64Array(0);
function scratchWeights(length: number): Float32Array {
  if (scratchW.length < length) scratchW = new Float32Array(length);
  return scratchW.subarray(0, length);
}
function scratch(length: number): Float64Array {
  if (scratchA.length < length) scratchA = new Float64Array(length);
  return scratchA.subarray(0, length);
}

function loadGroup(ws: SparseWorkspace, prob: GroupProblem, xsq: Float64Array): void {
  ws.group.y.set(prob.y);
  ws.dual.cost.set(prob.cost);
  ws.dual.xsq.set(xsq);
}

/** Passes over dual.index[0..l) for the group in the workspace, from its weights, alphas and off flags. */
function groupPasses(ws: SparseWorkspace, prob: GroupProblem, opt: SolverOptions, l: number): { iterations: Int32Array; converged: Uint8Array } {
  const { k, bias } = prob;
  const g = ws.group;
  return runGroupPasses({ off: g.off, pgOld: g.pgOld, pgNew: g.pgNew, index: ws.dual.index, rowStride: k, classStride: 1, pass: (active, squared) => ws.svmPassGroup(k, active, squared, bias) }, k, opt, l);
}

/** What {@link runGroupPasses} drives: k problems' shrinking flags and bounds, the row order, and one pass. */
export interface GroupPassState {
  /** 1 = (row, problem) shrunk or finished, at off[i·rowStride + c·classStride]. */
  off: Uint8Array;
  rowStride: number;
  classStride: number;
  /** The previous pass's bounds (read by the pass), and the pass's own (written by it): [2c], [2c + 1]. */
  pgOld: Float64Array;
  pgNew: Float64Array;
  /** The order of the rows; the pass visits index[0..active) and returns the new active count. */
  index: Int32Array;
  pass(active: number, squared: boolean): number;
}

/**
 * Passes over index[0..l) (the primal group solver's, or gram-cd.ts's in the dual space): each pass shuffles the
 * active rows (seeded by opt.seed), runs, and per problem applies LIBLINEAR's stopping test (a gap reached on a
 * shrunk set is re-checked on every row first; a converged problem stops changing, its rows off for it).
 */
export function runGroupPasses(st: GroupPassState, k: number, opt: SolverOptions, l: number): { iterations: Int32Array; converged: Uint8Array } {
  const { off, pgOld, pgNew, index, rowStride: rs, classStride: cs } = st;
  const squared = opt.loss === "squared-hinge";
  const rng = new Random(opt.seed);
  const iterations = new Int32Array(k);
  const converged = new Uint8Array(k);
  for (let c = 0; c < k; c++) {
    pgOld[2 * c] = Infinity;
    pgOld[2 * c + 1] = -Infinity;
  }
  let open = k;
  let active = l;
  for (let iter = 1; iter <= opt.maxIter && open > 0; iter++) {
    shuffleHead(index, active, rng);
    active = st.pass(active, squared);
    let unshrunk = false;
    for (let c = 0; c < k; c++) {
      if (converged[c]) continue;
      iterations[c] = iter;
      const o = c * cs;
      if (pgNew[2 * c]! - pgNew[2 * c + 1]! <= opt.tol) {
        let shrunk = false;
        for (let s = 0; s < l && !shrunk; s++) shrunk = off[index[s]! * rs + o] !== 0;
        if (!shrunk) {
          // Converged on every row: this problem stops (its rows are off for it from now on).
          converged[c] = 1;
          open--;
          for (let s = 0; s < l; s++) off[index[s]! * rs + o] = 1;
          continue;
        }
        // Converged on the shrunk set: re-check every row once before stopping.
        for (let s = 0; s < l; s++) off[index[s]! * rs + o] = 0;
        pgOld[2 * c] = Infinity;
        pgOld[2 * c + 1] = -Infinity;
        unshrunk = true;
        continue;
      }
      pgOld[2 * c] = pgNew[2 * c]! <= 0 ? Infinity : pgNew[2 * c]!;
      pgOld[2 * c + 1] = pgNew[2 * c + 1]! >= 0 ? -Infinity : pgNew[2 * c + 1]!;
    }
    if (unshrunk) active = l;
  }
  return { iterations, converged };
}

/**
 * Out-of-fold decision values of `rows` for a group (see {@link outOfFoldScores}): for each fold f, the
 * group's solution without fold f's rows, warm-started and refitted for `passes` passes (seed `seedOf(f)`),
 * scores fold f's rows among `rows`. Returns out[t·k + c].
 */
export function groupOutOfFoldScores(prob: GroupProblem, xsq: Float64Array, solution: GroupResult, spec: OutOfFold): Float64Array {
  const ws = groupWorkspaceFor(prob.x, prob.k);
  loadGroup(ws, prob, xsq);
  return groupOofIn(ws, prob, spec, () => restore(ws.group, solution));
}

/** {@link groupOutOfFoldScores} in a workspace whose group is loaded; `start(f)` puts the solution in place for fold f. */
function groupOofIn(ws: SparseWorkspace, prob: GroupProblem, spec: OutOfFold, start: (fold: number) => void): Float64Array {
  const { loss, foldOf, folds, passes, seedOf, rows } = spec;
  const { x, k, bias } = prob;
  const g = ws.group;
  const index = ws.dual.index;
  const out = new Float64Array(rows.length * k);
  const at = new Int32Array(rows.length);
  const nw = (x.cols + 1) * k;
  // With two folds, the second fold's start (the weights of the first fold's rows alone) is the full weights less
  // the first fold's start, one sweep of the weights instead of taking every row of the second fold out of them.
  // Each loop is a function of its own: run once per fold, this one would be compiled while in its first loop
  // and thrown away at the next, never run (V8 recompiled it up to 11 times in one pricerunner training).
  let first: Float32Array | undefined;
  for (let f = 0; f < folds; f++) {
    start(f);
    g.off.fill(0, 0, x.rows * k);
    const l = splitByFold(foldOf, f, x.rows, index, g.list);
    const n = x.rows - l;
    if (f === 1 && first) {
      subtractFrom(g.w, first, nw);
      zeroRows(g.alpha, g.list, n, k);
    } else ws.groupRemove(k, n, bias);
    if (f === 0 && folds === 2) (first = scratchFirstFold(nw)).set(g.w.subarray(0, nw));
    // tol 0: exactly `passes` passes (shrinking may skip rows from the second on).
    groupPasses(ws, prob, { loss, tol: 0, maxIter: passes, seed: seedOf(f) }, l);
    const m = rowsOfFold(foldOf, f, rows, g.list, at);
    ws.groupDots(k, m, bias);
    scatterRows(g.dots, at, m, k, out);
  }
  return out;
}

/** This thread's reusable copy of a group's weights at the start of the first fold's refit. */
let firstFold = new Float32Array(0);
function scratchFirstFold(length: number): Float32Array {
  if (firstFold.length < length) firstFold = new Float32Array(length);
  return firstFold.subarray(0, length);
}
