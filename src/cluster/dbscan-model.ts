// A fitted DBSCAN model: training labels plus the core rows, which assign new rows to the nearest core within eps.
import type { Artifact, ArtifactArray } from "../core/contracts.js";
import { assertFinite, csr, dense, type Matrix } from "../linalg/matrix.js";
import { NOISE, type ClusteringModel } from "./contracts.js";
import { blockRows, NeighborRows, toSquared, type NeighborMetric } from "./neighbors.js";

/** What a {@link DbscanModel} is built from. */
export interface DbscanModelInit {
  /** Cluster of each training row, or NOISE. */
  labels: Int32Array;
  /** Training indices of the core rows, ascending (scikit-learn's `core_sample_indices_`). */
  coreSamples: Int32Array;
  /** The core rows themselves, in the order of `coreSamples` (dense or CSR, as fitted). */
  coreRows: Matrix;
  metric: NeighborMetric;
  eps: number;
  params: Record<string, unknown>;
}

/**
 * Fitted DBSCAN: the training `labels` (clusters 0 … k−1, NOISE = −1), the core rows and their clusters.
 * `predict` gives a new row the cluster of its nearest core row within `eps` (ties → the lower core index),
 * else NOISE: training core rows get their own label back and noise rows NOISE, but a border row may go to
 * another cluster than in `labels` when a core row of that cluster lies nearer (fitting gives a border row to
 * the first cluster that reaches it, as scikit-learn).
 * @example const ids = model.predict(newRows); // -1 where no core row lies within eps
 */
export class DbscanModel implements ClusteringModel {
  readonly kind = "dbscan";
  readonly k: number;
  readonly featureCount: number;
  readonly labels: Int32Array;
  readonly coreSamples: Int32Array;
  readonly coreRows: Matrix;
  readonly metric: NeighborMetric;
  readonly eps: number;
  readonly params: Record<string, unknown>;
  /** Cluster of each core row (labels[coreSamples[c]]). */
  private readonly coreLabels: Int32Array;
  /** The core rows prepared for distance queries, built on first use. */
  private index: NeighborRows | undefined;

  constructor(init: DbscanModelInit) {
    const { labels, coreSamples, coreRows } = init;
    if (coreRows.rows !== coreSamples.length) {
      throw new RangeError(`Got ${coreRows.rows} core rows for ${coreSamples.length} core sample indices`);
    }
    let k = 0;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] < NOISE) throw new RangeError(`Label ${labels[i]} at row ${i} is below NOISE (${NOISE})`);
      if (labels[i] + 1 > k) k = labels[i] + 1;
    }
    this.coreLabels = new Int32Array(coreSamples.length);
    for (let c = 0; c < coreSamples.length; c++) {
      const i = coreSamples[c];
      if (!(i >= 0 && i < labels.length) || labels[i] === NOISE) throw new RangeError(`Core sample ${i} is not a clustered training row`);
      this.coreLabels[c] = labels[i];
    }
    this.k = k;
    this.featureCount = coreRows.cols;
    this.labels = labels;
    this.coreSamples = coreSamples;
    this.coreRows = coreRows;
    this.metric = init.metric;
    this.eps = init.eps;
    this.params = init.params;
  }

  /**
   * Cluster of the nearest core row within eps of each row, or NOISE. O(rows · core rows · d), in blocks.
   * @throws TypeError on a width mismatch or a non-finite value.
   */
  predict(x: Matrix): Int32Array {
    if (x.cols !== this.featureCount) throw new TypeError(`Input has ${x.cols} features, the model expects ${this.featureCount}`);
    assertFinite(x);
    const out = new Int32Array(x.rows).fill(NOISE);
    const m = this.coreSamples.length;
    if (m === 0 || x.rows === 0) return out;
    const ref = (this.index ??= new NeighborRows(this.coreRows, this.metric));
    const q = ref.queries(x);
    const r2 = toSquared(this.metric, this.eps);
    const block = blockRows(m);
    const buf = new Float64Array(block * m);
    for (let q0 = 0; q0 < x.rows; q0 += block) {
      const count = Math.min(block, x.rows - q0);
      ref.squaredDistances(q, q0, count, buf);
      for (let t = 0; t < count; t++) {
        let best = -1;
        let bd = r2;
        for (let j = 0; j < m; j++) {
          const e2 = buf[t * m + j];
          if (e2 < bd || (e2 === bd && best < 0)) {
            bd = e2;
            best = j;
          }
        }
        if (best >= 0) out[q0 + t] = this.coreLabels[best];
      }
    }
    return out;
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: this.params,
      meta: { k: this.k, featureCount: this.featureCount, metric: this.metric, eps: this.eps, ...rowsMeta(this.coreRows) },
      arrays: { labels: this.labels, coreSamples: this.coreSamples, ...rowsToArrays("core", this.coreRows) },
    };
  }

  /** Restores a model from {@link DbscanModel.toArtifact}'s output. @throws TypeError on a malformed artifact. */
  static fromArtifact(a: Artifact): DbscanModel {
    const { metric, eps } = a.meta as { metric: NeighborMetric; eps: number };
    const { labels, coreSamples } = a.arrays;
    if (!(labels instanceof Int32Array) || !(coreSamples instanceof Int32Array)) {
      throw new TypeError(`Artifact of "${a.kind}" needs Int32 arrays "labels" and "coreSamples"`);
    }
    checkMetric(a, metric);
    if (typeof eps !== "number" || !(eps > 0)) throw new TypeError(`Artifact of "${a.kind}" has an invalid eps ${String(eps)}`);
    const coreRows = rowsFromArrays(a, "core", coreSamples.length);
    return new DbscanModel({ labels, coreSamples, coreRows, metric, eps, params: a.params });
  }
}

