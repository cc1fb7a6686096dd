// `assort train`: learn categories from a labelled catalog and write a model directory.
import type { Command } from "commander";
import { loadTaxonomyFile, readCatalogFile, train } from "../../index.js";
import { addInputOptions, addTrainingOptions, readOptions, type InputFlags, type TrainingFlags } from "../options.js";
import { inputSource, makeUi, reportSkipped } from "../io.js";

interface TrainFlags extends InputFlags, TrainingFlags {
  data: string;
  out: string;
  taxonomy?: string;
  json?: boolean;
  quiet?: boolean;
}

export function trainCommand(program: Command): Command {
  const cmd = program
    .command("train")
    .description("learn a shop's categories from labelled products and save a model")
    .requiredOption("--data <file>", "labelled catalog: JSONL or CSV (- for stdin)")
    .requiredOption("--out <dir>", "model directory to write (replaced atomically)");
  addTrainingOptions(cmd)
    .option("--taxonomy <file>", "train against a taxonomy (Google, path list or JSON): labels must be its paths; categories keep their ids, so paths can be renamed later without retraining")
    .option("--json", "print a JSON summary on stdout").option("-q, --quiet", "no progress or notes on stderr");
  addInputOptions(cmd);
  return cmd.action(async (flags: TrainFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    const started = performance.now();
    const { products, report } = await readCatalogFile(inputSource(flags.data), readOptions(flags, flags.data, true));
    reportSkipped(report, ui);
    const taxonomy = flags.taxonomy ? (await loadTaxonomyFile(flags.taxonomy)).taxonomy : undefined;
    const model = await train(products, {
      ...(taxonomy ? { taxonomy } : {}),
      classifier: flags.classifier,
      classifierParams: flags.param,
      seed: flags.seed,
      strategy: flags.strategy,
      calibration: flags.calibration,
      calibrationFolds: flags.calibrationFolds,
      textFields: flags.textFields ?? ["title", "description"],
      labelField: flags.labelField ?? "category",
      idField: flags.idField ?? "id",
      ...(flags.pathSeparator ? { pathSeparator: flags.pathSeparator } : {}),
      ...(flags.labelDepth !== undefined ? { labelDepth: flags.labelDepth } : {}),
      source: flags.data,
      onProgress: (e) => ui.progress.onProgress(e),
      onWarning: (w) => ui.warn(w),
    });
    await model.save(flags.out);
    ui.progress.done();
    const seconds = (performance.now() - started) / 1000;
    const m = model.info.metrics as { features: number };
    if (flags.json) {
      process.stdout.write(
        JSON.stringify({
          model: flags.out,
          version: model.version,
          classifier: flags.classifier,
          strategy: flags.strategy,
          calibrated: model.calibrated,
          rows: products.length,
          skipped: report.skipped,
          categories: model.labels.length,
          features: m.features,
          seconds,
        }) + "\n",
      );
    } else {
      process.stdout.write(
        `Trained ${flags.classifier} on ${products.length} products in ${model.labels.length} categories (${m.features.toLocaleString("en-US")} features) in ${seconds.toFixed(1)} s\n` +
          `Run "assort evaluate" on held-out products or "assort cross-validate" to measure accuracy\n` +
          `Model ${model.version} saved to ${flags.out}\n`,
      );
    }
  });
}
