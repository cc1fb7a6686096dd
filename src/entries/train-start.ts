// Start-up helpers for `assort train`: what it needs before anything is learnt (its options, the catalog read
// while the text is hashed on a worker thread started ahead), without the classifiers and zod, which load
// meanwhile (see entries/training.ts).
export { prestartTextTraining, readTrainingSet } from "../pipeline/train-input.js";
export { CLASSIFIER_KINDS } from "../classify/kinds.js";
export { AUTO_CLASSIFIER, MANY_CATEGORIES } from "../pipeline/classifier-choice.js";
export { MODALITIES, type Modalities } from "../pipeline/modalities.js";
