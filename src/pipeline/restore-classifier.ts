// A fitted classifier from its artifact, whatever its kind: a top-down model (one classifier per parent
// category) or any kind in the classifier registry.
import type { Artifact, ClassifierModel } from "../core/contracts.js";
import { restoreClassifier } from "../classify/registry.js";
import { TopDownModel } from "../classify/top-down.js";

export function restoreAnyClassifier(artifact: Artifact): ClassifierModel {
  return artifact.kind === "top-down" ? TopDownModel.fromArtifact(artifact) : restoreClassifier(artifact);
}
