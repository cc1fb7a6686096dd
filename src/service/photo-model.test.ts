// The service serves any model kind: a text + image model registered, smoke-tested and made live, then
// classify with photos as data URIs or paths under imagesDir, explanations of the text evidence, and imports.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, ConfigError, ItemPredictionSchema, MemoryStore, trainMultimodal, type Product, type ProductInput } from "../index.js";

const EXAMPLES = path.resolve(import.meta.dirname, "../../examples/catalog");
let root: string;
let modelDir: string;
let rows: ProductInput[];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "assort-photo-service-"));
  rows = readFileSync(path.join(EXAMPLES, "with-images.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ProductInput);
  // The six sample products twice (the second copy under other ids), so each category has photos to learn from.
  const twice: ProductInput[] = [...rows, ...rows.map((r): ProductInput => ({ ...r, id: `${String(r.id)}-b` }))];
  const products: Product[] = twice.map((r, i) => ({ id: String(r.id), text: [String(r.title), String(r.description ?? "")], label: String(r.category), fields: r, line: i + 1 }));
  const model = await trainMultimodal(products, { modalities: "both", image: { descriptors: ["hog", "color"] }, baseDir: EXAMPLES, seed: 3, onBadImage: "skip" });
  modelDir = path.join(root, "model");
  await model.save(modelDir);
  await model.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("CatalogService with a text + image model", () => {
  it("records its training mix, so monitoring measures drift against it", async () => {
    const service = await CatalogService.open({ store: new MemoryStore(), dataDir: mkdtempSync(path.join(root, "data-")) });
    try {
      await service.registerModel(modelDir, { activate: true });
      const r = await service.monitoring({ days: 1 });
      // Six sample products, each twice, in as many categories as they have.
      const categories = new Set(rows.map((x) => String(x.category)));
      expect(r.training).toEqual({ available: true, rows: 12, categories: categories.size });
    } finally {
      await service.close();
    }
  });

  it("registers it, classifies with photos (data URI or a path under imagesDir) and reports the evidence", async () => {
    const dataDir = mkdtempSync(path.join(root, "data-"));
    cpSync(path.join(EXAMPLES, "images"), path.join(dataDir, "images"), { recursive: true });
    const service = await CatalogService.open({ store: new MemoryStore(), dataDir });
    try {
      const record = await service.registerModel(modelDir, { activate: true });
      expect(record.metrics).toMatchObject({ kind: "multimodal-model", modalities: "both" });
      const png = readFileSync(path.join(EXAMPLES, "images", "tent.png")).toString("base64");
      const { model, results } = await service.classify(
        [
          { id: "a", title: "Running shoe", image: "running-shoe.jpg" },
          { id: "b", title: "Tunnel tent for two", image: `data:image/png;base64,${png}` },
          { id: "c", title: "Crew-neck tee", image: "../../../etc/passwd" },
          { id: "d", title: "Crew-neck tee" },
        ],
        { topK: 2, explain: true },
      );
      expect(model).toBe(record.version);
      for (const r of results) expect(ItemPredictionSchema.safeParse(r).success).toBe(true);
      expect(results.map((r) => r.evidence)).toEqual([
        { text: true, image: true },
        { text: true, image: true },
        { text: true, image: false },
        { text: true, image: false },
      ]);
      expect(results[0]!.categories[0]!.category).toBe("Clothing & Shoes > Shoes > Running Shoes");
      expect(results[1]!.categories[0]!.category).toBe("Sports & Outdoors > Camping > Tents");
      // A path outside the images folder is refused for that item only, which falls back to its text.
      expect(results[2]!.imageIssue?.message).toMatch(/outside/i);
      expect(results[3]!.imageIssue).toBeUndefined();
      // The explanation covers the text evidence and says so.
      expect(results[0]!.explanation?.notes?.join(" ")).toMatch(/text evidence only/);
      // 12 training products are too few for held-out calibration: no operating point for a precision.
      await expect(service.classify([{ id: "x", title: "tent" }], { minPrecision: 0.9 })).rejects.toThrow(ConfigError);
      // Imports classify with the same model; the stored prediction is the top category.
      await service.upsertProducts([{ id: "p1", title: "Two-person tunnel tent", image: "tent.png" }]);
      expect((await service.getProduct("p1"))?.predicted).toMatchObject({ category: "Sports & Outdoors > Camping > Tents", model: record.version });
    } finally {
      await service.close();
    }
  });
});
