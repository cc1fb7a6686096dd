// The contract every model kind honours (ProductModel): the one per-item answer, the same answers from classify,
// classifyBatch and predictBatch, capabilities that tell the truth, and a save → loadModel round trip that gives
// the same kind, the same description and the same answers. A kind added to pipeline/model-kinds.ts runs here.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { productsFromInputs } from "../../src/pipeline/model-inputs.js";
import { ConfigError, ItemPredictionSchema, loadModel, modelKinds, train, trainMultimodal, type Product, type ProductInput, type ProductModel } from "../../src/index.js";

const CATALOG = path.resolve(import.meta.dirname, "../../examples/catalog");
const read = (file: string): ProductInput[] =>
  readFileSync(path.join(CATALOG, file), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ProductInput);
const asProducts = (rows: ProductInput[]): Product[] => rows.map((r, i) => ({ id: String(r.id), text: [String(r.title), String(r.description ?? "")], label: String(r.category), fields: r, line: i + 1 }));

const dir = mkdtempSync(path.join(tmpdir(), "assort-model-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One trained model per kind, and the items to ask it about. */
const KINDS: Record<string, () => Promise<{ model: ProductModel; items: ProductInput[] }>> = {
  "category-model": async () => {
    const rows = read("train.jsonl");
    return { model: await train(asProducts(rows), { seed: 3 }), items: read("test.jsonl").slice(0, 25) };
  },
  "multimodal-model": async () => {
    const rows = read("with-images.jsonl");
    const twice = [...rows, ...rows.map((r): ProductInput => ({ ...r, id: `${String(r.id)}-b` }))];
    const model = await trainMultimodal(asProducts(twice), { modalities: "both", image: { descriptors: ["hog", "color"], size: 32 }, baseDir: CATALOG, seed: 3, onBadImage: "skip" });
    return { model, items: rows };
  },
};

it("every registered model kind runs this contract", () => {
  expect(Object.keys(KINDS).sort()).toEqual([...modelKinds()].sort());
});

describe.each(Object.keys(KINDS))("model kind %s", (kind) => {
  let model: ProductModel;
  let items: ProductInput[];
  beforeAll(async () => {
    ({ model, items } = await KINDS[kind]!());
  }, 120_000);
  afterAll(() => model.close());
  const opts = { topK: 3, baseDir: CATALOG };

  it("answers one ItemPrediction per item: top-k categories from its labels, best first, scores in [0, 1]", async () => {
    expect(model.kind).toBe(kind);
    const out = await model.classify(items, opts);
    expect(out.map((p) => p.id)).toEqual(items.map((i) => String(i.id)));
    for (const p of out) {
      expect(ItemPredictionSchema.safeParse(p).success).toBe(true);
      expect(p.categories).toHaveLength(Math.min(3, model.labels.length));
      for (const c of p.categories) {
        expect(model.labels).toContain(c.category);
        expect(c.score).toBeGreaterThanOrEqual(0);
        expect(c.score).toBeLessThanOrEqual(1);
      }
      for (let j = 1; j < p.categories.length; j++) expect(p.categories[j - 1]!.score).toBeGreaterThanOrEqual(p.categories[j]!.score);
      expect(p.evidence !== undefined).toBe(model.capabilities.images);
    }
    expect(await model.classify([], opts)).toEqual([]);
    await expect(async () => model.classify(items, { topK: 0 })).rejects.toThrow(ConfigError);
  });

  it("classify, classifyBatch and predictBatch give the same answers", async () => {
    const a = await model.classify(items, opts);
    expect(await model.classifyBatch(items, opts)).toEqual(a);
    const products = productsFromInputs(items, model.fields.text, model.fields.id, true);
    expect(await model.predictBatch(products, opts)).toEqual(a);
  });

  it("tells the truth about its capabilities (explanations, decisions)", async () => {
    if (model.capabilities.explain) {
      const [p] = await model.classify(items.slice(0, 1), { ...opts, explain: true });
      expect(p!.explanation?.category).toBeDefined();
      expect(model.explain!(items.slice(0, 1))[0]!.id).toBe(String(items[0]!.id));
    } else {
      await expect(async () => model.classify(items.slice(0, 1), { ...opts, explain: true })).rejects.toThrow(ConfigError);
    }
    if (model.capabilities.decisions) {
      const op = model.operatingPoint(0.5);
      expect(op.threshold).toBeGreaterThanOrEqual(0);
      const [p] = await model.classify(items.slice(0, 1), { ...opts, minPrecision: 0.5 });
      expect(p!.decision?.threshold).toBe(op.threshold);
    } else {
      expect(() => model.operatingPoint(0.5)).toThrow(ConfigError);
    }
    // Backoff needs no calibration: every kind decides with a fixed threshold.
    const [b] = await model.classify(items.slice(0, 1), { ...opts, backoff: 0.99 });
    expect(["leaf", "backoff", "abstain"]).toContain(b!.decision?.status);
  });

  it("describes itself consistently and round-trips through save and loadModel", async () => {
    const d = model.describe();
    expect(d).toMatchObject({ kind, version: model.version, labels: [...model.labels], fields: model.fields, capabilities: model.capabilities });
    expect(d.summary.length).toBeGreaterThan(10);
    const out = path.join(dir, kind);
    await model.save(out);
    const back = await loadModel(out);
    try {
      expect(back.kind).toBe(kind);
      expect(back.describe()).toEqual(d);
      expect(await back.classify(items, opts)).toEqual(await model.classify(items, opts));
    } finally {
      await back.close();
      await back.close();
    }
  });
});
