// Mini-batch k-means (Sculley 2010, as scikit-learn's MiniBatchKMeans): per-centre learning rates 1/count.
import { throwIfAborted } from "../core/errors.js";
import type { Progress } from "../core/progress.js";
import type { Random } from "../core/random.js";
import { selectRows, type Matrix } from "../linalg/matrix.js";
import { assignNearest, centerNorms, scatterRow, type Centers } from "./kernels.js";
import { kmeansPlusPlus, randomInit, type Seeding } from "./kmeans-init.js";
import { finishRun, type RunResult } from "./lloyd.js";

/** Settings of one mini-batch fit. */
export interface MiniBatchOptions {
  k: number;
  batchSize: number;
  /** Number of batches at most. */
  maxIter: number;
  /** Seedings tried on an init sample; the one with the lowest inertia on a validation sample is kept. */
  nInit: number;
  init: "k-means++" | "random";
  cosine: boolean;
  /** Stop after this many batches without a new minimum of the smoothed batch inertia. */
  maxNoImprovement: number;
  /** Centres with fewer than this fraction of the largest count are moved to random batch rows. */
  reassignmentRatio: number;
  rng: Random;
  signal?: AbortSignal;
  onProgress?(e: Progress): void;
}

/** Result of a mini-batch fit: a run plus how many centres were reassigned and whether seeding ran out of rows. */
export interface MiniBatchResult extends RunResult {
  reassigned: number;
  duplicates: boolean;
}

function sampleRows(n: number, count: number, rng: Random): Int32Array {
  const ids = new Int32Array(count);
  for (let t = 0; t < count; t++) ids[t] = rng.int(n);
  return ids;
}

function gather(v: Float64Array, ids: Int32Array): Float64Array {
  const out = new Float64Array(ids.length);
  for (let t = 0; t < ids.length; t++) out[t] = v[ids[t]!]!;
  return out;
}

/**
 * Seeds on `nInit` random samples of 3·batchSize rows (at least 3k) and keeps the seeding with the lowest
 * inertia on a separate validation sample of the same size (scikit-learn's `init_size`). O(nInit·k·trials·size·d̄).
 */
function bestSeeding(x: Matrix, rn: Float64Array, o: MiniBatchOptions): Seeding {
  const n = x.rows;
  const size = Math.min(n, Math.max(3 * o.batchSize, 3 * o.k));
  const validIds = sampleRows(n, size, o.rng);
  const xValid = selectRows(x, validIds);
  const rnValid = gather(rn, validIds);
  const labels = new Int32Array(size);
  const dist = new Float64Array(size);
  let best: Seeding | null = null;
  let bestInertia = Infinity;
  for (let r = 0; r < o.nInit; r++) {
    const ids = sampleRows(n, size, o.rng);
    const xs = selectRows(x, ids);
    const s = o.init === "random" ? randomInit(xs, o.k, o.rng, o.cosine) : kmeansPlusPlus(xs, gather(rn, ids), o.k, o.rng, o.cosine);
    assignNearest(xValid, rnValid, s.centers, labels, dist, null);
    let inertia = 0;
    for (let t = 0; t < size; t++) inertia += dist[t]!;
    if (inertia < bestInertia || best === null) {
      best = { centers: s.centers, rows: s.rows.map((i) => ids[i]!), duplicates: s.duplicates };
      bestInertia = inertia;
    }
  }
  return best!;
}

/** Re-normalizes centre column a to unit length (cosine). O(d). */
function normalizeColumn(c: Centers, a: number): void {
  const { k, d, ct } = c;
  let s = 0;
  for (let j = 0; j < d; j++) s += ct[j * k + a]! * ct[j * k + a]!;
  if (s === 0) return;
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < d; j++) ct[j * k + a]! *= inv;
}

/**
 * c ← (c·w + Σ batch rows) / (w + m) for each centre with m rows in the batch (learning rate m/(w+m), so each
 * row ever seen weighs equally). O(k·d + nnz of the batch).
 */
function updateFromBatch(x: Matrix, ids: Int32Array, labels: Int32Array, c: Centers, counts: Float64Array, cosine: boolean): void {
  const { k, d, ct } = c;
  const batchCounts = new Float64Array(k);
  for (let t = 0; t < ids.length; t++) batchCounts[labels[t]!]!++;
  for (let a = 0; a < k; a++) {
    if (batchCounts[a] === 0) continue;
    const f = counts[a]! / (counts[a]! + batchCounts[a]!);
    counts[a]! += batchCounts[a]!;
    for (let j = 0; j < d; j++) ct[j * k + a]! *= f;
  }
  const data = x.data;
  for (let t = 0; t < ids.length; t++) {
    const a = labels[t]!;
    const i = ids[t]!;
    const w = 1 / counts[a]!;
    if (x.kind === "csr") {
      for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) ct[x.indices[p]! * k + a]! += data[p]! * w;
    } else {
      const off = i * d;
      for (let j = 0; j < d; j++) if (data[off + j] !== 0) ct[j * k + a]! += data[off + j]! * w;
    }
  }
  if (cosine) for (let a = 0; a < k; a++) if (batchCounts[a]! > 0) normalizeColumn(c, a);
}

