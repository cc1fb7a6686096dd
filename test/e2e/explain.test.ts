// End-to-end: `assort classify --explain` on a tiny catalog where "kettle" only names kettles, on a
// model that stores training products and on an older one that does not.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModelDir, writeModelDir } from "../../src/index.js";
import { assort, jsonLines } from "./helpers.js";

const CATALOG: [string, string][] = [
  ["Kettles", "Bosch electric kettle 1.7 l stainless steel"],
  ["Kettles", "Russell Hobbs glass kettle with blue light"],
  ["Kettles", "Tefal travel kettle 0.5 l white"],
  ["Kettles", "Philips cordless kettle 1.5 l black"],
  ["Pans", "Tefal frying pan 28 cm non stick"],
  ["Pans", "Le Creuset cast iron skillet 26 cm"],
  ["Pans", "Scanpan wok 32 cm ceramic coating"],
  ["Pans", "Tefal grill pan 26 cm black"],
  ["Toasters", "Philips 2 slice toaster white"],
  ["Toasters", "Smeg 4 slice toaster cream"],
  ["Toasters", "Bosch long slot toaster black"],
  ["Toasters", "Dualit classic toaster chrome"],
];
const QUERIES = [
  { id: "q1", title: "Krups kettle 1.7 l" },
  { id: "q2", title: "Tefal frying pan 24 cm" },
  { id: "q3", title: "Dualit 2 slice toaster" },
];

interface Term {
  term: string;
  weight: number;
}
interface Line {
  id: string;
  categories: { category: string; score: number }[];
  explanation?: {
    category: string;
    score: number;
    bias: number;
    features: Term[];
    against: Term[];
    neighbors: { id: string; title: string; category: string; similarity: number }[];
    notes?: string[];
  };
}

let dir: string;
let model: string;
let queries: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-explain-"));
  const train = join(dir, "train.jsonl");
  await writeFile(train, CATALOG.map(([category, title], i) => JSON.stringify({ id: `p${i + 1}`, title, category })).join("\n") + "\n");
  queries = join(dir, "queries.jsonl");
  await writeFile(queries, QUERIES.map((q) => JSON.stringify(q)).join("\n") + "\n");
  model = join(dir, "model");
  const r = await assort(["train", "--data", train, "--out", model, "--seed", "42", "--json"]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("assort classify --explain", () => {
  it("names the deciding terms and the nearest training products of the same category", async () => {
    const r = await assort(["classify", "--model", model, "--data", queries, "--explain", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout) as Line[];
    expect(lines.map((l) => l.explanation?.category)).toEqual(["Kettles", "Pans", "Toasters"]);
    const [kettle] = lines;
    expect(kettle!.explanation!.features[0]!.term).toBe("kettle");
    expect(kettle!.explanation!.features.length).toBeLessThanOrEqual(8);
    for (const l of lines) {
      const e = l.explanation!;
      expect(e.category).toBe(l.categories[0]!.category);
      expect(e.neighbors.length).toBeGreaterThan(0);
      expect(e.neighbors[0]!.category).toBe(e.category);
      expect(e.notes).toBeUndefined();
    }
  });

  it("lists all terms with --explain-features, and they add up to the score with the bias", async () => {
    const r = await assort(["classify", "--model", model, "--data", queries, "--explain-features", "1000", "--explain-neighbors", "0", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    let checked = 0;
    for (const l of jsonLines(r.stdout) as Line[]) {
      const e = l.explanation!;
      expect(e.neighbors).toEqual([]);
      // Only `against` is cut (at 3 terms); each printed number is rounded to 4 decimals.
      if (e.against.length === 3) continue;
      const sum = e.bias + [...e.features, ...e.against].reduce((a, t) => a + t.weight, 0);
      expect(Math.abs(sum - e.score)).toBeLessThan(1e-4 * (e.features.length + e.against.length + 2));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    const two = await assort(["classify", "--model", model, "--data", queries, "--explain-features", "2", "-q"]);
    for (const l of jsonLines(two.stdout) as Line[]) expect(l.explanation!.features.length).toBeLessThanOrEqual(2);
    const plain = await assort(["classify", "--model", model, "--data", queries, "-q"]);
    for (const l of jsonLines(plain.stdout) as Line[]) expect(l.explanation).toBeUndefined();
  });

  it("explains with a model saved without training products, saying neighbours are unavailable", async () => {
    const { manifest, arrays } = await readModelDir(model);
    const old = join(dir, "old-model");
    const { format: _f, formatVersion: _v, arrays: _a, arraysBytes: _b, arraysSha256: _s, ...rest } = manifest;
    await writeModelDir(old, rest, Object.fromEntries(Object.entries(arrays).filter(([k]) => !k.startsWith("samples."))));
    const r = await assort(["classify", "--model", old, "--data", queries, "--explain", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout) as Line[];
    expect(lines.map((l) => l.categories[0]!.category)).toEqual(["Kettles", "Pans", "Toasters"]);
    expect(lines[0]!.explanation!.features[0]!.term).toBe("kettle");
    for (const l of lines) {
      expect(l.explanation!.neighbors).toEqual([]);
      expect(l.explanation!.notes!.join(" ")).toMatch(/unavailable.*retrain/);
    }
  });

  it("documents the flags in --help and rejects bad counts", async () => {
    const help = await assort(["classify", "--help"]);
    expect(help.stdout).toContain("--explain");
    expect(help.stdout).toContain("--explain-features <n>");
    const bad = await assort(["classify", "--model", model, "--data", queries, "--explain-features", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--explain-features/);
  });
});
