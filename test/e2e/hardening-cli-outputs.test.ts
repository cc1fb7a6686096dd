// Adversarial suite, classes 8 and 10 (outputs): an --out that cannot be written fails before any work,
// naming --out; a failed run leaves no temporary file; and a run killed (SIGKILL, injected by
// kill-at-rename.mjs) at each step of replacing its output leaves the old output or the new one, which
// the next assort read or write sees, for every kind of --out: model directories (train, embed), output
// directories (cluster, audit) and files (classify --out).
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recoverDir } from "../../src/index.js";
import { assort, leftovers } from "./helpers.js";
import { assortWith, expectCleanFailure, freshOut, GOOD_ROWS, makeFixtures, pool, type Fixtures } from "./hardening-helpers.js";

// Each test runs the CLI (0.9 s start-up) many times; a loaded 2-core machine can need far more than 60 s.
vi.setConfig({ testTimeout: 180_000 });

const root = mkdtempSync(path.join(tmpdir(), "assort-hard-outputs-"));
const locked: string[] = [];
afterAll(() => {
  for (const d of locked) unlock(d);
  rmSync(root, { recursive: true, force: true });
});
let fx: Fixtures;
/** Two catalogs told apart by name (recorded in the outputs) and size: the "old" run's and the "new" one's. */
let A: string;
let B: string;
beforeAll(async () => {
  fx = await makeFixtures(root);
  A = path.join(root, "old.jsonl");
  B = path.join(root, "new.jsonl");
  writeFileSync(A, GOOD_ROWS.join("\n") + "\n");
  writeFileSync(B, GOOD_ROWS.slice(0, 50).join("\n") + "\n");
});

const KILL = pathToFileURL(path.join(import.meta.dirname, "kill-at-rename.mjs")).href;
const killed = (args: string[], name: string, at: number, when: "before" | "after") => assortWith(KILL, args, { ASSORT_KILL_NAME: name, ASSORT_KILL_AT: String(at), ASSORT_KILL_WHEN: when });
const json = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

/** A directory nothing can be written into, even by root (chattr +i); undefined where that cannot be made. */
function readOnlyDir(name: string): string | undefined {
  const d = path.join(root, name);
  mkdirSync(d);
  try {
    if (process.getuid?.() === 0) execFileSync("chattr", ["+i", d], { stdio: "ignore" });
    else chmodSync(d, 0o555);
  } catch {
    return undefined;
  }
  locked.push(d);
  return d;
}

function unlock(d: string): void {
  try {
    if (process.getuid?.() === 0) execFileSync("chattr", ["-i", d], { stdio: "ignore" });
    else chmodSync(d, 0o755);
  } catch {
    /* best effort */
  }
}

describe("an --out that cannot be written", () => {
  it("fails before reading the data, naming --out, for every verb that writes (read-only folder)", async (ctx) => {
    const ro = readOnlyDir("read-only");
    if (ro === undefined) return ctx.skip();
    // --data does not exist: had any verb read it first, the error would name it instead of --out.
    const missing = path.join(root, "no-such-catalog.jsonl");
    const cases: [string[], string][] = [
      [["train", "--data", missing, "--out", path.join(ro, "model")], path.join(ro, "model")],
      [["train", "--data", missing, "--out", path.join(ro, "a", "b", "model")], path.join(ro, "a", "b", "model")],
      [["classify", "--model", fx.model, "--data", missing, "--out", path.join(ro, "p.jsonl")], path.join(ro, "p.jsonl")],
      [["cluster", "--data", missing, "--out", path.join(ro, "clusters")], path.join(ro, "clusters")],
      [["audit", "--data", missing, "--out", path.join(ro, "audit")], path.join(ro, "audit")],
      [["embed", "--data", missing, "--out", path.join(ro, "vectors")], path.join(ro, "vectors")],
    ];
    const runs = await pool(cases.map(([args]) => () => assort(args)));
    runs.forEach((r, i) => expectCleanFailure(r, `cannot use "${cases[i]![1]}": `, ro, /permission denied|not permitted|read-only/));
  });

  it("an --out whose folder is missing, or that is a directory where a file goes", async () => {
    const out = freshOut(root);
    const [missing, isDir] = await pool([
      () => assort(["classify", "--model", fx.model, "--data", A, "--out", path.join(out, "nope", "p.jsonl")]),
      () => assort(["embed", "export", "--model", fx.model, "--out", out]),
    ]);
    expectCleanFailure(missing!, `cannot use "${path.join(out, "nope", "p.jsonl")}": no such file or directory`, out);
    expectCleanFailure(isDir!, `cannot use "${out}": is a directory, expected a file`, out);
  });
});

describe("a failed run leaves nothing behind", () => {
  it("classify --out: a bad row after several batches were written, a bad header past 16 rows", async () => {
    const out = freshOut(root);
    const late = path.join(root, "late-bad.jsonl");
    writeFileSync(late, [...GOOD_ROWS.slice(0, 55), '{"id":"x","title":"broken', ...GOOD_ROWS.slice(55)].join("\n") + "\n");
    const header = path.join(root, "bad-header.csv");
    writeFileSync(header, ["id,name", ...Array.from({ length: 40 }, (_, i) => `p${i},Pan`)].join("\n") + "\n");
    const [r1, r2] = await pool([
      () => assort(["classify", "--model", fx.model, "--data", late, "--out", path.join(out, "p.jsonl"), "--batch-size", "10"]),
      () => assort(["classify", "--model", fx.model, "--data", header, "--out", path.join(out, "q.jsonl")]),
    ]);
    expectCleanFailure(r1!, `${late}:56`, out, "invalid JSON");
    expectCleanFailure(r2!, `${header}:1`, out);
  });
});

