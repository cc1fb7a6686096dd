import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import { LinearModel } from "../classify/linear-model.js";
import { readModelDir } from "../persist/model-dir.js";
import { CategoryModel } from "./category-model.js";
import { explain, type Explanation } from "./explain.js";
import { train } from "./train.js";
import { TrainingSample } from "./training-sample.js";

/** "kettle" occurs in the Kettles category only. */
const CATALOG: [string, string][] = [
  ["Kettles", "Bosch electric kettle 1.7 l stainless steel"],
  ["Kettles", "Russell Hobbs glass kettle with blue light"],
  ["Kettles", "Tefal travel kettle 0.5 l white"],
  ["Kettles", "Philips cordless kettle 1.5 l black"],
  ["Kettles", "Smeg retro kettle cream"],
  ["Pans", "Tefal frying pan 28 cm non stick"],
  ["Pans", "Le Creuset cast iron skillet 26 cm"],
  ["Pans", "WMF stainless steel saucepan with lid"],
  ["Pans", "Scanpan wok 32 cm ceramic coating"],
  ["Pans", "Tefal grill pan 26 cm black"],
  ["Toasters", "Philips 2 slice toaster white"],
  ["Toasters", "Smeg 4 slice toaster cream"],
  ["Toasters", "Russell Hobbs toaster with bun warmer"],
  ["Toasters", "Bosch long slot toaster black"],
  ["Toasters", "Dualit classic toaster chrome"],
];
const PRODUCTS: Product[] = CATALOG.map(([label, title], i) => ({ id: `p${i + 1}`, text: [title, ""], label }));
const QUERY: Product[] = [
  { id: "q1", text: ["Krups kettle 1.7 l black", ""] },
  { id: "q2", text: ["Tefal pan 24 cm", "non stick frying pan"] },
  { id: "q3", text: ["Dualit 2 slice toaster", ""] },
];

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Decision scores (rows × classes) of a linear classifier, accumulated in Float64 (x·W + b). */
function scores(model: CategoryModel, products: readonly Product[]): Float64Array {
  expect(model.classifier).toBeInstanceOf(LinearModel);
  const m = model.classifier as LinearModel;
  const x = model.featurizer.transform(products);
  const k = m.classCount;
  const out = new Float64Array(x.rows * k);
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) out[i * k + c] = m.intercept[c]!;
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
      for (let c = 0; c < k; c++) out[i * k + c]! += x.data[p]! * m.weights[x.indices[p]! * k + c]!;
    }
  }
  // The model's own (Float32) decision function agrees to its precision.
  const own = m.decisionFunction(x).data;
  for (let j = 0; j < out.length; j++) expect(Math.abs(own[j]! - out[j]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(out[j]!)));
  return out;
}

/** Bias plus every listed term (all of them when the lists are long enough). */
function total(e: Explanation): number {
  return e.bias! + [...e.features, ...e.against].reduce((a, t) => a + t.weight, 0);
}

const ALL = { topFeatures: 1e6, topAgainst: 1e6 };

