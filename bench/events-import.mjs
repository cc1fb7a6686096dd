// Shopper events into the store, and recommendations over HTTP:
//   1. "uci import": `assort events import` of ../shared/data/uci-online-retail (406,829 events and the items)
//      into a fresh SQLite data directory: seconds, events per second, peak RSS (VmHWM) of the CLI process.
//   2. "synthetic import": a seeded synthetic stream of 10 million purchase lines (200k shoppers, 50k items,
//      orders of 1–8 lines) piped into `assort events import --events -`: the same figures (target: peak RSS < 1 GB).
//   3. "recommendations http": `assort serve` on the uci data directory, a recommender job (non-products left out),
//      then GET /v1/users/{id}/recommendations for random known shoppers, paced at --rate req/s for --seconds s by
//      bench/load-child.mjs (an open-loop client in its own process): p50/p99 (target p99 < 15 ms at 1,000 req/s).
//
//   npm run bench:events                     # human lines (builds dist/ first)
//   npm run bench:events -- --json           # JSON lines {bench:"events", dataset, task, seconds, itemsPerSecond, peakRssMb, …}
//   node bench/events-import.mjs [--quick] [--events N] [--rate 1000] [--seconds 10] [--only uci|synthetic|http] [--data-dir DIR]
//
// --quick: 500k synthetic events, 5 s of load. Results: bench/results/events-<ts>.jsonl (and events-latest.jsonl).
import { spawn } from "node:child_process";
import { clearInterval, setInterval, setTimeout } from "node:timers";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { run, writeResults } from "./common.mjs";
import { BIN, KEY, rssOf, startServer } from "./serve-lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    events: { type: "string" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string" },
    only: { type: "string" },
    keep: { type: "boolean", default: false },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n") + "\n");
  process.exit(0);
}
const json = args.json;
const progress = (s) => process.stderr.write(s + "\n");
const out = (s) => (json ? process.stderr : process.stdout).write(s + "\n");
const syntheticEvents = Number(args.events ?? (args.quick ? 500_000 : 10_000_000));
const rate = Number(args.rate);
const seconds = Number(args.seconds ?? (args.quick ? 5 : 10));
const uci = path.resolve(args["data-dir"] ?? path.join(here, "../../shared/data"), "uci-online-retail");
const work = mkdtempSync(path.join(os.tmpdir(), "assort-bench-events-"));
const only = args.only;
const NON_PRODUCTS = ["POST", "D", "M", "BANK CHARGES", "C2", "DOT", "AMAZONFEE", "PADS", "S", "CRUK"];
const startedAt = new Date();
const http = (...a) => globalThis.fetch(...a);
let loads = 0;
const results = [];
const record = (r) => {
  const row = { bench: "events", ...r, machine: `${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}` };
  results.push(row);
  if (json) process.stdout.write(JSON.stringify(row) + "\n");
  out(`${r.dataset} · ${r.task}: ${JSON.stringify(r)}`);
};

/** Runs `assort events import …` as a child, feeding `stdin` (an async iterable of strings) when given; polls VmHWM. */
function importChild(argv, stdin) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, "events", "import", ...argv, "--json"], { stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, rssOf(child.pid).peak || 0)), 100);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    child.on("exit", (code) => {
      clearInterval(poll);
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`events import exited with ${code}: ${stderr}`));
      resolve({ summary: JSON.parse(stdout.trim().split("\n").pop()), wall, peakRssMb: Math.round(peak) });
    });
    if (stdin) {
      (async () => {
        for await (const chunk of stdin) if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once("drain", r));
        child.stdin.end();
      })().catch(reject);
    }
  });
}

