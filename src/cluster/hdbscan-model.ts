// A fitted HDBSCAN model: labels, membership probabilities and core distances; approximate prediction of new rows.
import type { Artifact } from "../core/contracts.js";
import { assertFinite, type Matrix } from "../linalg/matrix.js";
import { NOISE, type ClusteringModel } from "./contracts.js";
import { checkMetric, rowsFromArrays, rowsMeta, rowsToArrays } from "./dbscan-model.js";
import { blockRows, fromSquared, NeighborRows, offer, type NeighborMetric } from "./neighbors.js";

/** What an {@link HdbscanModel} is built from. */
export interface HdbscanModelInit {
  /** The training rows (dense or CSR, as fitted): prediction measures new rows against them. */
  rows: Matrix;
  labels: Int32Array;
  probabilities: Float32Array;
  /** Distance of each training row to its minSamples-th nearest row (itself included). */
  coreDistances: Float64Array;
  /** Per cluster: the mutual reachability distance at which it split off its parent (∞ for a root cluster). */
  clusterBirth: Float64Array;
  metric: NeighborMetric;
  minSamples: number;
  params: Record<string, unknown>;
}

/**
 * Fitted HDBSCAN: training `labels` (clusters 0 … k−1 numbered by lowest row, NOISE = −1), membership
 * `probabilities` (0 for noise), `coreDistances`, and each cluster's birth distance.
 *
 * `predict` is an approximate prediction in the spirit of the hdbscan library's `approximate_predict`: a new
 * row's core distance is its distance to its minSamples-th nearest training row; among the clustered training
 * rows it takes the nearest by mutual reachability max(core new, core row, distance) (ties → lower row index)
 * and joins that row's cluster if this distance is at most the cluster's birth distance, the largest mutual
 * reachability distance at which the training row was still in that cluster (above it the cluster has merged
 * with its sibling); otherwise NOISE. Training rows mostly get their own labels back; a noise row may join a
 * cluster it is close to.
 * @example const ids = model.predict(newRows); // -1 where no cluster claims a row
 */
export class HdbscanModel implements ClusteringModel {
  readonly kind = "hdbscan";
  readonly k: number;
  readonly featureCount: number;
  readonly labels: Int32Array;
  readonly probabilities: Float32Array;
  readonly coreDistances: Float64Array;
  readonly clusterBirth: Float64Array;
  readonly rows: Matrix;
  readonly metric: NeighborMetric;
  readonly minSamples: number;
  readonly params: Record<string, unknown>;
  /** The training rows prepared for distance queries, built on first use. */
  private index: NeighborRows | undefined;

  constructor(init: HdbscanModelInit) {
    const { rows, labels, probabilities, coreDistances, clusterBirth } = init;
    const n = rows.rows;
    if (labels.length !== n || probabilities.length !== n || coreDistances.length !== n) {
      throw new RangeError(`Expected ${n} labels, probabilities and core distances, got ${labels.length}, ${probabilities.length}, ${coreDistances.length}`);
    }
    const k = clusterBirth.length;
    for (let i = 0; i < n; i++) {
      if (labels[i] < NOISE || labels[i] >= k) throw new RangeError(`Label ${labels[i]} at row ${i} is outside [${NOISE}, ${k})`);
    }
    if (!Number.isInteger(init.minSamples) || init.minSamples < 1) throw new RangeError(`minSamples must be a positive integer, got ${init.minSamples}`);
    this.k = k;
    this.featureCount = rows.cols;
    this.rows = rows;
    this.labels = labels;
    this.probabilities = probabilities;
    this.coreDistances = coreDistances;
    this.clusterBirth = clusterBirth;
    this.metric = init.metric;
    this.minSamples = init.minSamples;
    this.params = init.params;
  }

  /**
   * Approximate cluster of each new row (see the class notes), or NOISE. O(rows · n · d), in blocks.
   * @throws TypeError on a width mismatch or a non-finite value.
   */
  predict(x: Matrix): Int32Array {
    if (x.cols !== this.featureCount) throw new TypeError(`Input has ${x.cols} features, the model expects ${this.featureCount}`);
    assertFinite(x);
    const out = new Int32Array(x.rows).fill(NOISE);
    const n = this.rows.rows;
    if (this.k === 0 || x.rows === 0) return out;
    const ref = (this.index ??= new NeighborRows(this.rows, this.metric));
    const q = ref.queries(x);
    const kk = Math.min(this.minSamples, n);
    const near = new Float64Array(kk);
    const nearIds = new Int32Array(kk);
    const block = blockRows(n);
    const buf = new Float64Array(block * n);
    const { labels, coreDistances: core, clusterBirth, metric } = this;
    for (let q0 = 0; q0 < x.rows; q0 += block) {
      const count = Math.min(block, x.rows - q0);
      ref.squaredDistances(q, q0, count, buf);
      for (let t = 0; t < count; t++) {
        const o = t * n;
        near.fill(Infinity);
        nearIds.fill(0x7fffffff);
        for (let j = 0; j < n; j++) offer(near, nearIds, 0, kk, buf[o + j], j);
        const own = fromSquared(metric, near[kk - 1]);
        let best = Infinity;
        let bi = -1;
        for (let j = 0; j < n; j++) {
          if (labels[j] === NOISE) continue;
          let r = fromSquared(metric, buf[o + j]);
          if (r < own) r = own;
          if (r < core[j]) r = core[j];
          if (r < best) {
            best = r;
            bi = j;
          }
        }
        if (bi >= 0 && best <= clusterBirth[labels[bi]]) out[q0 + t] = labels[bi];
      }
    }
    return out;
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: this.params,
      meta: { k: this.k, metric: this.metric, minSamples: this.minSamples, ...rowsMeta(this.rows) },
      arrays: {
        labels: this.labels,
        probabilities: this.probabilities,
        coreDistances: this.coreDistances,
        clusterBirth: this.clusterBirth,
        ...rowsToArrays("rows", this.rows),
      },
    };
  }

  /** Restores a model from {@link HdbscanModel.toArtifact}'s output. @throws TypeError on a malformed artifact. */
  static fromArtifact(a: Artifact): HdbscanModel {
    const { metric, minSamples } = a.meta as { metric: NeighborMetric; minSamples: number };
    const { labels, probabilities, coreDistances, clusterBirth } = a.arrays;
    if (
      !(labels instanceof Int32Array) ||
      !(probabilities instanceof Float32Array) ||
      !(coreDistances instanceof Float64Array) ||
      !(clusterBirth instanceof Float64Array)
    ) {
      throw new TypeError(`Artifact of "${a.kind}" needs Int32 "labels", Float32 "probabilities", Float64 "coreDistances" and "clusterBirth" arrays`);
    }
    checkMetric(a, metric);
    const rows = rowsFromArrays(a, "rows", labels.length);
    try {
      return new HdbscanModel({ rows, labels, probabilities, coreDistances, clusterBirth, metric, minSamples, params: a.params });
    } catch (e) {
      throw new TypeError(`Artifact of "${a.kind}" is inconsistent: ${(e as Error).message}`);
    }
  }
}
