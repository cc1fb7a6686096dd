// Scale-out benchmark: PostgreSQL store, BullMQ workers on Redis, an API replica, on this machine.
//
//   npm run bench:scale                          # 1,000,000 products, 1 then 2 workers, then search
//   npm run --silent bench:scale -- --json       # JSON lines only on stdout (progress on stderr)
//   npm run bench:scale -- --only search         # search alone: loads the products through the store first if absent
//   npm run bench:scale -- --only import --products 200000 --workers 1,2   # a shorter import
//   node bench/scale.mjs [--rows|--products N] [--workers 1,2] [--only import,search] [--batch-size N] [--nice N] [--sessions on|off] [--pg-nice N] [--data-dir DIR]
//
// Needs PostgreSQL and Redis: ASSORT_TEST_PG_URL and ASSORT_TEST_REDIS_URL (`eval "$(bash .ci/services up)"`
// starts both on loopback), or --pg URL --redis URL. Each run uses a fresh schema (bench_scale_w<workers>)
// and Redis database 9.
//
// import: N products (PriceRunner's 35,311 offers expanded with seeded variants, bench/scale-data.mjs) go
// through `assort import --queue` to W `assort worker` processes; items/s in total and per worker; CPU
// seconds of each process group (the services and the workers share this machine's cores: contention is
// reported, not hidden); meanwhile one client sends single-item classify requests to an `assort serve`
// replica at 50/s and their latency percentiles are recorded. The workers and the importer run at nice 10
// (--nice, the documented deployment on shared cores; --nice 0 for none). Each process (replica, workers,
// importer, the client bench/scale-probe.mjs) runs in a session of its own (--sessions on, the default), as
// separate services do: with the kernel's session groups (sched_autogroup) nice only orders threads within
// a session, and a batch process leading its session lowers its group too (--sessions off: all in this
// process's session, as before). --pg-nice N lowers PostgreSQL's session group during the import (restored
// after). The replica preloads bench/replica-probe.mjs: its own server time, CPU and run-queue wait per
// request, event-loop delay, GC pauses and PostgreSQL queries, reported beside the client's latencies. search: 500 seeded queries (one
// and two words from the titles, frequent and rare alike) against the replica's /v1/search with category
// facets, after the W=max import, twice (the first pass compacts the facet counts it reads). With
// `--only search`, schema bench_scale_search: when it does not hold the products they are loaded straight
// through the store's batch upsert (no queue, no classification: the catalog's own categories), which
// takes minutes instead of the import's quarter of an hour, once.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { clearInterval, setInterval, setTimeout } from "node:timers";
import { parseArgs } from "node:util";
import pg from "pg";
import { Redis } from "ioredis";
import { writeResults } from "./common.mjs";
import { searchQueries, writeCatalog } from "./scale-data.mjs";

const fetch = globalThis.fetch;
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, "../bin/assort.js");
const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    products: { type: "string" },
    nice: { type: "string", default: "10" },
    sessions: { type: "string", default: "on" },
    "pg-nice": { type: "string", default: "0" },
    "search-schema": { type: "string", default: "bench_scale_search" },
    workers: { type: "string", default: "1,2" },
    only: { type: "string", default: "import,search" },
    "batch-size": { type: "string", default: "2000" },
    "data-dir": { type: "string", default: path.resolve(here, "../../shared/data") },
    pg: { type: "string", default: process.env.ASSORT_TEST_PG_URL },
    redis: { type: "string", default: process.env.ASSORT_TEST_REDIS_URL },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help || !args.pg || !args.redis) {
  process.stdout.write(`Usage: node bench/scale.mjs [--rows|--products N] [--workers 1,2] [--only import,search] [--batch-size N] [--nice N] [--sessions on|off] [--pg-nice N] [--search-schema NAME] [--json] [--pg URL --redis URL]
PostgreSQL and Redis: ASSORT_TEST_PG_URL / ASSORT_TEST_REDIS_URL (eval "$(bash .ci/services up)"), or --pg / --redis.\n`);
  process.exit(args.help ? 0 : 2);
}
const rows = Number(args.products ?? args.rows);
const nice = Number(args.nice);
if (!["on", "off"].includes(args.sessions)) throw new Error(`--sessions is on or off, got "${args.sessions}"`);
const sessions = args.sessions === "on";
const pgNice = Number(args["pg-nice"]);
if (!Number.isInteger(pgNice) || pgNice < 0 || pgNice > 19) throw new Error(`--pg-nice is 0 to 19, got "${args["pg-nice"]}"`);
const workerCounts = args.workers.split(",").map(Number);
const only = new Set(args.only.split(","));
const batchSize = Number(args["batch-size"]);
const out = (s = "") => (args.json ? process.stderr : process.stdout).write(s + "\n");
const progress = (s) => process.stderr.write(s + "\n");
const results = [];
const startedAt = new Date();
const emit = (r) => {
  const rec = { bench: "scale", ...r, machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10) }, at: new Date().toISOString() };
  results.push(rec);
  if (args.json) process.stdout.write(JSON.stringify(rec) + "\n");
};

