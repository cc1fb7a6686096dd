// assort/models: category models end to end, and nothing else — read a catalog, train, load (any kind),
// classify, evaluate, cross-validate, load a taxonomy file, and the fast JSON text of a prediction. A lean
// subset of the root entry (no service, server, clustering, reports or shoppers), so a script or the CLI that
// only trains or classifies loads only that.
export { readCatalog, readCatalogFile, type ReadOptions, type ReadReport, type CatalogStream } from "../catalog/read-catalog.js";
export { train, prestartTextTraining, readTrainingSet, DEFAULT_CLASSIFIER, type TrainOptions } from "../pipeline/train.js";
export { trainMultimodal, DEFAULT_MODEL_DESCRIPTORS, type MultimodalTrainOptions } from "../pipeline/train-multimodal.js";
export { loadModel, followTaxonomy, modelKinds, modelKindDescription, type ModelKind, type ModelOfKind, type ModelKindEntry } from "../pipeline/model-kinds.js";
export { CategoryModel, checkTopK, type Prediction, type ClassifyOptions, type ModelInfo, type ScoredRows } from "../pipeline/category-model.js";
export { MultimodalModel, MODALITIES, type Modalities } from "../pipeline/multimodal-model.js";
export { evaluate, evaluateModel, type EvaluationReport, type ModelEvaluation, type EvaluateOptions } from "../pipeline/evaluate.js";
export { crossValidate, type CrossValidateOptions, type CrossValidationReport, type FoldResult } from "../pipeline/cross-validate.js";
export { classifierKinds, classifierEntry } from "../classify/registry.js";
export { AUTO_CLASSIFIER, MANY_CATEGORIES, type ClassifierChoice } from "../pipeline/classifier-choice.js";
export { loadTaxonomyFile, type LoadTaxonomyOptions } from "../taxonomy/load.js";
export { itemPredictionJsonOpen } from "../core/prediction-json.js";
export { canClassifyJsonl, classifyJsonl, type JsonlClassifyRun, type JsonlClassifyOptions } from "../pipeline/classify-jsonl.js";
