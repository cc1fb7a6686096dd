// `assort train --classifier`: auto (the default) names what it picked and why, the choice is kept in the model,
// and a named kind is used as asked.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, assort, expectError, jsonLines } from "./helpers.js";

let dir: string;
/**
 * 4,000 products in 4,000 categories (one product each, "which product is this?") named by model number, with
 * descriptions long enough (≈ 1,400 non-zero features a row) that one-vs-rest would take minutes: auto's territory.
 */
let many: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-choice-"));
  many = join(dir, "products.jsonl");
  const brands = ["acme", "zenith", "orbit", "nova", "vertex"];
  const words = Array.from({ length: 400 }, (_, w) => `w${((w * 7919) % 100_003).toString(36)}q${(w * 31).toString(36)}`);
  const rows = Array.from({ length: 4000 }, (_, i) => ({
    id: `p${i}`,
    title: `${brands[i % 5]} kettle model kx${1000 + i} steel`,
    description: Array.from({ length: 45 }, (_, j) => words[(i * 13 + j * 17) % words.length]).join(" "),
    category: `product ${i}`,
  }));
  await writeFile(many, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Summary {
  classifier: string;
  classifierChoice: { requested: string; chosen: string; reason: string };
  categories: number;
}

describe("assort train --classifier", () => {
  it("auto picks linear-svm for a shop's 15 categories and says so", async () => {
    const r = await assort(["train", "--data", join(CATALOG, "train.jsonl"), "--out", join(dir, "small"), "--seed", "1", "--calibration", "none", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.classifier).toBe("linear-svm");
    expect(s.classifierChoice).toEqual({ requested: "auto", chosen: "linear-svm", reason: "15 categories with 23.9 products each on average (fewer than 1,000 categories)" });
  });

  it("auto picks nearest-centroid for 4,000 one-product categories, prints why, keeps it in the model, and classifies by model number", async () => {
    const out = join(dir, "many");
    const r = await assort(["train", "--data", many, "--out", out, "--seed", "1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Trained nearest-centroid on 4,000 products in 4,?000 categories/);
    expect(r.stdout).toMatch(/\nClassifier nearest-centroid \(auto: 4,000 categories with 1\.0 products each on average: one-vs-rest would take about \d+ min, nearest centroid trains in one pass\)\n/);
    // No one-vs-rest cost warning: nearest centroid is one pass.
    expect(r.stderr).not.toContain("training will take roughly");
    const info = await assort(["info", "--model", out, "--json"]);
    expect(info.code, info.stderr).toBe(0);
    const d = JSON.parse(info.stdout) as { classifier: string; details: { classifierChoice: { requested: string; chosen: string } } };
    expect(d.classifier).toBe("nearest-centroid");
    expect(d.details.classifierChoice).toMatchObject({ requested: "auto", chosen: "nearest-centroid" });
    const c = await assort(["classify", "--model", out, "--data", "-"], { input: `${JSON.stringify({ id: "q", title: "ZENITH kettle KX1421, brushed steel" })}\n` });
    expect(c.code, c.stderr).toBe(0);
    expect((jsonLines(c.stdout)[0] as { categories: { category: string }[] }).categories[0]!.category).toBe("product 421");
  });

  it("a named kind overrides auto, and it is recorded as asked", async () => {
    const r = await assort(["train", "--data", join(CATALOG, "train.jsonl"), "--out", join(dir, "forced"), "--classifier", "complement-nb", "--calibration", "none", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Summary).classifierChoice).toEqual({ requested: "complement-nb", chosen: "complement-nb", reason: "as asked" });
  });

  it("refuses an unknown kind, listing auto and the registered ones", async () => {
    const r = await assort(["train", "--data", many, "--out", join(dir, "bad"), "--classifier", "label-tree"]);
    expectError(r, 2, "auto", "nearest-centroid", "linear-svm");
  });

  it("classifiers lists auto first, then nearest-centroid among the kinds", async () => {
    const r = await assort(["classifiers"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^auto {18}The default of train: linear-svm, or nearest-centroid from 1,000 categories on/);
    expect(r.stdout).toMatch(/\nnearest-centroid {6}Nearest centroid on TF-IDF/);
  });

  it("--help describes auto", async () => {
    const r = await assort(["train", "--help"]);
    expect(r.stdout.replace(/\s+/g, " ")).toContain("auto: linear-svm, or nearest-centroid for 1,000+ categories that one-vs-rest would take long to learn");
  });
});
