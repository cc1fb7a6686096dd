// The names of the built-in classifier kinds, known without loading the classifiers (registry.ts does, and with
// them zod): what `assort train --classifier` offers before anything is learnt. registry.test.ts checks that the
// registry has exactly these.

/** The registered classifier kinds, in the registry's order. */
export const CLASSIFIER_KINDS: readonly string[] = ["linear-svm", "logistic-regression", "complement-nb", "nearest-centroid", "mlp"];
