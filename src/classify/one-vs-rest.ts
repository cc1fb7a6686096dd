// One-vs-rest training: one binary dual-CD problem per class, pulled from a shared queue by this thread
// and by worker threads. The SVM losses solve their classes in groups of up to 8 (solveSvmGroup: one shuffled
// order a pass, each row read once for the group; on few long rows and many groups, the same passes in the dual
// space over the rows' Gram matrix, gram-cd.ts), logistic loss one class at a time. Each group (or class)
// has its own derived seed and the groups depend on the class count alone, so the thread count never
// changes a model. The solvers see the columns renumbered by document frequency (cache locality; the same
// operations in the same order) and report weights in the caller's numbering.
import { deriveSeed } from "../core/random.js";
import type { FitOptions } from "../core/contracts.js";
import { throwIfAborted } from "../core/errors.js";
import { Worker } from "node:worker_threads";
import { toSharedArray, watchWorker, workerThreads } from "../core/worker.js";
import type { CsrMatrix } from "../linalg/matrix.js";
import { frequencyOrder, renumberColumns } from "./column-order.js";
import { bindWorkspace, currentWorkspace, groupWeightsFromDual, outOfFoldScores, rowSquaredNorms, solveSvmGroupThen, solveBinary, type CsrArrays, type SolverOptions } from "./dual-cd.js";
import { float32AtLeast, GROUP_LIMIT, gramMirror, gramPlan, kernels, type GramPlan, type LinalgKernels, type SharedRowsHandle, type SparseWorkspace } from "../linalg/kernels.js";
import { gramPays, solveSvmGroupGram } from "./gram-cd.js";

export { frequencyOrder, renumberColumns } from "./column-order.js";

export interface OvrConfig {
  loss: SolverOptions["loss"];
  c: number;
  tol: number;
  maxIter: number;
  bias: number;
  /** Weight of each class (multiplies C for its rows). */
  classWeight: Float32Array;
  seed: number;
  /** Rows whose dual variables are returned (for leave-one-out score estimates). */
  probeRows: Int32Array;
  /**
   * With SVM losses: each row's fold, for out-of-fold scores of the probe rows from warm-started refits
   * without each fold (dual-cd.ts's refitWithout, {@link outOfFoldScores}); absent = none.
   */
  foldOf?: Int32Array;
  folds?: number;
  /** Coordinate-descent passes of each warm-started refit. */
  refitPasses?: number;
  /** Weights with |w| below this are dropped from the solutions (0 keeps every non-zero). */
  pruneBelow: number;
  /**
   * With pruneBelow 0: the dense feature-major weights (cols × class count, zeroed; on shared memory when workers
   * run), where each thread puts its groups' weights (class c at [j·classes + c], in the caller's numbering)
   * instead of returning them as features and values (those then come back empty). The SVM losses only.
   */
  denseOut?: Float32Array;
  /**
   * SVM losses with pruneBelow 0: rows whose decision values (w·x_i plus the bias weight times `bias`) each group's
   * thread computes from the solution where it lies, before the refits (ClassSolution.rowScores), so that the
   * caller need not score them with the assembled model on its own thread.
   */
  scoreRows?: Int32Array;
}

/** One class's solution. */
export interface ClassSolution {
  cls: number;
  /** The bias weight. */
  bias: number;
  /** The non-zero weights kept (see OvrConfig.pruneBelow): their features, ascending, and values. */
  features: Int32Array;
  values: Float32Array;
  /** Dual variable of each probe row. */
  probeAlpha: Float64Array;
  /** Out-of-fold score of each probe row (with config.foldOf), else empty. */
  probeOof: Float64Array;
  /** Decision value of each of config.scoreRows (empty when not computed). */
  rowScores: Float64Array;
  iterations: number;
  converged: boolean;
}

