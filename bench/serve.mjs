// HTTP service benchmark: `assort serve` on the 35k PriceRunner products, loaded with autocannon (classify,
// ANN, overload) and with bench/load.mjs (search and similar items: capacity, then a paced load at half of it).
//
//   npm run bench:serve                        # human table (builds dist/ first)
//   npm run --silent bench:serve -- --json     # JSON lines only on stdout
//   node bench/serve.mjs [--only classify-single,search] [--json] [--data-dir ../shared/data]
//   BENCH_SECONDS=10 (per load run, default 10)   BENCH_CONNECTIONS=16 (classify-single, default 16)
//
// Trains a pricerunner model once (cached in $TMPDIR/assort-bench-cache, keyed by the training file and
// the library version), imports train+test (35,311 products, timed) into a fresh data directory with
// `assort import`, starts `assort serve` as a child process (log level warn, no request log, no rate limit)
// and runs autocannon in this process against it. Request bodies vary: titles of the test split. Search and
// similar items run on a server pinned to core 0 with the load generator pinned to core 1 (taskset): their
// closed-loop capacity, then a paced (constant arrival rate) load at 0.5 × that capacity. RSS is
// the server's, sampled from /proc/<pid>/status. The overload run restarts the server with a rate limit at
// 40% of the measured single-classify capacity and a small in-flight limit, then sends back to back over 256
// connections (at least twice the allowed rate): only 200/429/503 may come back, and RSS must stay flat.
// Similar items: recall@10 of the ANN index (a second server with --exact-limit 0, on a copy of the data directory:
// one process writes a data directory) against exact search. Results also go to bench/results/serve-<ts>.jsonl.

import { cp } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { clearInterval, setInterval, setTimeout } from "node:timers";
import autocannon from "autocannon";
import { benchOptions, run, writeResults } from "./common.mjs";
import { BIN as bin, canPin, KEY, loadPhase, pricerunnerModel, rssOf, startServer as startServerAt } from "./serve-lib.mjs";
const TASKS = ["import", "classify-single", "classify-batch-1000", "search", "similar", "similar-ann", "overload"];
const USAGE = `Usage: node bench/serve.mjs [options]
  --only <task[,task]>  tasks: ${TASKS.join(", ")} (import always runs)
  --json                one JSON object per result on stdout, nothing else (progress on stderr)
  --data-dir DIR        datasets folder (default ../shared/data next to the repo)
  -h, --help            this text
Environment: BENCH_SECONDS (per load run, default 10), BENCH_CONNECTIONS (default 16).`;

const { args, json, dataDir, out } = benchOptions(USAGE);
const startedAt = new Date();
const progress = (s) => process.stderr.write(s + "\n");
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Search and similar items are measured paced at this fraction of their closed-loop capacity. */
const PACED_LOAD = 0.5;
const only = args.only ? new Set(args.only.split(",").map((s) => s.trim())) : undefined;
const wanted = (t) => !only || only.has(t);

const trainFile = path.join(dataDir, "pricerunner", "train.jsonl");
const testFile = path.join(dataDir, "pricerunner", "test.jsonl");
if (!existsSync(trainFile) || !existsSync(testFile)) {
  progress(`PriceRunner data not found under ${path.join(dataDir, "pricerunner")}: pass --data-dir`);
  process.exit(2);
}
const readRows = (f) => readFileSync(f, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
const testRows = readRows(testFile);
const titles = testRows.map((r) => r.title);

// ------------------------------------------------------------------------------------------ model, server

const model = () => pricerunnerModel(trainFile, progress);
const startServer = (data, modelDir, extra = [], o = {}) => startServerAt(data, modelDir, extra, o);
const auth = { authorization: `Bearer ${KEY}` };

/** One autocannon run; `next()` gives each request's [path, body] (varied bodies from the test split). */
async function load(server, name, { method = "GET", next, conns = connections, rate, duration = seconds }) {
  let i = 0;
  const samples = [];
  const timer = setInterval(() => samples.push(rssOf(server.pid).now), 250);
  const result = await autocannon({
    url: server.url,
    connections: conns,
    duration,
    ...(rate ? { overallRate: rate } : {}),
    requests: [
      {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        setupRequest: (req) => {
          const [p, body] = next(i++);
          return { ...req, path: p, ...(body !== undefined ? { body } : {}) };
        },
      },
    ],
  });
  clearInterval(timer);
  const codes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)]));
  const count = (pred) => Object.entries(codes).filter(([k]) => pred(Number(k))).reduce((a, [, n]) => a + n, 0);
  const rss = rssOf(server.pid);
  const settled = samples.slice(Math.floor(samples.length / 4));
  return {
    bench: "serve",
    dataset: "pricerunner",
    task: name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    status429: count((c) => c === 429),
    status5xx: count((c) => c >= 500),
    status503: count((c) => c === 503),
    statusCodes: codes,
    peakRssMb: Math.round(rss.peak),
    rssStartMb: Math.round(settled[0] ?? rss.now),
    rssEndMb: Math.round(rss.now),
    connections: conns,
    ...(rate ? { offeredRate: rate } : {}),
    seconds: result.duration,
  };
}

