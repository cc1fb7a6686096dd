// The clusterer registry: kind name → spec factory and artifact restorer (one line per estimator).
import type { Artifact } from "../core/contracts.js";
import { Registry, type RegistryEntry } from "../core/registry.js";
import { Agglomerative } from "./agglomerative.js";
import { AgglomerativeModel } from "./agglomerative-model.js";
import type { Clusterer, ClusteringModel } from "./contracts.js";
import { Dbscan } from "./dbscan.js";
import { DbscanModel } from "./dbscan-model.js";
import { Hdbscan } from "./hdbscan.js";
import { HdbscanModel } from "./hdbscan-model.js";
import { KMeans } from "./kmeans.js";
import { KMeansModel } from "./kmeans-model.js";

/** One registered clusterer: what it is, how to make a spec, how to restore a fitted model. */
export type ClustererEntry = RegistryEntry<Clusterer, ClusteringModel>;

const REGISTRY = new Registry<Clusterer, ClusteringModel>("clusterer", {
  kmeans: {
    description: "K-means (Lloyd with Hamerly's bounds, or mini-batch with batchSize); euclidean or cosine",
    create: (p) => new KMeans(p),
    restore: (a) => KMeansModel.fromArtifact(a),
  },
  dbscan: {
    description: "DBSCAN density clustering (eps, minSamples), as scikit-learn's; noise rows get -1; euclidean or cosine",
    create: (p) => new Dbscan(p),
    restore: (a) => DbscanModel.fromArtifact(a),
  },
  hdbscan: {
    description: "HDBSCAN* hierarchical density clustering (minClusterSize; eom or leaf); noise rows get -1; euclidean or cosine",
    create: (p) => new Hdbscan(p),
    restore: (a) => HdbscanModel.fromArtifact(a),
  },
  agglomerative: {
    description: "Agglomerative (hierarchical) clustering: ward, average, complete or single linkage; k or distanceThreshold",
    create: (p) => new Agglomerative(p),
    restore: (a) => AgglomerativeModel.fromArtifact(a),
  },
});

/** Names of the registered clusterer kinds. */
export function clustererKinds(): string[] {
  return REGISTRY.kinds();
}

/** The registry entry for `kind`; a ConfigError listing the valid kinds on a miss. */
export function clustererEntry(kind: string): ClustererEntry {
  return REGISTRY.entry(kind);
}

/**
 * Creates a clusterer spec, turning invalid params into a ConfigError that lists each problem.
 * @example const spec = createClusterer("kmeans", { k: 12, metric: "cosine" });
 */
export function createClusterer(kind: string, params: Record<string, unknown> = {}): Clusterer {
  return REGISTRY.create(kind, params);
}

/** Restores a fitted clustering model from its artifact. */
export function restoreClusterer(artifact: Artifact): ClusteringModel {
  return REGISTRY.restore(artifact);
}
