// flipkart-1050 with photos: text only, image only and fused, at the top level (7 classes) and at level 2.
// A section of `npm run bench:images`; runs alone too: node bench/images-flipkart.mjs [--json] [--only l1,l2]
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluate, evaluateMultimodal, readCatalogFile, train, trainMultimodal } from "../dist/index.js";
import { benchOptions, median } from "./common.mjs";

const DATASET = "flipkart-1050";
/** Image descriptor sets compared for the image-only model; the fused model uses FUSED_FEATURES. */
const IMAGE_FEATURE_SETS = [["hog", "color"], ["cnn"], ["cnn", "hog", "color"]];
const FUSED_FEATURES = ["cnn", "hog", "color"];

const TASKS = [
  { task: "level-1", labelField: "category_l1" },
  { task: "level-2", labelField: "category_l2" },
];

/** Runs the section; returns one result object per (task, method). */
export async function run({ dataDir, out, reps = 1, only }) {
  const dir = path.join(dataDir, DATASET);
  if (!existsSync(path.join(dir, "train.jsonl"))) {
    out(`${DATASET}: skipped (not found under ${dataDir})`);
    return [];
  }
  const rows = [];
  for (const t of TASKS) {
    if (only && !only.has(t.task)) continue;
    const read = async (f) => (await readCatalogFile(path.join(dir, f), { requireLabel: true, labelField: t.labelField })).products;
    const trainSet = await read("train.jsonl");
    const testSet = await read("test.jsonl");
    const common = { seed: 42, baseDir: dir, labelField: t.labelField, onImageIssue: () => {} };
    const base = { bench: "images", dataset: DATASET, task: t.task, trainRows: trainSet.length, testRows: testSet.length };

    // Text only: the default text model.
    const times = [];
    let report;
    for (let r = 0; r < reps; r++) {
      const s = performance.now();
      const m = await train(trainSet, { seed: 42, labelField: t.labelField });
      times.push((performance.now() - s) / 1000);
      report = evaluate(m, testSet);
    }
    rows.push({ ...base, method: "text", accuracy: report.accuracy, macroF1: report.macroF1, trainSeconds: median(times) });
    out(`  ${t.task} text only: accuracy ${report.accuracy.toFixed(3)}, macro-F1 ${report.macroF1.toFixed(3)} (${median(times).toFixed(1)} s)`);

    for (const descriptors of IMAGE_FEATURE_SETS) {
      const s = performance.now();
      const m = await trainMultimodal(trainSet, { ...common, modalities: "image", image: { descriptors } });
      const trainSeconds = (performance.now() - s) / 1000;
      const p = performance.now();
      const e = await evaluateMultimodal(m, testSet, { baseDir: dir });
      const predictSeconds = (performance.now() - p) / 1000;
      await m.close();
      rows.push({ ...base, method: `image:${descriptors.join("+")}`, accuracy: e.fused.accuracy, macroF1: e.fused.macroF1, withImage: e.withImage, trainSeconds, predictSeconds, imagesPerSecond: testSet.length / predictSeconds });
      out(`  ${t.task} image only (${descriptors.join("+")}): accuracy ${e.fused.accuracy.toFixed(3)}, macro-F1 ${e.fused.macroF1.toFixed(3)} (${e.withImage}/${testSet.length} photos; train ${trainSeconds.toFixed(1)} s)`);
    }

    const s = performance.now();
    const fusedModel = await trainMultimodal(trainSet, { ...common, modalities: "both", image: { descriptors: FUSED_FEATURES } });
    const trainSeconds = (performance.now() - s) / 1000;
    const p = performance.now();
    const e = await evaluateMultimodal(fusedModel, testSet, { baseDir: dir });
    const predictSeconds = (performance.now() - p) / 1000;
    await fusedModel.close();
    rows.push({ ...base, method: `fused:text+${FUSED_FEATURES.join("+")}`, accuracy: e.fused.accuracy, macroF1: e.fused.macroF1, textWeight: e.textWeight, imageWeight: e.imageWeight, textAccuracy: e.text?.accuracy, textMacroF1: e.text?.macroF1, imageAccuracy: e.image.accuracy, imageMacroF1: e.image.macroF1, withImage: e.withImage, trainSeconds, predictSeconds, itemsPerSecond: testSet.length / predictSeconds });
    out(`  ${t.task} fused (weights: text ${e.textWeight.toFixed(1)}, image ${e.imageWeight.toFixed(1)}): accuracy ${e.fused.accuracy.toFixed(3)}, macro-F1 ${e.fused.macroF1.toFixed(3)} (its text branch alone ${e.text?.macroF1.toFixed(3)}, image branch alone ${e.image.macroF1.toFixed(3)})`);
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { args, json, dataDir, out, reps } = benchOptions("Usage: node bench/images-flipkart.mjs [--only level-1,level-2] [--reps N] [--json] [--data-dir DIR]");
  const only = args.only ? new Set(args.only.split(",")) : undefined;
  const rows = await run({ dataDir, out, reps, only });
  for (const r of rows) (json ? process.stdout : process.stderr).write(JSON.stringify(r) + "\n");
}
