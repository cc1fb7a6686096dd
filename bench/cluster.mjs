// Clustering benchmark: assort against scikit-learn measured in the same run (bench/cluster-peer.py through
// /usr/bin/python3 when it has scikit-learn), plus the figures quoted from ../shared/bench/peers.md.
//
//   npm run bench:cluster                        # human tables (builds dist/ first)
//   npm run --silent bench:cluster -- --json     # JSON lines only on stdout
//   node bench/cluster.mjs [--only pricerunner/kmeans,pricerunner/match,...] [--reps 3] [--no-peer] [--json]
//
// Tasks: category-level k-means on pricerunner (k 10), cn-online-shopping-10cats (k 10), flipkart-1050 top level
// (k 7), scored by NMI/ARI against the top-level category; same-product matching on pricerunner (35,311 offers,
// merchant cannot-link) scored by pair precision/recall/F1 and ARI against cluster_id; mini-batch k-means on
// 100k+ products (pricerunner ×3 with seeded perturbations). Each assort run is its own child process
// (bench/cluster-child.mjs), so peak RSS is its own. Results also go to bench/results/cluster-<timestamp>.jsonl
// and bench/results/cluster-latest.jsonl.

import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchOptions, median, run, writeResults } from "./common.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

/** peers.md figures (../shared/bench/peers.md, "Summary: what to beat" and the per-dataset clustering tables). */
const QUOTED = {
  "pricerunner/kmeans": { nmi: 0.697, ari: null, seconds: 4.0, note: "sklearn KMeans on SVD(100), 20k sample; fit 1.6 s + 2.4 s TF-IDF/SVD" },
  "cn-online-shopping-10cats/kmeans": { nmi: 0.497, ari: 0.327, seconds: 9.46, note: "sklearn KMeans on SVD(100), 20k sample; fit 2.42 s + 7.04 s TF-IDF/SVD" },
  "flipkart-1050/kmeans": { nmi: 0.427, ari: 0.249, seconds: 0.786, note: "sklearn KMeans on SVD(100); fit 0.116 s + 0.67 s TF-IDF/SVD" },
  "pricerunner/match": { pairF1: 0.665, pairPrecision: 0.767, pairRecall: 0.586, ari: 0.665, seconds: 38, note: "sklearn agglomerative average, cosine char+word TF-IDF per category, merchant cannot-link, threshold 0.6" },
};

const TASKS = [
  { dataset: "pricerunner", task: "kmeans", k: 10, peer: ["--task", "kmeans", "--sample", "20000"] },
  { dataset: "cn-online-shopping-10cats", task: "kmeans", k: 10, peer: ["--task", "kmeans", "--sample", "20000"] },
  { dataset: "flipkart-1050", task: "kmeans", k: 7, peer: ["--task", "kmeans"] },
  { dataset: "pricerunner", task: "match", peer: ["--task", "match"] },
  { dataset: "pricerunner", task: "large", k: 10, peer: null },
];

const USAGE = `Usage: node bench/cluster.mjs [options]
  --only <dataset/task,...>  e.g. pricerunner/kmeans,pricerunner/match (tasks: kmeans, match, large)
  --reps N                   repetitions per system (default 3): median seconds and RSS; scores from rep 1
  --no-peer                  skip the same-run scikit-learn baseline
  --json                     one JSON object per result on stdout, nothing else
  --data-dir DIR             datasets folder (default ../shared/data next to the repo)
  -h, --help                 this text`;

const { args, reps, json, dataDir, out } = benchOptions(USAGE);

const lastJson = (s) => JSON.parse(s.trim().split("\n").filter(Boolean).at(-1));

async function peerAvailable() {
  if (args["no-peer"] || !existsSync("/usr/bin/python3")) return false;
  try {
    await run("/usr/bin/python3", ["-c", "import sklearn, numpy, scipy"]);
    return true;
  } catch {
    return false;
  }
}

const num = (v, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(d));

