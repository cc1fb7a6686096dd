// `assort train`: learn categories from a labelled catalog and write a model directory. This module loads only
// what reading the catalog needs; the learning (the classifiers, zod) loads while the catalog is read.
import path from "node:path";
import { Option, type Command } from "commander";
import type { CategoryModel, ClassifierChoice, MultimodalModel, MultimodalTrainOptions } from "../../entries/models.js";
import type { Product } from "../../entries/core.js";
import { MODALITIES, prestartTextTraining, readTrainingSet, type Modalities } from "../../entries/train-start.js";
import { addInputOptions, listArg, paramArg, readOptions, type InputFlags } from "../options.js";
import { addTrainingOptions, type TrainingFlags } from "../training-options.js";
import { checkModelDir, inputSource, makeUi, reportSkipped } from "../io.js";

interface TrainFlags extends InputFlags, TrainingFlags {
  data: string;
  out: string;
  taxonomy?: string;
  json?: boolean;
  quiet?: boolean;
  modalities: Modalities;
  imageField: string;
  imageFeatures?: string[];
  imageClassifier?: string;
  imageParam: Record<string, unknown>;
  textWeight?: number;
}

export function trainCommand(cmd: Command): Command {
  cmd
    .requiredOption("--data <file>", "labelled catalog: JSONL or CSV (- for stdin)")
    .requiredOption("--out <dir>", "model directory to write (replaced atomically)");
  addTrainingOptions(cmd)
    .option("--taxonomy <file>", "train against a taxonomy (Google, path list or JSON): labels must be its paths; categories keep their ids, so paths can be renamed later without retraining")
    .addOption(new Option("--modalities <which>", "learn from text, image (the product photo) or both (late fusion, weight learned on held-out folds)").choices([...MODALITIES]).default("text"))
    .option("--image-field <name>", "field holding the photo: a path relative to the data file, or a data URI", "image")
    .option("--image-features <list>", "image descriptors, comma-separated: cnn (MobileNetV2 features, ~15 ms/photo), hog (shape), color (HSV histograms) (default: cnn,hog,color)", listArg)
    .option("--image-classifier <kind>", "classifier on the image features (default: logistic-regression)")
    .option("--image-param <key=value>", "image classifier parameter, repeatable", paramArg, {})
    .option("--text-weight <w>", "fix the text weight of the fusion in [0, 1] instead of learning it", Number)
    .option("--json", "print a JSON summary on stdout").option("-q, --quiet", "no progress, notes or summary: warnings and errors only (--json still prints its summary)");
  addInputOptions(cmd);
  return cmd.action(async (flags: TrainFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    const started = performance.now();
    if (flags.modalities !== "image") prestartTextTraining(flags.data === "-" ? undefined : flags.data);
    // Text alone needs train() only (a lighter load than the image models' trainMultimodal, which calls it).
    const learning: Promise<(products: readonly Product[], options: MultimodalTrainOptions) => Promise<CategoryModel | MultimodalModel>> =
      flags.modalities === "text" ? import("../../entries/training.js").then((m) => m.train) : import("../../entries/models.js").then((m) => m.trainMultimodal);
    learning.catch(() => undefined); // awaited after the read; a read that fails first reports its own error
    await checkModelDir(flags.out);
    const { products, report } = await readTrainingSet(inputSource(flags.data), { ...readOptions(flags, flags.data, true, ui), fields: flags.modalities !== "text" });
    reportSkipped(report, ui);
    const taxonomy = flags.taxonomy ? (await (await import("../../entries/models.js")).loadTaxonomyFile(flags.taxonomy)).taxonomy : undefined;
    const model = await (await learning)(products, {
      ...(taxonomy ? { taxonomy } : {}),
      classifier: flags.classifier,
      classifierParams: flags.param,
      seed: flags.seed,
      strategy: flags.strategy,
      calibration: flags.calibration,
      ...(flags.calibrationFolds !== undefined ? { calibrationFolds: flags.calibrationFolds } : {}),
      textFields: flags.textFields ?? ["title", "description"],
      labelField: flags.labelField ?? "category",
      idField: flags.idField ?? "id",
      ...(flags.pathSeparator ? { pathSeparator: flags.pathSeparator } : {}),
      ...(flags.labelDepth !== undefined ? { labelDepth: flags.labelDepth } : {}),
      modalities: flags.modalities,
      image: { imageField: flags.imageField, ...(flags.imageFeatures ? { descriptors: flags.imageFeatures as ("hog" | "color" | "cnn")[] } : {}) },
      ...(flags.imageClassifier ? { imageClassifier: flags.imageClassifier } : {}),
      imageClassifierParams: flags.imageParam,
      ...(flags.textWeight !== undefined ? { textWeight: flags.textWeight } : {}),
      baseDir: flags.data === "-" ? process.cwd() : path.dirname(path.resolve(flags.data)),
      onBadImage: flags.onBadRow,
      onImageIssue: (i) => ui.warn({ code: i.code, message: `${flags.data}${i.line ? `:${i.line}` : ""}: product "${i.id}", field "${flags.imageField}": ${i.message} (text only)` }),
      source: flags.data,
      onProgress: (e) => ui.progress.onProgress(e),
      onWarning: (w) => ui.warn(w),
    });
    await model.save(flags.out);
    ui.progress.done();
    if (flags.quiet && !flags.json) return;
    const seconds = (performance.now() - started) / 1000;
    const d = model.describe();
    const h = d.heldOut ?? {};
    const choice = d.details["classifierChoice"] as ClassifierChoice | undefined;
    if (flags.json) {
      process.stdout.write(
        JSON.stringify({
          model: flags.out,
          version: d.version,
          kind: d.kind,
          modalities: d.modalities,
          classifier: d.classifier,
          ...(choice ? { classifierChoice: choice } : {}),
          ...(d.details["strategy"] !== undefined ? { strategy: d.details["strategy"] } : {}),
          calibrated: d.calibrated,
          rows: products.length,
          ...(d.training.withImage !== undefined ? { withImage: d.training.withImage } : {}),
          skipped: report.skipped,
          duplicateIds: report.duplicateIds,
          categories: d.labels.length,
          ...(d.features["text"] !== undefined ? { features: d.features["text"] } : {}),
          ...(d.details["textWeight"] !== undefined ? { textWeight: d.details["textWeight"], imageWeight: d.details["imageWeight"] } : {}),
          ...(d.heldOut ? { heldOut: h } : {}),
          seconds,
        }) + "\n",
      );
      return;
    }
    const fmt = (r: { accuracy: number; macroF1: number } | undefined) => (r ? `accuracy ${r.accuracy.toFixed(3)}, macro-F1 ${r.macroF1.toFixed(3)}` : "-");
    const heldOut = Object.entries(h).map(([k, r]) => `  held-out, ${k === "fused" ? "fused" : `${k} only`}: ${fmt(r)}\n`);
    process.stdout.write(
      `Trained ${d.summary} in ${seconds.toFixed(1)} s\n` +
        (choice && choice.requested !== choice.chosen ? `Classifier ${choice.chosen} (${choice.requested}: ${choice.reason})\n` : "") +
        heldOut.join("") +
        (heldOut.length === 0 ? `Run "assort evaluate" on held-out products or "assort cross-validate" to measure accuracy\n` : "") +
        `Model ${d.version} saved to ${flags.out}\n`,
    );
  });
}
