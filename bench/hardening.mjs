// Hardening benchmark: `assort serve` under overload and under slow clients, with the server and the load
// generator pinned to one core each (taskset -c 0 / -c 1) so that neither steals the other's CPU.
//
//   npm run bench:hardening                       # human table (builds dist/ first)
//   npm run --silent bench:hardening -- --json    # one JSON object per result on stdout (progress on stderr)
//   node bench/hardening.mjs [--only classify,search,rate-limited,slow-clients] [--connections N] [--data-dir ../shared/data]
//   BENCH_SECONDS=10 (per load phase)
//
// Overload (classify, search): the closed-loop capacity (the most 2xx per second over 8, 16, 32 and 64
// keep-alive connections back to back) is measured on the server as it runs, then a paced open-loop load at
// twice that rate runs for BENCH_SECONDS over keep-alive connections opened beforehand (enough to carry that rate at
// the latency target, see pacedConnections; at least 256): request k is due at
// start + k / rate (the generator spins on its own core, wrk2-style), and latency counts from when it was due,
// so the client's own queue is included. Targets: only 200/429/503 come back, accepted p99 < 50 ms.
// rate-limited: the same 2× classify load against a rate limit of half the capacity (a fresh server, warmed up like
// the first): 200/429/503 only, accepted p99 < 50 ms.
// Slow clients: 512 connections send headers with Content-Length 1000, then one body byte every 2 s; meanwhile a
// paced classify client (200 req/s) is measured. Target: its p99 < 20 ms, and /health reports the pressure.
// Results also go to bench/results/hardening-<ts>.jsonl.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LIBRARY_VERSION } from "../dist/index.js";
import { benchOptions, run, writeResults } from "./common.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, "../bin/assort.js");
const TASKS = ["classify", "search", "rate-limited", "slow-clients"];
const USAGE = `Usage: node bench/hardening.mjs [options]
  --only <task[,task]>  tasks: ${TASKS.join(", ")}
  --json                one JSON object per result on stdout, nothing else (progress on stderr)
  --data-dir DIR        datasets folder (default ../shared/data next to the repo)
  --connections N       keep-alive connections of the paced 2× phases (default: enough to carry the rate at
                        50 ms, at least 256, at most 1000)
  -h, --help            this text
Environment: BENCH_SECONDS (per load phase, default 10).`;

const { args, json, dataDir, out } = benchOptions(USAGE, { connections: { type: "string" } });
const fixedConnections = args.connections === undefined ? undefined : Number(args.connections);
if (fixedConnections !== undefined && !(Number.isInteger(fixedConnections) && fixedConnections >= 1)) {
  process.stderr.write(`--connections must be a whole number of at least 1, got "${args.connections}"\n${USAGE}\n`);
  process.exit(2);
}
const startedAt = new Date();
const progress = (s) => process.stderr.write(s + "\n");
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const only = args.only ? new Set(args.only.split(",").map((s) => s.trim())) : undefined;
const wanted = (t) => !only || only.has(t);
const KEY = "bench-admin-key-0123456789abcdef";
const pinned = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
const pin = (core, argv) => (pinned ? ["taskset", ["-c", String(core), ...argv]] : [argv[0], argv.slice(1)]);
if (!pinned) progress("taskset is not available: server and generator run unpinned (figures will be noisier)");

const trainFile = path.join(dataDir, "pricerunner", "train.jsonl");
const testFile = path.join(dataDir, "pricerunner", "test.jsonl");
if (!existsSync(trainFile) || !existsSync(testFile)) {
  progress(`PriceRunner data not found under ${path.join(dataDir, "pricerunner")}: pass --data-dir`);
  process.exit(2);
}
const titles = readFileSync(testFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l).title);

async function model() {
  const st = statSync(trainFile);
  const dir = path.join(os.tmpdir(), "assort-bench-cache", `serve-model-${LIBRARY_VERSION}-${st.size}-${Math.round(st.mtimeMs)}`);
  if (existsSync(path.join(dir, "manifest.json"))) return dir;
  progress(`training the pricerunner model (cached in ${dir}) …`);
  await mkdir(path.dirname(dir), { recursive: true });
  await run(process.execPath, [bin, "train", "--data", trainFile, "--out", dir, "--seed", "42"], { stderr: "tee" });
  return dir;
}

