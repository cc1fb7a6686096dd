// The CLI's `assort classify` of a JSONL file without the model code: a category model with a linear classifier
// restored lean (see pipeline/classify-jsonl-model.ts) and the engine that classifies JSONL on all cores. Loads no
// estimators, no training code and no zod.
export { loadLeanModel, type LeanJsonlModel } from "../pipeline/classify-jsonl-model.js";
export { classifyJsonlModel, type JsonlClassifyRun, type JsonlModel } from "../pipeline/classify-jsonl-run.js";
