// Contracts: estimators (specs) fit into models (learned state); models persist as artifacts.
import type { DenseMatrix, Matrix } from "../linalg/matrix.js";
import type { RunOptions } from "./progress.js";

/** Typed arrays an artifact may hold. */
export type ArtifactArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * The persistable state of a fitted model: its kind, validated params, JSON-able metadata and named
 * binary arrays. `persist/` writes it to disk; a registry restores it.
 */
export interface Artifact {
  kind: string;
  params: Record<string, unknown>;
  meta: Record<string, unknown>;
  arrays: Record<string, ArtifactArray>;
}

export interface Persistable {
  toArtifact(): Artifact;
}

/** Fit options: a seed plus progress, warnings and cancellation. */
export type FitOptions = RunOptions;

/** A classifier spec: validated params that fit into a model. */
export interface Classifier {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** `y` holds class indices in [0, classCount). */
  fit(x: Matrix, y: Int32Array, classCount: number, options?: FitOptions): Promise<ClassifierModel>;
}

/** A fitted classifier. `predictProba` rows sum to 1. */
export interface ClassifierModel extends Persistable {
  readonly kind: string;
  readonly classCount: number;
  readonly featureCount: number;
  /** Raw per-class scores (margins or log-probabilities), rows × classCount. */
  decisionFunction(x: Matrix): DenseMatrix;
  predict(x: Matrix): Int32Array;
  predictProba(x: Matrix): DenseMatrix;
}
