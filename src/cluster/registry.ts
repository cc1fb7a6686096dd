// The clusterer registry: kind name → spec factory and artifact restorer (one line per estimator).
import { z } from "zod";
import type { Artifact } from "../core/contracts.js";
import { ConfigError } from "../core/errors.js";
import type { Clusterer, ClusteringModel } from "./contracts.js";
import { KMeans } from "./kmeans.js";
import { KMeansModel } from "./kmeans-model.js";

/** One registered clusterer: what it is, how to make a spec, how to restore a fitted model. */
export interface ClustererEntry {
  description: string;
  create(params?: Record<string, unknown>): Clusterer;
  restore(artifact: Artifact): ClusteringModel;
}

const REGISTRY: Record<string, ClustererEntry> = {
  kmeans: {
    description: "K-means (Lloyd with Hamerly's bounds, or mini-batch with batchSize); euclidean or cosine",
    create: (p) => new KMeans(p),
    restore: (a) => KMeansModel.fromArtifact(a),
  },
};

/** Names of the registered clusterer kinds. */
export function clustererKinds(): string[] {
  return Object.keys(REGISTRY);
}

/** The registry entry for `kind`; a ConfigError listing the valid kinds on a miss. */
export function clustererEntry(kind: string): ClustererEntry {
  const e = Object.hasOwn(REGISTRY, kind) ? REGISTRY[kind] : undefined;
  if (!e) throw new ConfigError(`Unknown clusterer "${kind}": choose one of ${clustererKinds().join(", ")}`);
  return e;
}

/**
 * Creates a clusterer spec, turning invalid params into a ConfigError that lists each problem.
 * @example const spec = createClusterer("kmeans", { k: 12, metric: "cosine" });
 */
export function createClusterer(kind: string, params: Record<string, unknown> = {}): Clusterer {
  const entry = clustererEntry(kind);
  try {
    return entry.create(params);
  } catch (e) {
    if (e instanceof z.ZodError) {
      throw new ConfigError(`Invalid parameters for "${kind}"`, e.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
    }
    throw e;
  }
}

/** Restores a fitted clustering model from its artifact. */
export function restoreClusterer(artifact: Artifact): ClusteringModel {
  return clustererEntry(artifact.kind).restore(artifact);
}