const results = [];
const startedAt = new Date();
const withPeer = await peerAvailable();
out(`assort clustering benchmark — ${startedAt.toISOString()}`);
out(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; reps ${reps}`);
out(withPeer ? "peer: scikit-learn via /usr/bin/python3 bench/cluster-peer.py, same run" : "peer: scikit-learn not available (or --no-peer): quoted peers.md figures only");

const only = args.only ? new Set(args.only.split(",").map((s) => s.trim())) : null;
let failures = 0;
for (const t of TASKS) {
  const key = `${t.dataset}/${t.task}`;
  if (only && !only.has(key) && !only.has(t.dataset)) continue;
  const dir = path.join(dataDir, t.dataset);
  out("");
  out(`== ${key}`);
  if (!existsSync(path.join(dir, "train.jsonl"))) {
    out(`skipped: ${dir} not found`);
    continue;
  }
  const ours = [];
  try {
    for (let r = 0; r < reps; r++) {
      process.stderr.write(`${key}: assort rep ${r + 1}/${reps}\n`);
      const argv = [path.join(here, "cluster-child.mjs"), "--dataset", dir, "--task", t.task, "--seed", "1"];
      if (t.k) argv.push("--k", String(t.k));
      ours.push(lastJson((await run(process.execPath, argv)).stdout));
    }
  } catch (e) {
    failures++;
    out(`assort FAILED: ${e.message}`);
    continue;
  }
  const peers = [];
  if (withPeer && t.peer) {
    try {
      for (let r = 0; r < reps; r++) {
        process.stderr.write(`${key}: scikit-learn rep ${r + 1}/${reps}\n`);
        peers.push(lastJson((await run("/usr/bin/python3", [path.join(here, "cluster-peer.py"), "--dataset", t.dataset, "--data-dir", dataDir, ...t.peer])).stdout));
      }
    } catch (e) {
      out(`scikit-learn FAILED: ${e.message}`);
    }
  }
  const first = ours[0];
  const oursSec = median(ours.map((o) => o.seconds));
  const oursClusteringSec = median(ours.map((o) => o.clusteringSeconds));
  const peerSec = median(peers.map((p) => p.seconds));
  const line = {
    bench: "cluster",
    dataset: t.dataset,
    task: t.task,
    system: "assort",
    peer: false,
    n: first.n,
    k: first.k,
    nmi: first.nmi,
    ari: first.ari,
    vMeasure: first.vMeasure,
    pairPrecision: first.pairPrecision,
    pairRecall: first.pairRecall,
    pairF1: first.pairF1,
    silhouette: first.silhouette,
    seconds: oursSec,
    secondsAll: ours.map((o) => o.seconds),
    clusteringSeconds: oursClusteringSec,
    peakRssMb: median(ours.map((o) => o.peakRssMb)),
    itemsPerSecond: first.n / oursSec,
    reps,
    measuredInRun: true,
    stages: first.stages,
    features: first.features,
    ...(peerSec ? { peerSeconds: peerSec, speedup: peerSec / oursSec, speedupClustering: peerSec / oursClusteringSec } : {}),
  };
  const rows = [line];
  if (peers.length > 0) {
    const p = peers[0];
    rows.push({
      bench: "cluster",
      dataset: t.dataset,
      task: t.task,
      system: p.peer,
      peer: true,
      n: p.n,
      k: p.k,
      nmi: p.nmi,
      ari: p.ari,
      pairPrecision: p.pairPrecision,
      pairRecall: p.pairRecall,
      pairF1: p.pairF1,
      seconds: peerSec,
      secondsAll: peers.map((x) => x.seconds),
      peakRssMb: median(peers.map((x) => x.peakRssMb)),
      reps: peers.length,
      measuredInRun: true,
      sklearn: p.sklearn,
      ...(p.sample ? { sample: p.sample, embedSeconds: p.embedSeconds, fitSeconds: p.fitSeconds } : {}),
    });
  }
  const q = QUOTED[key];
  if (q) rows.push({ bench: "cluster", dataset: t.dataset, task: t.task, system: "peers.md", peer: true, ...q, measuredInRun: false, quoted: true });
  out(`n ${first.n}, ${first.features}`);
  out(["system".padEnd(32), "n".padStart(7), "k".padStart(6), "NMI".padStart(6), "ARI".padStart(6), "pairP".padStart(6), "pairR".padStart(6), "pairF1".padStart(6), "seconds".padStart(8), "RSS MB".padStart(7)].join(" "));
  for (const r of rows) {
    out(
      [
        String(r.system).padEnd(32),
        String(r.n ?? "").padStart(7),
        String(r.k ?? "").padStart(6),
        num(r.nmi).padStart(6),
        num(r.ari).padStart(6),
        num(r.pairPrecision).padStart(6),
        num(r.pairRecall).padStart(6),
        num(r.pairF1).padStart(6),
        num(r.seconds, 2).padStart(8),
        num(r.peakRssMb, 0).padStart(7),
      ].join(" "),
    );
  }
  if (line.speedup) {
    out(
      `time ratio (scikit-learn seconds / assort seconds, medians of ${reps}): ${line.speedup.toFixed(2)}× for the whole run, ` +
        `${line.speedupClustering.toFixed(2)}× for the same work (features + SVD + clustering: ${num(oursClusteringSec, 2)} s; assort also names the clusters and computes metrics and the map)`,
    );
  }
  out(`stages (rep 1, s): ${Object.entries(first.stages).map(([s, v]) => `${s} ${v.toFixed(1)}`).join(", ")}`);
  out(`cluster names: ${first.labels.slice(0, 10).join("; ")}`);
  for (const r of rows) {
    results.push(r);
    if (json) process.stdout.write(JSON.stringify(r) + "\n");
  }
}

await writeResults("cluster", results, startedAt, out);
if (failures > 0) process.exitCode = 1;
