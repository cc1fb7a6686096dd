// Plumbing shared by the benchmark scripts: the common options, child processes, medians.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Parses the options every benchmark takes (--only, --reps, --no-peer, --json, --data-dir, --help), prints
 * `usage` and exits on --help or a bad --reps. `out` writes people's output: stdout, or stderr with --json
 * so that stdout holds JSON lines only.
 */
export function benchOptions(usage, extraOptions = {}) {
  const { values: args } = parseArgs({
    options: {
      ...extraOptions,
      only: { type: "string" },
      reps: { type: "string", default: "3" },
      "no-peer": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (args.help) {
    process.stdout.write(usage + "\n");
    process.exit(0);
  }
  const reps = Number(args.reps);
  if (!Number.isInteger(reps) || reps < 1) {
    process.stderr.write(`--reps must be a whole number of at least 1, got "${args.reps}"\n${usage}\n`);
    process.exit(2);
  }
  const json = args.json;
  const dataDir = path.resolve(args["data-dir"] ?? path.resolve(repoRoot, "../shared/data"));
  const out = (s = "") => (json ? process.stderr : process.stdout).write(s + "\n");
  return { args, reps, json, dataDir, out };
}

/** Median of the finite numbers in `xs`; null when there are none. */
export function median(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Runs a command, collecting stdout. stderr: "pipe" keeps it; "tee" keeps it and also copies it to ours live
 * (progress stays visible, and a failure's message can quote it). Rejects on a non-zero exit.
 */
export function run(cmd, argv, { stderr = "pipe", env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], ...(env ? { env } : {}) });
    const chunks = [];
    const errChunks = [];
    child.stdout.on("data", (c) => chunks.push(c));
    child.stderr.on("data", (c) => {
      errChunks.push(c);
      if (stderr === "tee") process.stderr.write(c);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(chunks).toString("utf8");
      const err = Buffer.concat(errChunks).toString("utf8");
      if (code === 0) resolve({ stdout, stderr: err });
      else reject(new Error(`${path.basename(cmd)} ${argv.map(String).join(" ")} exited with ${signal ?? code}${err ? `: ${errorOf(err)}` : ""}`));
    });
  });
}

/** The gist of a failed process's stderr: its "SomethingError: …" line (Node), else its last lines. */
function errorOf(stderr) {
  const line = stderr.split("\n").find((l) => /^\w*(Error|Exception)\b.*:/.test(l));
  return line ?? stderr.trim().split("\n").slice(-5).join("\n");
}

/**
 * Writes result objects as JSON lines to bench/results/<name>-<timestamp>.jsonl and <name>-latest.jsonl,
 * and says where on `out`.
 */
export async function writeResults(name, results, startedAt, out) {
  if (results.length === 0) return;
  const { mkdir, writeFile } = await import("node:fs/promises");
  const dir = path.join(repoRoot, "bench", "results");
  await mkdir(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, "-").replace(/\.\d+Z$/, "Z");
  const text = results.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const file = path.join(dir, `${name}-${stamp}.jsonl`);
  await writeFile(file, text);
  await writeFile(path.join(dir, `${name}-latest.jsonl`), text);
  out("");
  out(`results: ${path.relative(process.cwd(), file)} (and ${name}-latest.jsonl)`);
}
