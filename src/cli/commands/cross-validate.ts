// `assort cross-validate`: stratified k-fold estimate of how well the settings generalize.
import type { Command } from "commander";
import { crossValidate, readCatalogFile } from "../../entries/models.js";
import { addInputOptions, intArg, readOptions, type InputFlags } from "../options.js";
import { addTrainingOptions, type TrainingFlags } from "../training-options.js";
import { inputSource, makeUi, reportSkipped } from "../io.js";
import { formatTable } from "../table.js";

interface CvFlags extends InputFlags, TrainingFlags {
  data: string;
  folds: number;
  json?: boolean;
  quiet?: boolean;
}

export function crossValidateCommand(cmd: Command): Command {
  cmd
    .requiredOption("--data <file>", "labelled catalog: JSONL or CSV (- for stdin)")
    .option("--folds <n>", "number of folds", intArg("--folds", 2, 100), 5);
  addTrainingOptions(cmd).option("--json", "print one JSON object on stdout").option("-q, --quiet", "no progress or notes on stderr");
  addInputOptions(cmd);
  return cmd.action(async (flags: CvFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    const { products, report } = await readCatalogFile(inputSource(flags.data), readOptions(flags, flags.data, true, ui));
    reportSkipped(report, ui);
    const r = await crossValidate(products, {
      folds: flags.folds,
      classifier: flags.classifier,
      classifierParams: flags.param,
      seed: flags.seed,
      strategy: flags.strategy,
      calibration: "none",
      onProgress: (e) => ui.progress.onProgress(e),
      onWarning: (w) => ui.warn(w),
    });
    ui.progress.done();
    if (flags.json) {
      process.stdout.write(JSON.stringify({ classifier: flags.classifier, rows: products.length, skipped: report.skipped, duplicateIds: report.duplicateIds, ...r }) + "\n");
      return;
    }
    const pm = (s: { mean: number; std: number }): string => `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;
    process.stdout.write(
      [
        `${flags.folds}-fold cross-validation of ${flags.classifier} on ${products.length} products`,
        "",
        formatTable(["fold", "train", "test", "accuracy", "macro-F1", "weighted-F1", "train s"], r.folds.map((f) => [f.fold, f.trainRows, f.testRows, f.accuracy, f.macroF1, f.weightedF1, f.trainSeconds])),
        "",
        `accuracy     ${pm(r.accuracy)}`,
        `macro-F1     ${pm(r.macroF1)}`,
        `weighted-F1  ${pm(r.weightedF1)}`,
      ].join("\n") + "\n",
    );
  });
}
