// Bulk writes against reads: one client grows a store to 250k products with 1,000-product batches (PUT
// /v1/products, back to back, "as fast as it is allowed": a 429/503 waits Retry-After) while a probe sends
// single-item classify requests at a fixed rate; then the start-up time and peak RSS of `assort serve` on
// the resulting store.
//
//   npm run bench:writes                               # human table (builds dist/ first)
//   node bench/writes.mjs [--target 250000] [--window 10] [--rate 100] [--startups 3] [--runs 1] [--json] [--probe]
//                         [--bin PATH] [--keep DIR] [--reuse DIR] [--data-dir ../shared/data]
//                         [--server-node-options "--max-semi-space-size=2"] [--exact-limit 10000000]
//
// The store starts as the 35k PriceRunner products (`assort import`: classified, vectors fitted), then grows
// with synthetic products derived from the PriceRunner titles (bench/synthetic.mjs: seeded variants). Growth
// alternates windows of `--window` batches without and with the classify probe, so both writer rates are
// measured at the same store sizes on the same (noisy, shared) machine: "unloaded" is the median rate of the
// windows without the probe, "loaded" of the windows with it; classify p50/p99 pool every probe sample.
// Start-up: `assort serve` is started `--startups` times on the grown store (no --model: it loads the active
// one), timing "listening" and the ANN index becoming ready (similar items answer "ann"), with peak RSS
// (VmHWM) at both points, and once the recall@10 of its ANN similar items (i8 vectors) against exact search over
// the store's vectors (bench/ann-recall.mjs). `--bin` runs another build of the CLI (e.g. the code before a change);
// `--reuse DIR` skips the growth and measures start-up on DIR; `--startups 0` measures the growth only.
// `--probe` preloads bench/replica-probe.mjs into the growing server and reports, per window with the classify
// probe, where the server's time went (serverByWindow: event-loop delay p99/max, the longest GC pause, the main
// thread's CPU and its run-queue wait, i.e. time it was runnable but other threads held the cores, and the
// server's own time per classify); `--server-node-options` passes NODE_OPTIONS to that server (GC flags to
// compare), `--exact-limit N` the growing server's --exact-limit (10000000: similar items stay exact, no ANN
// index: what the graph's inserts cost the reads). `--runs N` repeats the growth N times, each on a fresh store: one row per run, then (N > 1) a
// "bulk-writes-pooled" row with each run's p99 (classifyP99MsByRun) and the p50/p99 of all runs' probe samples
// pooled (classifyP50MsPooled, classifyP99MsPooled): one run has only 700-1,000 samples, so its p99 is its
// 7th-10th slowest request and varies by ±5 ms between identical runs. Every growth row also reports the
// similar-items ANN backlog (assort_similar_ann_backlog of /metrics: changed vectors its graph has not taken in
// yet) at the end of each window (annBacklogByWindow), its largest value, and how long the graph took to catch
// up once the writes stopped (annCatchUpSeconds), with the load average when the run ended (loadAverage), and
// its probe samples (classifySamplesMs, sorted) so that runs of separate invocations can be pooled too.
// Results go to bench/results/writes-<ts>.jsonl.
import { setTimeout } from "node:timers";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { annRecallAt10 } from "./ann-recall.mjs";
import { median, run, writeResults } from "./common.mjs";
import { BIN, KEY, pricerunnerModel, rssOf, startServer } from "./serve-lib.mjs";
import { syntheticProducts } from "./synthetic.mjs";

const { values: args } = parseArgs({
  options: {
    target: { type: "string", default: "250000" },
    window: { type: "string", default: "10" },
    rate: { type: "string", default: "100" },
    startups: { type: "string", default: "3" },
    runs: { type: "string", default: "1" },
    probe: { type: "boolean", default: false },
    "server-node-options": { type: "string" },
    "exact-limit": { type: "string" },
    bin: { type: "string" },
    keep: { type: "string" },
    reuse: { type: "string" },
    json: { type: "boolean", default: false },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), "utf8").split("\n").filter((l) => l.startsWith("//")).join("\n") + "\n");
  process.exit(0);
}
const json = args.json;
const out = (s = "") => (json ? process.stderr : process.stdout).write(s + "\n");
const progress = (s) => process.stderr.write(s + "\n");
const dataDir = path.resolve(args["data-dir"] ?? new URL("../../shared/data", import.meta.url).pathname);
const bin = args.bin ? path.resolve(args.bin) : BIN;
const target = Number(args.target);
const windowBatches = Number(args.window);
const rate = Number(args.rate);
const startups = Number(args.startups);
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  progress(`--runs must be a whole number ≥ 1, got "${args.runs}"`);
  process.exit(2);
}
const BATCH = 1000;
const startedAt = new Date();
const probeModule = new URL("./replica-probe.mjs", import.meta.url).href;
const probeFile = path.join(os.tmpdir(), `assort-bench-writes-probe-${process.pid}.json`);
const results = [];
const record = (r) => {
  results.push(r);
  if (json) process.stdout.write(JSON.stringify(r) + "\n");
  progress(`  ${JSON.stringify(r)}`);
};