/** What a worker gets: shared arrays, the config, and the shared queue counter. */
export interface OvrJob {
  x: CsrArrays;
  y: Int32Array;
  classCount: number;
  config: OvrConfig;
  /** Int32 counter: the next class to solve (Atomics.add). */
  next: Int32Array;
  /**
   * x's columns are renumbered for the solvers (see {@link frequencyOrder}): column j of the caller's matrix is
   * column columnAt[j] of `x`; solutions are reported in the caller's numbering.
   */
  columnAt?: Int32Array;
  /** The kernels' shared copy of x (x's arrays are views on it), with a weight slot per thread. */
  shared?: SharedRowsHandle;
  /** Int32 counter: the next free weight slot (Atomics.add). */
  slot: Int32Array;
  /**
   * SVM losses: the classes are solved in groups of this many (the last may be smaller), each group together
   * ({@link solveSvmGroup}); the queue then counts groups. 0 or absent: one class at a time.
   */
  groupSize?: number;
  /**
   * SVM losses on few, long rows: the Gram matrix of x's rows (gram-cd.ts's gramMatrix, with the bias), with
   * which the groups are solved in the dual space ({@link solveSvmGroupGram}) instead; absent = the primal solver.
   */
  gram?: Float64Array;
  /**
   * With `gram`: what its blocks of rows are summed from, and gramState ([0]: the next block to fill, Atomics.add;
   * [1 + r]: 1 once block r is filled), so that every thread fills some blocks ({@link fillGramBlocks}) before the
   * main thread completes it.
   */
  gramPlan?: GramPlan;
  gramState?: Int32Array;
  /**
   * rowSquaredNorms(x, config.bias), computed once for every thread (absent: each thread computes it). It and
   * `gram` are filled in by the main thread while the workers start: a worker reads them once `ready[0]` is 1
   * (Atomics).
   */
  xsq?: Float64Array;
  ready?: Int32Array;
}

/** Classes solved together by the SVM losses: at most 8, as even as the class count allows (it alone decides). */
export function groupSizeFor(classCount: number): number {
  return Math.ceil(classCount / Math.ceil(classCount / GROUP_MAX));
}
const GROUP_MAX = GROUP_LIMIT;

/** Solves "class c vs the rest" for the classes of group `group` together. */
export function solveGroup(job: OvrJob, xsq: Float64Array, group: number): ClassSolution[] {
  const { x, y, config: cfg } = job;
  const size = job.groupSize!;
  const c0 = group * size;
  const k = Math.min(size, job.classCount - c0);
  const n = x.rows;
  const yy = new Int8Array(n * k).fill(-1);
  const cost = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = y[i]! - c0;
    if (c >= 0 && c < k) yy[i * k + c] = 1;
    cost[i] = cfg.c * cfg.classWeight[y[i]!]!;
  }
  const loss = cfg.loss as "squared-hinge" | "hinge";
  const seed = deriveSeed(cfg.seed, 0x6000 + group);
  const prob = { x, k, y: yy, cost, bias: cfg.bias };
  const probe = cfg.probeRows;
  const np = probe.length;
  const oofSpec = cfg.foldOf && cfg.folds ? { loss, foldOf: cfg.foldOf, folds: cfg.folds, passes: cfg.refitPasses ?? 1, seedOf: (f: number) => deriveSeed(seed, f + 1), rows: probe } : undefined;
  if (job.gram) {
    const { solution, oof } = solveSvmGroupGram(prob, job.gram, { loss, tol: cfg.tol, maxIter: cfg.maxIter, seed }, (alpha, r) =>
      groupSolutions(job, c0, k, groupWeightsFromDual(prob, alpha), alpha, r),
    oofSpec);
    if (oof) attachOof(solution, oof, k, np);
    return solution;
  }
  // The weights kept and the probe rows' alphas are read where the solver left them, before the refits for
  // out-of-fold scores reuse its memory.
  const { solution, oof } = solveSvmGroupThen(
    prob,
    xsq,
    { loss, tol: cfg.tol, maxIter: cfg.maxIter, seed },
    (w, alpha, r) => groupSolutions(job, c0, k, w, alpha, r),
    oofSpec,
  );
  if (oof) attachOof(solution, oof, k, np);
  return solution;
}