describe("explain", () => {
  it("names the product's own terms: kettle is the top reason for Kettles", async () => {
    const model = await train(PRODUCTS, { seed: 42 });
    const [kettle, pan, toaster] = explain(model, QUERY);
    expect(kettle!.category).toBe("Kettles");
    expect(kettle!.features[0]!.term).toBe("kettle");
    expect(kettle!.features.length).toBeLessThanOrEqual(8);
    expect(kettle!.against.length).toBeLessThanOrEqual(3);
    expect(pan!.category).toBe("Pans");
    expect(pan!.features[0]!.term).toBe("pan");
    expect(toaster!.category).toBe("Toasters");
    expect(toaster!.features[0]!.term).toBe("toaster");
    // Ungrouped: word and character n-grams on their own, all from the product's text.
    const grams = explain(model, QUERY.slice(0, 1), { ...ALL, groupTerms: false })[0]!;
    expect(grams.features.map((t) => t.term)).toContain("w:kettle");
    expect(grams.features.map((t) => t.term)).toContain("c:_ket");
    for (const t of [...grams.features, ...grams.against]) expect(t.term).toMatch(/^[wc]:/);
    expect(grams.features.find((t) => t.term.startsWith("w:"))!.term).toBe("w:kettle");
  });

  it.each(["linear-svm", "logistic-regression", "complement-nb"])("contributions plus bias equal the decision score exactly (%s)", async (kind) => {
    const model = await train(PRODUCTS, { seed: 7, classifier: kind });
    const s = scores(model, QUERY);
    const k = model.labels.length;
    for (const group of [true, false]) {
      const ex = explain(model, QUERY, { ...ALL, groupTerms: group });
      ex.forEach((e, i) => {
        const c = model.labels.indexOf(e.category);
        expect(e.score!).toBeCloseTo(s[i * k + c]!, 5);
        expect(total(e)).toBeCloseTo(s[i * k + c]!, 5);
        // The predicted category is the best-scoring one.
        for (let j = 0; j < k; j++) expect(s[i * k + j]!).toBeLessThanOrEqual(s[i * k + c]! + 1e-6);
      });
    }
    // Against the class mean: the sum is the score minus the mean score of all classes.
    for (const [i, e] of explain(model, QUERY, { ...ALL, baseline: "mean" }).entries()) {
      let mean = 0;
      for (let j = 0; j < k; j++) mean += s[i * k + j]! / k;
      const c = model.labels.indexOf(e.category);
      expect(total(e)).toBeCloseTo(s[i * k + c]! - mean, 5);
    }
  });

  it("explains a named category, with its negative terms", async () => {
    const model = await train(PRODUCTS, { seed: 42 });
    const e = explain(model, QUERY.slice(0, 1), { ...ALL, category: "Toasters" })[0]!;
    expect(e.category).toBe("Toasters");
    expect(e.against.map((t) => t.term)).toContain("kettle");
    expect(total(e)).toBeCloseTo(scores(model, QUERY.slice(0, 1))[model.labels.indexOf("Toasters")]!, 5);
    expect(() => explain(model, QUERY, { category: "Bikes" })).toThrow(ConfigError);
    expect(() => explain(model, QUERY, { topFeatures: -1 })).toThrow(RangeError);
    expect(explain(model, [])).toEqual([]);
  });

  it("lists the nearest training products: the same category's", async () => {
    const model = await train(PRODUCTS, { seed: 42 });
    expect(model.samples?.count).toBe(PRODUCTS.length);
    const ex = model.explain(
      QUERY.map((q) => ({ id: q.id, title: q.text[0]!, description: q.text[1]! })),
      { neighbors: 2 },
    );
    for (const e of ex) {
      expect(e.neighbors).toHaveLength(2);
      for (const n of e.neighbors) {
        expect(n.category).toBe(e.category);
        expect(PRODUCTS.find((p) => p.id === n.id)!.text[0]).toBe(n.title);
        expect(n.similarity).toBeGreaterThan(0);
        expect(n.similarity).toBeLessThanOrEqual(1 + 1e-6);
      }
      const sims = e.neighbors.map((n) => n.similarity);
      expect(sims).toEqual([...sims].sort((a, b) => b - a));
      expect(e.notes).toEqual([]);
    }
    // A training product is its own nearest neighbour, with similarity 1.
    const self = explain(model, [PRODUCTS[6]!], { neighbors: 1 })[0]!;
    expect(self.neighbors[0]!.id).toBe("p7");
    expect(self.neighbors[0]!.similarity).toBeCloseTo(1, 5);
  });

  it("keeps the sample through save and load", async () => {
    const model = await train(PRODUCTS, { seed: 42 });
    const dir = await mkdtemp(join(tmpdir(), "assort-explain-"));
    dirs.push(dir);
    await model.save(join(dir, "m"));
    const loaded = await CategoryModel.load(join(dir, "m"));
    expect(loaded.samples?.ids).toEqual(model.samples!.ids);
    expect(explain(loaded, QUERY)).toEqual(explain(model, QUERY));
  });

  it("explains a model without stored training products, saying neighbours are unavailable", async () => {
    const model = await train(PRODUCTS, { seed: 42, explainSamples: false });
    expect(model.samples).toBeUndefined();
    const dir = await mkdtemp(join(tmpdir(), "assort-explain-"));
    dirs.push(dir);
    await model.save(join(dir, "old"));
    const { arrays } = await readModelDir(join(dir, "old"));
    expect(Object.keys(arrays).filter((k) => k.startsWith("samples."))).toEqual([]);
    const old = await CategoryModel.load(join(dir, "old"));
    expect(old.samples).toBeUndefined();
    expect(old.predict(QUERY).map((p) => p.categories[0]!.category)).toEqual(["Kettles", "Pans", "Toasters"]);
    const e = explain(old, QUERY)[0]!;
    expect(e.features[0]!.term).toBe("kettle");
    expect(e.neighbors).toEqual([]);
    expect(e.notes.join(" ")).toMatch(/training products are unavailable.*retrain/i);
    expect(explain(old, QUERY, { neighbors: 0 })[0]!.notes).toEqual([]);
  });
});

describe("TrainingSample.draw", () => {
  it("keeps at most perCategory per category and max in all, spread over the categories, seeded", async () => {
    const model = await train(PRODUCTS, { seed: 1, explainSamples: false });
    const x = model.featurizer.transform(PRODUCTS);
    const y = new Int32Array(PRODUCTS.map((p) => model.labels.indexOf(p.label!)));
    const two = TrainingSample.draw(PRODUCTS, y, 3, x, { perCategory: 2, seed: 3 });
    expect(two.count).toBe(6);
    expect([...two.labels].sort()).toEqual([0, 0, 1, 1, 2, 2]);
    expect(TrainingSample.draw(PRODUCTS, y, 3, x, { perCategory: 2, seed: 3 }).ids).toEqual(two.ids);
    const capped = TrainingSample.draw(PRODUCTS, y, 3, x, { perCategory: 20, max: 4 });
    expect(capped.count).toBe(4);
    expect(new Set(capped.labels).size).toBe(3);
    // Rows are the training rows themselves.
    const r = two.ids.indexOf(PRODUCTS.find((p) => two.ids.includes(p.id))!.id);
    const i = PRODUCTS.findIndex((p) => p.id === two.ids[r]);
    expect([...two.rows.indices.subarray(two.rows.indptr[r]!, two.rows.indptr[r + 1]!)]).toEqual([...x.indices.subarray(x.indptr[i]!, x.indptr[i + 1]!)]);
  });
});
