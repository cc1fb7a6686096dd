// Embedding quality and similar items (issue 5 part 4, issue 6): product vectors by TF-IDF+SVD, fastText
// (trained here, skip-gram) and USE-lite (pretrained, English), each scored by k-means NMI against the category
// (k = number of categories) and, on pricerunner, recall@10 against cluster_id (same product, other merchants).
// The Debian `fasttext` CLI trains on the same tokenised titles as the speed peer, and its vectors are scored the
// same way. A similar-items row compares exact and ANN (usearch HNSW) search at pricerunner's 35k products.
//
//   node bench/images-embeddings.mjs [--json] [--only pricerunner/fasttext,similar] [--no-peer] [--data-dir DIR]
//   (run from a built tree: it imports ../dist/index.js; heavy work runs in child processes of this same file)
//   use-lite embeds every pricerunner title with the pretrained encoder (~20 ms a title on one core: ~12 min).

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchOptions, run as runProcess } from "./common.mjs";

const self = fileURLToPath(import.meta.url);

const DATASETS = {
  pricerunner: { files: ["train.jsonl", "test.jsonl"], clusterField: "cluster_id" },
  "cn-online-shopping-10cats": { files: ["train.jsonl", "test.jsonl"], clusterField: null },
};
const METHODS = ["tfidf-svd", "fasttext", "use-lite"];
/** Queries sampled for recall@10 (exact search over every product per query). */
const RECALL_QUERIES = 5000;
/** fastText settings of the bench (the CLI peer gets the same). */
/** SIF weight of the second pooling of the fastText vectors (see ProductVectorsOptions.sif). */
const SIF = 1e-5;
const FT = { mode: "skipgram", dim: 100, epochs: 5, minCount: 2, minn: 3, maxn: 6, buckets: 200000, window: 5, negatives: 5, lr: 0.05 };

const USAGE = `Usage: node bench/images-embeddings.mjs [options]
  --only <dataset/method,...|similar>  e.g. pricerunner/fasttext,similar
  --no-peer                            skip the fasttext CLI peer
  --json                               JSON lines on stdout only
  --data-dir DIR                       datasets folder (default ../shared/data)`;

// ---------------------------------------------------------------- child: one measured run

