// End-to-end tests of the assort CLI on the sample catalog: train, info, classify, evaluate,
// cross-validate, determinism and --help, each run as a real child process of the compiled build.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, CATALOG, assort, jsonLines } from "./helpers.js";

const TRAIN = join(CATALOG, "train.jsonl");
const TEST = join(CATALOG, "test.jsonl");
const NEW = join(CATALOG, "new-products.jsonl");
const TRAIN_CSV = join(CATALOG, "train.csv");

/** The leaf categories of the training file, sorted. */
const trainLabels = [
  ...new Set(
    readFileSync(TRAIN, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => (JSON.parse(l) as { category: string }).category),
  ),
].sort();

interface TrainSummary {
  version: string;
  rows: number;
  skipped: number;
  categories: number;
}
interface Suggestion {
  category: string;
  score: number;
}
interface ClassifyLine {
  id: string;
  categories: Suggestion[];
  model: string;
}

let dir: string;
let model: string;
let trained: TrainSummary;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-"));
  model = join(dir, "model");
  const r = await assort(["train", "--data", TRAIN, "--out", model, "--seed", "42", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  trained = JSON.parse(r.stdout) as TrainSummary;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Checks one classify output line against the model's contract. */
function expectPrediction(line: unknown, k: number): asserts line is ClassifyLine {
  const p = line as ClassifyLine;
  expect(Object.keys(p).sort()).toEqual(["categories", "id", "model"]);
  expect(typeof p.id).toBe("string");
  expect(p.model).toBe(trained.version);
  expect(p.categories).toHaveLength(k);
  let sum = 0;
  p.categories.forEach((c, i) => {
    expect(Object.keys(c).sort()).toEqual(["category", "score"]);
    expect(trainLabels).toContain(c.category);
    expect(c.score).toBeGreaterThan(0);
    expect(c.score).toBeLessThanOrEqual(1);
    if (i > 0) expect(c.score).toBeLessThanOrEqual(p.categories[i - 1]!.score);
    sum += c.score;
  });
  // Calibrated scores are Float32: fifteen of them may round a few parts per million above 1.
  expect(sum).toBeLessThanOrEqual(1 + 1e-5);
  expect(new Set(p.categories.map((c) => c.category)).size).toBe(k);
}

describe("train and info", () => {
  it("writes a model directory and a JSON summary", async () => {
    expect(readdirSync(model).sort()).toEqual(["arrays.bin", "manifest.json"]);
    expect(trained.version).toMatch(/\S/);
    expect(trained.rows).toBe(358);
    expect(trained.categories).toBe(15);
    expect(trained.skipped).toBe(0);
    expect(trainLabels).toHaveLength(15);
  });

  it("info --json reports the trained version and the training categories", async () => {
    const r = await assort(["info", "--model", model, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { version: string; labels: string[]; training: { rows: number } };
    expect(info.version).toBe(trained.version);
    expect([...info.labels].sort()).toEqual(trainLabels);
    expect(info.training.rows).toBe(358);
  });

  it("info without --json is for people and names the version", async () => {
    const r = await assort(["info", "--model", model]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(trained.version);
    expect(r.stdout).toContain("15");
  });

  it("classifiers lists the classifier kinds", async () => {
    const r = await assort(["classifiers"]);
    expect(r.code, r.stderr).toBe(0);
    for (const k of ["linear-svm", "logistic-regression", "complement-nb"]) expect(r.stdout).toContain(k);
  });
});

describe("classify", () => {
  it("prints one line per product with the top 3 categories by default", async () => {
    const r = await assort(["classify", "--model", model, "--data", NEW]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(8);
    lines.forEach((l) => expectPrediction(l, 3));
    expect(lines.map((l) => (l as ClassifyLine).id)).toEqual(["n01", "n02", "n03", "n04", "n05", "n06", "n07", "n08"]);
  });

  it("--top-k 1 gives one category per product", async () => {
    const r = await assort(["classify", "--model", model, "--data", NEW, "--top-k", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(8);
    lines.forEach((l) => expectPrediction(l, 1));
  });

  it("--top-k 15 (all categories) gives scores that sum to about 1", async () => {
    const r = await assort(["classify", "--model", model, "--data", NEW, "--top-k", "15"]);
    expect(r.code, r.stderr).toBe(0);
    for (const l of jsonLines(r.stdout)) {
      expectPrediction(l, 15);
      expect(l.categories.reduce((s, c) => s + c.score, 0)).toBeCloseTo(1, 4);
    }
  });

  it("reads products from stdin with --data - and gives the same result as from the file", async () => {
    const fromFile = await assort(["classify", "--model", model, "--data", NEW]);
    const fromStdin = await assort(["classify", "--model", model, "--data", "-"], { input: readFileSync(NEW) });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(jsonLines(fromStdin.stdout)).toHaveLength(8);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it("--out FILE writes the same lines and leaves no temporary files", async () => {
    const outDir = join(dir, "classify-out");
    await mkdir(outDir);
    const out = join(outDir, "predictions.jsonl");
    const r = await assort(["classify", "--model", model, "--data", NEW, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    const stdout = await assort(["classify", "--model", model, "--data", NEW]);
    expect(await readFile(out, "utf8")).toBe(stdout.stdout);
    expect(readdirSync(outDir)).toEqual(["predictions.jsonl"]);
  });

  it("reads CSV input: train.csv gives the same predictions as the same rows of train.jsonl", async () => {
    const csv = await assort(["classify", "--model", model, "--data", TRAIN_CSV]);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = jsonLines(csv.stdout);
    expect(lines).toHaveLength(60);
    lines.forEach((l) => expectPrediction(l, 3));
    const jsonl = await assort(["classify", "--model", model, "--data", TRAIN]);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    expect(lines).toEqual(jsonLines(jsonl.stdout).slice(0, 60));
  });

  it("gives the new products sensible top-level categories", async () => {
    // What a person would file each product of new-products.jsonl under, at the top level.
    const expected: Record<string, string> = {
      n01: "Electronics", // iPhone 15 Pro Max
      n02: "Home & Kitchen", // 苏泊尔 non-stick wok
      n03: "Clothing & Shoes", // adidas Terrex hiking shoes
      n04: "Home & Kitchen", // 米家 electric kettle
      n05: "Home & Kitchen", // Tefal saucepan
      n06: "Beauty & Personal Care", // L'Oréal men's face cream
      n07: "Electronics", // Lenovo tablet
      n08: "Electronics", // 华为 MateBook laptop
    };
    const r = await assort(["classify", "--model", model, "--data", NEW, "--top-k", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const got = Object.fromEntries(
      jsonLines(r.stdout).map((l) => [(l as ClassifyLine).id, (l as ClassifyLine).categories[0]!.category.split(" > ")[0]]),
    );
    const right = Object.keys(expected).filter((id) => got[id] === expected[id]);
    expect(right.length, JSON.stringify(got)).toBeGreaterThanOrEqual(6);
  });

  it("stops quietly when the reader closes the pipe early (like `| head -1`)", async () => {
    // Many products and small batches, so the CLI is still writing when the reader goes away.
    const input = readFileSync(TRAIN, "utf8").repeat(10);
    const child = spawn(process.execPath, [BIN, "classify", "--model", model, "--data", "-", "--batch-size", "20"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    child.stdout.once("data", () => child.stdout.destroy());
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toMatch(/^ {4}at /m);
    expect(stderr).not.toContain("Unhandled");
    expect(code).toBe(0);
  });
});

describe("evaluate", () => {
  it("--json gives metrics, a per-class report and a confusion matrix over the test set", async () => {
    const r = await assort(["evaluate", "--model", model, "--data", TEST, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(1);
    const e = JSON.parse(r.stdout) as {
      accuracy: number;
      macroF1: number;
      weightedF1: number;
      perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
      confusion: number[][];
    };
    expect(e).toHaveProperty("accuracy");
    expect(e).toHaveProperty("macroF1");
    expect(e).toHaveProperty("weightedF1");
    expect(e.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(e.accuracy).toBeLessThanOrEqual(1);
    for (const v of [e.macroF1, e.weightedF1]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(e.perClass).toHaveLength(15);
    for (const c of e.perClass) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(["label", "precision", "recall", "f1", "support"]));
      expect(trainLabels).toContain(c.label);
    }
    expect(e.perClass.reduce((s, c) => s + c.support, 0)).toBe(90);
    expect(e.confusion).toHaveLength(15);
    let total = 0;
    let diagonal = 0;
    e.confusion.forEach((row, i) => {
      expect(row).toHaveLength(15);
      for (const v of row) {
        expect(Number.isInteger(v)).toBe(true);
        total += v;
      }
      diagonal += row[i]!;
    });
    expect(total).toBe(90);
    expect(diagonal / total).toBeCloseTo(e.accuracy, 10);
  });

  it("prints accuracy and tables for people", async () => {
    const r = await assort(["evaluate", "--model", model, "--data", TEST]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("accuracy");
    expect(r.stdout).toMatch(/precision\s+recall\s+F1/);
    expect(r.stdout).toMatch(/^─+( +─+)+$/m); // a table rule
    expect(r.stdout).toContain("Sports & Outdoors > Camping > Tents");
    expect(r.stdout).toContain("Confusion matrix");
  });
});

describe("cross-validate", () => {
  it("--folds 3 --json reports 3 folds and a mean accuracy with its spread", async () => {
    const r = await assort(["cross-validate", "--data", TRAIN, "--folds", "3", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const cv = JSON.parse(r.stdout) as { folds: { testRows: number; accuracy: number }[]; accuracy: { mean: number; std: number } };
    expect(cv.folds).toHaveLength(3);
    expect(cv.folds.reduce((s, f) => s + f.testRows, 0)).toBe(358);
    expect(cv.accuracy.mean).toBeGreaterThan(0.7);
    expect(cv.accuracy.mean).toBeLessThanOrEqual(1);
    expect(cv.accuracy.std).toBeGreaterThanOrEqual(0);
  });
});

describe("determinism", () => {
  it("training twice with the same --seed writes byte-identical arrays.bin", async () => {
    const again = join(dir, "model-again");
    const r = await assort(["train", "--data", TRAIN, "--out", again, "--seed", "42", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    // --quiet: no summary on stdout, no progress or notes on stderr (this catalog gives no warnings).
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
    const a = await readFile(join(model, "arrays.bin"));
    const b = await readFile(join(again, "arrays.bin"));
    expect(a.length).toBeGreaterThan(0);
    expect(a.equals(b)).toBe(true);
  });
});

describe("--help", () => {
  const verbs: [string, string[]][] = [
    ["train", ["--data", "--out"]],
    ["classify", ["--model", "--data", "--top-k", "--out"]],
    ["evaluate", ["--model", "--data", "--json"]],
    ["cross-validate", ["--data", "--folds"]],
    ["info", ["--model"]],
    ["classifiers", []],
  ];
  it.each(verbs)("%s --help exits 0 and names its options", async (verb, options) => {
    const r = await assort([verb, "--help"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: assort ${verb}`);
    for (const o of options) expect(r.stdout).toContain(o);
  });

  it("a missing required option is a usage error (exit 2)", async () => {
    const out = join(dir, "never");
    const r = await assort(["train", "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*--data/);
    expect(existsSync(out)).toBe(false);
  });
});
