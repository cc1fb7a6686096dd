// The classifier registry: kind name → spec factory and artifact restorer (one line per estimator).
import type { Artifact, Classifier, ClassifierModel } from "../core/contracts.js";
import { ConfigError } from "../core/errors.js";
import { LinearModel } from "./linear-model.js";
import { LinearSvm } from "./linear-svm.js";
import { LogisticRegression } from "./logistic-regression.js";
import { ComplementNb } from "./naive-bayes.js";
import { z } from "zod";

export interface ClassifierEntry {
  description: string;
  create(params?: Record<string, unknown>): Classifier;
  restore(artifact: Artifact): ClassifierModel;
}

const REGISTRY: Record<string, ClassifierEntry> = {
  "linear-svm": {
    description: "Linear SVM, one-vs-rest, dual coordinate descent (default: most accurate on product text)",
    create: (p) => new LinearSvm(p),
    restore: (a) => LinearModel.fromArtifact(a),
  },
  "logistic-regression": {
    description: "L2 logistic regression, one-vs-rest, dual coordinate descent",
    create: (p) => new LogisticRegression(p),
    restore: (a) => LinearModel.fromArtifact(a),
  },
  "complement-nb": {
    description: "Complement naive Bayes: one pass, a fast baseline",
    create: (p) => new ComplementNb(p),
    restore: (a) => LinearModel.fromArtifact(a),
  },
};

/** Names of the registered classifier kinds. */
export function classifierKinds(): string[] {
  return Object.keys(REGISTRY);
}

/** The registry entry for `kind`; a ConfigError listing the valid kinds on a miss. */
export function classifierEntry(kind: string): ClassifierEntry {
  const e = REGISTRY[kind];
  if (!e) throw new ConfigError(`Unknown classifier "${kind}": choose one of ${classifierKinds().join(", ")}`);
  return e;
}

/** Creates a classifier spec, turning invalid params into a ConfigError that lists each problem. */
export function createClassifier(kind: string, params: Record<string, unknown> = {}): Classifier {
  const entry = classifierEntry(kind);
  try {
    return entry.create(params);
  } catch (e) {
    if (e instanceof z.ZodError) {
      throw new ConfigError(`Invalid parameters for "${kind}"`, e.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
    }
    throw e;
  }
}

/** Restores a fitted classifier from its artifact. */
export function restoreClassifier(artifact: Artifact): ClassifierModel {
  return classifierEntry(artifact.kind).restore(artifact);
}