async function child(task) {
  const lib = await (await import("./lib.mjs")).loadLibrary();
  const products = await readAll(lib, task.dataDir, task.dataset);
  const pr = task.dataset === "pricerunner";
  if (task.kind === "embed") {
    const t0 = performance.now();
    let vectors;
    let features;
    let extra = {};
    let pv;
    if (task.method === "fasttext-cli") {
      const r = fastTextCli(products, lib, task.threads);
      vectors = r.vectors;
      features = r.features;
      extra = { trainSeconds: r.trainSeconds };
    } else {
      pv = await lib.fitProductVectors(products, { method: task.method, dim: 100, seed: 1, fasttext: { ...FT, threads: task.threads } });
      vectors = pv.vectors;
      features = pv.description;
      extra = { trainSeconds: (performance.now() - t0) / 1000, ...(pv.fastText ? { threads: pv.fastText.stats.threads, words: pv.fastText.words.length } : {}) };
    }
    const nmi = await kmeansNmi(lib, products, vectors);
    const recall = pr ? recallAt10(lib, products, vectors) : {};
    if (task.method === "fasttext") {
      // The same model pooled with SIF weights (a = 1e-5): better for same-product search, worse for categories.
      const sif = pv.fastText.embed(products, SIF);
      extra.sif = SIF;
      extra.nmiSif = await kmeansNmi(lib, products, sif);
      if (pr) {
        const r = recallAt10(lib, products, sif);
        extra.recallAt10Sif = r.recallAt10;
        extra.hitAt10Sif = r.hitAt10;
      }
    }
    return { n: products.length, dim: vectors.cols, features, nmi, ...recall, ...extra, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  }
  // similar: exact vs ANN on pricerunner's product vectors (tfidf-svd, 100-d).
  const pv = await lib.fitProductVectors(products, { method: "tfidf-svd", dim: 100, seed: 1 });
  const ids = pv.ids;
  const x = pv.vectors;
  const d = x.cols;
  const rng = new lib.Random(5);
  const q = rng.sample(x.rows, 1000);
  const exact = await lib.SimilarIndex.build(ids, x);
  const time = (ix) => {
    const ms = [];
    for (const i of q) {
      const t = performance.now();
      ix.search(x.data.subarray(i * d, (i + 1) * d), 10, { exclude: ids[i] });
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return { msPerQuery: ms.reduce((a, b) => a + b, 0) / ms.length, p99Ms: ms[Math.floor(ms.length * 0.99)] };
  };
  const exactT = time(exact);
  const tb = performance.now();
  const ann = await lib.SimilarIndex.build(ids, x, undefined, { ann: { threads: 1 } });
  await ann.useAnn();
  const buildSeconds = (performance.now() - tb) / 1000;
  const annT = time(ann);
  const queries = new Float32Array(q.length * d);
  q.forEach((i, j) => queries.set(x.data.subarray(i * d, (i + 1) * d), j * d));
  const recall = ann.recallAgainstExact(queries, 10);
  // "Similar items in the same category": the index keeps each product's category (cached row masks per group).
  const grouped = await lib.SimilarIndex.build(ids, x, products.map((p) => p.label));
  const sameCat = (() => {
    const t = performance.now();
    for (const i of q) grouped.similarTo(ids[i], 10, { sameGroup: true });
    return (performance.now() - t) / q.length;
  })();
  return { n: x.rows, dim: d, exactMsPerQuery: exactT.msPerQuery, exactP99Ms: exactT.p99Ms, annMsPerQuery: annT.msPerQuery, annP99Ms: annT.p99Ms, annBuildSeconds: buildSeconds, recallAt10: recall, sameCategoryMsPerQuery: sameCat, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

async function readAll(lib, dataDir, dataset) {
  const out = [];
  for (const f of DATASETS[dataset].files) {
    const { products } = await lib.readCatalogFile(path.join(dataDir, dataset, f), { requireLabel: true });
    out.push(...products);
  }
  return out;
}

/** k-means (k = categories, cosine, the project's KMeans) on the vectors; NMI against the category. */
function kmeansNmi(lib, products, x) {
  const names = [...new Set(products.map((p) => p.label))];
  const idx = new Map(names.map((n, i) => [n, i]));
  const truth = Int32Array.from(products, (p) => idx.get(p.label));
  const model = lib.createClusterer("kmeans", { k: names.length, metric: "cosine" });
  return model.fit(x, { seed: 1 }).then((m) => lib.externalClusterMetrics(truth, m.labels).nmi);
}

/** Mean over sampled products of clusters ≥ 2: share of their min(10, size − 1) cluster mates among the 10 nearest. */
function recallAt10(lib, products, x) {
  const byCluster = new Map();
  products.forEach((p, i) => {
    const c = String(p.fields?.cluster_id);
    if (!byCluster.has(c)) byCluster.set(c, []);
    byCluster.get(c).push(i);
  });
  const eligible = products.map((_, i) => i).filter((i) => byCluster.get(String(products[i].fields?.cluster_id)).length >= 2);
  const rng = new lib.Random(7);
  const sample = eligible.length > RECALL_QUERIES ? rng.sample(eligible.length, RECALL_QUERIES).map((j) => eligible[j]) : eligible;
  const ix = new lib.ExactIndex(x.cols);
  ix.add(products.map((p) => p.id), x.data);
  const d = x.cols;
  let sum = 0;
  let hit = 0;
  for (const i of sample) {
    const mates = byCluster.get(String(products[i].fields?.cluster_id));
    const hits = ix.search(x.data.subarray(i * d, (i + 1) * d), 10, { exclude: products[i].id });
    const found = hits.filter((h) => h.row !== i && mates.includes(h.row)).length;
    sum += Math.min(found, 10) / Math.min(10, mates.length - 1);
    if (found > 0) hit++;
  }
  // hitAt10: share of products with at least one other offer of the same product among their 10 nearest.
  return { recallAt10: sum / sample.length, hitAt10: hit / sample.length, recallQueries: sample.length };
}

/** Trains the Debian fasttext CLI on the same tokens and reads back its sentence vectors. */
function fastTextCli(products, lib, threads) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "assort-ft-"));
  try {
    const corpus = path.join(dir, "titles.txt");
    const lines = products.map((p) => lib.productTokens(p).join(" "));
    writeFileSync(corpus, lines.join("\n") + "\n");
    const args = [FT.mode, "-input", corpus, "-output", path.join(dir, "m"), "-dim", FT.dim, "-epoch", FT.epochs, "-minCount", FT.minCount, "-minn", FT.minn, "-maxn", FT.maxn, "-bucket", FT.buckets, "-ws", FT.window, "-neg", FT.negatives, "-lr", FT.lr, "-thread", threads, "-verbose", 0].map(String);
    const t0 = performance.now();
    const r = spawnSync("fasttext", args, { encoding: "utf8" });
    const trainSeconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`fasttext ${args.join(" ")} failed: ${r.stderr || r.error}`);
    const vec = spawnSync("fasttext", ["print-sentence-vectors", path.join(dir, "m.bin")], { input: lines.join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 30 });
    if (vec.status !== 0) throw new Error(`fasttext print-sentence-vectors failed: ${vec.stderr}`);
    const rows = vec.stdout.trim().split("\n");
    const x = new Float32Array(rows.length * FT.dim);
    rows.forEach((row, i) => {
      const v = row.trim().split(/\s+/).map(Number);
      let s = 0;
      for (const a of v) s += a * a;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < FT.dim; j++) x[i * FT.dim + j] = (v[j] ?? 0) * inv;
    });
    if (rows.length !== products.length) throw new Error(`fasttext printed ${rows.length} vectors for ${products.length} lines`);
    return { vectors: { kind: "dense", rows: rows.length, cols: FT.dim, data: x }, trainSeconds, features: `fasttext CLI ${FT.mode}, print-sentence-vectors` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- parent: the section

/** Runs the section; one plain object per result. */
export async function run({ dataDir, out, reps = 1, only = null, peer = true }) {
  void reps; // one run per row: training is seeded and the timings are single-shot (noted in the table)
  const rows = [];
  const want = (key) => !only || only.includes(key);
  const threads = Math.max(1, Math.min(8, os.availableParallelism()));
  const tasks = [];
  for (const dataset of Object.keys(DATASETS)) {
    if (!existsSync(path.join(dataDir, dataset))) {
      out(`skip ${dataset}: not in ${dataDir}`);
      continue;
    }
    for (const method of METHODS) {
      if (method === "use-lite" && dataset !== "pricerunner") continue; // English-only model
      if (want(`${dataset}/${method}`)) tasks.push({ kind: "embed", dataset, method });
    }
    if (peer && want(`${dataset}/fasttext-cli`)) {
      const which = spawnSync("fasttext", [], { encoding: "utf8" });
      if (which.error) out(`skip the fasttext CLI peer on ${dataset}: not installed (apt-get install -y fasttext)`);
      else tasks.push({ kind: "embed", dataset, method: "fasttext-cli", peer: true });
    }
  }
  if (want("similar") && existsSync(path.join(dataDir, "pricerunner"))) tasks.push({ kind: "similar", dataset: "pricerunner" });
  for (const t of tasks) {
    const label = t.kind === "similar" ? "pricerunner/similar" : `${t.dataset}/${t.method}`;
    out(`running ${label} …`);
    let r;
    try {
      const { stdout } = await runProcess(process.execPath, [self, "--child", JSON.stringify({ ...t, dataDir, threads })], { stderr: "pipe" });
      r = JSON.parse(stdout.trim().split("\n").at(-1));
    } catch (e) {
      out(`  failed: ${e.message}`);
      continue;
    }
    const row =
      t.kind === "similar"
        ? { bench: "images", dataset: t.dataset, task: "similar-items", method: "exact vs ann (usearch hnsw, f32)", ...r }
        : {
            bench: "images",
            dataset: t.dataset,
            task: "embedding",
            method: t.method === "fasttext" ? `fasttext (${FT.mode}, mean pooling)` : t.method,
            ...(t.peer ? { peer: "fasttext 0.9 CLI (Debian)" } : {}),
            ...r,
          };
    rows.push(row);
    out(`  ${describe(row)}`);
  }
  return rows;
}

function describe(r) {
  const f = (x, n = 3) => (typeof x === "number" ? x.toFixed(n) : "–");
  if (r.task === "similar-items") {
    return `n ${r.n}: exact ${f(r.exactMsPerQuery, 2)} ms/query (p99 ${f(r.exactP99Ms, 2)}), ANN ${f(r.annMsPerQuery, 3)} ms/query (p99 ${f(r.annP99Ms, 3)}, build ${f(r.annBuildSeconds, 1)} s), ANN recall@10 vs exact ${f(r.recallAt10)}; same-category exact ${f(r.sameCategoryMsPerQuery, 2)} ms/query`;
  }
  const sif = r.sif ? `; SIF ${r.sif}: NMI ${f(r.nmiSif)}${r.recallAt10Sif !== undefined ? `, recall@10 ${f(r.recallAt10Sif)}, hit@10 ${f(r.hitAt10Sif)}` : ""}` : "";
  return `${r.method}${r.peer ? " [peer]" : ""}: train ${f(r.trainSeconds, 1)} s, NMI ${f(r.nmi)}${r.recallAt10 !== undefined ? `, recall@10 ${f(r.recallAt10)}, hit@10 ${f(r.hitAt10)}` : ""}${sif}, RSS ${f(r.peakRssMb, 0)} MB`;
}

// ---------------------------------------------------------------- entry points

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  const r = await child(JSON.parse(process.argv[childAt + 1]));
  process.stdout.write(JSON.stringify(r) + "\n");
} else if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const { args, json, dataDir, out } = benchOptions(USAGE);
  const only = args.only ? args.only.split(",").map((s) => s.trim()) : null;
  const rows = await run({ dataDir, out, reps: 1, only, peer: !args["no-peer"] });
  if (json) for (const r of rows) process.stdout.write(JSON.stringify(r) + "\n");
  else {
    out("");
    out("dataset                    method               train s   NMI    recall@10  RSS MB");
    for (const r of rows.filter((x) => x.task === "embedding")) {
      out(`${r.dataset.padEnd(26)} ${(r.method + (r.peer ? "*" : "")).padEnd(20)} ${(r.trainSeconds ?? 0).toFixed(1).padStart(7)}  ${r.nmi.toFixed(3)}  ${r.recallAt10 === undefined ? "   –   " : r.recallAt10.toFixed(3).padStart(7)}   ${r.peakRssMb.toFixed(0).padStart(5)}`);
    }
    out("* peer measured in the same run. Timings are single runs: noisy on a shared machine.");
    for (const r of rows.filter((x) => x.task === "similar-items")) out(describe(r));
  }
}