function startServer(data, modelDir, extra = []) {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = pin(0, [process.execPath, bin, "serve", "--port", "0", "--data-dir", data, "--model", modelDir, "--log-level", "warn", "--no-request-log", ...extra]);
    const child = spawn(cmd, argv, { env: { ...process.env, ASSORT_API_KEY: KEY }, stdio: ["ignore", "pipe", "pipe"] });
    let outText = "";
    let errText = "";
    child.stderr.on("data", (b) => (errText += b));
    child.on("exit", (code) => {
      if (!outText.includes("\n")) reject(new Error(`assort serve exited with ${code}: ${errText}`));
    });
    child.stdout.on("data", (b) => {
      const had = outText.includes("\n");
      outText += b;
      if (had || !outText.includes("\n")) return;
      const m = /^listening on (\S+)/.exec(outText);
      if (!m) return reject(new Error(`unexpected first line: ${outText}`));
      resolve({ url: m[1], stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once("exit", () => r()), child.kill("SIGTERM")))) });
    });
  });
}

/** Runs one load phase in a child pinned to core 1 (see load-child.mjs); the spec goes through a file. */
let specs = 0;
async function load(spec) {
  const file = path.join(work, `load-${specs++}.json`);
  await writeFile(file, JSON.stringify(spec));
  const [cmd, argv] = pin(1, [process.execPath, path.join(here, "load-child.mjs"), file]);
  const { stdout } = await run(cmd, argv);
  return JSON.parse(stdout.trim().split("\n").pop());
}

const words = (t) => t.split(/\s+/).filter((w) => /^[\p{L}\p{N}]{3,}$/u.test(w)).slice(0, 2).join(" ") || t.slice(0, 10);
const classifyRequests = titles.slice(0, 2000).map((t, i) => ({ method: "POST", path: "/v1/classify", body: JSON.stringify({ items: [{ id: `q${i}`, title: t }], topK: 3 }) }));
const searchRequests = titles.slice(0, 2000).map((t) => ({ method: "GET", path: `/v1/search?q=${encodeURIComponent(words(t))}&limit=10` }));

const results = [];
const record = (r) => {
  results.push(r);
  if (json) process.stdout.write(JSON.stringify(r) + "\n");
  progress(`  ${r.task}: ${JSON.stringify(r)}`);
};
const count = (codes, pred) => Object.entries(codes).filter(([k]) => pred(Number(k))).reduce((a, [, n]) => a + n, 0);

/**
 * Keep-alive connections for a paced load at `rate`: enough to carry it at the latency target (Little's law:
 * requests out = rate × latency, so 50 ms at 12k/s is 600 requests out at once), with 20% to spare, at least 256
 * and within the server's default connection cap (1024). A smaller pool caps what the generator can send at
 * connections / latency: past capacity the server holds each request up to its queueing budget (20 ms) before it
 * answers or sheds it, so 256 connections carry at most about 12k req/s, and at a 2× rate near that the due
 * requests would wait in the generator's own queue, a limit of the generator, not of the server.
 */
const pacedConnections = (rate) => Math.min(1000, Math.max(256, Math.ceil(rate * 0.05 * 1.2)));

/** Capacity (closed loop), then a paced 2× load; `extra` flags restart the server for the paced phase. */
async function overload(task, server, requests, restart) {
  progress(`${task}: warm-up, then the closed-loop maximum over 8, 16, 32 and 64 connections …`);
  await load({ url: server.url, mode: "closed", connections: 16, seconds: 2, requests });
  let capacity;
  for (const connections of [8, 16, 32, 64]) {
    const c = await load({ url: server.url, mode: "closed", connections, seconds: Math.max(2, seconds / 2), requests });
    if (!capacity || c.okPerSecond > capacity.okPerSecond) capacity = c;
  }
  const rate = 2 * capacity.okPerSecond;
  let target = server;
  if (restart) {
    target = await restart(capacity.okPerSecond);
    // The same warm-up the first server had (its JIT compiled, its model thread loaded) before it is measured.
    await load({ url: target.url, mode: "closed", connections: 16, seconds: 2, requests });
  }
  const connections = fixedConnections ?? pacedConnections(rate);
  progress(`${task}: paced at ${rate} req/s (2× the capacity of ${capacity.okPerSecond}) over ${connections} connections for ${seconds} s …`);
  const p = await load({ url: target.url, mode: "paced", rate, seconds, connections, spin: true, requests });
  if (restart) await target.stop();
  const other = count(p.statusCodes, (c) => c !== 200 && c !== 429 && c !== 503);
  return {
    bench: "hardening",
    dataset: "pricerunner",
    task,
    pinned,
    capacityPerSecond: capacity.okPerSecond,
    capacityConnections: capacity.connections,
    capacityP99Ms: capacity.okP99Ms,
    offeredRate: rate,
    statusCodes: p.statusCodes,
    errors: p.errors,
    only200or429or503: other === 0 && p.errors === 0,
    acceptedPerSecond: p.okPerSecond,
    acceptedP50Ms: p.okP50Ms,
    acceptedP99Ms: p.okP99Ms,
    acceptedMaxMs: p.okMaxMs,
    acceptedP99FromSendMs: p.okP99FromSendMs,
    acceptedClientWaitP99Ms: p.okClientWaitP99Ms,
    pacedConnections: connections,
    allP99Ms: p.p99Ms,
    clientQueueMax: p.clientQueueMax,
    connectionsOpened: p.connectionsOpened,
    seconds: p.seconds,
  };
}