describe("killed while replacing its output: the old or the new output, never none", () => {
  it("train --out (a model directory), at each step: info reads the old or the new model", async () => {
    const out = path.join(freshOut(root), "model");
    const args = (data: string) => ["train", "--data", data, "--out", out, "--quiet", "--calibration", "none"];
    const old = await assort(args(A));
    expect(old.code, old.stderr).toBe(0);
    // Rename 1 moves the old model aside, rename 2 moves the new one in.
    for (const [at, when, expected] of [[1, "before", A], [1, "after", A], [2, "after", B]] as const) {
      const r = await killed(args(B), "model", at, when);
      expect(r.code, `${at} ${when}: ${r.stderr}`).toBe(-1); // killed by the signal
      const info = await assort(["info", "--model", out, "--json"]);
      expect(info.code, info.stderr).toBe(0);
      expect((json(path.join(out, "manifest.json"))["training"] as { source: string }).source, `${at} ${when}`).toBe(expected);
    }
    const again = await assort(args(A)); // the next write succeeds, and sweeps the killed runs' leftovers
    expect(again.code, again.stderr).toBe(0);
    expect(leftovers(path.dirname(out), "model")).toEqual([]);
  });

  it("cluster --out, between its two renames: evaluate-clusters reads the old clusters; the next run replaces them", async () => {
    const out = path.join(freshOut(root), "clusters");
    const args = (data: string) => ["cluster", "--data", data, "--out", out, "--k", "3", "--quiet"];
    expect((await assort(args(A))).code).toBe(0);
    expect((await killed(args(B), "clusters", 1, "after")).code).toBe(-1);
    expect(existsSync(out)).toBe(false); // the old copy waits beside it
    const read = await assort(["evaluate-clusters", "--assignments", out, "--data", A, "--truth-field", "category", "--no-silhouette", "--json"]);
    expect(read.code, read.stderr).toBe(0);
    expect(json(path.join(out, "clusters.json"))["dataset"]).toBe(A);
    expect((await assort(args(B))).code).toBe(0);
    expect(json(path.join(out, "clusters.json"))["dataset"]).toBe(B);
    expect(leftovers(path.dirname(out), "clusters")).toEqual([]);
  });

  it("audit --out and embed --out, between their two renames: the old output comes back", async () => {
    const dir = freshOut(root);
    const audit = path.join(dir, "audit");
    const vectors = path.join(dir, "vectors");
    const auditArgs = (data: string) => ["audit", "--data", data, "--out", audit, "--folds", "2", "--quiet"];
    const embedArgs = (data: string) => ["embed", "--data", data, "--out", vectors, "--quiet"];
    const firsts = await pool([() => assort(auditArgs(A)), () => assort(embedArgs(A))]);
    for (const r of firsts) expect(r.code, r.stderr).toBe(0);
    const kills = await pool([() => killed(auditArgs(B), "audit", 1, "after"), () => killed(embedArgs(B), "vectors", 1, "after")]);
    for (const r of kills) expect(r.code, r.stderr).toBe(-1);
    // Readers put the old copy back: embed export (a model reader) here, the library's recoverDir for the audit.
    const vec = path.join(dir, "products.vec");
    const exported = await assort(["embed", "export", "--model", vectors, "--out", vec]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(vec, "utf8").split("\n")[0]).toMatch(/^60 /);
    expect(await recoverDir(audit)).toBe(true);
    expect(json(path.join(audit, "summary.json"))["dataset"]).toBe(A);
    const nexts = await pool([() => assort(auditArgs(B)), () => assort(embedArgs(B))]);
    for (const r of nexts) expect(r.code, r.stderr).toBe(0);
    expect(json(path.join(audit, "summary.json"))["dataset"]).toBe(B);
    expect(readdirSync(dir).sort()).toEqual(["audit", "products.vec", "vectors"]);
  });

  it("classify --out (a file), before and after its rename: the old or the new file; the next run removes the dead temporary file", async () => {
    const dir = freshOut(root);
    const out = path.join(dir, "p.jsonl");
    const args = (data: string) => ["classify", "--model", fx.model, "--data", data, "--out", out, "--quiet"];
    expect((await assort(args(A))).code).toBe(0);
    const lines = () => readFileSync(out, "utf8").trim().split("\n").length;
    expect(lines()).toBe(60);
    expect((await killed(args(B), "p.jsonl", 1, "before")).code).toBe(-1);
    expect(lines()).toBe(60);
    expect(leftovers(dir, "p.jsonl")).toHaveLength(1); // the killed run's complete temporary file
    expect((await killed(args(B), "p.jsonl", 1, "after")).code).toBe(-1);
    expect(lines()).toBe(50);
    expect((await assort(args(A))).code).toBe(0);
    expect(lines()).toBe(60);
    expect(readdirSync(dir)).toEqual(["p.jsonl"]);
  });
});
