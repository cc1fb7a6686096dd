// Classifying a JSONL catalog with a CategoryModel on all cores (the engine: ./classify-jsonl-run.ts): from raw
// bytes to `assort classify`'s output lines, the same lines, issues (file, line, field) and errors as
// readCatalog + CategoryModel.predictStream; see classifyJsonl.
import type { ModelClassifyOptions } from "../core/contracts.js";
import { formatOfPath, type ReadOptions } from "../catalog/read-catalog.js";
import { CategoryModel } from "./category-model.js";
import { LinearModel } from "../classify/linear-model.js";
import { SparseLinearModel } from "../classify/sparse-linear-model.js";
import { LeanPredictor } from "./classify-jsonl-answer.js";
import { classifyJsonlModel, type JsonlClassifyOptions, type JsonlClassifyRun, type JsonlModel } from "./classify-jsonl-run.js";

export type { JsonlClassifyOptions, JsonlClassifyRun } from "./classify-jsonl-run.js";

/** Whether the model's classifier is one a {@link LeanPredictor} answers for. */
const linear = (model: CategoryModel): boolean => model.classifier instanceof LinearModel || model.classifier instanceof SparseLinearModel;

/** Each model's LeanPredictor on this thread (null: none), kept for the next run (its hasher and scorer cost ~20 ms to set up). */
const leanPredictors = new WeakMap<CategoryModel, LeanPredictor | null>();

function leanPredictor(model: CategoryModel): LeanPredictor | undefined {
  let p = leanPredictors.get(model);
  if (p === undefined) {
    const { manifest, arrays } = model.toParts();
    p = (linear(model) ? LeanPredictor.fromParts(manifest, arrays) : undefined) ?? null;
    leanPredictors.set(model, p);
  }
  return p ?? undefined;
}

/** The model as classifyJsonlModel uses it: this thread answers with its LeanPredictor when it has one. */
function jsonlModel(model: CategoryModel): JsonlModel {
  return {
    version: model.version,
    decider: model.decider,
    predictor: () => leanPredictor(model) ?? model,
    parts: () => ({ ...model.toParts(), linear: linear(model) }),
  };
}

/**
 * Whether {@link classifyJsonl} can classify this input with this model: a category model (text only), no
 * explanations, and input known to be JSONL (`format: "jsonl"`, or a path ending in .jsonl, .ndjson or .json).
 */
export function canClassifyJsonl(model: unknown, source: string | NodeJS.ReadableStream, read: ReadOptions, options: ModelClassifyOptions): model is CategoryModel {
  if (!(model instanceof CategoryModel) || options.explain) return false;
  const format = read.format === "jsonl" || read.format === "csv" ? read.format : typeof source === "string" ? formatOfPath(source)?.format : undefined;
  return format === "jsonl";
}

/**
 * Classifies a JSONL catalog (see {@link canClassifyJsonl}) into `assort classify`'s output lines
 * (`{...prediction, "model": version}`), in input order, on worker threads. The same bytes, report and errors
 * as reading it with readCatalog (`duplicateIds` is not checked) and answering with predictStream in batches
 * of `batchSize`, including the lines written before a bad row's error.
 */
export function classifyJsonl(
  model: CategoryModel,
  source: string | NodeJS.ReadableStream,
  read: ReadOptions,
  options: ModelClassifyOptions,
  run: JsonlClassifyOptions,
): JsonlClassifyRun {
  return classifyJsonlModel(jsonlModel(model), source, read, options, run);
}
