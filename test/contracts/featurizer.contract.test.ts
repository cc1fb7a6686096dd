// The contract every registered featurizer honours: fit gives rows of width `dim` for every item, featurize on
// the training items gives the training rows, and the artifact round trip (restoreFeaturizer) featurizes
// identically. A featurizer added to featurize/registry.ts runs here without further code.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, createFeaturizer, featurizerKinds, restoreFeaturizer, type Product } from "../../src/index.js";
import { toDense } from "../../src/entries/linalg.js";

const CATALOG = path.resolve(import.meta.dirname, "../../examples/catalog");
const rows = (file: string): Record<string, unknown>[] =>
  readFileSync(path.join(CATALOG, file), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const asProduct = (r: Record<string, unknown>, i: number): Product => ({ id: String(r.id), text: [String(r.title), String(r.description ?? "")], label: String(r.category), fields: r, line: i + 1 });
const textItems = rows("train.jsonl").slice(0, 60).map(asProduct);
const photoItems = rows("with-images.jsonl").map(asProduct);

/** Params and items per kind: small and fast, but real. */
const SETUP: Record<string, { params: Record<string, unknown>; items: Product[] }> = {
  "text-tfidf": { params: { hashBits: 12 }, items: textItems },
  "image-features": { params: { descriptors: ["hog", "color"], size: 32 }, items: photoItems },
  "tfidf-svd": { params: { dim: 8 }, items: textItems },
  fasttext: { params: { dim: 8, fasttext: { epochs: 2, minCount: 1, buckets: 2000, threads: 1 } }, items: textItems },
  "use-lite": { params: {}, items: textItems.slice(0, 8) },
};

const rowsOf = (m: Parameters<typeof toDense>[0]): number[][] => {
  const d = toDense(m);
  return Array.from({ length: d.rows }, (_, i) => Array.from(d.data.subarray(i * d.cols, (i + 1) * d.cols)));
};

describe("featurizer registry", () => {
  it("lists the kinds and names them on a miss", () => {
    expect(featurizerKinds()).toEqual(Object.keys(SETUP));
    expect(() => createFeaturizer("bag-of-words")).toThrow(ConfigError);
    expect(() => createFeaturizer("bag-of-words")).toThrow(/choose one of text-tfidf, image-features/);
  });
});

describe.each(Object.keys(SETUP))("featurizer %s", (kind) => {
  const { params, items } = SETUP[kind]!;
  const baseDir = CATALOG;

  it("fits rows of width dim, featurizes the training items the same way, and round-trips through its artifact", async () => {
    const spec = createFeaturizer(kind, params);
    expect(spec.kind).toBe(kind);
    const fit = await spec.fitTransform(items, { seed: 1, baseDir });
    const f = fit.featurizer;
    expect(f.kind).toBe(kind);
    expect(fit.matrix.rows).toBe(items.length);
    expect(fit.matrix.cols).toBe(f.dim);
    const again = await f.featurize(items, { baseDir });
    expect(again.matrix.rows).toBe(items.length);
    expect(rowsOf(again.matrix)).toEqual(rowsOf(fit.matrix));
    // Per-item problems are reported per row, not thrown (the sample has a photo that is missing).
    if (again.ok) expect(again.ok.length).toBe(items.length);
    const back = restoreFeaturizer(f.toArtifact());
    expect(back.kind).toBe(kind);
    expect(back.dim).toBe(f.dim);
    expect(rowsOf((await back.featurize(items, { baseDir })).matrix)).toEqual(rowsOf(again.matrix));
    await f.close();
    await back.close();
  }, 60_000);
});
