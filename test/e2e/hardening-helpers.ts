// Shared by the adversarial CLI suites (hardening-cli-*.test.ts): every verb that reads a catalog, a small
// concurrency pool for child processes, and the one check of a clean failure.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { assort, BIN, CATALOG, ROOT, type RunResult } from "./helpers.js";

/** The first 60 rows of the sample catalog: enough to train on, quick to read. */
export const GOOD_ROWS = readFileSync(path.join(CATALOG, "train.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .slice(0, 60);

/** Files every verb needs besides the catalog: a trained model, a taxonomy, an assignments file. */
export interface Fixtures {
  root: string;
  model: string;
  taxonomy: string;
  assignments: string;
}

/** Trains the model and writes the other fixtures into `root`. */
export async function makeFixtures(root: string): Promise<Fixtures> {
  const data = path.join(root, "good.jsonl");
  writeFileSync(data, GOOD_ROWS.join("\n") + "\n");
  const model = path.join(root, "model");
  const r = await assort(["train", "--data", data, "--out", model, "--quiet", "--calibration", "none"]);
  expect(r.code, r.stderr).toBe(0);
  const labels = [...new Set(GOOD_ROWS.map((l) => (JSON.parse(l) as { category: string }).category))];
  const taxonomy = path.join(root, "taxonomy.txt");
  writeFileSync(taxonomy, labels.join("\n") + "\n");
  const assignments = path.join(root, "assignments.jsonl");
  writeFileSync(assignments, GOOD_ROWS.map((l, i) => JSON.stringify({ id: (JSON.parse(l) as { id: string }).id, cluster: i % 3 })).join("\n") + "\n");
  return { root, model, taxonomy, assignments };
}

/** One verb that reads a catalog: how to run it on `data`, writing only under `out` (a fresh folder). */
export interface Verb {
  name: string;
  /** Reads the label field as required (rows without one are bad rows). */
  needsLabel: boolean;
  args(data: string, out: string, f: Fixtures): string[];
}

/** Every verb that reads a catalog, each writing its outputs (if any) into `out`. */
export const VERBS: Verb[] = [
  { name: "train", needsLabel: true, args: (d, o) => ["train", "--data", d, "--out", path.join(o, "model")] },
  { name: "classify", needsLabel: false, args: (d, o, f) => ["classify", "--model", f.model, "--data", d, "--out", path.join(o, "predictions.jsonl")] },
  { name: "evaluate", needsLabel: true, args: (d, _o, f) => ["evaluate", "--model", f.model, "--data", d] },
  { name: "cross-validate", needsLabel: true, args: (d) => ["cross-validate", "--data", d, "--folds", "2"] },
  { name: "audit", needsLabel: true, args: (d, o) => ["audit", "--data", d, "--out", path.join(o, "audit"), "--folds", "2"] },
  { name: "cluster", needsLabel: false, args: (d, o) => ["cluster", "--data", d, "--out", path.join(o, "clusters"), "--k", "3"] },
  { name: "evaluate-clusters", needsLabel: false, args: (d, _o, f) => ["evaluate-clusters", "--assignments", f.assignments, "--data", d, "--truth-field", "category"] },
  { name: "embed", needsLabel: false, args: (d, o) => ["embed", "--data", d, "--out", path.join(o, "vectors")] },
  // The data directory (the store, created before the catalog is read) lives beside `out`, not in it.
  { name: "import", needsLabel: false, args: (d, o) => ["import", "--data", d, "--data-dir", `${o}-store`, "--no-classify"] },
  { name: "taxonomy validate", needsLabel: true, args: (d, _o, f) => ["taxonomy", "validate", "--taxonomy", f.taxonomy, "--data", d] },
  { name: "taxonomy show", needsLabel: false, args: (d) => ["taxonomy", "show", "--data", d] },
];

let outs = 0;
/** A fresh, empty output folder under `root`. */
export function freshOut(root: string): string {
  const o = path.join(root, `out-${outs++}`);
  mkdirSync(o);
  return o;
}

/** Runs `jobs` with at most `limit` at once (child processes on a 2-core machine), results in order. */
export async function pool<T>(jobs: (() => Promise<T>)[], limit = 4): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/**
 * A clean failure, as architecture.md §4 asks: exit `code`, exactly one "error: …" line, first, that names the
 * file (and line, given as "file:line"), the given words, no stack trace, no "internal error", nothing in
 * `out` (no output, no temporary file).
 */
export function expectCleanFailure(r: RunResult, where: string, out: string | undefined, ...mentions: (string | RegExp)[]): void {
  const info = `stderr: ${r.stderr}`;
  expect(r.code, info).toBe(1);
  expect(r.stderr.startsWith("error: "), info).toBe(true);
  expect(r.stderr.match(/^error:/gm), info).toHaveLength(1);
  expect(r.stderr, info).not.toMatch(/^\s+at /m);
  expect(r.stderr, info).not.toContain("internal error");
  expect(r.stderr, info).not.toContain(".tmp-");
  expect(r.stderr, info).toContain(where);
  for (const m of mentions) {
    if (typeof m === "string") expect(r.stderr, info).toContain(m);
    else expect(r.stderr, info).toMatch(m);
  }
  if (out !== undefined) expect(readdirSync(out), `left in ${out}`).toEqual([]);
}

/** Runs the CLI with `node --import <preload>`, e.g. to inject a fault; like assort() otherwise. */
export function assortWith(preload: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", preload, BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? -1 : null), stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}
