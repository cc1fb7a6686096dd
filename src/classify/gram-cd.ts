// The SVM losses' group dual coordinate descent (dual-cd.ts's solveSvmGroupThen) on few, long rows, in the dual
// space: with the Gram matrix Q (Q_ij = x_i·x_j + bias²) of the rows computed once for every group, each class
// keeps its scores G_c = Q(α_c∘y_c) (G_ic = w_c·x_i) instead of its weights, so that a row's scores are read, not
// summed over its entries, and a step moves one contiguous row of Q into G_c instead of scattering over w. The same
// passes (row order, shrinking, stopping) as the primal solver, so the same solution up to rounding; worth it when
// the rows are few (Q is rows² values) and long: on flipkart-1050's 840 rows of 810 entries each and 504 categories,
// a pass costs ~600k multiply-adds against 8.7M random accesses of the weights.
import { GROUP_LIMIT, kernels, type GramWorkspace } from "../linalg/kernels.js";
import { runGroupPasses, type CsrArrays, type GroupProblem, type OutOfFold, type SolverOptions } from "./dual-cd.js";

/** The most rows a Gram matrix is built for (rows² float64: 32 MiB at 2048). */
export const GRAM_MAX_ROWS = 2048;

/**
 * Whether the Gram solver is the cheaper one for `groups` groups of up to 8 classes over x: few enough rows, and
 * the Gram matrix (Σ over features of df², half of it) cheaper than a quarter of the primal passes' entry visits
 * (about 8 passes of rows × entries × 8 classes a group).
 */
export function gramPays(x: CsrArrays, groups: number, groupSize: number): boolean {
  const n = x.rows;
  if (n > GRAM_MAX_ROWS || n < 2) return false;
  const nnz = x.indptr[n]! - x.indptr[0]!;
  const df = new Int32Array(x.cols);
  for (let p = x.indptr[0]!, end = x.indptr[n]!; p < end; p++) df[x.indices[p]!]!++;
  let pairs = 0;
  for (let j = 0; j < x.cols; j++) pairs += (df[j]! * (df[j]! + 1)) / 2;
  const primal = 8 * nnz * groupSize * groups;
  return pairs + n * n < primal / 4;
}

/** The Gram matrix of x's rows with a constant bias feature (kernels.ts's gramMatrix), into `out` when given. */
export function gramMatrix(x: CsrArrays, bias: number, out?: Float64Array): Float64Array {
  return kernels().gramMatrix(x, x.cols, bias, out);
}

const workspaces = new WeakMap<Float64Array, GramWorkspace>();

/** This thread's workspace over the Gram matrix q (one per matrix and thread, reused across the groups). */
function workspaceFor(q: Float64Array, n: number): GramWorkspace {
  let ws = workspaces.get(q);
  if (!ws) {
    ws = kernels().gramWorkspace(q, n, GROUP_LIMIT);
    workspaces.set(q, ws);
  }
  return ws;
}

/** runGroupPasses over index[0..l) of the workspace (off is class-major: [c·n + i]). */
function gramPasses(ws: GramWorkspace, k: number, opt: SolverOptions, l: number): { iterations: Int32Array; converged: Uint8Array } {
  return runGroupPasses({ off: ws.off, pgOld: ws.pgOld, pgNew: ws.pgNew, index: ws.index, rowStride: 1, classStride: ws.n, pass: (active, squared) => ws.pass(k, active, squared) }, k, opt, l);
}

/**
 * dual-cd.ts's solveSvmGroupThen on the Gram matrix `q` of prob.x's rows ({@link gramMatrix} with prob.bias; its
 * diagonal stands for xsq): the same passes on the same problem, `take` given the dual variables alpha[i·k + c]
 * (the weights are Σ_i alpha_ic·y_ic·x_i: dual-cd.ts's groupWeightsFromDual), then the out-of-fold scores
 * out[t·k + c] of `oof.rows` from warm-started refits without each fold, as groupOutOfFoldScores'.
 */
export function solveSvmGroupGram<T>(
  prob: GroupProblem,
  q: Float64Array,
  opt: SolverOptions,
  take: (alpha: Float64Array, r: { iterations: Int32Array; converged: Uint8Array }) => T,
  oof?: OutOfFold,
): { solution: T; oof?: Float64Array } {
  const { x, k } = prob;
  const n = x.rows;
  const ws = workspaceFor(q, n);
  const nk = n * k;
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) ws.y[c * n + i] = prob.y[i * k + c]!;
  ws.cost.set(prob.cost);
  for (let i = 0; i < n; i++) ws.xsq[i] = q[i * n + i]!;
  ws.alpha.fill(0, 0, nk);
  ws.g.fill(0, 0, nk);
  ws.off.fill(0, 0, nk);
  for (let i = 0; i < n; i++) ws.index[i] = i;
  const r = gramPasses(ws, k, opt, n);
  const alpha = new Float64Array(nk);
  for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) alpha[i * k + c] = ws.alpha[c * n + i]!;
  const solution = take(alpha, r);
  if (!oof) return { solution };
  const saved = { alpha: ws.alpha.slice(0, nk), g: ws.g.slice(0, nk) };
  const { foldOf, folds, passes, seedOf, rows } = oof;
  const out = new Float64Array(rows.length * k);
  for (let f = 0; f < folds; f++) {
    if (f > 0) {
      ws.alpha.set(saved.alpha);
      ws.g.set(saved.g);
    }
    ws.off.fill(0, 0, nk);
    let l = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (foldOf[i] !== f) ws.index[l++] = i;
      else ws.list[m++] = i;
    }
    ws.remove(k, m);
    // tol 0: exactly `passes` passes (shrinking may skip rows from the second on).
    gramPasses(ws, k, { loss: oof.loss, tol: 0, maxIter: passes, seed: seedOf(f) }, l);
    for (let t = 0; t < rows.length; t++) {
      const i = rows[t]!;
      if (foldOf[i] !== f) continue;
      for (let c = 0; c < k; c++) out[t * k + c] = ws.g[c * n + i]!;
    }
  }
  return { solution, oof: out };
}