/** The group's classes' solutions from its weights w[j·k + c] and dual variables alpha[i·k + c]. */
function groupSolutions(job: OvrJob, c0: number, k: number, w: Float32Array, alpha: Float64Array, r: { iterations: Int32Array; converged: Uint8Array }): ClassSolution[] {
  const { x, config: cfg } = job;
  const probe = cfg.probeRows;
  const np = probe.length;
  const dense = cfg.denseOut && cfg.pruneBelow === 0 ? cfg.denseOut : undefined;
  if (dense) putDense(w, x.cols, k, dense, job.classCount, c0, job.columnAt);
  // The kernels scan the weights where they lie (in this thread's workspace) for the few that pruning keeps.
  const ws = currentWorkspace(x);
  const inPlace = ws && w.buffer === ws.group.w.buffer && w.byteOffset === ws.group.w.byteOffset ? ws : undefined;
  const kept = dense ? Array.from({ length: k }, () => ({ features: new Int32Array(0), values: new Float32Array(0) })) : keptGroupWeights(w, x.cols, k, cfg.pruneBelow, job.columnAt, inPlace);
  const scores = dense && inPlace && cfg.scoreRows ? groupRowScores(inPlace, cfg.scoreRows, k, cfg.bias) : undefined;
  return Array.from({ length: k }, (_, c) => {
    const probeAlpha = new Float64Array(np);
    for (let t = 0; t < np; t++) probeAlpha[t] = alpha[probe[t]! * k + c]!;
    const rowScores = new Float64Array(scores ? scores.length / k : 0);
    for (let t = 0; t < rowScores.length; t++) rowScores[t] = scores![t * k + c]!;
    return { cls: c0 + c, bias: w[x.cols * k + c]!, ...kept[c]!, probeAlpha, probeOof: new Float64Array(0), rowScores, iterations: r.iterations[c]!, converged: r.converged[c] === 1 };
  });
}

/** The group's decision values of `rows` (out[t·k + c]) from the weights in `ws` (groupDots, in blocks of its list). */
function groupRowScores(ws: SparseWorkspace, rows: Int32Array, k: number, bias: number): Float64Array {
  const g = ws.group;
  const out = new Float64Array(rows.length * k);
  const block = Math.min(g.list.length, Math.floor(g.dots.length / k));
  for (let t0 = 0; t0 < rows.length; t0 += block) {
    const n = Math.min(block, rows.length - t0);
    g.list.set(rows.subarray(t0, t0 + n));
    ws.groupDots(k, n, bias);
    out.set(g.dots.subarray(0, n * k), t0 * k);
  }
  return out;
}

/**
 * Puts a group's weights w[j·k + c] (solver numbering: column j of the caller's is columnAt[j]) into the dense
 * feature-major out[j·classes + c0 + c], as the caller numbers them: one sequential sweep of out, one read of each
 * column's k weights (0 for −0 or NaN, as keptGroupWeights keeps neither). On pricerunner this replaces
 * keptGroupWeights' two sweeps in each thread and the main thread's copy of every class's kept weights (~16 ms).
 */
function putDense(w: Float32Array, cols: number, k: number, out: Float32Array, classes: number, c0: number, columnAt?: Int32Array): void {
  for (let j = 0; j < cols; j++) {
    const b = (columnAt ? columnAt[j]! : j) * k;
    const o = j * classes + c0;
    for (let c = 0; c < k; c++) {
      const v = w[b + c]!;
      out[o + c] = Math.abs(v) >= Number.MIN_VALUE ? v : 0;
    }
  }
}

/** Each class's out-of-fold probe scores from a group's oof[t·k + c]. */
function attachOof(solution: ClassSolution[], oof: Float64Array, k: number, np: number): void {
  for (let c = 0; c < k; c++) {
    const probeOof = new Float64Array(np);
    for (let t = 0; t < np; t++) probeOof[t] = oof[t * k + c]!;
    solution[c]!.probeOof = probeOof;
  }
}

/**
 * {@link keptWeights} of each of the k problems of feature-major weights w[j·k + c] (j < cols), in two
 * sequential sweeps of w (count, then fill) with one predictable comparison a weight, rather than a strided
 * copy per problem: on flipkart-1050's 504 categories those copies took 0.3 s of each thread's 2.2 s. With `ws`
 * (w is its group.w), pruned weights are first looked for by the kernels (SparseWorkspace.groupKept: four weights
 * a comparison), which on flipkart-1050 took the two JavaScript sweeps' ~2-5 ms a group down to ~0.3 ms.
 */