const cache = path.join(os.tmpdir(), "assort-scale-cache");
await mkdir(cache, { recursive: true });

const children = new Set();
// Children in their own sessions do not get the terminal's signals: stop them when this process ends.
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(130));

/**
 * Starts `assort <argv>`. `session`: in a session of its own (setsid), so that the kernel's automatic
 * session groups (sched_autogroup) schedule it apart from this process and its other children, as separate
 * services (systemd units, containers) are; the batch side's `--nice` then also lowers its session group.
 */
function child(argv, name, o = {}) {
  const c = spawn(process.execPath, [...(o.nodeArgs ?? []), bin, ...argv], { stdio: ["ignore", "pipe", "pipe"], detached: o.session === true, env: { ...process.env, ASSORT_API_KEY: "bench-admin-key-0123456789abcdef", ...o.env } });
  children.add(c);
  let stdout = "";
  let stderr = "";
  c.stdout.on("data", (b) => (stdout += b));
  c.stderr.on("data", (b) => {
    stderr += b;
    if (name === "import") for (const l of String(b).split("\n")) if (l.startsWith("import:")) progress(`  ${l}`);
  });
  const exited = new Promise((resolve) =>
    c.on("exit", (code) => {
      children.delete(c);
      resolve(code);
    }),
  );
  const line = (re) =>
    new Promise((resolve, reject) => {
      const t = setInterval(() => {
        const m = stdout.split("\n").find((l) => re.test(l));
        if (m) {
          clearInterval(t);
          resolve(m);
        } else if (c.exitCode !== null) {
          clearInterval(t);
          reject(new Error(`${name} exited: ${stderr.slice(-2000)}`));
        }
      }, 50);
    });
  return { c, exited, line, out: () => stdout, err: () => stderr };
}

/** CPU seconds (user + system) a process used so far, from /proc. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of every PostgreSQL and Redis server process (all of this machine's). */
function serviceCpu() {
  let postgres = 0;
  let redis = 0;
  for (const pid of readdirPids()) {
    let cmd;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (/^postgres[:\0]|\/postgres\0/.test(cmd)) postgres += cpuSeconds(pid);
    else if (/redis-server/.test(cmd)) redis += cpuSeconds(pid);
  }
  return { postgres, redis };
}

/** Asks the replica (bench/replica-probe.mjs, preloaded) for what it measured since the last ask. */
async function replicaProbe(replica, file) {
  await rm(file, { force: true });
  replica.c.kill("SIGUSR2");
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

function readdirPids() {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d));
}

/** Total busy CPU seconds of the machine (every process, other users' included). */
function machineBusy() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return (f.reduce((a, b) => a + b, 0) - idle) / 100;
}

function pct(xs, p) {
  if (xs.length === 0) return null;
  const v = [...xs].sort((a, b) => a - b);
  return Math.round(v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] * 100) / 100;
}

function stats(xs) {
  return { n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99), max: pct(xs, 100) };
}

