// `assort classify` of a JSONL file with a linear category model (the usual model): restored lean, without the
// model code, and classified on all cores (./classify-run.ts runs the other cases, and says what is wrong with a
// model this does not restore). Also the parts of the run both share: the options, and writing the lines.
import path from "node:path";
import { writeFileAtomic, type ModelClassifyOptions } from "../../entries/core.js";
import { classifyJsonlModel, loadLeanModel, type JsonlClassifyRun } from "../../entries/lean-classify.js";
import { closeSpareClassifyWorkers } from "../../entries/start.js";
import type { ReadOptions } from "../../entries/models.js";
import { readOptions, type InputFlags } from "../options.js";
import { checkWritable, inputSource, makeUi, reportSkipped, writeStdout, type Ui } from "../io.js";

export interface ClassifyFlags extends InputFlags {
  model: string;
  data: string;
  topK: number;
  out?: string;
  batchSize: number;
  quiet?: boolean;
  explain?: boolean;
  minPrecision?: number;
  taxonomy?: string;
  backoff?: boolean | number;
  explainFeatures?: number;
  explainNeighbors?: number;
}

/** How the input is read (fields from the model unless given) and what is asked of each answer. */
export function classifySettings(flags: ClassifyFlags, fields: { text: string[]; id: string }, ui: Ui): { read: ReadOptions; options: ModelClassifyOptions } {
  const read = readOptions(flags, flags.data, false, ui);
  // Every row gets its own answer line, so nothing is merged by id; not tracking ids keeps memory bounded.
  read.duplicateIds = false;
  read.textFields ??= fields.text;
  read.idField ??= fields.id;
  const explaining = Boolean(flags.explain) || flags.explainFeatures !== undefined || flags.explainNeighbors !== undefined;
  const options: ModelClassifyOptions = {
    topK: flags.topK,
    ...(flags.minPrecision !== undefined ? { minPrecision: flags.minPrecision } : {}),
    ...(flags.backoff !== undefined ? { backoff: flags.backoff } : {}),
    ...(explaining ? { explain: { topFeatures: flags.explainFeatures ?? 8, neighbors: flags.explainNeighbors ?? 3 } } : {}),
    baseDir: flags.data === "-" ? process.cwd() : path.dirname(path.resolve(flags.data)),
  };
  return { read, options };
}

/** Tells the threshold --min-precision stands for. */
export function reportOperatingPoint(flags: ClassifyFlags, model: { operatingPoint(p: number): { threshold: number; coverage: number } }, ui: Ui): void {
  if (flags.minPrecision === undefined) return;
  const op = model.operatingPoint(flags.minPrecision);
  ui.info(`precision ${flags.minPrecision}: accepting scores ≥ ${op.threshold.toFixed(4)} (${(op.coverage * 100).toFixed(1)}% of held-out products); the rest get needsReview`);
}

/** Writes a JSONL run's lines to stdout or, atomically, to --out, and reports skipped rows. */
export async function writeJsonlRun(flags: ClassifyFlags, ui: Ui, run: JsonlClassifyRun, version: string): Promise<void> {
  if (flags.out) await writeFileAtomic(flags.out, run);
  else for await (const chunk of run) await writeStdout(chunk);
  ui.progress.done();
  reportSkipped(run.report, ui);
  if (flags.out) ui.info(`Classified ${run.report.rows} products with model ${version} → ${flags.out}`);
}

/**
 * Classifies the JSONL file of `flags` when its model is one loadLeanModel restores, and resolves to true; false
 * (having written nothing) for any other model, which runClassify then loads and runs.
 */
export async function runLeanClassify(flags: ClassifyFlags): Promise<boolean> {
  const ui = makeUi(Boolean(flags.quiet));
  if (flags.out) await checkWritable(flags.out, { file: true });
  const model = await loadLeanModel(flags.model);
  if (!model) return false;
  try {
    const { read, options } = classifySettings(flags, model.fields, ui);
    reportOperatingPoint(flags, model.decider, ui);
    const run = classifyJsonlModel(model, inputSource(flags.data), read, options, { batchSize: flags.batchSize, onProgress: (done) => ui.progress.onProgress({ stage: "classify", done, total: 0 }) });
    await writeJsonlRun(flags, ui, run, model.version);
    return true;
  } finally {
    await closeSpareClassifyWorkers();
  }
}
