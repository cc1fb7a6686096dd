// A fitted k-means model: centroids, training labels and inertia; assigns new rows to the nearest centroid.
import type { Artifact } from "../core/contracts.js";
import { assertFinite, dense, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import type { ClusteringModel } from "./contracts.js";
import { allDistances, assignNearest, centerNorms, prepareRows, type Centers } from "./kernels.js";

/** Distance used by k-means: squared Euclidean, or cosine (spherical k-means on unit rows). */
export type KMeansMetric = "euclidean" | "cosine";

/** What a {@link KMeansModel} is built from. */
export interface KMeansModelInit {
  /** k × featureCount, row-major. */
  centroids: DenseMatrix;
  labels: Int32Array;
  metric: KMeansMetric;
  inertia: number;
  iterations: number;
  params: Record<string, unknown>;
}

/**
 * Fitted k-means: `centroids` (k × features), the training `labels`, `inertia` (Σ squared Euclidean
 * distance to the own centroid; for cosine Σ (1 − cos)) and the Lloyd iterations (or batches) it took.
 * `predict` reproduces `labels` exactly on the training rows.
 * @example const ids = model.predict(x); const d = model.transform(x); // rows × k distances
 */
export class KMeansModel implements ClusteringModel {
  readonly kind = "kmeans";
  readonly k: number;
  readonly featureCount: number;
  readonly centroids: DenseMatrix;
  readonly labels: Int32Array;
  readonly metric: KMeansMetric;
  readonly inertia: number;
  readonly iterations: number;
  readonly params: Record<string, unknown>;
  /** Feature-major Float64 copy of the centroids, built on first use (k·features·8 bytes). */
  private centers: Centers | undefined;

  constructor(init: KMeansModelInit) {
    const { centroids } = init;
    if (centroids.data.length !== centroids.rows * centroids.cols) {
      throw new RangeError(`Centroids have length ${centroids.data.length}, expected ${centroids.rows}×${centroids.cols}`);
    }
    for (let i = 0; i < init.labels.length; i++) {
      if (init.labels[i]! < 0 || init.labels[i]! >= centroids.rows) {
        throw new RangeError(`Label ${init.labels[i]} at row ${i} is outside [0, ${centroids.rows})`);
      }
    }
    this.k = centroids.rows;
    this.featureCount = centroids.cols;
    this.centroids = centroids;
    this.labels = init.labels;
    this.metric = init.metric;
    this.inertia = init.inertia;
    this.iterations = init.iterations;
    this.params = init.params;
  }

  private prepare(x: Matrix): { x: Matrix; rn: Float64Array; c: Centers } {
    if (x.cols !== this.featureCount) throw new TypeError(`Input has ${x.cols} features, the model expects ${this.featureCount}`);
    assertFinite(x);
    if (!this.centers) {
      const { k, featureCount: d } = this;
      const ct = new Float64Array(k * d);
      const src = this.centroids.data;
      for (let a = 0; a < k; a++) for (let j = 0; j < d; j++) ct[j * k + a] = src[a * d + j]!;
      this.centers = { k, d, ct, cn: new Float64Array(k) };
      centerNorms(this.centers, this.metric === "cosine");
    }
    return { ...prepareRows(x, this.metric === "cosine"), c: this.centers };
  }

  /** Nearest centroid of each row (ties → lowest id). O(nnz·k). @throws TypeError on a width mismatch or NaN. */
  predict(x: Matrix): Int32Array {
    const p = this.prepare(x);
    const labels = new Int32Array(x.rows);
    assignNearest(p.x, p.rn, p.c, labels, new Float64Array(x.rows), null);
    return labels;
  }

  /** Distance of each row to each centroid, rows × k: Euclidean, or cosine distance 1 − cos. O(nnz·k). */
  transform(x: Matrix): DenseMatrix {
    const p = this.prepare(x);
    const out = dense(x.rows, this.k);
    allDistances(p.x, p.rn, p.c, out.data);
    const o = out.data;
    if (this.metric === "cosine") for (let i = 0; i < o.length; i++) o[i] = o[i]! / 2;
    else for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(o[i]!);
    return out;
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: this.params,
      meta: { k: this.k, featureCount: this.featureCount, metric: this.metric, inertia: this.inertia, iterations: this.iterations },
      arrays: { centroids: this.centroids.data, labels: this.labels },
    };
  }

  /** Restores a model from {@link KMeansModel.toArtifact}'s output. @throws TypeError on a malformed artifact. */
  static fromArtifact(a: Artifact): KMeansModel {
    const { k, featureCount, metric, inertia, iterations } = a.meta as {
      k: number;
      featureCount: number;
      metric: KMeansMetric;
      inertia: number;
      iterations: number;
    };
    const { centroids, labels } = a.arrays;
    if (!(centroids instanceof Float32Array) || !(labels instanceof Int32Array)) {
      throw new TypeError(`Artifact of "${a.kind}" needs a Float32 array "centroids" and an Int32 array "labels"`);
    }
    if (!Number.isInteger(k) || !Number.isInteger(featureCount) || centroids.length !== k * featureCount) {
      throw new TypeError(`Artifact of "${a.kind}" has ${centroids.length} centroid values, expected k=${k} × ${featureCount} features`);
    }
    if (metric !== "euclidean" && metric !== "cosine") throw new TypeError(`Artifact of "${a.kind}" has unknown metric "${String(metric)}"`);
    return new KMeansModel({ centroids: dense(k, featureCount, centroids), labels, metric, inertia, iterations, params: a.params });
  }
}