const trainFile = path.join(dataDir, "pricerunner", "train.jsonl");
const testFile = path.join(dataDir, "pricerunner", "test.jsonl");
if (!existsSync(trainFile)) {
  progress(`PriceRunner data not found under ${path.join(dataDir, "pricerunner")}: pass --data-dir`);
  process.exit(2);
}
const gen = syntheticProducts(dataDir, { seed: 1 });
const pct = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? null : v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
};
const round = (x, d = 1) => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

/** PUTs one batch, waiting Retry-After on 429/503; returns the number of refusals it took. */
async function putBatch(server, items) {
  const body = JSON.stringify({ items });
  for (let refused = 0; ; refused++) {
    const res = await globalThis.fetch(`${server.url}/v1/products`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` }, body });
    const text = await res.text();
    if (res.status === 200) return refused;
    if (res.status !== 429 && res.status !== 503) throw new Error(`PUT /v1/products answered ${res.status}: ${text.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
  }
}

/** The server's environment: NODE_OPTIONS from --server-node-options, and with --probe the preloaded server probe. */
function serverEnv() {
  const options = [args["server-node-options"] ?? "", args.probe ? `--import ${JSON.stringify(probeModule)}` : ""].filter(Boolean).join(" ");
  return { ...(options ? { NODE_OPTIONS: options } : {}), ...(args.probe ? { ASSORT_BENCH_PROBE_FILE: probeFile } : {}) };
}

/** With --probe: what the server saw since the last call (bench/replica-probe.mjs, on SIGUSR2); undefined without. */
async function serverProbe(pid) {
  if (!args.probe) return undefined;
  const before = existsSync(probeFile) ? statSync(probeFile).mtimeMs : 0;
  process.kill(pid, "SIGUSR2");
  for (let i = 0; i < 200; i++) {
    if (existsSync(probeFile) && statSync(probeFile).mtimeMs !== before) return JSON.parse(readFileSync(probeFile, "utf8"));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the server probe did not answer SIGUSR2 within 2 s");
}

/** The similar-items ANN backlog the server's /metrics reports (null while it has no ANN index). */
async function annBacklog(server) {
  const text = await (await globalThis.fetch(`${server.url}/metrics`)).text();
  const m = /^assort_similar_ann_backlog (\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** After the writes: seconds until the ANN backlog is 0 (null without an ANN index, or when it takes over 120 s). */
async function annCatchUp(server) {
  const t0 = performance.now();
  for (;;) {
    const n = await annBacklog(server);
    if (n === null) return null;
    if (n === 0) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > 120_000) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Where a loaded window's time went on the server, from the probe's report. */
const serverSide = (p) => ({
  loopDelayP99Ms: p.eventLoopDelayMs.p99,
  loopDelayMaxMs: p.eventLoopDelayMs.max,
  gcMaxMs: Math.max(0, ...Object.values(p.gc).map((g) => g.maxMs)),
  gcOver5Ms: Object.values(p.gc).reduce((a, g) => a + g.over5Ms, 0),
  mainCpuMs: p.mainThread.cpuMs,
  mainRunQueueWaitMs: p.mainThread.runQueueWaitMs,
  classifyServerP99Ms: p.serverMs.p99,
});

async function grow(data, modelDir, runNo) {
  const exact = args["exact-limit"] !== undefined ? ["--exact-limit", args["exact-limit"]] : [];
  const server = await startServer(data, modelDir, ["--rate-limit", "off", "--max-in-flight", "4096", ...exact], { bin, env: serverEnv() });
  const titles = readFileSync(testFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).title);
  const probe = new Worker(new URL("./latency-probe.mjs", import.meta.url), { workerData: { url: server.url, rate, titles } });
  const collect = () => new Promise((r) => (probe.once("message", r), probe.postMessage({ collect: true })));
  const windows = [];
  let count = (await (await globalThis.fetch(`${server.url}/health`)).json()).products;
  let refusals = 0;
  // Warm-up (not measured): the server's threads start and load the models.
  for (let b = 0; b < 3 && count < target; b++) {
    const n = Math.min(BATCH, target - count);
    refusals += await putBatch(server, gen.batch(count, n));
    count += n;
  }
  let peakRss = 0;
  let catchUp = null;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  try {
    for (let w = 0; count < target; w++) {
      const loaded = w % 2 === 1;
      if (loaded) await serverProbe(server.pid); // starts the server probe's window afresh
      const probed = performance.now();
      if (loaded) probe.postMessage({ start: true });
      const t0 = performance.now();
      let written = 0;
      let next = gen.batch(count, Math.min(BATCH, target - count));
      for (let b = 0; b < windowBatches && count < target; b++) {
        const sending = putBatch(server, next);
        written += next.length;
        count += next.length;
        next = count < target ? gen.batch(count, Math.min(BATCH, target - count)) : [];
        refusals += await sending;
      }
      const seconds = (performance.now() - t0) / 1000;
      if (loaded) probe.postMessage({ stop: true });
      const backlog = await annBacklog(server); // as the window's last batch is answered
      await new Promise((r) => setTimeout(r, 300)); // the probe's last requests land
      const { samples, errors } = await collect();
      const seen = loaded ? await serverProbe(server.pid) : undefined;
      peakRss = Math.max(peakRss, rssOf(server.pid).peak);
      const win = { loaded, products: count, rate: written / seconds, samples: loaded ? samples : [], errors, backlog, ...(seen ? { server: { probeSeconds: round((performance.now() - probed) / 1000, 2), ...serverSide(seen) }, seconds } : {}) };
      windows.push(win);
      progress(`  ${count} products: ${Math.round(win.rate)} products/s, ANN backlog ${backlog ?? "–"} ${loaded ? `with the probe (p50 ${round(pct(samples, 50))} ms, p99 ${round(pct(samples, 99))} ms, ${samples.length} requests, ${errors} errors)` : "(no probe)"}${win.server ? ` server ${JSON.stringify(win.server)}` : ""}`);
    }
    catchUp = await annCatchUp(server);
  } finally {
    probe.postMessage({ exit: true });
    await server.stop();
  }
  const cpu1 = process.cpuUsage(cpu0);
  const unloaded = windows.filter((w) => !w.loaded).map((w) => w.rate);
  const loaded = windows.filter((w) => w.loaded).map((w) => w.rate);
  const samples = windows.flatMap((w) => w.samples);
  const r = {
    bench: "writes",
    task: "bulk-writes",
    ...(runs > 1 ? { run: runNo, runs } : {}),
    products: count,
    batch: BATCH,
    probeRate: rate,
    writerUnloadedPerSecond: Math.round(median(unloaded)),
    writerLoadedPerSecond: Math.round(median(loaded)),
    writerKeeps: round(median(loaded) / median(unloaded), 2),
    writerRateRangeUnloaded: [Math.round(Math.min(...unloaded)), Math.round(Math.max(...unloaded))],
    writerRateRangeLoaded: [Math.round(Math.min(...loaded)), Math.round(Math.max(...loaded))],
    classifyP50Ms: round(pct(samples, 50), 2),
    classifyP99Ms: round(pct(samples, 99), 2),
    classifyMaxMs: round(Math.max(...samples), 1),
    classifyRequests: samples.length,
    classifyErrors: windows.reduce((a, w) => a + w.errors, 0),
    p99ByWindow: windows.filter((w) => w.loaded).map((w) => [w.products, round(pct(w.samples, 99), 1)]),
    ...(args.probe ? { serverByWindow: windows.filter((w) => w.loaded).map((w) => ({ products: w.products, seconds: round(w.seconds, 2), ...w.server })) } : {}),
    refusals,
    serverPeakRssMb: Math.round(peakRss),
    clientCpuShare: round((cpu1.user + cpu1.system) / 1000 / (performance.now() - wall0), 2),
    annBacklogByWindow: windows.map((w) => [w.products, w.backlog]),
    annBacklogMax: windows.some((w) => w.backlog !== null) ? Math.max(0, ...windows.map((w) => w.backlog ?? 0)) : null,
    annCatchUpSeconds: catchUp === null ? null : round(catchUp, 2),
    loadAverage: os.loadavg().map((x) => round(x, 2)),
    // Every probe sample (ms, sorted), to pool runs made by separate invocations (e.g. interleaved A/B runs).
    classifySamplesMs: [...samples].sort((a, b) => a - b).map((x) => round(x, 2)),
  };
  record(r);
  return { row: r, samples };
}

/** The runs of --runs N together: each run's p99, and the percentiles of every run's probe samples pooled. */
function pooled(grown) {
  const all = grown.flatMap((g) => g.samples);
  const rows = grown.map((g) => g.row);
  const r = {
    bench: "writes",
    task: "bulk-writes-pooled",
    runs: rows.length,
    classifyP99MsByRun: rows.map((x) => x.classifyP99Ms),
    classifyP50MsPooled: round(pct(all, 50), 2),
    classifyP99MsPooled: round(pct(all, 99), 2),
    classifyMaxMsPooled: round(Math.max(...all), 1),
    classifyRequestsPooled: all.length,
    runsP99Under20: rows.filter((x) => x.classifyP99Ms < 20).length,
    writerUnloadedPerSecondByRun: rows.map((x) => x.writerUnloadedPerSecond),
    writerLoadedPerSecondByRun: rows.map((x) => x.writerLoadedPerSecond),
    writerKeepsByRun: rows.map((x) => x.writerKeeps),
    writerKeepsMedian: round(median(rows.map((x) => x.writerKeeps)), 2),
    annBacklogMaxByRun: rows.map((x) => x.annBacklogMax),
    annCatchUpSecondsByRun: rows.map((x) => x.annCatchUpSeconds),
    loadAverageByRun: rows.map((x) => x.loadAverage[0]),
  };
  record(r);
  return r;
}

async function startup(data) {
  const rows = [];
  let recall;
  for (let i = 0; i < startups; i++) {
    const server = await startServer(data, undefined, ["--rate-limit", "off"], { bin });
    try {
      const atListen = rssOf(server.pid);
      const health = await (await globalThis.fetch(`${server.url}/health`)).json();
      // A product of the store (the growth's ids depend on where it started): the first hit of a common word.
      const word = gen.product(0).title.split(" ")[0];
      const found = await (await globalThis.fetch(`${server.url}/v1/search?q=${encodeURIComponent(word)}&limit=1`)).json();
      const id = found.hits?.[0]?.id;
      if (id === undefined) throw new Error(`No product found for "${word}" to time similar items with`);
      const t0 = performance.now();
      let method = "exact";
      // Beyond the exact limit (100k by default) similar items switch to the ANN index once it is loaded.
      for (let polls = 0; health.products > 100_000 && method !== "ann" && polls < 2400; polls++) {
        const a = await (await globalThis.fetch(`${server.url}/v1/products/${id}/similar?limit=10`)).json();
        method = a.method;
        if (method === undefined) throw new Error(`similar items answered ${JSON.stringify(a).slice(0, 200)}`);
        if (method !== "ann") await new Promise((r) => setTimeout(r, 250));
      }
      const annSeconds = server.startSeconds + (performance.now() - t0) / 1000;
      const after = rssOf(server.pid);
      // Once: how close the ANN index's answers are to exact search (its vectors are stored as i8).
      if (i === 0 && method === "ann") {
        progress("  recall@10 of similar items (ANN) against exact search …");
        recall = await annRecallAt10(server, data);
      }
      const row = { startSeconds: round(server.startSeconds, 2), rssAtListenMb: Math.round(atListen.peak), annReadySeconds: method === "ann" ? round(annSeconds, 2) : null, peakRssMb: Math.round(after.peak), products: health.products };
      progress(`  start-up ${i + 1}: ${JSON.stringify(row)}`);
      rows.push(row);
    } finally {
      await server.stop();
    }
  }
  const r = {
    bench: "writes",
    task: "startup",
    products: rows[0]?.products ?? null,
    runs: rows.length,
    startSeconds: median(rows.map((x) => x.startSeconds)),
    startSecondsRange: [Math.min(...rows.map((x) => x.startSeconds)), Math.max(...rows.map((x) => x.startSeconds))],
    rssAtListenMb: median(rows.map((x) => x.rssAtListenMb)),
    annReadySeconds: median(rows.map((x) => x.annReadySeconds)),
    peakRssMb: median(rows.map((x) => x.peakRssMb)),
    peakRssRange: [Math.min(...rows.map((x) => x.peakRssMb)), Math.max(...rows.map((x) => x.peakRssMb))],
    annRecallAt10: recall ? round(recall.recallAt10, 3) : null,
    annRecallQueries: recall?.queries ?? 0,
    annRecallMethods: recall?.methods ?? {},
  };
  record(r);
  return r;
}

const work = args.reuse ? undefined : args.keep ? path.resolve(args.keep) : mkdtempSync(path.join(os.tmpdir(), "assort-bench-writes-"));
if (args.keep) mkdirSync(work, { recursive: true });
try {
  let data = args.reuse ? path.resolve(args.reuse) : path.join(work, "data");
  let bulk;
  let pool;
  if (!args.reuse) {
    const modelDir = await pricerunnerModel(trainFile, progress);
    const all = path.join(work, "products.jsonl");
    await writeFile(all, (await readFile(trainFile, "utf8")) + (await readFile(testFile, "utf8")));
    const grown = [];
    for (let i = 1; i <= runs; i++) {
      // Each run on a fresh store (the last one's is kept for the start-up runs).
      await rm(data, { recursive: true, force: true });
      progress(`${runs > 1 ? `run ${i} of ${runs}: ` : ""}importing the 35k PriceRunner products …`);
      await run(process.execPath, [bin, "import", "--data", all, "--data-dir", data, "--model", modelDir, "--json"]);
      progress(`growing to ${target} products (windows of ${windowBatches} batches of ${BATCH}, alternately with a classify probe at ${rate}/s) …`);
      grown.push(await grow(data, undefined, i));
    }
    bulk = grown.at(-1).row;
    if (runs > 1) pool = pooled(grown);
  }
  let st;
  if (startups > 0) {
    progress(`start-up on ${data} (${startups} runs) …`);
    st = await startup(data);
  }
  out("");
  out("bulk writes and start-up (noisy: shared 2-core machine)");
  if (bulk) {
    out(`writer (1,000-product batches):  unloaded ${bulk.writerUnloadedPerSecond}/s, loaded ${bulk.writerLoadedPerSecond}/s (keeps ${Math.round(bulk.writerKeeps * 100)}%; target ≥ 50%: ${bulk.writerKeeps >= 0.5 ? "met" : "MISSED"})`);
    out(`classify during writes (${bulk.probeRate}/s):  p50 ${bulk.classifyP50Ms} ms, p99 ${bulk.classifyP99Ms} ms, max ${bulk.classifyMaxMs} ms (target p99 < 20 ms: ${bulk.classifyP99Ms < 20 ? "met" : "MISSED"})`);
    if (bulk.annBacklogMax !== null) out(`similar-items ANN backlog: at most ${bulk.annBacklogMax} vectors behind, caught up ${bulk.annCatchUpSeconds ?? "–"} s after the writes`);
  }
  if (pool) {
    out(`${pool.runs} runs: classify p99 by run ${pool.classifyP99MsByRun.join(" / ")} ms (${pool.runsP99Under20} under 20 ms); pooled over ${pool.classifyRequestsPooled} requests p50 ${pool.classifyP50MsPooled} ms, p99 ${pool.classifyP99MsPooled} ms (target < 20 ms: ${pool.classifyP99MsPooled < 20 ? "met" : "MISSED"}); writer keeps ${pool.writerKeepsByRun.map((k) => `${Math.round(k * 100)}%`).join(" / ")}`);
  }
  if (st) out(`start-up on ${st.products} products: ${st.startSeconds} s to listen (target < 10 s: ${st.startSeconds < 10 ? "met" : "MISSED"}), ANN ready at ${st.annReadySeconds} s, peak RSS ${st.peakRssMb} MB (target < 600 MB: ${st.peakRssMb < 600 ? "met" : "MISSED"})`);
  if (st) out(`similar items (ANN, i8 vectors) recall@10 against exact: ${st.annRecallAt10 ?? "–"} over ${st.annRecallQueries} products (target ≥ 0.95: ${st.annRecallAt10 >= 0.95 ? "met" : "MISSED"})`);
  await writeResults("writes", results, startedAt, out);
  data = undefined;
} finally {
  if (work && !args.keep) await rm(work, { recursive: true, force: true });
  rmSync(probeFile, { force: true });
}
