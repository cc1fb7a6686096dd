// Training against a taxonomy: labels checked and canonicalized, ids kept, renamed paths followed at
// classify time without retraining.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, assort, expectError, jsonLines } from "./helpers.js";

const TRAIN = join(CATALOG, "train.jsonl");
const NEW = join(CATALOG, "new-products.jsonl");
let dir: string;
let google: string;
let renamed: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-taxonomy-train-"));
  // A Google-format taxonomy (numeric ids) holding every path of the sample catalog and its ancestors.
  const labels = [...new Set((jsonLines(readFileSync(TRAIN, "utf8")) as { category: string }[]).map((r) => r.category))].sort();
  const ids = new Map<string, number>();
  for (const l of labels) {
    const parts = l.split(" > ");
    for (let d = 1; d <= parts.length; d++) {
      const p = parts.slice(0, d).join(" > ");
      if (!ids.has(p)) ids.set(p, ids.size + 1);
    }
  }
  const text = [...ids].map(([p, i]) => `${i} - ${p}`).join("\n") + "\n";
  google = join(dir, "taxonomy.txt");
  renamed = join(dir, "renamed.txt");
  await writeFile(google, text);
  await writeFile(renamed, text.replace("Frying Pans", "Skillets"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("train --taxonomy", () => {
  it("keeps node ids, so classify --taxonomy follows a renamed path without retraining", async () => {
    const model = join(dir, "model");
    const t = await assort(["train", "--data", TRAIN, "--taxonomy", google, "--out", model, "-q"]);
    expect(t.code, t.stderr).toBe(0);
    const before = jsonLines((await assort(["classify", "--model", model, "--data", NEW, "--top-k", "1"])).stdout) as { categories: { category: string }[] }[];
    const after = jsonLines((await assort(["classify", "--model", model, "--data", NEW, "--top-k", "1", "--taxonomy", renamed])).stdout) as typeof before;
    expect(before.some((p) => p.categories[0]!.category === "Home & Kitchen > Cookware > Frying Pans")).toBe(true);
    after.forEach((p, i) => {
      const was = before[i]!.categories[0]!.category;
      expect(p.categories[0]!.category).toBe(was.replace("Frying Pans", "Skillets"));
    });
  });

  it("refuses labels outside the taxonomy with suggestions, and fixes case and spacing", async () => {
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, readFileSync(TRAIN, "utf8") + JSON.stringify({ id: "x1", title: "tefal pan", category: "Home & Kitchen > Cookware > Frying Pan" }) + "\n");
    expectError(await assort(["train", "--data", bad, "--taxonomy", google, "--out", join(dir, "m-bad")]), 1, /not paths of the taxonomy/, /did you mean "Home & Kitchen > Cookware > Frying Pans"/);
    const fixable = join(dir, "fixable.jsonl");
    await writeFile(fixable, readFileSync(TRAIN, "utf8") + JSON.stringify({ id: "x2", title: "tefal pan", category: "home & kitchen > cookware > frying pans" }) + "\n");
    const r = await assort(["train", "--data", fixable, "--taxonomy", google, "--out", join(dir, "m-ok"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 category was matched to the taxonomy after fixing case/);
    expect(JSON.parse(r.stdout)).toMatchObject({ categories: 15 });
  });
});
