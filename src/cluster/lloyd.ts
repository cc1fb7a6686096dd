// Lloyd's k-means iterations with Elkan's or Hamerly's bounds (rows whose centre cannot have changed are skipped).
import { throwIfAborted } from "../core/errors.js";
import { nnz, type Matrix } from "../linalg/matrix.js";
import { assignNearest, centerNorms, clusterSums, distanceToAssigned, moveRow, type Centers } from "./kernels.js";
import { rowDot, rowDots } from "./row-scores.js";

/** Stopping rules and metric of one Lloyd run. */
export interface LloydOptions {
  maxIter: number;
  /** Stop when Σ‖Δc‖² ≤ tolAbs (scikit-learn: tol × mean column variance). */
  tolAbs: number;
  cosine: boolean;
  signal?: AbortSignal;
  /** Which triangle-inequality bounds prune rows (default: Elkan's unless n·k exceeds ELKAN_MAX_BOUNDS). */
  bounds?: "elkan" | "hamerly";
}

/** The outcome of one run: Float32-rounded centres, the labels they give and Σ distance (inertia). */
export interface RunResult {
  centers: Centers;
  labels: Int32Array;
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Rows moved into empty clusters. */
  relocated: number;
  /** An empty cluster could not be re-seeded because every row sits on its centre (too few distinct rows). */
  stuck: boolean;
}

/**
 * Rounds the centres to Float32 (as the model stores them) and assigns every row with them, so the labels and
 * inertia are exactly what the model's `predict` reproduces. Cosine inertia is Σ (1 − cos) = Σ d²/2. O(nnz·k).
 */
export function finishRun(x: Matrix, rn: Float64Array, c: Centers, cosine: boolean): { labels: Int32Array; inertia: number } {
  for (let p = 0; p < c.ct.length; p++) c.ct[p] = Math.fround(c.ct[p]!);
  centerNorms(c, cosine);
  const labels = new Int32Array(x.rows);
  const best = new Float64Array(x.rows);
  assignNearest(x, rn, c, labels, best, null);
  let inertia = 0;
  for (let i = 0; i < x.rows; i++) inertia += best[i]!;
  return { labels, inertia: cosine ? inertia / 2 : inertia };
}

/** Per-cluster running sums and counts, updated as rows move (so an M-step costs O(k·d), not O(nnz)). */
interface Sums {
  sums: Float64Array;
  counts: Float64Array;
  /** 1 for clusters that gained or lost rows since the last M-step. */
  dirty: Uint8Array;
}

/** Moves row i from cluster a to b in the running sums. */
function move(x: Matrix, i: number, a: number, b: number, s: Sums, k: number): void {
  moveRow(x, i, a, b, s.sums, s.counts, k);
  s.dirty[a] = 1;
  s.dirty[b] = 1;
}

/**
 * One Hamerly pass: `upper` bounds each row's distance to its centre, `lower` its distance to every other
 * centre; a row is rescored only when upper > max(lower, half the distance from its centre to the nearest
 * other). Dense rows first tighten `upper` with one exact distance (1/k of a rescore); CSR rows skip that,
 * since a sparse row's cost is in fetching its columns' centre values, which one centre costs as much as k.
 * Moved rows update `s`. Returns the number of rows that changed cluster. O(nnz·k) worst case, O(n) at best.
 */
function hamerlyPass(
  x: Matrix,
  rn: Float64Array,
  c: Centers,
  half: Float64Array,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
  dots: Float64Array,
  s: Sums,
): number {
  const { k, cn } = c;
  const tighten = x.kind === "dense";
  let changed = 0;
  for (let i = 0; i < x.rows; i++) {
    const a = labels[i]!;
    const m = half[a]! > lower[i]! ? half[a]! : lower[i]!;
    if (upper[i]! <= m) continue;
    const r = rn[i]!;
    if (tighten) {
      const da = r - 2 * rowDot(x, i, c, a) + cn[a]!;
      upper[i] = Math.sqrt(da > 0 ? da : 0);
      if (upper[i]! <= m) continue;
    }
    rowDots(x, i, c, dots);
    let b = 0;
    let bd = Infinity;
    let sd = Infinity;
    for (let t = 0; t < k; t++) {
      let dd = r - 2 * dots[t]! + cn[t]!;
      if (dd < 0) dd = 0;
      if (dd < bd) {
        sd = bd;
        bd = dd;
        b = t;
      } else if (dd < sd) sd = dd;
    }
    if (b !== a) {
      labels[i] = b;
      move(x, i, a, b, s, k);
      changed++;
    }
    upper[i] = Math.sqrt(bd);
    lower[i] = Math.sqrt(sd);
  }
  return changed;
}

/**
 * One pass with Elkan's per-centre lower bounds (lower[i·k + j] ≤ ‖x_i − c_j‖): a row is rescored only when
 * some other centre j could be nearer, i.e. upper > lower_j and upper > ½‖c_a − c_j‖. Tighter than Hamerly's
 * single bound when only a few centres move, at n·k extra Float64s. Rescoring sets every bound exactly.
 */
