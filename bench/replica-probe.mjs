// Preloaded into the scale benchmark's API replica (`node --import bench/replica-probe.mjs bin/assort.js serve …`):
// what the replica's own process sees while the workers import, independent of the client's timing.
// - the event-loop delay histogram (perf_hooks.monitorEventLoopDelay, a 5 ms tick): a stall in the
//   process (GC, a long callback, a NOTIFY burst) shows here; waiting for a core shows in the run-queue wait;
// - GC pauses (count, total and longest, by kind);
// - the server's own time per POST /v1/classify, from the parsed request to the last byte written
//   (diagnostics_channel http.server.request.start → http.server.response.finish), the CPU the process
//   used meanwhile and how long its main thread waited for a core meanwhile;
// - the main thread's run-queue wait (/proc/thread-self/schedstat: time runnable but not running).
// On SIGUSR2 it writes what it saw since the previous SIGUSR2 as one JSON object to $ASSORT_BENCH_PROBE_FILE
// (written to a temporary name, then renamed) and starts again.
import { monitorEventLoopDelay, PerformanceObserver, constants } from "node:perf_hooks";
import diagnostics from "node:diagnostics_channel";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isMainThread } from "node:worker_threads";

const file = process.env.ASSORT_BENCH_PROBE_FILE;
// The main thread only: a preload given in NODE_OPTIONS also runs in the server's worker threads.
if (file && isMainThread) {
  // A 5 ms tick: finer would wake the replica 1000 times a second, itself a load on contended cores.
  const TICK_MS = 5;
  const loop = monitorEventLoopDelay({ resolution: TICK_MS });
  loop.enable();
  let gc = new Map();
  let server = [];
  let serverCpu = [];
  let serverWait = [];
  const started = new WeakMap();
  const schedstat = () => {
    try {
      const [cpu, wait, slices] = readFileSync("/proc/thread-self/schedstat", "utf8").trim().split(" ").map(Number);
      return { cpu, wait, slices };
    } catch {
      return { cpu: 0, wait: 0, slices: 0 };
    }
  };
  const gcKinds = { [constants.NODE_PERFORMANCE_GC_MAJOR]: "major", [constants.NODE_PERFORMANCE_GC_MINOR]: "minor", [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental", [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb" };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = gcKinds[e.detail?.kind] ?? "other";
      const g = gc.get(kind) ?? { count: 0, totalMs: 0, maxMs: 0, over5Ms: 0 };
      g.count++;
      g.totalMs += e.duration;
      g.maxMs = Math.max(g.maxMs, e.duration);
      if (e.duration > 5) g.over5Ms++;
      gc.set(kind, g);
    }
  }).observe({ entryTypes: ["gc"] });
  diagnostics.subscribe("http.server.request.start", ({ request }) => {
    if (request.method === "POST" && request.url === "/v1/classify") {
      started.set(request, [performance.now(), process.cpuUsage(), schedstat().wait]);
      classifying++;
    }
  });
  diagnostics.subscribe("http.server.response.finish", ({ request }) => {
    const s = started.get(request);
    if (!s) return;
    classifying--;
    server.push(performance.now() - s[0]);
    const c = process.cpuUsage(s[1]);
    serverCpu.push((c.user + c.system) / 1000);
    serverWait.push((schedstat().wait - s[2]) / 1e6);
  });
  // PostgreSQL from the replica: every query (by its first words), every pool checkout that had to wait
  // for a connection, and the queries started while a classify request was being served.
  let queries = new Map();
  let poolWaits = [];
  let queriesDuringClassify = 0;
  let classifying = 0;
  try {
    const pg = createRequire(import.meta.url)("pg");
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (text, ...rest) {
      const sql = typeof text === "string" ? text : (text?.text ?? "?");
      const key = sql.replace(/\s+/g, " ").trim().slice(0, 48);
      queries.set(key, (queries.get(key) ?? 0) + 1);
      if (classifying > 0) queriesDuringClassify++;
      return query.call(this, text, ...rest);
    };
    const connect = pg.Pool.prototype.connect;
    pg.Pool.prototype.connect = function (...args) {
      const waiting = this.idleCount === 0 && this.totalCount >= this.options.max;
      const t0 = performance.now();
      const cb = args[0];
      if (typeof cb === "function") {
        return connect.call(this, (...r) => {
          if (waiting) poolWaits.push(performance.now() - t0);
          return cb(...r);
        });
      }
      const p = connect.apply(this, args);
      if (waiting) p.then(() => poolWaits.push(performance.now() - t0), () => undefined);
      return p;
    };
  } catch {
    // pg not resolvable from here: no query counts
  }
  let sched0 = schedstat();
  const round = (x) => Math.round(x * 100) / 100;
  const pct = (xs, p) => {
    if (xs.length === 0) return null;
    const v = [...xs].sort((a, b) => a - b);
    return round(v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)]);
  };
  const stats = (xs) => ({ n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99), max: pct(xs, 100) });
  process.on("SIGUSR2", () => {
    const s = schedstat();
    const buckets = {};
    // How late each tick came (the histogram holds the intervals between ticks: the tick itself is taken off).
    const late = (ns) => round(Math.max(0, ns / 1e6 - TICK_MS));
    for (const [p, ns] of loop.percentiles) buckets[p] = late(ns);
    const out = {
      eventLoopDelayMs: { tickMs: TICK_MS, samples: loop.count, mean: late(loop.mean), p50: late(loop.percentile(50)), p99: late(loop.percentile(99)), p999: late(loop.percentile(99.9)), max: late(loop.max), percentiles: buckets },
      gc: Object.fromEntries([...gc].map(([k, g]) => [k, { count: g.count, totalMs: round(g.totalMs), maxMs: round(g.maxMs), over5Ms: g.over5Ms }])),
      serverMs: stats(server),
      serverCpuMs: stats(serverCpu),
      serverRunQueueWaitMs: stats(serverWait),
      pg: { queries: Object.fromEntries(queries), queriesStartedDuringClassify: queriesDuringClassify, poolCheckoutsThatWaited: stats(poolWaits) },
      mainThread: { cpuMs: round((s.cpu - sched0.cpu) / 1e6), runQueueWaitMs: round((s.wait - sched0.wait) / 1e6), timeslices: s.slices - sched0.slices },
    };
    loop.reset();
    gc = new Map();
    server = [];
    serverCpu = [];
    serverWait = [];
    queries = new Map();
    poolWaits = [];
    queriesDuringClassify = 0;
    sched0 = s;
    writeFileSync(file + ".tmp", JSON.stringify(out) + "\n");
    renameSync(file + ".tmp", file);
  });
}
