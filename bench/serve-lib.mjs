// Plumbing of the service benchmarks (serve.mjs, writes.mjs): the cached pricerunner model, `assort serve` as
// a child process (optionally pinned to a core), load phases of bench/load.mjs in a pinned child, and a
// process's RSS.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LIBRARY_VERSION } from "../dist/index.js";
import { run } from "./common.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = path.resolve(here, "../bin/assort.js");
export const KEY = "bench-admin-key-0123456789abcdef";

/** The pricerunner model (trained once, cached in $TMPDIR/assort-bench-cache, keyed by the training file and the library version). */
export async function pricerunnerModel(trainFile, progress = () => {}) {
  const st = statSync(trainFile);
  const dir = path.join(os.tmpdir(), "assort-bench-cache", `serve-model-${LIBRARY_VERSION}-${st.size}-${Math.round(st.mtimeMs)}`);
  if (existsSync(path.join(dir, "manifest.json"))) return dir;
  progress(`training the pricerunner model (cached in ${dir}) …`);
  await mkdir(path.dirname(dir), { recursive: true });
  await run(process.execPath, [BIN, "train", "--data", trainFile, "--out", dir, "--seed", "42"], { stderr: "tee" });
  return dir;
}

/** Peak RSS (VmHWM) and current RSS (VmRSS) of a process, in MB. */
export function rssOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
    return { peak: kb("VmHWM") / 1024, now: kb("VmRSS") / 1024 };
  } catch {
    return { peak: NaN, now: NaN };
  }
}

/**
 * Whether benchmarks pin server and load generator to a core each: BENCH_PIN=1 and `taskset` works (Linux with
 * util-linux). Off by default: on a shared machine a pinned server gets only its share of one core.
 */
export const canPin = process.env.BENCH_PIN === "1" && spawnSync("taskset", ["-c", "0", "true"]).status === 0;

/** [command, argv] of `argv` run pinned to `core` with taskset (unpinned without taskset or a core). */
export function pinned(core, argv) {
  return canPin && core !== undefined ? ["taskset", ["-c", String(core), ...argv]] : [argv[0], argv.slice(1)];
}

/**
 * Starts `assort serve --port 0 --data-dir data [--model dir] …extra` (log level warn, no request log), on
 * core `cpu` when given (taskset execs the server: the pid is the server's), and resolves when it prints its
 * URL: { url, pid, child, startSeconds, stderr(), stop() }.
 */
export function startServer(data, modelDir, extra = [], { bin = BIN, cpu, env = {} } = {}) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const [cmd, argv] = pinned(cpu, [process.execPath, bin, "serve", "--port", "0", "--data-dir", data, ...(modelDir ? ["--model", modelDir] : []), "--log-level", "warn", "--no-request-log", ...extra]);
    const child = spawn(cmd, argv, {
      env: { ...process.env, ASSORT_API_KEY: KEY, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
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
      resolve({
        url: m[1],
        pid: child.pid,
        child,
        startSeconds: (performance.now() - t0) / 1000,
        stderr: () => errText,
        stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once("exit", () => r()), child.kill("SIGTERM")))),
      });
    });
  });
}

/**
 * Runs one load phase of bench/load.mjs (closed loop or paced, see load-child.mjs) in a child process on core
 * `cpu` (apart from a server pinned elsewhere); the spec goes through a file in `dir`. Resolves with its summary.
 */
let phases = 0;
export async function loadPhase(spec, { dir, cpu }) {
  const file = path.join(dir, `load-${process.pid}-${phases++}.json`);
  await writeFile(file, JSON.stringify(spec));
  const [cmd, argv] = pinned(cpu, [process.execPath, path.join(here, "load-child.mjs"), file]);
  const { stdout } = await run(cmd, argv);
  return JSON.parse(stdout.trim().split("\n").pop());
}
