// End-to-end: `assort embed` learns product vectors, `embed export` writes them as a fastText .vec file,
// and `cluster --embedding` clusters on them.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, assort, expectError } from "./helpers.js";

const TRAIN = join(CATALOG, "train.jsonl");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-embed-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("assort embed", () => {
  it("learns fastText-style vectors and exports one unit-length row per product", async () => {
    const model = join(dir, "ft");
    const r = await assort(["embed", "--data", TRAIN, "--out", model, "--method", "fasttext", "--dim", "16", "--epochs", "3", "--json", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ method: "fasttext", dim: 16, products: 358 });
    const vec = join(dir, "products.vec");
    const e = await assort(["embed", "export", "--model", model, "--out", vec, "--json"]);
    expect(e.code, e.stderr).toBe(0);
    const lines = readFileSync(vec, "utf8").trim().split("\n");
    expect(lines[0]).toBe("358 16");
    expect(lines).toHaveLength(359);
    const [id, ...values] = lines[1]!.trim().split(" ");
    expect(id).toBe("p0001");
    expect(values).toHaveLength(16);
    expect(Math.hypot(...values.map(Number))).toBeCloseTo(1, 3);
  });

  it("clusters on learned vectors", async () => {
    const r = await assort(["cluster", "--data", TRAIN, "--embedding", "fasttext", "--k", "5", "--json", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { k: number; n: number; features: string };
    expect(out).toMatchObject({ k: 5, n: 358 });
    expect(out.features).toMatch(/fastText/);
  });

  it("refuses an unknown method and a missing model with a clear error", async () => {
    const bad = await assort(["embed", "--data", TRAIN, "--out", join(dir, "x"), "--method", "word2vec"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/word2vec/);
    expectError(await assort(["embed", "export", "--model", join(dir, "nope"), "--out", join(dir, "n.vec")]), 1, "nope");
  });
});