export function keptGroupWeights(
  w: Float64Array | Float32Array,
  cols: number,
  k: number,
  pruneBelow: number,
  columnAt?: Int32Array,
  ws?: SparseWorkspace,
): { features: Int32Array; values: Float32Array }[] {
  // |v| ≥ the smallest positive double is v ≠ 0: one comparison, which the sweeps branch on predictably.
  const lim = keptLimit(pruneBelow);
  const end = cols * k;
  if (ws && columnAt && pruneBelow > 0 && w instanceof Float32Array) {
    const found = scanKept(ws, end, float32AtLeast(lim), Math.floor(end / 16));
    if (found) return prunedFrom(found, w, k, columnAt);
  }
  const counts = new Int32Array(k);
  for (let b = 0; b < end; b += k) {
    for (let c = 0; c < k; c++) if (Math.abs(w[b + c]!) >= lim) counts[c]!++;
  }
  const out = Array.from(counts, (n) => ({ features: new Int32Array(n), values: new Float32Array(n) }));
  const fill = new Int32Array(k);
  let kept = 0;
  for (let c = 0; c < k; c++) kept += counts[c]!;
  if (columnAt && kept * 16 <= end) {
    // Few kept (pruned): a sequential sweep in w's order, then each problem's few features sorted, rather than
    // a sweep in the caller's order that jumps about w (flipkart-1050's leaves: 1.3% kept, 2 → 0.5 ms a group).
    const columnOf = inverseOf(columnAt);
    for (let s = 0, b = 0; b < end; s++, b += k) {
      for (let c = 0; c < k; c++) {
        const v = w[b + c]!;
        if (!(Math.abs(v) >= lim)) continue;
        const o = out[c]!;
        const t = fill[c]!++;
        o.features[t] = columnOf[s]!;
        o.values[t] = v;
      }
    }
    return sortedByFeature(out, cols);
  }
  // In the caller's column order, so that each problem's features come out ascending.
  for (let j = 0; j < cols; j++) {
    const b = (columnAt ? columnAt[j]! : j) * k;
    for (let c = 0; c < k; c++) {
      const v = w[b + c]!;
      if (!(Math.abs(v) >= lim)) continue;
      const o = out[c]!;
      const t = fill[c]!++;
      o.features[t] = j;
      o.values[t] = v;
    }
  }
  return out;
}

/** Each problem's features (and their values) in ascending order. */
function sortedByFeature(out: { features: Int32Array; values: Float32Array }[], cols: number): { features: Int32Array; values: Float32Array }[] {
  const valueOf = scratchValues(cols);
  for (const o of out) {
    for (let t = 0; t < o.features.length; t++) valueOf[o.features[t]!] = o.values[t]!;
    o.features.sort();
    for (let t = 0; t < o.features.length; t++) o.values[t] = valueOf[o.features[t]!]!;
  }
  return out;
}

/** The positions of ws.group.w[0..end) with |w| ≥ lim (ascending), or undefined once there are more than `most`. */
function scanKept(ws: SparseWorkspace, end: number, lim: number, most: number): Int32Array | undefined {
  const list = ws.group.list;
  const chunk = list.length;
  if (chunk === 0) return undefined;
  let found = new Int32Array(Math.min(most, 1024));
  let m = 0;
  for (let from = 0; from < end; from += chunk) {
    const n = ws.groupKept(from, Math.min(end, from + chunk), lim);
    if (m + n > most) return undefined;
    if (m + n > found.length) {
      const grown = new Int32Array(Math.min(most, Math.max(2 * found.length, m + n)));
      grown.set(found.subarray(0, m));
      found = grown;
    }
    found.set(list.subarray(0, n), m);
    m += n;
  }
  return found.subarray(0, m);
}

