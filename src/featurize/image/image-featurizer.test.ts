import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CancelledError, InvalidInputError } from "../../core/errors.js";
import type { Product } from "../../core/product.js";
import type { Warning } from "../../core/progress.js";
import { colorHistogram } from "./color-histogram.js";
import type { RgbImage } from "./image.js";
import { FittedImageFeaturizer, ImageFeaturizer, ImageFeaturizerParams, restoreImageFeaturizer, type CnnEmbedder } from "./image-featurizer.js";
import { loadImage } from "./load-image.js";

const catalogDir = fileURLToPath(new URL("../../../examples/catalog/", import.meta.url));
/** The shipped sample: 6 products, rows 0/3 share the shoe photo, rows 2/4 the T-shirt, row 5's file is missing. */
const products: Product[] = readFileSync(`${catalogDir}with-images.jsonl`, "utf8")
  .trim()
  .split("\n")
  .map((line, i) => {
    const row = JSON.parse(line) as Record<string, string>;
    return { id: row.id!, text: [row.title!, row.description!], label: row.category, fields: row, line: i + 1 };
  });
const opts = { baseDir: catalogDir };

const row = (m: { cols: number; data: Float32Array }, r: number): Float32Array => m.data.subarray(r * m.cols, (r + 1) * m.cols);
const norm2 = (v: Float32Array): number => v.reduce((a, x) => a + x * x, 0);