function elkanPass(
  x: Matrix,
  rn: Float64Array,
  c: Centers,
  half: Float64Array,
  halfCC: Float64Array,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
  dots: Float64Array,
  s: Sums,
): number {
  const { k, cn } = c;
  const tighten = x.kind === "dense";
  let changed = 0;
  for (let i = 0; i < x.rows; i++) {
    const a = labels[i]!;
    let u = upper[i]!;
    if (u <= half[a]!) continue;
    const lo = i * k;
    let need = false;
    for (let j = 0; j < k; j++) {
      if (j !== a && u > lower[lo + j]! && u > halfCC[a * k + j]!) {
        need = true;
        break;
      }
    }
    if (!need) continue;
    const r = rn[i]!;
    if (tighten) {
      const da = r - 2 * rowDot(x, i, c, a) + cn[a]!;
      u = upper[i] = Math.sqrt(da > 0 ? da : 0);
      need = false;
      for (let j = 0; j < k; j++) {
        if (j !== a && u > lower[lo + j]! && u > halfCC[a * k + j]!) {
          need = true;
          break;
        }
      }
      if (!need) continue;
    }
    rowDots(x, i, c, dots);
    let b = 0;
    let bd = Infinity;
    for (let t = 0; t < k; t++) {
      let dd = r - 2 * dots[t]! + cn[t]!;
      if (dd < 0) dd = 0;
      lower[lo + t] = Math.sqrt(dd);
      if (dd < bd) {
        bd = dd;
        b = t;
      }
    }
    if (b !== a) {
      labels[i] = b;
      move(x, i, a, b, s, k);
      changed++;
    }
    upper[i] = Math.sqrt(bd);
  }
  return changed;
}

/**
 * halfCC[a·k + b] = ½‖c_a − c_b‖ and half[a] = its minimum over b ≠ a (Infinity when k = 1). O(k²·d).
 */
function centerGaps(c: Centers, half: Float64Array, halfCC: Float64Array, gram: Float64Array): void {
  const { k, d, ct, cn } = c;
  gram.fill(0);
  for (let j = 0; j < d; j++) {
    const o = j * k;
    for (let a = 0; a < k; a++) {
      const va = ct[o + a]!;
      if (va === 0) continue;
      for (let b = a + 1; b < k; b++) gram[a * k + b]! += va * ct[o + b]!;
    }
  }
  half.fill(Infinity);
  for (let a = 0; a < k; a++) {
    halfCC[a * k + a] = 0;
    for (let b = a + 1; b < k; b++) {
      const dd = cn[a]! + cn[b]! - 2 * gram[a * k + b]!;
      const h = Math.sqrt(dd > 0 ? dd : 0) / 2;
      halfCC[a * k + b] = h;
      halfCC[b * k + a] = h;
      if (h < half[a]!) half[a] = h;
      if (h < half[b]!) half[b] = h;
    }
  }
}

/**
 * M-step: each centre whose rows changed (`dirty`) becomes the mean of its rows (re-normalized for cosine); an
 * empty cluster keeps its centre. Writes each centre's squared shift into `shift2` (0 when clean), refreshes
 * the norms and clears `dirty`. O(d · dirty centres).
 */
function updateCenters(s: Sums, c: Centers, cosine: boolean, shift2: Float64Array): void {
  const { k, d, ct, cn } = c;
  const { sums, counts, dirty } = s;
  const ids = new Int32Array(k);
  let nd = 0;
  for (let a = 0; a < k; a++) if (dirty[a]) ids[nd++] = a;
  shift2.fill(0);
  if (nd === 0) return;
  const scale = new Float64Array(k);
  for (let a = 0; a < k; a++) scale[a] = counts[a]! > 0 ? 1 / counts[a]! : 0;
  if (cosine) {
    const norm2 = new Float64Array(k);
    for (let j = 0; j < d; j++) {
      for (let q = 0; q < nd; q++) norm2[ids[q]!]! += (sums[j * k + ids[q]!]! * scale[ids[q]!]!) ** 2;
    }
    for (let a = 0; a < k; a++) if (norm2[a]! > 0) scale[a]! /= Math.sqrt(norm2[a]!);
  }
  for (let q = 0; q < nd; q++) cn[ids[q]!] = 0;
  for (let j = 0; j < d; j++) {
    const o = j * k;
    for (let q = 0; q < nd; q++) {
      const a = ids[q]!;
      const old = ct[o + a]!;
      const m = counts[a]! > 0 ? sums[o + a]! * scale[a]! : old;
      shift2[a]! += (m - old) * (m - old);
      cn[a]! += m * m;
      ct[o + a] = m;
    }
  }
  for (let q = 0; q < nd; q++) {
    const a = ids[q]!;
    if (cosine && cn[a] === 0) cn[a] = 1;
    dirty[a] = 0;
  }
}

/**
 * Moves the rows farthest from their centres (taken only from clusters with ≥ 2 rows) into the empty clusters,
 * as scikit-learn's `_relocate_empty_clusters`. Returns the rows moved and whether a cluster had to stay empty
 * because every candidate row sits exactly on its centre. O(nnz + n·empty).
 */
