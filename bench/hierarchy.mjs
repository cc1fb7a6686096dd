// Hierarchy and confidence benchmark: per-level accuracy/macro-F1, hierarchical F1, exact-path accuracy, ECE
// before and after calibration, coverage at 95%/98% precision, backoff/abstain rates, and audit recovery of
// injected label noise. Figures to beat are quoted from ../shared/bench/peers.md (scikit-learn LinearSVC on
// word+char TF-IDF, trained separately at each level).
//
//   npm run bench:hierarchy                       # human summary (builds dist/ first)
//   npm run --silent bench:hierarchy -- --json    # JSON lines only on stdout
//   node bench/hierarchy.mjs [--only flipkart-1050,pricerunner,cn-online-shopping-10cats,audit] [--backoff 0.5]
//
// Results also go to bench/results/hierarchy-<timestamp>.jsonl and bench/results/hierarchy-latest.jsonl.

import { mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { auditCatalog, evaluate, injectLabelNoise, measureAuditRecovery, readCatalogFile, train } from "../dist/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    backoff: { type: "string", default: "0.5" },
    json: { type: "boolean", default: false },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  process.stdout.write("Usage: node bench/hierarchy.mjs [--only a,b] [--backoff T] [--json] [--data-dir DIR]\n");
  process.exit(0);
}
const dataDir = path.resolve(args["data-dir"] ?? path.resolve(here, "../../shared/data"));
const json = args.json;
const out = (s) => (json ? process.stderr : process.stdout).write(s + "\n");
const only = args.only ? new Set(args.only.split(",")) : null;
const backoff = Number(args.backoff);

/** peers.md: best scikit-learn figures per level (flipkart-1050 word+char LinearSVC trained at that level). */
const PEERS = {
  "flipkart-1050": { level1MacroF1: 0.96, level2Accuracy: 0.881, level2MacroF1: 0.609, leafAccuracy: 0.533 },
  pricerunner: { macroF1: 0.992 },
  "cn-online-shopping-10cats": { macroF1: 0.896 },
};

async function read(dataset, file, extra = {}) {
  return (await readCatalogFile(path.join(dataDir, dataset, file), { requireLabel: true, ...extra })).products;
}

const results = [];
const emit = (r) => {
  results.push(r);
  if (json) process.stdout.write(JSON.stringify(r) + "\n");
};
const f3 = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(3));
const startedAt = new Date();
out(`assort hierarchy benchmark — ${startedAt.toISOString()}`);
out(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, Node ${process.version}; backoff threshold ${backoff}`);

const DATASETS = [
  { dataset: "flipkart-1050", strategies: ["flat", "top-down"] },
  { dataset: "pricerunner", strategies: ["flat"] },
  { dataset: "cn-online-shopping-10cats", strategies: ["flat"] },
];

for (const d of DATASETS) {
  if (only && !only.has(d.dataset)) continue;
  if (!existsSync(path.join(dataDir, d.dataset, "train.jsonl"))) {
    out(`${d.dataset}: skipped (not found)`);
    continue;
  }
  const trainSet = await read(d.dataset, "train.jsonl");
  const testSet = await read(d.dataset, "test.jsonl");
  for (const strategy of d.strategies) {
    const t = performance.now();
    const model = await train(trainSet, { strategy, seed: 42 });
    const trainSeconds = (performance.now() - t) / 1000;
    for (const mode of ["no-backoff", "backoff"]) {
      const r = evaluate(model, testSet, mode === "backoff" ? { backoff } : {});
      const line = {
        bench: "hierarchy",
        dataset: d.dataset,
        task: `${strategy}/${mode}`,
        strategy,
        backoffThreshold: mode === "backoff" ? backoff : null,
        accuracy: r.accuracy,
        macroF1: r.macroF1,
        levels: r.levels,
        leafAccuracy: r.pathAccuracy,
        hierarchicalF1: r.hierarchicalF1,
        pathAccuracy: r.pathAccuracy,
        backoffRate: r.backoffRate,
        abstainRate: r.abstainRate,
        ece: r.ece,
        eceUncalibrated: r.eceUncalibrated,
        coverageAtPrecision: r.coverageAtPrecision,
        trainSeconds,
        seconds: trainSeconds,
        nTrain: trainSet.length,
        nTest: testSet.length,
        classes: model.labels.length,
        peer: false,
        target: PEERS[d.dataset] ?? null,
      };
      emit(line);
      out(
        `${d.dataset} ${strategy} ${mode}: ` +
          r.levels.slice(0, 3).map((l) => `L${l.level} acc ${f3(l.accuracy)} mF1 ${f3(l.macroF1)}`).join(" · ") +
          ` · exact path ${f3(r.pathAccuracy)} · hF1 ${f3(r.hierarchicalF1)} · ECE ${f3(r.ece)} (uncalibrated ${f3(r.eceUncalibrated)})` +
          ` · coverage@0.95 ${f3(r.coverageAtPrecision["0.95"])} @0.98 ${f3(r.coverageAtPrecision["0.98"])}` +
          (mode === "backoff" ? ` · backoff ${f3(r.backoffRate)} abstain ${f3(r.abstainRate)}` : "") +
          ` · train ${trainSeconds.toFixed(1)} s`,
      );
    }
    await model.close();
  }
}

if (!only || only.has("audit")) {
  for (const [dataset, extra] of [
    ["pricerunner", {}],
    ["flipkart-1050", { labelDepth: 1 }],
  ]) {
    if (!existsSync(path.join(dataDir, dataset, "train.jsonl"))) continue;
    const products = await read(dataset, "train.jsonl", extra);
    const noisy = injectLabelNoise(products, 0.05, 7);
    const t = performance.now();
    const report = await auditCatalog(noisy.products, { seed: 42 });
    const seconds = (performance.now() - t) / 1000;
    const m = measureAuditRecovery(report, noisy.flipped, noisy.original);
    emit({ bench: "hierarchy", dataset, task: "audit", noiseRate: 0.05, ...m, seconds, n: products.length, peer: false, target: dataset === "pricerunner" ? { precision: 0.8, recall: 0.8 } : null });
    out(`${dataset}${extra.labelDepth ? " (top level)" : ""} audit, 5% injected noise: precision ${f3(m.precision)} recall ${f3(m.recall)} (flagged ${m.flagged}, flipped ${m.flipped}) in ${seconds.toFixed(1)} s`);
  }
}

if (results.length > 0) {
  const dir = path.join(here, "results");
  await mkdir(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, "-").replace(/\.\d+Z$/, "Z");
  const text = results.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const file = path.join(dir, `hierarchy-${stamp}.jsonl`);
  await writeFile(file, text);
  await writeFile(path.join(dir, "hierarchy-latest.jsonl"), text);
  out(`results: ${path.relative(process.cwd(), file)} (and hierarchy-latest.jsonl)`);
}