/**
 * Moves centres whose count is below `ratio` × the largest count (at most half of them, smallest first) onto
 * distinct random rows of the batch, giving them the smallest remaining count (scikit-learn's random reassign).
 */
function reassignSmall(x: Matrix, ids: Int32Array, c: Centers, counts: Float64Array, ratio: number, rng: Random): number {
  const k = c.k;
  let max = 0;
  for (let a = 0; a < k; a++) if (counts[a]! > max) max = counts[a]!;
  const small: number[] = [];
  for (let a = 0; a < k; a++) if (counts[a]! < ratio * max) small.push(a);
  if (small.length === 0) return 0;
  small.sort((a, b) => counts[a]! - counts[b]! || a - b);
  const chosen = small.slice(0, Math.max(1, Math.min(small.length, Math.floor(k / 2))));
  const isChosen = new Uint8Array(k);
  for (const a of chosen) isChosen[a] = 1;
  let floor = Infinity;
  for (let a = 0; a < k; a++) if (!isChosen[a] && counts[a]! < floor) floor = counts[a]!;
  const pos = new Int32Array(ids.length);
  for (let t = 0; t < pos.length; t++) pos[t] = t;
  chosen.forEach((a, t) => {
    const j = t + rng.int(pos.length - t);
    [pos[t], pos[j]] = [pos[j]!, pos[t]!];
    for (let f = 0; f < c.d; f++) c.ct[f * k + a] = 0;
    scatterRow(x, ids[pos[t]!]!, c.ct, k, a);
    counts[a] = Number.isFinite(floor) ? floor : 0;
  });
  return chosen.length;
}

/**
 * Fits centres on random batches of rows (with replacement), stopping after `maxIter` batches or when the
 * exponentially smoothed batch inertia has not reached a new minimum for `maxNoImprovement` batches; then labels
 * every row once. O(maxIter·(batchSize·d̄·k + k·d) + nnz·k).
 */
export function miniBatch(x: Matrix, rn: Float64Array, o: MiniBatchOptions): MiniBatchResult {
  const n = x.rows;
  const b = Math.min(o.batchSize, n);
  const seeding = bestSeeding(x, rn, o);
  const c = seeding.centers;
  const k = c.k;
  const counts = new Float64Array(k);
  const labels = new Int32Array(b);
  const dist = new Float64Array(b);
  const alpha = Math.min(1, (2 * b) / (n + 1));
  let ewa = NaN;
  let ewaMin = Infinity;
  let noImprovement = 0;
  let sinceReassign = 0;
  let reassigned = 0;
  let iterations = 0;
  let converged = false;
  for (let step = 0; step < o.maxIter; step++) {
    throwIfAborted(o.signal, "Mini-batch k-means");
    const ids = sampleRows(n, b, o.rng);
    assignNearest(x, rn, c, labels, dist, null, ids);
    let batchInertia = 0;
    for (let t = 0; t < b; t++) batchInertia += dist[t]!;
    updateFromBatch(x, ids, labels, c, counts, o.cosine);
    sinceReassign += b;
    let anyZero = false;
    for (let a = 0; a < k; a++) if (counts[a] === 0) anyZero = true;
    if (o.reassignmentRatio > 0 && (anyZero || sinceReassign >= 10 * k)) {
      sinceReassign = 0;
      reassigned += reassignSmall(x, ids, c, counts, o.reassignmentRatio, o.rng);
    }
    centerNorms(c, o.cosine);
    iterations = step + 1;
    if (o.onProgress && iterations % 10 === 0) o.onProgress({ stage: "mini-batch k-means", done: iterations, total: o.maxIter });
    if (step === 0) continue; // the first batch scores the seeding, not the updates
    batchInertia /= b;
    ewa = Number.isNaN(ewa) ? batchInertia : ewa * (1 - alpha) + batchInertia * alpha;
    if (ewa < ewaMin) {
      ewaMin = ewa;
      noImprovement = 0;
    } else if (++noImprovement >= o.maxNoImprovement) {
      converged = true;
      break;
    }
  }
  const done = finishRun(x, rn, c, o.cosine);
  return { ...done, centers: c, iterations, converged, relocated: 0, stuck: false, reassigned, duplicates: seeding.duplicates };
}