/** A seeded stream of `n` purchase lines in the uci columns: orders of 1–8 lines, 200k shoppers, 50k items. */
async function* synthetic(n) {
  let s = 42;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  yield "user_id,item_id,event,timestamp,quantity,price,invoice_no\n";
  const t0 = Date.UTC(2010, 11, 1);
  let made = 0;
  let order = 500000;
  let lines = [];
  while (made < n) {
    const user = 10000 + Math.floor(rnd() * 200_000);
    const size = 1 + Math.floor(rnd() * 8);
    const when = new Date(t0 + Math.floor((made / n) * 365 * 86_400_000)).toISOString().slice(0, 19);
    order++;
    for (let k = 0; k < size && made < n; k++, made++) {
      const item = 20000 + Math.floor(rnd() ** 2 * 50_000);
      lines.push(`${user},${item},purchase,${when},${1 + Math.floor(rnd() * 12)},${(0.5 + rnd() * 20).toFixed(2)},${order}`);
    }
    if (lines.length >= 5000) {
      yield lines.join("\n") + "\n";
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join("\n") + "\n";
}

const uciDir = path.join(work, "uci");
try {
  if (!only || only === "uci" || only === "http") {
    if (!existsSync(path.join(uci, "events.csv"))) throw new Error(`no uci-online-retail under ${uci} (pass --data-dir)`);
    progress(`uci: importing ${path.join(uci, "events.csv")} …`);
    const r = await importChild(["--events", path.join(uci, "events.csv"), "--items", path.join(uci, "items.csv"), "--data-dir", uciDir]);
    record({ dataset: "uci-online-retail", task: "import", seconds: round(r.summary.seconds), wallSeconds: round(r.wall), events: r.summary.inserted, itemsPerSecond: Math.round(r.summary.inserted / r.summary.seconds), peakRssMb: r.peakRssMb, identicalRows: r.summary.identicalRows, productsAdded: r.summary.productsAdded });
  }
  if (!only || only === "synthetic") {
    progress(`synthetic: piping ${syntheticEvents.toLocaleString("en")} events into events import …`);
    const dir = path.join(work, "synthetic");
    const r = await importChild(["--events", "-", "--data-dir", dir, "--source", "synthetic"], synthetic(syntheticEvents));
    record({ dataset: `synthetic-${syntheticEvents}`, task: "import", seconds: round(r.summary.seconds), wallSeconds: round(r.wall), events: r.summary.inserted, itemsPerSecond: Math.round(r.summary.inserted / r.summary.seconds), peakRssMb: r.peakRssMb });
    await rm(dir, { recursive: true, force: true });
  }
  if (!only || only === "http") {
    progress("http: assort serve on the uci store, recommender job …");
    const server = await startServer(uciDir, undefined, ["--read-auth"].filter(() => false));
    try {
      const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
      const t0 = performance.now();
      const job = await (await http(`${server.url}/v1/jobs`, { method: "POST", headers, body: JSON.stringify({ kind: "recommender", params: { excludeItems: NON_PRODUCTS } }) })).json();
      let state;
      for (;;) {
        state = await (await http(`${server.url}/v1/jobs/${job.id}`, { headers })).json();
        if (state.state === "done" || state.state === "failed") break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (state.state !== "done") throw new Error(`recommender job failed: ${state.error}`);
      record({ dataset: "uci-online-retail", task: "recommender job", seconds: round((performance.now() - t0) / 1000), jobSeconds: round(state.result.seconds), recommenderFitSeconds: round(state.result.fitSeconds), shoppers: state.result.shoppers, items: state.result.items, segments: state.result.segments.length, silhouette: state.result.silhouette });
      const users = [...new Set(readFileSync(path.join(uci, "events.csv"), "utf8").split("\n").slice(1, 200_000).map((l) => l.split(",")[0]).filter(Boolean))];
      let s = 7;
      const pick = () => users[((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % users.length)];
      const requests = Array.from({ length: 4000 }, (_, i) => ({ method: "GET", path: `/v1/users/${encodeURIComponent(pick())}/recommendations?limit=10${i % 2 ? "&mode=new" : ""}`, headers: { authorization: `Bearer ${KEY}` } }));
      const load = async (spec) => {
        const file = path.join(work, `load-${loads++}.json`);
        await writeFile(file, JSON.stringify(spec));
        const { stdout } = await run(process.execPath, [path.join(here, "load-child.mjs"), file]);
        return JSON.parse(stdout.trim().split("\n").pop());
      };
      progress("http: warm-up, then paced load …");
      await load({ url: server.url, mode: "paced", rate: Math.min(rate, 200), seconds: 2, connections: 64, spin: false, requests });
      const p = await load({ url: server.url, mode: "paced", rate, seconds, connections: 256, spin: false, requests });
      const rss = rssOf(server.pid);
      record({ dataset: "uci-online-retail", task: "recommendations http", seconds, offeredRate: rate, okPerSecond: round(p.okPerSecond), p50Ms: round(p.okP50Ms), p99Ms: round(p.okP99Ms), maxMs: round(p.okMaxMs), statusCodes: p.statusCodes, errors: p.errors, peakRssMb: Math.round(rss.peak) });
    } finally {
      await server.stop();
    }
  }
} finally {
  if (!args.keep) await rm(work, { recursive: true, force: true });
  else progress(`kept ${work}`);
}
await writeResults("events", results, startedAt, out);

function round(x) {
  return x === null || x === undefined ? x : Math.round(x * 1000) / 1000;
}
