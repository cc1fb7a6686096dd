// `assort classify`'s run: loads the model, streams the input through it and writes one JSON line per product.
import { writeFileAtomic, type ItemPrediction, type Product } from "../../entries/core.js";
import { canClassifyJsonl, classifyJsonl, followTaxonomy, itemPredictionJsonOpen, loadModel, loadTaxonomyFile, readCatalog } from "../../entries/models.js";
import { closeSpareClassifyWorkers } from "../../entries/start.js";
import type { readOptions } from "../options.js";
import { checkWritable, inputSource, makeUi, reportSkipped, writeStdout } from "../io.js";
import { classifySettings, reportOperatingPoint, writeJsonlRun, type ClassifyFlags } from "./classify-lean.js";

export async function runClassify(flags: ClassifyFlags): Promise<void> {
  const ui = makeUi(Boolean(flags.quiet));
  if (flags.out) await checkWritable(flags.out, { file: true });
  let model = await loadModel(flags.model);
  try {
    if (flags.taxonomy) model = followTaxonomy(model, (await loadTaxonomyFile(flags.taxonomy)).taxonomy);
    const { read: opts, options } = classifySettings(flags, model.fields, ui);
    reportOperatingPoint(flags, model, ui);
    const version = model.version;
    let textOnly = 0;
    // Models that read photos work in smaller batches (each photo is decoded and embedded).
    const size = model.capabilities.images ? Math.min(flags.batchSize, 256) : flags.batchSize;
    const source = inputSource(flags.data);
    if (canClassifyJsonl(model, source, opts, options)) {
      // JSONL into a text model: read, answered and written by worker threads (the same lines).
      const run = classifyJsonl(model, source, opts, options, { batchSize: size, onProgress: (done) => ui.progress.onProgress({ stage: "classify", done, total: 0 }) });
      await writeJsonlRun(flags, ui, run, version);
      return;
    }
    const done = await classifyStream(flags, opts, ui, size, (batches) => model.predictStream(batches, options), (batch, preds) => {
      let text = "";
      const tail = `,"model":${JSON.stringify(version)}}\n`;
      for (const [i, p] of preds.entries()) {
        if (p.imageIssue) {
          textOnly++;
          const line = batch[i]!.line;
          ui.warn({ code: p.imageIssue.code, message: `${flags.data}${line ? `:${line}` : ""}: product "${p.id}": ${p.imageIssue.message}` });
        }
        // {...p, model}: the prediction's keys, then the model version (p never has a "model" key).
        text += itemPredictionJsonOpen(p) + tail;
      }
      return text;
    });
    if (textOnly > 0) ui.info(`${textOnly} product(s) had no usable photo and were classified from their text`);
    if (flags.out) ui.info(`Classified ${done} products with model ${version} → ${flags.out}`);
  } finally {
    await model.close();
    await closeSpareClassifyWorkers();
  }
}

/**
 * Streams the input in batches of `size` through `predict` (answers in order), writing what `format` makes
 * of each to stdout or, atomically, to `--out`; shows progress and reports skipped rows. Returns how many
 * products were classified.
 */
async function classifyStream(
  flags: ClassifyFlags,
  opts: ReturnType<typeof readOptions>,
  ui: ReturnType<typeof makeUi>,
  size: number,
  predict: (batches: AsyncIterable<Product[]>) => AsyncIterable<{ products: Product[]; predictions: ItemPrediction[] }>,
  format: (batch: Product[], predictions: ItemPrediction[]) => string,
): Promise<number> {
  const stream = readCatalog(inputSource(flags.data), opts);
  let done = 0;
  async function* batches(): AsyncGenerator<Product[]> {
    let batch: Product[] = [];
    for await (const p of stream) {
      batch.push(p);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
  async function* results(): AsyncGenerator<string> {
    for await (const { products, predictions } of predict(batches())) {
      const text = format(products, predictions);
      done += products.length;
      ui.progress.onProgress({ stage: "classify", done, total: 0 });
      yield text;
    }
  }
  if (flags.out) await writeFileAtomic(flags.out, results());
  else for await (const text of results()) await writeStdout(text);
  ui.progress.done();
  reportSkipped(stream.report, ui);
  return done;
}
