// One measured run of assort on one (dataset, task): spawned by bench/classify.mjs in its own process so that
// process.resourceUsage().maxRSS is this run's peak alone. Prints one JSON object on its last stdout line;
// progress goes to stderr.
//
// Usage: node bench/classify-child.mjs --train FILE --test FILE [--label-depth N] [--label-field NAME] [--seen-only] [--seed 42]
//   --seen-only  score (and time) only the test items whose category is in the training split: for products as
//                categories (PriceRunner's cluster_id), P@1 over the test offers whose product was seen.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { evaluate, loadModel, modelDirSize, readCatalogFile, train } from "../dist/index.js";

const WARMUP_CALLS = 50;
const LATENCY_CALLS = 500;
const BATCH_CALLS = 3;

const { values } = parseArgs({
  options: {
    train: { type: "string" },
    test: { type: "string" },
    "label-depth": { type: "string" },
    "label-field": { type: "string" },
    "seen-only": { type: "boolean", default: false },
    seed: { type: "string", default: "42" },
  },
});
if (!values.train || !values.test) throw new Error("classify-child: pass --train and --test");
const labelDepth = values["label-depth"] === undefined ? undefined : Number(values["label-depth"]);
const seed = Number(values.seed);

/** Peak RSS of this process so far, in MB (maxRSS is in KiB; MB here = MiB, as ru_maxrss/1024 in peers.md). */
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

const log = (m) => process.stderr.write(`  [assort] ${m}\n`);

const labelField = values["label-field"];
const readOpts = { requireLabel: true, ...(labelDepth !== undefined ? { labelDepth } : {}), ...(labelField ? { labelField } : {}) };
let t = performance.now();
const { products: trainSet } = await readCatalogFile(values.train, readOpts);
const { products: testAll } = await readCatalogFile(values.test, readOpts);
const trainLabels = new Set(trainSet.map((p) => p.label));
const testSet = values["seen-only"] ? testAll.filter((p) => trainLabels.has(p.label)) : testAll;
const readSeconds = (performance.now() - t) / 1000;
const afterReadRssMb = peakRssMb();

t = performance.now();
const model = await train(trainSet, { seed, ...(labelDepth !== undefined ? { labelDepth } : {}) });
const trainSeconds = (performance.now() - t) / 1000;
const trainPeakRssMb = peakRssMb();
log(`trained on ${trainSet.length} in ${trainSeconds.toFixed(2)} s (peak RSS so far ${trainPeakRssMb.toFixed(0)} MB)`);

const dir = await mkdtemp(path.join(tmpdir(), "assort-bench-"));
let result;
try {
  const modelDir = path.join(dir, "model");
  t = performance.now();
  await model.save(modelDir);
  const saveSeconds = (performance.now() - t) / 1000;
  const modelMb = (await modelDirSize(modelDir)) / 1e6;

  t = performance.now();
  const loaded = await loadModel(modelDir, { kind: "category-model" });
  const loadSeconds = (performance.now() - t) / 1000;

  const report = evaluate(loaded, testSet);

  // Batch throughput: the whole test set in one predictBatch call (featurizes on both cores), best of
  // BATCH_CALLS; and in one synchronous predict call on this thread alone.
  let best = Infinity;
  await loaded.predictBatch(testSet.slice(0, 1024), { topK: 1 }); // starts the worker, as a server would once
  for (let i = 0; i < BATCH_CALLS; i++) {
    t = performance.now();
    await loaded.predictBatch(testSet, { topK: 1 });
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  const itemsPerSecond = testSet.length / best;
  let bestSync = Infinity;
  for (let i = 0; i < BATCH_CALLS; i++) {
    t = performance.now();
    loaded.predict(testSet, { topK: 1 });
    bestSync = Math.min(bestSync, (performance.now() - t) / 1000);
  }
  const itemsPerSecondOneThread = testSet.length / bestSync;

  // Single-item latency: one product per call, top 3, cycling through the test set when it is small.
  const at = (i) => testSet[i % testSet.length];
  for (let i = 0; i < WARMUP_CALLS; i++) loaded.predict([at(i)], { topK: 3 });
  const ms = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const p = at(WARMUP_CALLS + i);
    t = performance.now();
    loaded.predict([p], { topK: 3 });
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);

  result = {
    nTrain: trainSet.length,
    nTest: testSet.length,
    nTestAll: testAll.length,
    classes: model.labels.length,
    classifier: model.describe().classifier,
    unknownTestLabels: report.unknownLabels.length,
    accuracy: report.accuracy,
    macroF1: report.macroF1,
    weightedF1: report.weightedF1,
    ece: report.ece,
    coverageAt98: report.coverageAtPrecision["0.98"] ?? null,
    readSeconds,
    trainSeconds,
    saveSeconds,
    loadSeconds,
    evaluateItemsPerSecond: report.itemsPerSecond,
    itemsPerSecond,
    itemsPerSecondOneThread,
    p50Ms: percentile(ms, 0.5),
    p99Ms: percentile(ms, 0.99),
    modelMb,
    features: model.info.metrics?.features ?? null,
    afterReadRssMb,
    trainPeakRssMb,
    peakRssMb: peakRssMb(),
  };
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(result) + "\n");