async function sql(url, text, params = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

function schemaUrl(schema) {
  const u = new URL(args.pg);
  u.searchParams.set("schema", schema);
  return u.toString();
}

// ---- data and model (cached)
const catalog = path.join(cache, `catalog-${rows}.jsonl`);
if (!existsSync(catalog)) {
  progress(`writing ${rows} synthetic products to ${catalog}`);
  await writeCatalog(catalog, rows, { dataDir: args["data-dir"] });
}
const model = path.join(cache, "model-pricerunner");
if (!existsSync(path.join(model, "manifest.json"))) {
  progress("training the pricerunner model (train split)");
  const t = child(["train", "--data", path.join(args["data-dir"], "pricerunner/train.jsonl"), "--out", model, "--seed", "42"], "train");
  if ((await t.exited) !== 0) throw new Error(`train failed: ${t.err()}`);
}
const queueUrl = `${args.redis.replace(/\/\d*$/, "")}/9`;

/**
 * Single-item classify requests at `rate`/s, one at a time, from a client process of its own (bench/scale-probe.mjs,
 * in a session of its own with --sessions on) until `stop()`; resolves with their latencies (ms).
 */
async function classifyProbe(url, rate = 50) {
  const c = spawn(process.execPath, [path.join(here, "scale-probe.mjs"), url, String(rate), path.join(args["data-dir"], "pricerunner/test.jsonl")], { stdio: ["ignore", "pipe", "inherit"], detached: sessions });
  children.add(c);
  let stdout = "";
  c.stdout.on("data", (b) => (stdout += b));
  const exited = new Promise((resolve) => c.on("exit", resolve));
  while (!stdout.includes("probe ready\n")) {
    if (c.exitCode !== null) throw new Error("the classify probe exited");
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    stop: async () => {
      c.kill("SIGTERM");
      await exited;
      children.delete(c);
      return JSON.parse(stdout.trim().split("\n").pop());
    },
  };
}

/**
 * `--pg-nice N`: PostgreSQL's session group (sched_autogroup: every backend is in the postmaster's session)
 * at nice N while the import runs, as if the database ran on cores of its own; restored afterwards. Needs the
 * database on this machine and the right to change its priority (root, or its user for lowering); says why not otherwise.
 */
async function lowerPostgres(n) {
  if (n === 0) return () => undefined;
  const c = new pg.Client({ connectionString: args.pg });
  await c.connect();
  let file;
  let before;
  try {
    const [{ pid }] = (await c.query("SELECT pg_backend_pid() AS pid")).rows;
    // The postmaster (the backend's parent) lives as long as the server: its group is the backends' group.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const postmaster = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    file = `/proc/${postmaster}/autogroup`;
    before = Number(/nice (-?\d+)/.exec(readFileSync(file, "utf8"))[1]);
    writeFileSync(file, String(n));
  } catch (e) {
    throw new Error(`--pg-nice ${n}: cannot change PostgreSQL's session group (${e.message}): the database must run on this machine, with sched_autogroup, and this user allowed to renice it`);
  } finally {
    await c.end();
  }
  progress(`PostgreSQL's session group at nice ${n} during the import (was ${before})`);
  const restore = () => {
    process.off("exit", restore);
    try {
      writeFileSync(file, String(before));
    } catch {
      // the server stopped meanwhile
    }
  };
  process.on("exit", restore);
  return restore;
}

let searchSchema;
for (const w of workerCounts) {
  if (!only.has("import")) break;
  const schema = `bench_scale_w${w}`;
  const store = schemaUrl(schema);
  await sql(args.pg, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const redis = new Redis(queueUrl);
  await redis.flushdb();
  redis.disconnect();
  progress(`import of ${rows} products with ${w} worker(s): starting the replica and the workers`);
  const data = path.join(cache, `run-w${w}`);
  const workers = [];
  for (let i = 0; i < w; i++) workers.push(child(["worker", "--store", store, "--queue", queueUrl, "--data-dir", `${data}-worker${i}`, "--log-level", "warn", "--nice", String(nice)], `worker${i}`, { session: sessions }));
  await Promise.all(workers.map((x) => x.line(/^worker ready/)));
  // The replica: registered the model first (it is live when the import starts).
  const probeFile = path.join(cache, `replica-probe-w${w}.json`);
  await rm(probeFile, { force: true });
  const replica = child(["serve", "--port", "0", "--store", store, "--queue", queueUrl, "--data-dir", `${data}-replica`, "--model", model, "--log-level", "warn", "--no-request-log", "--rate-limit", "off"], "replica", {
    session: sessions,
    nodeArgs: ["--import", path.join(here, "replica-probe.mjs")],
    env: { ASSORT_BENCH_PROBE_FILE: probeFile },
  });
  const url = (await replica.line(/^listening on /)).replace(/^listening on /, "").trim();
  const cpu0 = { workers: workers.map((x) => cpuSeconds(x.c.pid)), replica: cpuSeconds(replica.c.pid), services: serviceCpu(), machine: machineBusy() };
  const restorePg = await lowerPostgres(pgNice);
  replica.c.kill("SIGUSR2"); // the replica's own measurements start now
  const probe = await classifyProbe(url);
  const t0 = performance.now();
  const imp = child(["import", "--data", catalog, "--model", model, "--store", store, "--queue", queueUrl, "--data-dir", `${data}-import`, "--batch-size", String(batchSize), "--window", String(4 * w), "--nice", String(nice), "--json"], "import", { session: sessions });
  const importPid = imp.c.pid;
  let importCpu = 0;
  const sampler = setInterval(() => (importCpu = Math.max(importCpu, cpuSeconds(importPid))), 500);
  const code = await imp.exited;
  clearInterval(sampler);
  const seconds = (performance.now() - t0) / 1000;
  const api = await probe.stop();
  await restorePg();
  const inReplica = await replicaProbe(replica, probeFile);
  if (code !== 0) throw new Error(`import failed: ${imp.err().slice(-3000)}`);
  const summary = JSON.parse(imp.out().trim().split("\n").pop());
  const cpu1 = { workers: workers.map((x) => cpuSeconds(x.c.pid)), replica: cpuSeconds(replica.c.pid), services: serviceCpu(), machine: machineBusy() };
  const [counts] = await sql(args.pg, `SELECT count(*)::int AS products, count(pred_model)::int AS predictions FROM "${schema}".products`);
  const health = await (await fetch(`${url}/health`)).json();
  const total = rows / seconds;
  const cpu = {
    workers: Math.round(cpu1.workers.reduce((s, x, i) => s + x - cpu0.workers[i], 0)),
    import: Math.round(importCpu),
    replica: Math.round(cpu1.replica - cpu0.replica),
    postgres: Math.round(cpu1.services.postgres - cpu0.services.postgres),
    redis: Math.round(cpu1.services.redis - cpu0.services.redis),
    machine: Math.round(cpu1.machine - cpu0.machine),
    available: Math.round(seconds * os.cpus().length),
  };
  emit({
    task: "import",
    workers: w,
    rows,
    batchSize,
    nice,
    seconds: Math.round(seconds * 10) / 10,
    itemsPerSecond: Math.round(total),
    itemsPerSecondPerWorker: Math.round(total / w),
    stored: counts.products,
    classified: counts.predictions,
    healthProducts: health.products,
    readded: summary.readded,
    cpuSeconds: cpu,
    sessions,
    pgNice,
    classifyWhileImporting: {
      ...stats(api.latencies),
      statuses: api.statuses,
      ratePerSecond: 50,
      // This process's main thread (the client) waiting for a core, over the whole import.
      clientRunQueueWaitMs: api.runQueueWaitMs,
      replica: inReplica,
    },
  });
  out(`import, ${w} worker(s) at nice ${nice}: ${rows} products in ${seconds.toFixed(1)} s = ${Math.round(total)} items/s (${Math.round(total / w)} per worker); stored ${counts.products}, classified ${counts.predictions}, /health ${health.products}`);
  out(`  CPU seconds: workers ${cpu.workers}, import ${cpu.import}, replica ${cpu.replica}, postgres ${cpu.postgres}, redis ${cpu.redis}; machine busy ${cpu.machine} of ${cpu.available} available (other users included)`);
  const s = stats(api.latencies);
  out(`  single-item classify while importing: p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms over ${s.n} requests (${JSON.stringify(api.statuses)})`);
  if (inReplica) {
    const r = inReplica;
    out(`  in the replica: server time p50 ${r.serverMs.p50} ms, p99 ${r.serverMs.p99} ms (CPU p50 ${r.serverCpuMs.p50} ms, p99 ${r.serverCpuMs.p99} ms; run-queue wait p99 ${r.serverRunQueueWaitMs.p99} ms); event-loop delay p50 ${r.eventLoopDelayMs.p50} ms, p99 ${r.eventLoopDelayMs.p99} ms, max ${r.eventLoopDelayMs.max} ms; GC ${JSON.stringify(r.gc)}`);
    out(`  main thread: ${r.mainThread.cpuMs} ms CPU, ${r.mainThread.runQueueWaitMs} ms waiting for a core over ${r.mainThread.timeslices} runs; PostgreSQL: ${JSON.stringify(r.pg.queries)}, ${r.pg.queriesStartedDuringClassify} started during a classify, ${r.pg.poolCheckoutsThatWaited.n} pool checkouts waited`);
  }
  for (const x of workers) x.c.kill("SIGTERM");
  await Promise.all(workers.map((x) => x.exited));
  if (w === Math.max(...workerCounts) && only.has("search")) searchSchema = { schema, store, replica, url };
  else {
    replica.c.kill("SIGTERM");
    await replica.exited;
  }
}

/** Loads the catalog into `schema` through the store's batch upsert (two batches in flight) unless it holds it already. */
async function loadCatalog(schema, store) {
  const [{ n }] = await sql(args.pg, `SELECT coalesce((SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'products'), 0)::int AS n`, [schema]);
  const have = n > 0 ? (await sql(args.pg, `SELECT count(*)::int AS n FROM "${schema}".products`))[0].n : 0;
  if (have >= rows) return;
  progress(`search: loading ${rows} products into ${schema} through the store's batch upsert (${have} there)`);
  const { PostgresStore } = await import("../dist/store/postgres-store.js");
  const { toProductWrites } = await import("../dist/service/input.js");
  const pgStore = await PostgresStore.open(store);
  const t0 = performance.now();
  let done = 0;
  let batch = [];
  const inFlight = new Set();
  const flush = async (items) => {
    const p = pgStore.upsertProducts(toProductWrites(items)).then(() => {
      inFlight.delete(p);
      done += items.length;
      if (done % 100_000 < items.length) progress(`  ${done} products in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    });
    inFlight.add(p);
    if (inFlight.size >= 2) await Promise.race(inFlight);
  };
  const rl = (await import("node:readline")).createInterface({ input: (await import("node:fs")).createReadStream(catalog), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    batch.push(JSON.parse(line));
    if (batch.length === batchSize) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await flush(batch);
  await Promise.all(inFlight);
  await pgStore.close();
  const seconds = (performance.now() - t0) / 1000;
  emit({ task: "search-load", rows, seconds: Math.round(seconds), itemsPerSecond: Math.round(rows / seconds) });
  out(`search: loaded ${rows} products through the store in ${seconds.toFixed(0)} s (${Math.round(rows / seconds)} items/s)`);
}

if (only.has("search")) {
  let target = searchSchema;
  if (!target) {
    // Its own schema: a shorter import run (--products) does not replace the million products searched.
    const schema = args["search-schema"];
    const store = schemaUrl(schema);
    await loadCatalog(schema, store);
    // The replica registers the model (already there after an import): queries are classified for the boost as in production.
    const replica = child(["serve", "--port", "0", "--store", store, "--data-dir", path.join(cache, "search-replica"), "--model", model, "--log-level", "warn", "--no-request-log", "--rate-limit", "off"], "replica");
    target = { schema, store, replica, url: (await replica.line(/^listening on /)).replace(/^listening on /, "").trim() };
  }
  const [n] = await sql(args.pg, `SELECT count(*)::int AS n FROM "${target.schema}".products`);
  progress(`search: VACUUM ANALYZE after the bulk import (autovacuum would do it within minutes), then 500 queries over ${n.n} products`);
  await sql(args.pg, `VACUUM ANALYZE "${target.schema}".products, "${target.schema}".search_postings, "${target.schema}".term_counts`);
  const queries = await searchQueries(args["data-dir"], 500);
  /** Answers of the last pass whose total and facets were estimated (a sample): checked against exact counts below. */
  const estimated = [];
  for (const pass of [1, 2]) {
    const all = [];
    const one = [];
    const two = [];
    let withFacets = 0;
    estimated.length = 0;
    const statuses = new Map();
    for (const q of queries) {
      const t0 = performance.now();
      const r = await fetch(`${target.url}/v1/search?q=${encodeURIComponent(q)}&limit=20`);
      const body = await r.json();
      const ms = performance.now() - t0;
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      all.push(ms);
      (q.includes(" ") ? two : one).push(ms);
      if (Array.isArray(body.facets) && body.facets.length > 0) withFacets++;
      if (body.totalExact === false || body.facetsExact === false) estimated.push({ q, total: body.total, facets: body.facets, hits: body.hits.map((h) => h.id) });
    }
    const slowest = queries.map((q, i) => [all[i], q]).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([ms, q]) => `${q} (${Math.round(ms)} ms)`);
    emit({ task: "search", pass, products: n.n, queries: queries.length, ...stats(all), oneWord: stats(one), twoWords: stats(two), withFacets, estimated: estimated.length, statuses: Object.fromEntries(statuses), slowest });
    const s = stats(all);
    out(`search pass ${pass} over ${n.n} products: p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms, max ${s.max} ms (one word p50 ${stats(one).p50} p99 ${stats(one).p99}, two words p50 ${stats(two).p50} p99 ${stats(two).p99}); ${withFacets}/${queries.length} answers with facets, ${estimated.length} with estimated counts; slowest: ${slowest.join(", ")}`);
  }
  // The same queries on the store in this process, with the CPU time each costs (the PostgreSQL backend's,
  // from /proc/<pid>/schedstat, plus this process's): what a query needs whatever else runs on the machine.
  const { PostgresStore } = await import("../dist/store/postgres-store.js");
  const u = new URL(target.store);
  u.searchParams.set("pool", "1");
  const pgStore = await PostgresStore.open(u.toString());
  const [{ pid }] = await pgStore.db.query("SELECT pg_backend_pid() AS pid");
  const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
  const wall = [];
  const cpu = [];
  const cpuOne = [];
  const cpuTwo = [];
  for (const q of queries) {
    const c0 = cpuNs();
    const n0 = process.cpuUsage();
    const t0 = performance.now();
    await pgStore.search({ q, limit: 20, offset: 0 });
    wall.push(performance.now() - t0);
    const n1 = process.cpuUsage(n0);
    const ms = (cpuNs() - c0) / 1e6 + (n1.user + n1.system) / 1000;
    cpu.push(ms);
    (q.includes(" ") ? cpuTwo : cpuOne).push(ms);
  }
  await pgStore.close();
  // How far the estimated totals and facet counts were from the exact ones (counted now, untimed, by the
  // same store with the exact path forced): relative error of the total and of each facet over 1% of it.
  if (estimated.length > 0) {
    const exactStore = await PostgresStore.open(target.store, { search: { exactBound: Number.MAX_SAFE_INTEGER } });
    const totalErr = [];
    const facetErr = [];
    let samePage = 0;
    let overlap = 0;
    for (const e of estimated) {
      // The replica boosted the query's predicted category: so does this, with the live model's answer.
      const boost = await (await fetch(`${target.url}/v1/classify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ items: [{ id: "q", title: e.q }] }) })).json();
      const top = boost.results?.[0]?.categories?.[0];
      const x = await exactStore.search({ q: e.q, limit: 20, offset: 0, ...(top && top.score >= 0.5 ? { boostCategory: top.category } : {}) });
      const ids = x.hits.map((h) => h.id);
      if (ids.join() === e.hits.join()) samePage++;
      overlap += e.hits.filter((id) => ids.includes(id)).length / Math.max(1, ids.length);
      totalErr.push((100 * Math.abs(e.total - x.total)) / x.total);
      for (const f of x.facets) {
        if (f.count < x.total / 100) continue;
        const got = e.facets.find((g) => g.category === f.category)?.count ?? 0;
        facetErr.push((100 * Math.abs(got - f.count)) / f.count);
      }
    }
    await exactStore.close();
    const overlapPct = Math.round((1000 * overlap) / estimated.length) / 10;
    emit({ task: "search-estimates", products: n.n, estimated: estimated.length, totalErrorPct: stats(totalErr), facetErrorPct: stats(facetErr), samePageAsExhaustive: samePage, top20OverlapPct: overlapPct });
    out(`estimated counts (${estimated.length} answers): total error p50 ${stats(totalErr).p50}%, max ${stats(totalErr).max}%; facet error (facets over 1% of the matches) p50 ${stats(facetErr).p50}%, p95 ${stats(facetErr).p95}%, max ${stats(facetErr).max}%; first page as the exhaustive ranking's: ${samePage}/${estimated.length} identical, ${overlapPct}% of its hits shared`);
  }
  emit({ task: "search-store-cpu", products: n.n, queries: queries.length, wall: stats(wall), cpu: stats(cpu), cpuOneWord: stats(cpuOne), cpuTwoWords: stats(cpuTwo) });
  out(`search on the store, CPU per query (PostgreSQL backend + client): p50 ${stats(cpu).p50} ms, p99 ${stats(cpu).p99} ms (one word p99 ${stats(cpuOne).p99}, two words p99 ${stats(cpuTwo).p99}); wall p99 ${stats(wall).p99} ms`);
  target.replica.c.kill("SIGTERM");
  await target.replica.exited;
}

await writeResults("scale", results, startedAt, out);
