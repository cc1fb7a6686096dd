// The clusterer registry: kind name → spec factory and artifact restorer (one line per estimator).
import type { Artifact } from "../core/contracts.js";
import { Registry, type RegistryEntry } from "../core/registry.js";
import type { Clusterer, ClusteringModel } from "./contracts.js";
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
