import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCatalogFile } from "../catalog/read-catalog.js";
import type { Product } from "../core/product.js";
import { fitProductVectors, loadSimilarIndex, ProductVectors, saveSimilarIndex } from "./product-vectors.js";

const dir = mkdtempSync(path.join(tmpdir(), "assort-pv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const catalog = path.resolve(import.meta.dirname, "../../examples/catalog/train.jsonl");

async function products(): Promise<Product[]> {
  return (await readCatalogFile(catalog)).products;
}

function norm(row: Float32Array): number {
  let s = 0;
  for (const v of row) s += v * v;
  return Math.sqrt(s);
}

describe("fitProductVectors", () => {
  it("tfidf-svd: unit rows, new products embedded like training ones, save/load and .vec export", async () => {
    const ps = await products();
    const pv = await fitProductVectors(ps, { method: "tfidf-svd", dim: 20, seed: 1 });
    expect(pv.dim).toBe(20);
    expect(pv.vectors!.rows).toBe(ps.length);
    expect(norm(pv.vectors!.data.subarray(0, 20))).toBeCloseTo(1, 5);
    const again = await pv.embed(ps.slice(0, 5));
    for (let j = 0; j < 100; j++) expect(again.data[j]).toBeCloseTo(pv.vectors!.data[j]!, 5);
    await pv.save(path.join(dir, "tfidf"));
    const back = await ProductVectors.load(path.join(dir, "tfidf"));
    expect(back.method).toBe("tfidf-svd");
    expect((await back.embed(ps.slice(0, 3))).data).toEqual((await pv.embed(ps.slice(0, 3))).data);
    const n = await back.exportVec(path.join(dir, "p.vec"));
    const lines = readFileSync(path.join(dir, "p.vec"), "utf8").trim().split("\n");
    expect(n).toBe(ps.length);
    expect(lines[0]).toBe(`${ps.length} 20`);
    expect(lines[1]!.split(" ")[0]).toBe(ps[0]!.id);
  });

  it("fasttext: the similar items of a running shoe are shoes; word vectors export", async () => {
    const ps = await products();
    const pv = await fitProductVectors(ps, { method: "fasttext", dim: 16, seed: 1, sif: 1e-3, fasttext: { epochs: 5, buckets: 20000, threads: 1 } });
    expect(pv.description).toContain("SIF-weighted (a = 0.001)");
    expect(pv.fastText!.words.length).toBeGreaterThan(50);
    const ix = await pv.buildIndex(ps.map((p) => p.label));
    const shoe = ps.find((p) => p.label?.endsWith("Running Shoes"))!;
    const same = ix.similarTo(shoe.id, 3, { sameGroup: true });
    expect(same.every((h) => ix.groupOf(h.id) === shoe.label)).toBe(true);
    await pv.save(path.join(dir, "ft"));
    const back = await ProductVectors.load(path.join(dir, "ft"));
    expect((await back.embed(ps.slice(0, 2))).data).toEqual((await pv.embed(ps.slice(0, 2))).data);
    const words = await back.exportVec(path.join(dir, "w.vec"), { words: true });
    expect(words).toBe(pv.fastText!.words.length);
    await saveSimilarIndex(path.join(dir, "ix"), ix);
    const ix2 = await loadSimilarIndex(path.join(dir, "ix"));
    expect(ix2.similarTo(shoe.id, 3).map((h) => h.id)).toEqual(ix.similarTo(shoe.id, 3).map((h) => h.id));
  });

  it("refuses unknown methods, empty catalogs and a non-model directory", async () => {
    await expect(fitProductVectors([], {})).rejects.toThrow(/no products/);
    await expect(fitProductVectors(await products(), { method: "bert" as never })).rejects.toThrow(/Unknown vector method "bert"/);
    writeFileSync(path.join(dir, "junk"), "x");
    await expect(ProductVectors.load(path.join(dir, "junk"))).rejects.toThrow(/not a model directory/);
    await expect(ProductVectors.load(path.join(dir, "missing"))).rejects.toThrow(/no such model directory/);
    await expect(ProductVectors.load(path.join(dir, "ix"))).rejects.toThrow(/not product vectors/);
  });
});
