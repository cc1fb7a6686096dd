// Models saved by release 0.1.0 (before the ProductModel contract) still load with loadModel and answer
// exactly as that release did: the fixtures and their answers were written by make-fixtures.mjs with 0.1.0.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CategoryModel, ItemPredictionSchema, loadModel, MultimodalModel, ProductVectors, type ProductInput } from "../../src/index.js";
import { LinearModel } from "../../src/entries/estimators.js";

const FIX = path.resolve(import.meta.dirname, "../fixtures/models/v0.1.0");
const CATALOG = path.resolve(import.meta.dirname, "../../examples/catalog");
type Old = { id: string; categories: { category: string; score: number }[]; decision?: { category: string | null; score: number; status: string; needsReview: boolean; threshold: number }; evidence?: unknown; imageIssue?: unknown };
const answers = JSON.parse(readFileSync(path.join(FIX, "answers.json"), "utf8")) as Record<string, unknown>;
const test = readFileSync(path.join(CATALOG, "test.jsonl"), "utf8")
  .trim()
  .split("\n")
  .slice(0, 40)
  .map((l) => JSON.parse(l) as { id: string; title: string; description?: string })
  .map((p): ProductInput => ({ id: p.id, title: p.title, description: p.description ?? "" }));

/** The old answer's fields, read from the new prediction (which may carry more, e.g. decision.depth). */
function asOld(p: Old): Old {
  return {
    id: p.id,
    categories: p.categories,
    ...(p.decision ? { decision: { category: p.decision.category, score: p.decision.score, status: p.decision.status, needsReview: p.decision.needsReview, threshold: p.decision.threshold } } : {}),
    ...(p.evidence ? { evidence: p.evidence } : {}),
    // The message names the photo's absolute path, which depends on where the fixtures were written.
    ...(p.imageIssue ? { imageIssue: (p.imageIssue as { code: string }).code } : {}),
  };
}

describe("models saved by 0.1.0", () => {
  it("a flat text model loads as a category model and answers identically (top-k, backoff, precision, explanations)", async () => {
    const model = await loadModel(path.join(FIX, "text-flat"));
    expect(model).toBeInstanceOf(CategoryModel);
    expect(model.kind).toBe("category-model");
    const now = await model.classify(test, { topK: 3 });
    for (const p of now) expect(ItemPredictionSchema.safeParse(p).success).toBe(true);
    expect(now.map(asOld)).toEqual((answers.flat as Old[]).map(asOld));
    expect((await model.classify(test, { topK: 2, backoff: 0.7 })).map(asOld)).toEqual((answers.flatBackoff as Old[]).map(asOld));
    expect((await model.classify(test, { topK: 1, minPrecision: 0.9 })).map(asOld)).toEqual((answers.flatPrecision as Old[]).map(asOld));
    expect(model.explain!(test.slice(0, 5), { topFeatures: 4, neighbors: 2 })).toEqual(answers.flatExplain);
  });

  it("a top-down model loads and answers identically", async () => {
    const model = await loadModel(path.join(FIX, "text-topdown"), { kind: "category-model" });
    expect(model.describe().details["strategy"]).toBe("top-down");
    expect(model.describe().classifier).toBe("logistic-regression");
    expect(model.classify(test, { topK: 3 }).map(asOld)).toEqual((answers.topdown as Old[]).map(asOld));
  });

  it("a text + image model loads and answers identically, with the evidence of each answer", async () => {
    const model = await loadModel(path.join(FIX, "multimodal"));
    expect(model).toBeInstanceOf(MultimodalModel);
    const rows = readFileSync(path.join(CATALOG, "with-images.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProductInput);
    try {
      const now = await model.classify(rows, { topK: 2, baseDir: CATALOG });
      expect(now.map(asOld)).toEqual((answers.multimodal as Old[]).map(asOld));
    } finally {
      await model.close();
    }
  });

  it("product vectors (tfidf-svd and fastText) load and embed identically", async () => {
    const texts = test.slice(0, 5).map((p) => [String(p.title), String(p.description)]);
    const svd = await ProductVectors.load(path.join(FIX, "vectors-tfidf"));
    expect(svd.method).toBe("tfidf-svd");
    expect(Array.from((await svd.embedTexts(texts)).data)).toEqual(answers.vectors);
    const ft = await ProductVectors.load(path.join(FIX, "vectors-fasttext"));
    expect(ft.method).toBe("fasttext");
    expect(ft.fastText).not.toBeNull();
    expect(Array.from((await ft.embedTexts(texts)).data)).toEqual(answers.fasttext);
  });
});

describe("models saved by main at 4b5cbd4 (dense class weights, before sparse ones)", () => {
  const MAIN = path.resolve(import.meta.dirname, "../fixtures/models/main-4b5cbd4");
  const saved = JSON.parse(readFileSync(path.join(MAIN, "answers.json"), "utf8")) as { queries: ProductInput[]; flat70: Old[] };

  it("a 70-category linear model loads with its dense weights and answers identically", async () => {
    const model = await loadModel(path.join(MAIN, "text-flat-70"), { kind: "category-model" });
    expect(model.classifier).toBeInstanceOf(LinearModel);
    expect(model.classifier.classCount).toBe(70);
    expect(model.describe().classifier).toBe("linear-svm");
    expect(model.describe().details["classifierChoice"]).toBeUndefined();
    expect(model.classify(saved.queries, { topK: 3 }).map(asOld)).toEqual(saved.flat70.map(asOld));
  });
});
