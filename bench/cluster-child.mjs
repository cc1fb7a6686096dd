// One measured clustering run of assort, spawned by bench/cluster.mjs in its own process so that
// process.resourceUsage().maxRSS is this run's peak alone. Prints one JSON object on its last stdout line.
//
// Usage: node bench/cluster-child.mjs --dataset DIR --task kmeans|match|large [--k N] [--seed S] [--copies N]

import { performance } from "node:perf_hooks";
import path from "node:path";
import { parseArgs } from "node:util";
import { clusterCatalog, externalClusterMetrics, Random, readCatalogFile } from "../dist/index.js";

const { values } = parseArgs({
  options: {
    dataset: { type: "string" },
    task: { type: "string" },
    k: { type: "string" },
    seed: { type: "string", default: "1" },
    copies: { type: "string", default: "3" },
  },
});
const dir = values.dataset;
const task = values.task;
if (!dir || !task) throw new Error("cluster-child: pass --dataset and --task");
const seed = Number(values.seed);

async function readAll() {
  const products = [];
  for (const f of ["train.jsonl", "test.jsonl"]) {
    const { products: p } = await readCatalogFile(path.join(dir, f), { requireLabel: false });
    products.push(...p);
  }
  return products;
}

/** Copies of every title with seeded perturbations (a word dropped, two swapped, a token added), as new products. */
function replicate(products, copies) {
  const rng = new Random(seed);
  const extra = ["new", "2024", "uk", "black", "white", "offer", "sale", "eu", "official", "warranty"];
  const out = [...products];
  for (let c = 1; c < copies; c++) {
    for (const p of products) {
      const w = p.text[0].split(" ");
      const r = rng.float();
      if (r < 0.33 && w.length > 2) w.splice(rng.int(w.length), 1);
      else if (r < 0.66 && w.length > 2) {
        const i = rng.int(w.length - 1);
        [w[i], w[i + 1]] = [w[i + 1], w[i]];
      } else w.push(extra[rng.int(extra.length)]);
      out.push({ ...p, id: `${p.id}~${c}`, text: [w.join(" "), ...p.text.slice(1)] });
    }
  }
  return out;
}

let products = await readAll();
const topLevel = (p) => String(p.fields?.category ?? p.label ?? "").split(" > ")[0].trim();
let truthOf = topLevel;
const options = { seed };
if (task === "kmeans") {
  options.k = Number(values.k);
} else if (task === "match") {
  options.algorithm = "match";
  options.groupField = "merchant_id";
  truthOf = (p) => String(p.fields?.cluster_id);
} else if (task === "large") {
  products = replicate(products, Number(values.copies));
  options.k = Number(values.k);
  options.params = { batchSize: 2048, maxIter: 300 };
  options.mapSample = 2000;
  options.silhouetteSample = 2000;
} else throw new Error(`cluster-child: unknown task ${task}`);

const stages = {};
let stage = "start";
let t = performance.now();
options.onProgress = (e) => {
  if (e.stage !== stage) {
    const now = performance.now();
    stages[stage] = (stages[stage] ?? 0) + (now - t) / 1000;
    stage = e.stage;
    t = now;
  }
};
const t0 = performance.now();
const run = await clusterCatalog(products, options);
const seconds = (performance.now() - t0) / 1000;
stages[stage] = (stages[stage] ?? 0) + (performance.now() - t) / 1000;
delete stages.start;
const ids = new Map();
const truth = Int32Array.from(products, (p) => {
  const v = truthOf(p);
  if (!ids.has(v)) ids.set(v, ids.size);
  return ids.get(v);
});
const m = externalClusterMetrics(truth, run.labels);
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  JSON.stringify({
    n: products.length,
    k: run.k,
    noise: run.noise,
    nmi: m.nmi,
    ari: m.ari,
    vMeasure: m.vMeasure,
    pairPrecision: m.pairPrecision,
    pairRecall: m.pairRecall,
    pairF1: m.pairF1,
    silhouette: run.metrics.silhouette,
    seconds,
    // The work scikit-learn's figure also does: text features, SVD and the clustering itself (not the names,
    // internal metrics and map that assort adds).
    clusteringSeconds: ["featurize", "svd", "k-means", "mini-batch k-means", "block", "score", "link"].reduce((a, s) => a + (stages[s] ?? 0), 0),
    stages,
    peakRssMb,
    features: run.features,
    labels: task === "match" ? run.clusters.slice(0, 8).map((c) => `${c.label} (${c.size})`) : run.clusters.map((c) => `${c.label} (${c.size})`),
  }) + "\n",
);
