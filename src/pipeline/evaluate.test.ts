// evaluate() at an operating point whose held-out threshold is 0: every held-out product cleared the precision
// (pricerunner at 98%: its lowest calibrated held-out score is 0). That is a threshold, not a bad backoff value.
import { beforeAll, describe, expect, it } from "vitest";
import { readCatalogFile } from "../catalog/read-catalog.js";
import type { Product } from "../core/product.js";
import { CategoryModel } from "./category-model.js";
import type { CalibrationInfo } from "./confidence.js";
import { evaluate } from "./evaluate.js";
import { train } from "./train.js";

const TRAIN = new URL("../../examples/catalog/train.jsonl", import.meta.url).pathname;
const TEST = new URL("../../examples/catalog/test.jsonl", import.meta.url).pathname;
let model: CategoryModel;
let test: Product[];

beforeAll(async () => {
  const { products } = await readCatalogFile(TRAIN, { requireLabel: true });
  const trained = await train(products, { seed: 1, classifierParams: { threads: 0 } });
  // The same model, its held-out estimate's lowest calibrated score set to 0 (all the rows still right).
  const { manifest, arrays } = trained.toParts();
  const cal = manifest.calibration as CalibrationInfo;
  const confidence = cal.confidence.slice();
  confidence[confidence.indexOf(Math.min(...confidence))] = 0;
  const correct = cal.correct.map(() => 1);
  model = CategoryModel.fromParts({ ...manifest, calibration: { ...cal, confidence, correct } }, arrays, "test-model");
  test = (await readCatalogFile(TEST, { requireLabel: true })).products;
}, 60_000);

describe("evaluate at an operating point", () => {
  it("takes a held-out threshold of 0: every product accepted, none backed off", () => {
    const r = evaluate(model, test, { minPrecision: 0.98 });
    expect(r.operatingPoint).toMatchObject({ minPrecision: 0.98, threshold: 0, coverage: 1, heldOutCoverage: 1 });
    expect(r.operatingPoint!.precision).toBeCloseTo(r.accuracy, 12);
    // With backoff at that threshold no product backs off or abstains.
    const b = evaluate(model, test, { minPrecision: 0.98, backoff: true });
    expect(b.backoffRate).toBe(0);
    expect(b.abstainRate).toBe(0);
  });

  it("still refuses a backoff threshold outside (0, 1]", () => {
    expect(() => evaluate(model, test, { backoff: 0 })).toThrow("backoff threshold must be in (0, 1], got 0");
    expect(() => evaluate(model, test, { backoff: 1.5 })).toThrow("backoff threshold must be in (0, 1], got 1.5");
  });
});