const work = await mkdtemp(path.join(os.tmpdir(), "assort-bench-hardening-"));
try {
  const modelDir = await model();
  const data = path.join(work, "data");
  const all = path.join(work, "products.jsonl");
  await writeFile(all, (await readFile(trainFile, "utf8")) + (await readFile(testFile, "utf8")));
  progress("importing 35k products …");
  await run(process.execPath, [bin, "import", "--data", all, "--data-dir", data, "--model", modelDir, "--json"]);
  const server = await startServer(data, modelDir, ["--rate-limit", "off"]);
  try {
    if (wanted("classify")) record(await overload("classify-2x", server, classifyRequests));
    if (wanted("search")) record(await overload("search-2x", server, searchRequests));
    if (wanted("rate-limited")) {
      // A second server with a rate limit of half the capacity (one client IP: one bucket), same 2× load.
      const r = await overload("classify-2x-rate-limited", server, classifyRequests, (cap) => startServer(path.join(work, "data"), modelDir, ["--rate-limit", `${Math.max(1, Math.round(cap / 2))}/s`, "--store", "memory:", "--data-dir", path.join(work, "rl")]));
      r.statuses429 = r.statusCodes["429"] ?? 0;
      record(r);
    }
    if (wanted("slow-clients")) {
      const probe = { url: server.url, mode: "paced", rate: 200, seconds, connections: 16, spin: false, requests: classifyRequests };
      progress(`slow clients: classify at 200 req/s without slow connections (${seconds} s) …`);
      const calm = await load(probe);
      progress(`slow clients: 512 connections sending a body byte every 2 s, classify at 200 req/s (${seconds} s) …`);
      const slow = load({ url: server.url, mode: "slow", seconds: seconds + 5, slow: { count: 512, contentLength: 1000, everyMs: 2000 }, requests: classifyRequests });
      await sleep(3000);
      const measured = load(probe);
      await sleep((seconds * 1000) / 2);
      const health = await (await globalThis.fetch(`${server.url}/health`)).json();
      const p = await measured;
      const s = await slow;
      record({
        bench: "hardening",
        dataset: "pricerunner",
        task: "slow-clients-512",
        pinned,
        slowConnections: 512,
        slowStillOpenAtEnd: s.stillOpen,
        statusCodes: p.statusCodes,
        errors: p.errors,
        classifyRate: 200,
        classifyP50Ms: p.okP50Ms,
        classifyP99Ms: p.okP99Ms,
        classifyMaxMs: p.okMaxMs,
        calmP99Ms: calm.okP99Ms,
        health,
        seconds: p.seconds,
      });
    }
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const TARGETS = {
  "classify-2x": (r) => r.only200or429or503 && r.acceptedP99Ms < 50,
  "search-2x": (r) => r.only200or429or503 && r.acceptedP99Ms < 50,
  "classify-2x-rate-limited": (r) => r.only200or429or503 && r.acceptedP99Ms < 50,
  "slow-clients-512": (r) => r.errors === 0 && Object.keys(r.statusCodes).join() === "200" && r.classifyP99Ms < 20 && r.health?.degraded === true,
};
out(`\nassort serve hardening on pricerunner (${pinned ? "server on core 0, generator on core 1" : "unpinned"}; noisy if the machine is shared)`);
out("task                        capacity/s  offered/s  200      429      503      other  accepted/s  p50 ms  p99 ms  target");
for (const r of results) {
  const f = (v, w) => String(v ?? "–").padStart(w);
  const c = r.statusCodes ?? {};
  const other = count(c, (k) => k !== 200 && k !== 429 && k !== 503) + (r.errors ?? 0);
  const p50 = r.acceptedP50Ms ?? r.classifyP50Ms;
  const p99 = r.acceptedP99Ms ?? r.classifyP99Ms;
  out(`${r.task.padEnd(26)}${f(r.capacityPerSecond, 11)}${f(r.offeredRate ?? r.classifyRate, 11)}${f(c["200"] ?? 0, 9)}${f(c["429"] ?? 0, 9)}${f(c["503"] ?? 0, 9)}${f(other, 7)}${f(r.acceptedPerSecond, 12)}${f(p50, 8)}${f(p99, 8)}  ${TARGETS[r.task]?.(r) ? "met" : "MISSED"}`);
  if (r.health) out(`  /health with 512 slow connections: ${JSON.stringify(r.health)}`);
}
await writeResults("hardening", results, startedAt, out);