/**
 * Closed-loop capacity (a 2 s warm-up, then 16 connections back to back for BENCH_SECONDS), then a paced load at
 * half that rate for BENCH_SECONDS over 64 keep-alive connections; the generator runs on core 1 (spinning for
 * exact pacing when pinned). p50Ms / p99Ms are the paced run's, counted from when each request was due.
 */
async function pacedTask(server, task, requests) {
  const o = { dir: work, cpu: canPin ? 1 : undefined };
  progress(`${task}: warm-up, then the closed-loop capacity (16 connections, ${seconds} s) …`);
  await loadPhase({ url: server.url, mode: "closed", connections: 16, seconds: 2, requests }, o);
  const cap = await loadPhase({ url: server.url, mode: "closed", connections: 16, seconds, requests }, o);
  const rate = Math.max(1, Math.round(cap.okPerSecond * PACED_LOAD));
  progress(`${task}: paced at ${rate} req/s (${PACED_LOAD} × the capacity of ${cap.okPerSecond} req/s) for ${seconds} s …`);
  const samples = [];
  const timer = setInterval(() => samples.push(rssOf(server.pid).now), 250);
  const p = await loadPhase({ url: server.url, mode: "paced", rate, seconds, connections: 64, spin: canPin, requests }, o);
  clearInterval(timer);
  const rss = rssOf(server.pid);
  const codes = p.statusCodes;
  const count = (pred) => Object.entries(codes).filter(([k]) => pred(Number(k))).reduce((a, [, n]) => a + n, 0);
  return {
    bench: "serve",
    dataset: "pricerunner",
    task,
    pinned: canPin,
    capacityPerSecond: cap.okPerSecond,
    capacityP50Ms: cap.okP50Ms,
    capacityP99Ms: cap.okP99Ms,
    loadFactor: PACED_LOAD,
    offeredRate: rate,
    requestsPerSecond: p.okPerSecond,
    p50Ms: p.p50Ms,
    p99Ms: p.p99Ms,
    maxMs: p.okMaxMs,
    p99FromSendMs: p.okP99FromSendMs,
    errors: p.errors,
    non2xx: count((c) => c < 200 || c >= 300),
    status429: count((c) => c === 429),
    status5xx: count((c) => c >= 500),
    statusCodes: codes,
    clientQueueMax: p.clientQueueMax,
    peakRssMb: Math.round(rss.peak),
    rssStartMb: Math.round(samples[Math.floor(samples.length / 4)] ?? rss.now),
    rssEndMb: Math.round(rss.now),
    connections: p.connections,
    seconds: p.seconds,
  };
}

// ------------------------------------------------------------------------------------------ tasks

const words = (t) => t.split(/\s+/).filter((w) => /^[\p{L}\p{N}]{3,}$/u.test(w)).slice(0, 2).join(" ") || t.slice(0, 10);
const singleBody = (i) => JSON.stringify({ items: [{ id: `q${i}`, title: titles[i % titles.length] }], topK: 3 });
const batchBodies = Array.from({ length: 7 }, (_, b) =>
  JSON.stringify({ items: Array.from({ length: 1000 }, (_, j) => ({ id: `b${b}-${j}`, title: titles[(b * 1000 + j) % titles.length] })), topK: 3 }),
);