/** keptGroupWeights' pruned result from the positions (ascending) of the weights kept. */
function prunedFrom(at: Int32Array, w: Float32Array, k: number, columnAt: Int32Array): { features: Int32Array; values: Float32Array }[] {
  const counts = new Int32Array(k);
  for (let t = 0; t < at.length; t++) counts[at[t]! % k]!++;
  const out = Array.from(counts, (n) => ({ features: new Int32Array(n), values: new Float32Array(n) }));
  const fill = new Int32Array(k);
  const columnOf = inverseOf(columnAt);
  for (let t = 0; t < at.length; t++) {
    const b = at[t]!;
    const c = b % k;
    const o = out[c]!;
    const i = fill[c]!++;
    o.features[i] = columnOf[(b - c) / k]!;
    o.values[i] = w[b]!;
  }
  return sortedByFeature(out, columnAt.length);
}

/** The inverse of a permutation (out[at[j]] = j), computed once per permutation and thread. */
const inverses = new WeakMap<Int32Array, Int32Array>();
function inverseOf(at: Int32Array): Int32Array {
  let inv = inverses.get(at);
  if (!inv) {
    inv = new Int32Array(at.length);
    for (let j = 0; j < at.length; j++) inv[at[j]!] = j;
    inverses.set(at, inv);
  }
  return inv;
}

/** This thread's float32 scratch of at least `length` values. */
let valueScratch = new Float32Array(0);
function scratchValues(length: number): Float32Array {
  if (valueScratch.length < length) valueScratch = new Float32Array(length);
  return valueScratch;
}

/** The smallest |w| kept: `pruneBelow`, or for 0 the smallest positive double (every non-zero). */
function keptLimit(pruneBelow: number): number {
  return pruneBelow > 0 ? pruneBelow : Number.MIN_VALUE;
}

/** Solves "class `cls` vs the rest". */
export function solveClass(job: OvrJob, xsq: Float64Array, cls: number): ClassSolution {
  const { x, y, config: cfg } = job;
  const n = x.rows;
  const yy = new Int8Array(n);
  const cost = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    yy[i] = y[i] === cls ? 1 : -1;
    cost[i] = cfg.c * cfg.classWeight[y[i]!]!;
  }
  const r = solveBinary({ x, y: yy, cost, bias: cfg.bias }, xsq, {
    loss: cfg.loss,
    tol: cfg.tol,
    maxIter: cfg.maxIter,
    seed: deriveSeed(cfg.seed, cls),
  });
  const probeAlpha = new Float64Array(cfg.probeRows.length);
  for (let t = 0; t < probeAlpha.length; t++) probeAlpha[t] = r.alpha[cfg.probeRows[t]!]!;
  const probeOof =
    cfg.foldOf && cfg.folds && cfg.loss !== "logistic"
      ? outOfFoldScores({ x, y: yy, cost, bias: cfg.bias }, xsq, r, {
          loss: cfg.loss,
          foldOf: cfg.foldOf,
          folds: cfg.folds,
          passes: cfg.refitPasses ?? 1,
          seedOf: (f) => deriveSeed(deriveSeed(cfg.seed, cls), f + 1),
          rows: cfg.probeRows,
        })
      : new Float64Array(0);
  const { features, values } = keptWeights(r.w, x.cols, cfg.pruneBelow, job.columnAt);
  return { cls, bias: r.w[x.cols]!, features, values, probeAlpha, probeOof, rowScores: new Float64Array(0), iterations: r.iterations, converged: r.converged };
}

/** The weights among w[0..cols) that are non-zero and not below `pruneBelow` in magnitude, as float32. */
export function keptWeights(w: Float64Array, cols: number, pruneBelow: number, columnAt?: Int32Array): { features: Int32Array; values: Float32Array } {
  return keptGroupWeights(w, cols, 1, pruneBelow, columnAt)[0]!;
}

/** Fills blocks of job.gram's rows off the shared counter until none is left (each thread, as it arrives). */
export function fillGramBlocks(job: OvrJob): void {
  const { gram, gramPlan: plan, gramState: state } = job;
  if (!gram || !plan || !state) return;
  const blocks = plan.blockPtr.length - 1;
  for (;;) {
    const r = Atomics.add(state, 0, 1);
    if (r >= blocks) return;
    kernels().gramRows(plan, r, job.config.bias, gram);
    Atomics.store(state, 1 + r, 1);
    Atomics.notify(state, 1 + r);
  }
}