/** @throws TypeError unless `metric` is a {@link NeighborMetric}. */
export function checkMetric(a: Artifact, metric: unknown): asserts metric is NeighborMetric {
  if (metric !== "euclidean" && metric !== "cosine") throw new TypeError(`Artifact of "${a.kind}" has unknown metric "${String(metric)}"`);
}

/** Artifact metadata describing stored rows: their kind and width. */
export function rowsMeta(m: Matrix): Record<string, unknown> {
  return { rowsKind: m.kind, featureCount: m.cols };
}

/** A matrix as named artifact arrays: `<name>Data`, plus `<name>Indptr` and `<name>Indices` for CSR. */
export function rowsToArrays(name: string, m: Matrix): Record<string, ArtifactArray> {
  if (m.kind === "dense") return { [`${name}Data`]: m.data };
  const nz = m.indptr[m.rows];
  return { [`${name}Indptr`]: m.indptr, [`${name}Indices`]: m.indices.subarray(0, nz), [`${name}Data`]: m.data.subarray(0, nz) };
}

/** Reads back {@link rowsToArrays}' arrays (kind and width from {@link rowsMeta}). @throws TypeError when malformed. */
export function rowsFromArrays(a: Artifact, name: string, rows: number): Matrix {
  const { rowsKind, featureCount } = a.meta as { rowsKind: unknown; featureCount: unknown };
  if (typeof featureCount !== "number" || !Number.isInteger(featureCount) || featureCount < 0) {
    throw new TypeError(`Artifact of "${a.kind}" has an invalid featureCount ${String(featureCount)}`);
  }
  const data = a.arrays[`${name}Data`];
  if (!(data instanceof Float32Array)) throw new TypeError(`Artifact of "${a.kind}" needs a Float32 array "${name}Data"`);
  if (rowsKind === "dense") {
    if (data.length !== rows * featureCount) {
      throw new TypeError(`Artifact of "${a.kind}" has ${data.length} values in "${name}Data", expected ${rows} × ${featureCount}`);
    }
    return dense(rows, featureCount, data);
  }
  const indptr = a.arrays[`${name}Indptr`];
  const indices = a.arrays[`${name}Indices`];
  if (rowsKind !== "csr" || !(indptr instanceof Int32Array) || !(indices instanceof Int32Array)) {
    throw new TypeError(`Artifact of "${a.kind}" needs dense "${name}Data" or CSR "${name}Indptr", "${name}Indices", "${name}Data" arrays`);
  }
  try {
    return csr(rows, featureCount, indptr, indices, data);
  } catch (e) {
    throw new TypeError(`Artifact of "${a.kind}" has malformed CSR arrays "${name}*": ${(e as Error).message}`);
  }
}
