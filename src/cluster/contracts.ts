// Contracts of the clustering layer: a clusterer spec fits into a clustering model that assigns and persists.
import type { FitOptions, Persistable } from "../core/contracts.js";
import type { DenseMatrix, Matrix } from "../linalg/matrix.js";

/** The label of a row no cluster claims (DBSCAN/HDBSCAN noise, as scikit-learn's -1). */
export const NOISE = -1;

/**
 * A clusterer spec: validated params that fit into a {@link ClusteringModel} (as `Classifier` in
 * core/contracts.ts, minus the labels). Candidate for core/contracts.ts beside `Classifier`.
 * @example const model = await new KMeans({ k: 10 }).fit(x, { seed: 1 });
 */
export interface Clusterer {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Fits on the rows of `x`; `options.seed` makes the result reproducible. */
  fit(x: Matrix, options?: FitOptions): Promise<ClusteringModel>;
}

/** A fitted clustering: the training rows' cluster ids plus a way to assign new rows. */
export interface ClusteringModel extends Persistable {
  readonly kind: string;
  /** Number of clusters; every label lies in [0, k). */
  readonly k: number;
  /** Width of the rows the model was fitted on (and accepts). */
  readonly featureCount: number;
  /** Cluster id of each training row, in row order: in [0, k), or {@link NOISE} (-1) for density methods. */
  readonly labels: Int32Array;
  /** Sum over training rows of the (squared) distance to their cluster centre, for centroid methods. */
  readonly inertia?: number;
  /** Cluster ids of new rows (nearest centroid for centroid methods; {@link NOISE} when no cluster claims a row). */
  predict(x: Matrix): Int32Array;
  /** Distances of each row to each cluster centre, rows × k (centroid methods only). */
  transform?(x: Matrix): DenseMatrix;
}