/**
 * Completes job.gram once every block is filled: a block another thread still fills is waited for (a second at
 * most, then filled here too: the same values into the same entries, so a late write changes nothing).
 */
export function completeGram(job: OvrJob): void {
  const { gram, gramPlan: plan, gramState: state } = job;
  if (!gram || !plan || !state) return;
  fillGramBlocks(job);
  for (let r = 0; r < plan.blockPtr.length - 1; r++) {
    if (Atomics.load(state, 1 + r) === 1) continue;
    if (Atomics.wait(state, 1 + r, 0, 1000) === "timed-out" && Atomics.load(state, 1 + r) !== 1) kernels().gramRows(plan, r, job.config.bias, gram);
  }
  gramMirror(gram, plan.n);
}

/** Pulls classes off the queue until it is empty, handing each solution to `emit`. */
export function drainQueue(job: OvrJob, xsq: Float64Array, emit: (s: ClassSolution) => void, signal?: AbortSignal): void {
  if (job.shared) bindWorkspace(job.x, kernels().workspaceOn(job.shared, Atomics.add(job.slot, 0, 1)));
  for (;;) {
    throwIfAborted(signal, "Training");
    const at = Atomics.add(job.next, 0, 1);
    if (job.groupSize) {
      if (at * job.groupSize >= job.classCount) return;
      for (const s of solveGroup(job, xsq, at)) emit(s);
    } else {
      if (at >= job.classCount) return;
      emit(solveClass(job, xsq, at));
    }
  }
}

const WORKER_URL = new URL("./ovr-worker.js", import.meta.url);

/** Worker threads available beside this one (0 when running from TypeScript sources, e.g. in tests). */
export function defaultThreads(): number {
  return workerThreads(WORKER_URL);
}

/** A worker thread started ahead of its job (which it gets by message), so that it loads while the job is made. */
interface StartedWorker {
  post(job: OvrJob): void;
  /** Ends a worker that was never posted a job. */
  cancel(): void;
  /** Resolves when the worker exits cleanly; rejects on its error, or with CancelledError when `signal` fires. */
  done: Promise<void>;
}

function startWorker(emit: (s: ClassSolution) => void, signal?: AbortSignal): StartedWorker {
  const worker = new Worker(WORKER_URL);
  const done = watchWorker(worker, emit, signal, "Training");
  return {
    post: (job) => worker.postMessage(job),
    cancel: () => {
      done.catch(() => {});
      void worker.terminate();
    },
    done,
  };
}

/**
 * Trains every class's binary problem. Workers are used when there is enough work to repay their
 * start-up (about 30 ms each); they start first and load while this thread lays out the job (renumbering, the
 * shared copy of the rows: ~60 ms on pricerunner), which they are then sent.
 */
export async function trainOneVsRest(x: CsrMatrix, y: Int32Array, classCount: number, config: OvrConfig, threads: number, options: FitOptions = {}): Promise<ClassSolution[]> {
  const work = x.indptr[x.rows]! * classCount;
  const groupSize = config.loss === "logistic" ? 0 : groupSizeFor(classCount);
  const units = groupSize ? Math.ceil(classCount / groupSize) : classCount;
  const workers = work > 3_000_000 ? Math.min(threads, units - 1) : 0;
  const par = workers > 0;
  const out: ClassSolution[] = [];
  const emit = (s: ClassSolution): void => {
    out.push(s);
    options.onProgress?.({ stage: "train", done: out.length, total: classCount });
  };
  const started = Array.from({ length: workers }, () => startWorker(emit, options.signal));
  let job: OvrJob;
  let xsq: Float64Array;
  try {
    ({ job, xsq } = layOutJob(x, y, classCount, config, { par, workers, groupSize, units }));
  } catch (e) {
    for (const w of started) w.cancel();
    throw e;
  }
  for (const w of started) w.post(job);
  const release = (): void => {
    if (job.ready && Atomics.load(job.ready, 0) === 0) {
      Atomics.store(job.ready, 0, 1);
      Atomics.notify(job.ready, 0);
    }
  };
  options.onProgress?.({ stage: "train", done: 0, total: classCount });
  let localError: unknown;
  try {
    if (job.gram) completeGram(job);
    // The caller's rows (the same values as the solvers' renumbered copy): their norms may be known.
    else xsq.set(rowSquaredNorms(x, config.bias));
    release();
    // After the workers have what they wait for: this thread's first pass then runs on optimized code too.
    kernels().prepareSolvers();
    drainQueue(job, xsq, emit, options.signal);
  } catch (e) {
    localError = e;
    Atomics.store(job.next, 0, classCount); // let the workers stop after their current class
    if (job.gramState) Atomics.store(job.gramState, 0, job.gramPlan!.blockPtr.length); // and fill no more Gram blocks
    release(); // a worker waiting for the shared inputs then finds the queue empty
  }
  const settled = await Promise.allSettled(started.map((w) => w.done));
  if (localError) throw localError;
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  // The threads' dense weights, where the caller asked for them (a shared copy was theirs).
  if (config.denseOut && job.config.denseOut !== config.denseOut) config.denseOut.set(job.config.denseOut!);
  return out.sort((a, b) => a.cls - b.cls);
}