describe("ImageFeaturizer", () => {
  it("featurizes the sample catalog: blocks, ok flags, the missing image reported per product", async () => {
    const warnings: Warning[] = [];
    const progress: number[] = [];
    const spec = new ImageFeaturizer({ batchSize: 4 });
    const { featurizer, matrix, ok, issues, absent } = await spec.fitTransform(products, {
      ...opts,
      onWarning: (w) => warnings.push(w),
      onProgress: (e) => progress.push(e.done),
    });
    // HOG at 64 px with 8-px cells: 7×7 blocks × 2×2 cells × 9 bins; colour: 5 × 128 bins + 9 moments.
    expect(featurizer.blocks).toEqual([
      { name: "hog", start: 0, width: 1764 },
      { name: "color", start: 1764, width: 649 },
    ]);
    expect([matrix.rows, matrix.cols, featurizer.dim]).toEqual([6, 2413, 2413]);
    expect([...ok]).toEqual([1, 1, 1, 1, 1, 0]);
    expect(absent).toBe(0);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ row: 5, id: "img06", line: 6, code: "image_missing" });
    expect(issues[0]!.message).toContain("images/kettle-missing.jpg");
    expect(warnings).toEqual([{ code: "image_missing", message: expect.stringContaining('Product "img06" (line 6)') }]);
    expect(progress).toEqual([4, 6]);
    expect(norm2(row(matrix, 5))).toBe(0);
    expect(row(matrix, 3)).toEqual(row(matrix, 0)); // same photo, same row
    expect(norm2(row(matrix, 0))).toBeGreaterThan(0);
    expect(featurizer.cacheSize).toBe(3); // three distinct photos, by content hash
    // Standardised: every column has mean 0 over the usable rows.
    for (let j = 0; j < matrix.cols; j += 97) {
      let s = 0;
      for (let r = 0; r < 5; r++) s += matrix.data[r * matrix.cols + j]!;
      expect(Math.abs(s / 5)).toBeLessThan(1e-4);
    }
    // Transforming again answers from the cache with the same rows.
    const again = await featurizer.transform(products, opts);
    expect(again.matrix.data).toEqual(matrix.data);
  });

  it("round-trips through an artifact and gives identical rows from a cold cache", async () => {
    const { featurizer, matrix } = await new ImageFeaturizer({ descriptors: ["color", "hog"], size: 32, fit: "cover" }).fitTransform(products, opts);
    const artifact = featurizer.toArtifact();
    expect(artifact.kind).toBe("image-features");
    expect(artifact.meta).toMatchObject({ dim: 649 + 324 });
    const restored = restoreImageFeaturizer(structuredClone(artifact));
    expect(restored.cacheSize).toBe(0);
    const out = await restored.transform(products, opts);
    expect(out.matrix.data).toEqual(matrix.data);
    expect(() => FittedImageFeaturizer.fromArtifact({ ...artifact, arrays: { mean: new Float32Array(3), scale: new Float32Array(3) } })).toThrow(RangeError);
    expect(() => FittedImageFeaturizer.fromArtifact({ ...artifact, kind: "text-tfidf" })).toThrow(TypeError);
  });

  it("without standardisation a colour-only row is the weighted colour histogram of the resized photo", async () => {
    const spec = new ImageFeaturizer({ descriptors: ["color"], standardize: false, weights: { color: 2 }, color: { grid: 1, moments: false } });
    const { matrix } = await spec.fitTransform(products, opts);
    const tent = await loadImage("images/tent.png", { ...opts, size: 64 });
    const expected = colorHistogram(tent.image, { grid: 1, moments: false }).map((x) => 2 * x);
    expect(row(matrix, 1)).toEqual(expected);
    // The tent PNG is transparent around the tent: flattened onto white, the background lands in the white bin.
    expect(expected[3]).toBeGreaterThan(0.5);
  });

  it("scales each block by its weight", async () => {
    const a = await new ImageFeaturizer({ weights: { color: 1 } }).fitTransform(products, opts);
    const b = await new ImageFeaturizer({ weights: { color: 3 } }).fitTransform(products, opts);
    for (let r = 0; r < 5; r++) {
      const ra = row(a.matrix, r);
      const rb = row(b.matrix, r);
      expect(rb.subarray(0, 1764)).toEqual(ra.subarray(0, 1764));
      for (let j = 1764; j < 2413; j += 31) expect(rb[j]).toBeCloseTo(3 * ra[j]!, 4);
    }
  });

  it("batches uncached 224×224 images into the CNN embedder", async () => {
    const calls: number[][] = [];
    const embedder: CnnEmbedder = {
      dim: 1280,
      async embed(images: RgbImage[]) {
        calls.push(images.map((i) => i.width * 1000 + i.height));
        const out = new Float32Array(images.length * 1280);
        // Column 0: mean red of the image, so the three photos differ; the rest constant.
        images.forEach((img, k) => {
          let s = 0;
          for (let p = 0; p < img.data.length; p += 3) s += img.data[p]!;
          out[k * 1280] = s / (img.data.length / 3);
          out.fill(1, k * 1280 + 1, (k + 1) * 1280);
        });
        return out;
      },
      close: async () => undefined,
    };
    const spec = new ImageFeaturizer({ descriptors: ["cnn"], batchSize: 4 });
    const { matrix, ok } = await spec.fitTransform(products, { ...opts, embedder });
    // Batch 1 (rows 0–3) holds three distinct photos; batch 2 only a cached photo and the missing file.
    expect(calls).toEqual([[224224, 224224, 224224]]);
    expect([...ok]).toEqual([1, 1, 1, 1, 1, 0]);
    expect(matrix.cols).toBe(1280);
    // Constant columns are centred to 0; column 0 is standardised and divided by √1280.
    expect(matrix.data[1]).toBe(0);
    let s = 0;
    let q = 0;
    for (let r = 0; r < 5; r++) {
      s += matrix.data[r * 1280]!;
      q += matrix.data[r * 1280]! ** 2;
    }
    expect(s / 5).toBeCloseTo(0, 5);
    expect(q / 5).toBeCloseTo(1 / 1280, 6);
  });

  it("reports non-string references, counts absent ones, and refuses a batch with no usable image", async () => {
    const odd: Product[] = [
      { id: "a", text: ["x"], fields: { image: 42 }, line: 2 },
      { id: "b", text: ["x"], fields: {} },
      { id: "c", text: ["x"], fields: { image: "images/tent.png" } },
    ];
    const res = await new ImageFeaturizer({ descriptors: ["color"] }).fitTransform(odd, opts);
    expect([...res.ok]).toEqual([0, 0, 1]);
    expect(res.absent).toBe(1);
    expect(res.issues).toEqual([{ row: 0, id: "a", line: 2, code: "image_bad_ref", message: expect.stringContaining("number") }]);
    const err = await new ImageFeaturizer().fit(odd.slice(0, 2), { ...opts, file: "shop.jsonl" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain("shop.jsonl:2, field \"image\"");
  });

  it("gives the same rows with a tiny or no cache, and reports a damaged duplicate on both rows", async () => {
    const base = await new ImageFeaturizer({ descriptors: ["color"] }).fitTransform(products, opts);
    for (const cacheEntries of [0, 1]) {
      const res = await new ImageFeaturizer({ descriptors: ["color"], cacheEntries, batchSize: 3 }).fitTransform(products, opts);
      expect(res.matrix.data).toEqual(base.matrix.data);
      expect(res.featurizer.cacheSize).toBe(cacheEntries);
    }
    const jpeg = readFileSync(`${catalogDir}images/running-shoe.jpg`);
    const broken = `data:image/jpeg;base64,${jpeg.subarray(0, Math.floor(jpeg.length * 0.7)).toString("base64")}`;
    const dup: Product[] = [
      { id: "x1", text: ["x"], fields: { image: broken } },
      { id: "x2", text: ["x"], fields: { image: "images/tent.png" } },
      { id: "x3", text: ["x"], fields: { image: broken } },
    ];
    const res = await new ImageFeaturizer({ descriptors: ["color"] }).fitTransform(dup, opts);
    expect([...res.ok]).toEqual([0, 1, 0]);
    expect(res.issues.map((i) => [i.id, i.code])).toEqual([
      ["x1", "image_corrupt"],
      ["x3", "image_corrupt"],
    ]);
  });

  it("validates params and honours cancellation", async () => {
    expect(() => ImageFeaturizerParams.parse({ descriptors: ["hog", "hog"] })).toThrow(/once/);
    expect(() => ImageFeaturizerParams.parse({ descriptors: ["sift"] })).toThrow();
    expect(ImageFeaturizerParams.parse({ hog: { bins: 12 } }).hog).toMatchObject({ bins: 12, cellSize: 8 });
    const ac = new AbortController();
    ac.abort();
    await expect(new ImageFeaturizer().fit(products, { ...opts, signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});
