// The lean predictor of classifyJsonl's workers against CategoryModel.predict: the same answers (bits of the
// scores included) for a dense and a sparse linear model, with decisions; and none where the model is not one
// it answers for (no WebAssembly hasher).
import { beforeAll, describe, expect, it } from "vitest";
import { readCatalogFile } from "../catalog/read-catalog.js";
import type { ModelClassifyOptions } from "../core/contracts.js";
import type { Product } from "../core/product.js";
import { useTextHasherModule } from "../featurize/text/hash-wasm.js";
import type { CategoryModel } from "./category-model.js";
import { LeanPredictor } from "./classify-jsonl-answer.js";
import { train } from "./train.js";

const TRAIN = new URL("../../examples/catalog/train.jsonl", import.meta.url).pathname;
const TEST = new URL("../../examples/catalog/test.jsonl", import.meta.url).pathname;
let dense: CategoryModel;
let sparse: CategoryModel;
let products: Product[];

beforeAll(async () => {
  const { products: training } = await readCatalogFile(TRAIN, { requireLabel: true });
  dense = await train(training, { seed: 1, classifierParams: { threads: 0 } });
  sparse = await train(training, { seed: 1, classifier: "nearest-centroid" });
  products = (await readCatalogFile(TEST)).products;
}, 60_000);

function lean(model: CategoryModel): LeanPredictor | undefined {
  const { manifest, arrays } = model.toParts();
  return LeanPredictor.fromParts(manifest, arrays);
}

describe("LeanPredictor (classifyJsonl's workers)", () => {
  it("answers as CategoryModel.predict, for dense and sparse linear models, with decisions", () => {
    const options: ModelClassifyOptions[] = [{ topK: 3 }, { topK: 1, minPrecision: 0.8 }, { topK: 2, backoff: 0.6 }];
    for (const model of [dense, sparse]) {
      const p = lean(model);
      expect(p).toBeDefined();
      for (const o of options) expect(p!.predict(products, o)).toEqual(model.predict(products, o));
    }
    expect(lean(dense)!.predict([], { topK: 1 })).toEqual([]);
  });

  it("validates options as the model does", () => {
    expect(() => lean(dense)!.predict(products, { topK: 0 })).toThrow(/top/i);
  });

  // Last: the JavaScript hashing pass from here on.
  it("is none without the WebAssembly hasher (the worker then loads the whole model)", () => {
    useTextHasherModule(null);
    expect(lean(dense)).toBeUndefined();
  });
});
