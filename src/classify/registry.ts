// The classifier registry: kind name → spec factory and artifact restorer (one line per estimator).
import type { Artifact, Classifier, ClassifierModel } from "../core/contracts.js";
import { Registry, type RegistryEntry } from "../core/registry.js";
import { LinearModel } from "./linear-model.js";
import { LinearSvm } from "./linear-svm.js";
import { LogisticRegression } from "./logistic-regression.js";
import { Mlp } from "./mlp.js";
import { MlpModel } from "./mlp-model.js";
import { ComplementNb } from "./naive-bayes.js";
import { NearestCentroid } from "./nearest-centroid.js";
import { isSparseArtifact, SparseLinearModel } from "./sparse-linear-model.js";

/** A linear model from its artifact: sparse weights (pruned, many categories) or a dense matrix (all older models). */
function restoreLinear(a: Artifact): ClassifierModel {
  return isSparseArtifact(a) ? SparseLinearModel.fromArtifact(a) : LinearModel.fromArtifact(a);
}

/** One registered classifier. */
export type ClassifierEntry = RegistryEntry<Classifier, ClassifierModel>;

const REGISTRY = new Registry<Classifier, ClassifierModel>("classifier", {
  "linear-svm": {
    description: "Linear SVM, one-vs-rest, dual coordinate descent (default: most accurate on product text)",
    create: (p) => new LinearSvm(p),
    restore: restoreLinear,
  },
  "logistic-regression": {
    description: "L2 logistic regression, one-vs-rest, dual coordinate descent",
    create: (p) => new LogisticRegression(p),
    restore: restoreLinear,
  },
  "complement-nb": {
    description: "Complement naive Bayes: one pass, a fast baseline",
    create: (p) => new ComplementNb(p),
    restore: restoreLinear,
  },
  "nearest-centroid": {
    description: "Nearest centroid on TF-IDF (one pass): for thousands of categories with few products each, e.g. products as categories",
    create: (p) => new NearestCentroid(p),
    restore: (a) => SparseLinearModel.fromArtifact(a),
  },
  mlp: {
    description: "Multilayer perceptron (ReLU, AdamW): for dense features such as image descriptors and embeddings",
    create: (p) => new Mlp(p),
    restore: (a) => MlpModel.fromArtifact(a),
  },
});

/** Names of the registered classifier kinds. */
export function classifierKinds(): string[] {
  return REGISTRY.kinds();
}

/** The registry entry for `kind`; a ConfigError listing the valid kinds on a miss. */
export function classifierEntry(kind: string): ClassifierEntry {
  return REGISTRY.entry(kind);
}

/** Creates a classifier spec, turning invalid params into a ConfigError that lists each problem. */
export function createClassifier(kind: string, params: Record<string, unknown> = {}): Classifier {
  return REGISTRY.create(kind, params);
}

/** Restores a fitted classifier from its artifact. */
export function restoreClassifier(artifact: Artifact): ClassifierModel {
  return REGISTRY.restore(artifact);
}
