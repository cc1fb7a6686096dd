// End-to-end tests of `assort audit` on a copy of the sample catalog with a few labels flipped: the flipped
// products are flagged with their true category, --json keys, the --out files, and bad input.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, assort, expectError, jsonLines, leftovers, type RunResult } from "./helpers.js";

const TRAIN = join(CATALOG, "train.jsonl");

interface Row {
  id: string;
  title: string;
  category: string;
}

/** Products whose category is changed in the copy: [id, wrong category]. */
const FLIPS: [string, string][] = [
  ["p0001", "Home & Kitchen > Cookware > Frying Pans"],
  ["p0003", "Electronics > Phones > Smartphones"],
];

let dir: string;
let data: string;
let out: string;
let rows: Row[];
let run: RunResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-audit-"));
  rows = jsonLines(readFileSync(TRAIN, "utf8")) as Row[];
  const wrong = new Map(FLIPS);
  data = join(dir, "flipped.jsonl");
  writeFileSync(data, rows.map((r) => JSON.stringify(wrong.has(r.id) ? { ...r, category: wrong.get(r.id) } : r)).join("\n") + "\n");
  out = join(dir, "audit");
  run = await assort(["audit", "--data", data, "--out", out, "--json", "--quiet"]);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("assort audit", () => {
  it("flags the flipped products with their true category", () => {
    expect(run.code, run.stderr).toBe(0);
    const issues = jsonLines(readFileSync(join(out, "label-issues.jsonl"), "utf8")) as { id: string; label: string; suggested: string; score: number }[];
    for (const [id, wrongLabel] of FLIPS) {
      const issue = issues.find((i) => i.id === id);
      expect(issue, `${id} in ${JSON.stringify(issues)}`).toBeDefined();
      expect(issue!.label).toBe(wrongLabel);
      expect(issue!.suggested).toBe(rows.find((r) => r.id === id)!.category);
    }
    // Ranked by score, most suspicious first.
    expect(issues.map((i) => i.score)).toEqual([...issues.map((i) => i.score)].sort((a, b) => b - a));
  });

  it("--json prints the summary keys", () => {
    const s = JSON.parse(run.stdout) as Record<string, unknown>;
    for (const key of ["rows", "categories", "folds", "method", "outOfFoldAccuracy", "estimatedLabelErrors", "labelIssues", "exactDuplicates", "nearDuplicates", "imbalance", "smallCategories", "topLabelIssues", "out"]) {
      expect(s, key).toHaveProperty(key);
    }
    expect(s.rows).toBe(358);
    expect(s.folds).toBe(5);
    expect((s.topLabelIssues as unknown[]).length).toBeGreaterThanOrEqual(FLIPS.length);
  });

  it("--out holds label-issues.jsonl, duplicates.json, summary.json and report.html", () => {
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { rows: number; smallCategories: unknown[] };
    expect(summary.rows).toBe(358);
    const dups = JSON.parse(readFileSync(join(out, "duplicates.json"), "utf8")) as { exact: unknown[]; near: unknown[] };
    expect(Array.isArray(dups.exact) && Array.isArray(dups.near)).toBe(true);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("p0001");
    expect(html).not.toContain("<script");
    expect(leftovers(dir, "audit")).toEqual([]);
  });

  it("prints a human summary with the suspected mislabels", async () => {
    const again = join(dir, "audit-2");
    const r = await assort(["audit", "--data", data, "--out", again, "--folds", "3", "--min-class-size", "10", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Suspected mislabels:");
    expect(r.stdout).toContain("p0003");
    expect(r.stdout).toMatch(/Exact duplicates: \d+ group/);
    expect(r.stdout).toMatch(/Imbalance: largest/);
    expect(r.stdout).toContain('Small categories (fewer than 10 products): 1: "Home & Kitchen > Bedding" (8)');
  });

  it("a missing --data file is an error naming the file", async () => {
    const missing = join(dir, "nope.jsonl");
    const r = await assort(["audit", "--data", missing, "--out", join(dir, "x")]);
    expectError(r, 1, missing);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  it("a catalog without categories is a clear error", async () => {
    const unlabelled = join(dir, "unlabelled.jsonl");
    writeFileSync(unlabelled, rows.slice(0, 20).map((r) => JSON.stringify({ id: r.id, title: r.title })).join("\n") + "\n");
    const r = await assort(["audit", "--data", unlabelled, "--out", join(dir, "y")]);
    expectError(r, 1, /category/);
    expect(existsSync(join(dir, "y"))).toBe(false);
  });

  it("refuses an --out directory that holds other files, and keeps them", async () => {
    const busy = join(dir, "busy");
    mkdirSync(busy);
    writeFileSync(join(busy, "notes.txt"), "mine");
    const r = await assort(["audit", "--data", data, "--out", busy]);
    expectError(r, 2, "notes.txt");
    expect(readFileSync(join(busy, "notes.txt"), "utf8")).toBe("mine");
  });

  it("--out is required", async () => {
    const r = await assort(["audit", "--data", data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out/);
  });
});