async function recallAt10(exactServer, annServer, ids) {
  let hit = 0;
  let total = 0;
  for (const id of ids) {
    const [e, a] = await Promise.all([exactServer, annServer].map((s) => globalThis.fetch(`${s.url}/v1/products/${encodeURIComponent(id)}/similar?limit=10`).then((r) => r.json())));
    if (!Array.isArray(e.neighbors) || !Array.isArray(a.neighbors)) throw new Error(`similar failed: ${JSON.stringify(e).slice(0, 200)} ${JSON.stringify(a).slice(0, 200)}`);
    const truth = new Set(e.neighbors.map((n) => n.id));
    hit += a.neighbors.filter((n) => truth.has(n.id)).length;
    total += truth.size;
  }
  return total === 0 ? null : hit / total;
}

const results = [];
const record = (r) => {
  results.push(r);
  if (json) process.stdout.write(JSON.stringify(r) + "\n");
  progress(`  ${r.task}: ${JSON.stringify(r)}`);
};

const work = await mkdtemp(path.join(os.tmpdir(), "assort-bench-serve-"));
const ids = testRows.map((r) => r.id);
try {
  const modelDir = await model();
  const data = path.join(work, "data");
  const all = path.join(work, "products.jsonl");
  await writeFile(all, (await readFile(trainFile, "utf8")) + (await readFile(testFile, "utf8")));
  progress("importing 35k products …");
  const t0 = performance.now();
  const imp = JSON.parse((await run(process.execPath, [bin, "import", "--data", all, "--data-dir", data, "--model", modelDir, "--json"])).stdout.trim().split("\n").pop());
  const importSeconds = (performance.now() - t0) / 1000;
  record({ bench: "serve", dataset: "pricerunner", task: "import", rows: imp.rows, requestsPerSecond: null, p50Ms: null, p99Ms: null, errors: imp.skipped, non2xx: 0, status429: 0, status5xx: 0, peakRssMb: null, seconds: Number(importSeconds.toFixed(2)), serviceSeconds: imp.seconds, productsPerSecond: Math.round(imp.rows / importSeconds) });

  // One process writes a data directory at a time: the ANN server below gets its own copy.
  const annData = path.join(work, "data-ann");
  if (wanted("similar-ann")) await cp(data, annData, { recursive: true });
  let server = await startServer(data, modelDir, ["--rate-limit", "off", "--max-in-flight", "4096"]);
  let single;
  if (wanted("classify-single") || wanted("overload")) {
    progress("classify-single …");
    single = await load(server, "classify-single", { method: "POST", next: (i) => ["/v1/classify", singleBody(i)] });
    record(single);
  }
  if (wanted("classify-batch-1000")) {
    progress("classify-batch-1000 …");
    record(await load(server, "classify-batch-1000", { method: "POST", conns: 1, next: (i) => ["/v1/classify", batchBodies[i % batchBodies.length]] }));
  }
  // Search and similar items: the closed-loop capacity (16 connections back to back: the most this server
  // answers), then a paced load at half of it (request k due at start + k / rate, latency counted from when it
  // was due, wrk2-style): the latency a shop sees when the server is busy but not saturated. The server runs on
  // core 0 and the load generator (bench/load.mjs, in a child process) on core 1, so neither takes the other's CPU.
  const searchRequests = ids.map((_, i) => ({ method: "GET", path: `/v1/search?q=${encodeURIComponent(words(titles[i % titles.length]))}&limit=10`, headers: auth }));
  const similarRequests = ids.map((id) => ({ method: "GET", path: `/v1/products/${encodeURIComponent(id)}/similar?limit=10`, headers: auth }));
  const pacedTasks = [["search", searchRequests], ["similar", similarRequests]].filter(([t]) => wanted(t));
  if (pacedTasks.length > 0) {
    await server.stop();
    server = await startServer(data, modelDir, ["--rate-limit", "off", "--max-in-flight", "4096"], { cpu: canPin ? 0 : undefined });
    if (!canPin) progress("taskset is not available: server and load generator run unpinned (figures will be noisier)");
    for (const [task, requests] of pacedTasks) record(await pacedTask(server, task, requests));
  }
  if (wanted("similar-ann")) {
    progress("similar-ann (ANN index, recall@10 against exact) …");
    const ann = await startServer(annData, modelDir, ["--rate-limit", "off", "--max-in-flight", "4096", "--exact-limit", "0"]);
    try {
      // The ANN index is built in the background (and saved); exact search answers until it is ready.
      const t0 = performance.now();
      for (;;) {
        const a = await globalThis.fetch(`${ann.url}/v1/products/${encodeURIComponent(ids[0])}/similar?limit=10`).then((x) => x.json());
        if (a.method === "ann") break;
        if (performance.now() - t0 > 900_000) throw new Error("the ANN index was not ready after 15 minutes");
        await new Promise((r) => setTimeout(r, 500));
      }
      progress(`  ANN index ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const r = await load(ann, "similar-ann", { next: (i) => [`/v1/products/${encodeURIComponent(ids[i % ids.length])}/similar?limit=10`] });
      r.recallAt10 = await recallAt10(server, ann, ids.slice(0, 300));
      record(r);
    } finally {
      await ann.stop();
    }
  }
  if (wanted("overload")) {
    // Overload: the server's rate limit is set to 40% of the measured single-classify capacity, and 256
    // connections (4× the in-flight limit of 64) send requests back to back, i.e. at least twice the
    // allowed rate. The surplus must be refused (429/503), nothing may fail otherwise (no other 5xx, no
    // errors), and RSS must stay flat. (An open-loop 2×-capacity client cannot run in this process on 2
    // cores: autocannon itself becomes the bottleneck, so the limit is lowered instead of the load raised.)
    await server.stop();
    const capacity = Math.max(50, single?.requestsPerSecond ?? 1000);
    const allowed = Math.round(capacity / 2.5);
    server = await startServer(data, modelDir, ["--rate-limit", `${allowed}/s`, "--max-in-flight", "64", "--max-lag", "200"]);
    progress(`overload: 256 connections against a limit of ${allowed} req/s (capacity ${capacity}) …`);
    const r = await load(server, "overload", { method: "POST", conns: 256, next: (i) => ["/v1/classify", singleBody(i)] });
    r.capacity = capacity;
    r.allowedRate = allowed;
    r.offeredRate = r.requestsPerSecond;
    r.overloadFactor = Number((r.requestsPerSecond / allowed).toFixed(2));
    r.otherNon2xx = r.non2xx - r.status429 - r.status503;
    r.only429or503 = r.otherNon2xx === 0 && r.errors === 0;
    r.rssGrowthMb = r.rssEndMb - r.rssStartMb;
    record(r);
  }
  await server.stop();
} finally {
  await rm(work, { recursive: true, force: true });
}

// ------------------------------------------------------------------------------------------ report

const TARGETS = {
  "classify-single": (r) => r.requestsPerSecond >= 5000 && r.p99Ms < 10,
  "classify-batch-1000": (r) => r.p50Ms < 50,
  search: (r) => r.p99Ms < 20 && r.errors === 0 && r.non2xx === 0,
  similar: (r) => r.p99Ms < 20 && r.errors === 0 && r.non2xx === 0,
  import: (r) => r.seconds < 10,
  overload: (r) => r.only429or503 && r.status5xx === r.status503 && r.overloadFactor >= 2 && r.rssGrowthMb < 50,
};
out("\nassort serve on pricerunner (35,311 products; noisy if the machine is shared)");
out("task                  req/s     p50 ms   p99 ms  errors  non2xx   429    5xx  peak RSS MB  seconds  target");
for (const r of results) {
  const f = (v, w) => String(v ?? "–").padStart(w);
  out(`${r.task.padEnd(20)}${f(r.requestsPerSecond, 7)}${f(r.p50Ms, 10)}${f(r.p99Ms, 9)}${f(r.errors, 8)}${f(r.non2xx, 8)}${f(r.status429, 6)}${f(r.status5xx, 7)}${f(r.peakRssMb, 13)}${f(r.seconds, 9)}  ${TARGETS[r.task] ? (TARGETS[r.task](r) ? "met" : "MISSED") : ""}${r.recallAt10 != null ? `  recall@10 ${r.recallAt10.toFixed(3)}` : ""}${r.capacityPerSecond != null ? `  paced at ${r.loadFactor} × capacity ${r.capacityPerSecond} req/s` : ""}`);
}
await writeResults("serve", results, startedAt, out);