function relocateEmpty(
  x: Matrix,
  rn: Float64Array,
  c: Centers,
  labels: Int32Array,
  s: Sums,
  upper: Float64Array,
  lower: Float64Array,
  bounds: number,
): { moved: number; stuck: boolean } {
  const counts = s.counts;
  const dist = new Float64Array(x.rows);
  distanceToAssigned(x, rn, c, labels, dist);
  let moved = 0;
  for (let e = 0; e < c.k; e++) {
    if (counts[e] !== 0) continue;
    let far = -1;
    let fd = 0;
    for (let i = 0; i < x.rows; i++) {
      if (dist[i]! > fd && counts[labels[i]!]! > 1) {
        far = i;
        fd = dist[i]!;
      }
    }
    if (far < 0) return { moved, stuck: true };
    move(x, far, labels[far]!, e, s, c.k);
    labels[far] = e;
    dist[far] = 0;
    upper[far] = Infinity;
    lower.fill(0, far * bounds, (far + 1) * bounds);
    moved++;
  }
  return { moved, stuck: false };
}

/** Most Float64 per-centre bounds (n·k) Elkan's variant may hold (64 MiB); beyond, Hamerly's n bounds. */
const ELKAN_MAX_BOUNDS = 1 << 23;

/**
 * Runs Lloyd's algorithm from `init` (mutated in place) until labels stop changing, the centres move less than
 * `tolAbs` or `maxIter` passes. Triangle-inequality bounds (Elkan's per centre, or Hamerly's per row when n·k
 * is large) skip rows whose centre cannot have changed, so a pass costs O(n·k) plus O(nnz_i·k) per rescored
 * row; running sums make the M-step O(k·d + moved rows). Centre gaps (O(k²·d)) are refreshed only when cheap
 * next to a full pass.
 */
export function lloyd(x: Matrix, rn: Float64Array, init: Centers, o: LloydOptions): RunResult {
  const n = x.rows;
  const { k, d } = init;
  const c = init;
  const elkan = o.bounds ? o.bounds === "elkan" : n * k <= ELKAN_MAX_BOUNDS;
  const bounds = elkan ? k : 1;
  const labels = new Int32Array(n);
  const upper = new Float64Array(n);
  const second = new Float64Array(n);
  assignNearest(x, rn, c, labels, upper, second);
  // The runner-up distance bounds every other centre's distance from below.
  const lower = new Float64Array(n * bounds);
  for (let i = 0; i < n; i++) {
    upper[i] = Math.sqrt(upper[i]!);
    lower.fill(Math.sqrt(second[i]!), i * bounds, (i + 1) * bounds);
  }
  const s: Sums = { sums: new Float64Array(k * d), counts: new Float64Array(k), dirty: new Uint8Array(k).fill(1) };
  clusterSums(x, labels, k, s.sums, s.counts);
  const shift = new Float64Array(k);
  const half = new Float64Array(k);
  const halfCC = new Float64Array(k * k);
  const gram = new Float64Array(k * k);
  const dots = new Float64Array(k);
  // Centre gaps cost k²·d/2 per pass; on wide sparse rows they rarely prune beyond the bounds, so they are
  // kept only where they cost under 1/16 of a full pass (nnz·k), e.g. dense embeddings.
  const useGaps = k > 1 && k * d * 8 <= nnz(x);
  let iterations = 0;
  let converged = false;
  let relocated = 0;
  let stuck = false;
  for (let it = 0; it < o.maxIter; it++) {
    throwIfAborted(o.signal, "K-means");
    let changed =
      it === 0
        ? n
        : elkan
          ? elkanPass(x, rn, c, half, halfCC, labels, upper, lower, dots, s)
          : hamerlyPass(x, rn, c, half, labels, upper, lower, dots, s);
    let empty = false;
    for (let a = 0; a < k; a++) if (s.counts[a] === 0) empty = true;
    if (empty && !stuck) {
      const r = relocateEmpty(x, rn, c, labels, s, upper, lower, bounds);
      stuck = r.stuck;
      relocated += r.moved;
      changed += r.moved;
    }
    updateCenters(s, c, o.cosine, shift);
    iterations = it + 1;
    let total = 0;
    let maxP = 0;
    let secondP = 0;
    let argMax = -1;
    for (let a = 0; a < k; a++) {
      total += shift[a]!;
      const p = Math.sqrt(shift[a]!);
      shift[a] = p;
      if (p > maxP) {
        secondP = maxP;
        maxP = p;
        argMax = a;
      } else if (p > secondP) secondP = p;
    }
    if ((it > 0 && changed === 0) || total <= o.tolAbs) {
      converged = true;
      break;
    }
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      upper[i]! += shift[a]!;
      if (elkan) for (let j = 0; j < k; j++) lower[i * k + j]! -= shift[j]!;
      else lower[i]! -= a === argMax ? secondP : maxP;
    }
    if (useGaps) centerGaps(c, half, halfCC, gram);
  }
  return { ...finishRun(x, rn, c, o.cosine), centers: c, iterations, converged, relocated, stuck };
}