/**
 * The job of {@link trainOneVsRest}: x's columns renumbered (frequencyOrder) in the kernels' shared copy of the
 * rows, and the shared arrays that the threads fill in (xsq, or the Gram matrix with its plan) before they solve.
 */
function layOutJob(
  x: CsrMatrix,
  y: Int32Array,
  classCount: number,
  config: OvrConfig,
  how: { par: boolean; workers: number; groupSize: number; units: number },
): { job: OvrJob; xsq: Float64Array } {
  const { par, workers, groupSize, units } = how;
  const columnAt = frequencyOrder(x);
  // One copy of the rows that every thread's kernels read (the WebAssembly kernels need one in their memory
  // anyway), renumbered as it is copied; rows read where they are get a renumbered copy.
  let shared: ReturnType<LinalgKernels["share"]> | undefined;
  let xs = x;
  if (par || kernels().backend !== "js") shared = kernels().share(x, x.cols, workers + 1, Math.max(1, groupSize), columnAt);
  else xs = renumberColumns(x, columnAt);
  const solverX = shared ? { ...shared.x, cols: x.cols } : xs;
  // The Gram matrix when it pays, summed by every thread in blocks of rows (see fillGramBlocks).
  const gram = groupSize && gramPays(solverX, units, groupSize) ? new Float64Array(par ? new SharedArrayBuffer(x.rows * x.rows * 8) : new ArrayBuffer(x.rows * x.rows * 8)) : undefined;
  const plan = gram ? gramPlan(solverX, x.cols, par) : undefined;
  const job: OvrJob = {
    x: solverX,
    ...(shared ? { shared: shared.handle } : {}),
    columnAt: par ? toSharedArray(columnAt) : columnAt,
    slot: new Int32Array(new SharedArrayBuffer(4)),
    y: par ? toSharedArray(y) : y,
    classCount,
    config: par
      ? {
          ...config,
          ...(config.foldOf ? { foldOf: toSharedArray(config.foldOf) } : {}),
          ...(config.denseOut ? { denseOut: toSharedArray(config.denseOut) } : {}),
          ...(config.scoreRows ? { scoreRows: toSharedArray(config.scoreRows) } : {}),
        }
      : config,
    next: new Int32Array(new SharedArrayBuffer(4)),
    ...(groupSize ? { groupSize } : {}),
    ...(gram && plan ? { gram, gramPlan: plan, gramState: new Int32Array(new SharedArrayBuffer(4 * plan.blockPtr.length)) } : {}),
  };
  // Each row's squared norm, once for every thread, filled in by the main thread while the workers start (the
  // Gram solver reads q's diagonal instead).
  const xsq = par && !gram ? new Float64Array(new SharedArrayBuffer(x.rows * 8)) : new Float64Array(x.rows);
  if (par) {
    if (!gram) job.xsq = xsq;
    job.ready = new Int32Array(new SharedArrayBuffer(4));
  }
  return { job, xsq };
}
