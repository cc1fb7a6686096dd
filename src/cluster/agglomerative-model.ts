// A fitted agglomerative clustering: training labels, the merge tree (for a dendrogram) and cluster means for predict.
import type { Artifact } from "../core/contracts.js";
import { assertFinite, dense, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import type { ClusteringModel } from "./contracts.js";
import { assignNearest, centerNorms, normalizeRows, prepareRows, type Centers } from "./kernels.js";

/** How {@link AgglomerativeModel} clusters were merged [linkage]. */
export type AgglomerativeLinkage = "ward" | "average" | "complete" | "single";
/** Distance between rows: Euclidean, or cosine (1 − cos). */
export type AgglomerativeMetric = "euclidean" | "cosine";

/** What an {@link AgglomerativeModel} is built from. */
export interface AgglomerativeModelInit {
  /** k × featureCount cluster means, row-major (means of unit rows under cosine). */
  centroids: DenseMatrix;
  labels: Int32Array;
  /** (n − 1) × 2, row-major: the two nodes merge s joined (leaves 0..n−1, merge s makes node n + s). */
  children: Int32Array;
  /** Linkage distance of each merge, non-decreasing. */
  distances: Float64Array;
  /** Rows under the node each merge made. */
  sizes: Int32Array;
  linkage: AgglomerativeLinkage;
  metric: AgglomerativeMetric;
  params: Record<string, unknown>;
}

/**
 * Fitted agglomerative clustering. `labels` are the training rows' clusters; the full merge tree is kept as
 * scikit-learn keeps it: merge s joined nodes `children[2s]` and `children[2s + 1]` (ids < n are rows, id
 * n + t is the node merge t made) at distance `distances[s]`, making a node of `sizes[s]` rows (scipy's
 * linkage matrix Z is [children, distances, sizes] side by side). `centroids` are each cluster's mean row.
 *
 * `predict` is an approximation: agglomerative clustering has no rule for new rows, so a row goes to the
 * nearest centroid (cosine: the largest cosine with the mean of the cluster's unit rows). On the training rows
 * it may disagree with `labels`, notably for single linkage, whose clusters need not be convex.
 * @example
 * const m = await new Agglomerative({ k: 5 }).fit(x);
 * m.labels; m.predict(newRows); for (let s = 0; s < m.distances.length; s++) draw(m.children[2 * s], m.children[2 * s + 1], m.distances[s]);
 */
export class AgglomerativeModel implements ClusteringModel {
  readonly kind = "agglomerative";
  readonly k: number;
  readonly featureCount: number;
  readonly centroids: DenseMatrix;
  readonly labels: Int32Array;
  readonly children: Int32Array;
  readonly distances: Float64Array;
  readonly sizes: Int32Array;
  readonly linkage: AgglomerativeLinkage;
  readonly metric: AgglomerativeMetric;
  readonly params: Record<string, unknown>;
  /** Feature-major Float64 copy of the (for cosine: normalized) centroids, built on first use. */
  private centers: Centers | undefined;

  /** @throws RangeError when the arrays' lengths do not fit together or a label is outside [0, k). */
  constructor(init: AgglomerativeModelInit) {
    const { centroids, labels, children, distances, sizes } = init;
    if (centroids.data.length !== centroids.rows * centroids.cols) {
      throw new RangeError(`Centroids have length ${centroids.data.length}, expected ${centroids.rows}×${centroids.cols}`);
    }
    const merges = Math.max(0, labels.length - 1);
    if (children.length !== 2 * merges || distances.length !== merges || sizes.length !== merges) {
      throw new RangeError(
        `A tree of ${labels.length} rows has ${merges} merges, got ${children.length / 2} children pairs, ` +
          `${distances.length} distances and ${sizes.length} sizes`,
      );
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i]! < 0 || labels[i]! >= centroids.rows) throw new RangeError(`Label ${labels[i]} at row ${i} is outside [0, ${centroids.rows})`);
    }
    this.k = centroids.rows;
    this.featureCount = centroids.cols;
    this.centroids = centroids;
    this.labels = labels;
    this.children = children;
    this.distances = distances;
    this.sizes = sizes;
    this.linkage = init.linkage;
    this.metric = init.metric;
    this.params = init.params;
  }

  /**
   * Nearest centroid of each row (ties → lowest id): Euclidean, or largest cosine under the cosine metric.
   * O(nnz·k). @throws TypeError on a width mismatch or NaN.
   */
  predict(x: Matrix): Int32Array {
    if (x.cols !== this.featureCount) throw new TypeError(`Input has ${x.cols} features, the model expects ${this.featureCount}`);
    assertFinite(x);
    const cosine = this.metric === "cosine";
    if (!this.centers) {
      const { k, featureCount: d } = this;
      const src = (cosine ? normalizeRows(this.centroids) : this.centroids).data;
      const ct = new Float64Array(k * d);
      for (let a = 0; a < k; a++) for (let j = 0; j < d; j++) ct[j * k + a] = src[a * d + j]!;
      this.centers = { k, d, ct, cn: new Float64Array(k) };
      centerNorms(this.centers, cosine);
    }
    const p = prepareRows(x, cosine);
    const labels = new Int32Array(x.rows);
    assignNearest(p.x, p.rn, this.centers, labels, new Float64Array(x.rows), null);
    return labels;
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: this.params,
      meta: { k: this.k, featureCount: this.featureCount, linkage: this.linkage, metric: this.metric },
      arrays: { centroids: this.centroids.data, labels: this.labels, children: this.children, distances: this.distances, sizes: this.sizes },
    };
  }

  /** Restores a model from {@link AgglomerativeModel.toArtifact}'s output. @throws TypeError on a malformed artifact. */
  static fromArtifact(a: Artifact): AgglomerativeModel {
    const { k, featureCount, linkage, metric } = a.meta as { k: number; featureCount: number; linkage: AgglomerativeLinkage; metric: AgglomerativeMetric };
    const { centroids, labels, children, distances, sizes } = a.arrays;
    if (
      !(centroids instanceof Float32Array) ||
      !(labels instanceof Int32Array) ||
      !(children instanceof Int32Array) ||
      !(distances instanceof Float64Array) ||
      !(sizes instanceof Int32Array)
    ) {
      throw new TypeError(
        `Artifact of "${a.kind}" needs Float32 "centroids", Int32 "labels", "children" and "sizes", and Float64 "distances"`,
      );
    }
    if (!Number.isInteger(k) || !Number.isInteger(featureCount) || centroids.length !== k * featureCount) {
      throw new TypeError(`Artifact of "${a.kind}" has ${centroids.length} centroid values, expected k=${k} × ${featureCount} features`);
    }
    if (metric !== "euclidean" && metric !== "cosine") throw new TypeError(`Artifact of "${a.kind}" has unknown metric "${String(metric)}"`);
    if (!["ward", "average", "complete", "single"].includes(linkage)) {
      throw new TypeError(`Artifact of "${a.kind}" has unknown linkage "${String(linkage)}"`);
    }
    const init = { centroids: dense(k, featureCount, centroids), labels, children, distances, sizes, linkage, metric, params: a.params };
    try {
      return new AgglomerativeModel(init);
    } catch (e) {
      if (e instanceof RangeError) throw new TypeError(`Artifact of "${a.kind}" is inconsistent: ${e.message}`);
      throw e;
    }
  }
}
