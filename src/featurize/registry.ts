// The featurizer registry: kind name → spec factory and artifact restorer, one line per featurizer. A new
// featurizer is one class pair implementing Featurizer / FittedFeaturizer (core/contracts.ts) and one entry here.
import type { Artifact, Featurizer, FittedFeaturizer } from "../core/contracts.js";
import { Registry, type RegistryEntry } from "../core/registry.js";
import { FittedImageFeaturizer, ImageFeaturizer } from "./image/image-featurizer.js";
import { FittedTextFeaturizer, TextFeaturizer } from "./text/text-featurizer.js";
import { FastTextVectors, FittedFastTextVectors, FittedTfidfSvd, FittedUseLite, TfidfSvd, UseLite } from "./embed/vectors.js";

/** One registered featurizer. */
export type FeaturizerEntry = RegistryEntry<Featurizer, FittedFeaturizer>;

const REGISTRY = new Registry<Featurizer, FittedFeaturizer>("featurizer", {
  "text-tfidf": {
    description: "Hashed word and character n-gram TF-IDF of the text fields (sparse, L2-normalized per block)",
    create: (p) => new TextFeaturizer(p),
    restore: (a) => FittedTextFeaturizer.fromArtifact(a),
  },
  "image-features": {
    description: "Product photo descriptors: HOG, HSV colour histograms and MobileNetV2 features, standardised",
    create: (p) => new ImageFeaturizer(p),
    restore: (a) => FittedImageFeaturizer.fromArtifact(a),
  },
  "tfidf-svd": {
    description: "Word TF-IDF → truncated SVD with unit rows (dense product vectors, what clustering uses)",
    create: (p) => new TfidfSvd(p),
    restore: (a) => FittedTfidfSvd.fromArtifact(a),
  },
  fasttext: {
    description: "fastText trained on the catalog: mean (or SIF-weighted sum) of unit word vectors",
    create: (p) => new FastTextVectors(p),
    restore: (a) => FittedFastTextVectors.fromArtifact(a),
  },
  "use-lite": {
    description: "The pretrained Universal Sentence Encoder lite (English, 512-d)",
    create: (p) => new UseLite(p),
    restore: () => new FittedUseLite(),
  },
});

/** Names of the registered featurizer kinds. */
export function featurizerKinds(): string[] {
  return REGISTRY.kinds();
}

/** The registry entry for `kind`; a ConfigError listing the valid kinds on a miss. */
export function featurizerEntry(kind: string): FeaturizerEntry {
  return REGISTRY.entry(kind);
}

/** Creates a featurizer spec, turning invalid params into a ConfigError that lists each problem. */
export function createFeaturizer(kind: string, params: Record<string, unknown> = {}): Featurizer {
  return REGISTRY.create(kind, params);
}

/** Restores a fitted featurizer from its artifact (by the artifact's kind). */
export function restoreFeaturizer(artifact: Artifact): FittedFeaturizer {
  return REGISTRY.restore(artifact);
}
