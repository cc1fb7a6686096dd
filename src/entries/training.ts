// Learning from text alone, for `assort train`: train() and what it loads (the featurizer, the classifiers, zod),
// without the image models, evaluation and classification of assort/models.
export { train, type TrainOptions } from "../pipeline/train.js";
