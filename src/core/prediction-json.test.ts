// The fast JSON text of a prediction is JSON.stringify's, for the common shape and every other one.
import { describe, expect, it } from "vitest";
import { itemPredictionJsonOpen } from "./prediction-json.js";
import type { ItemPrediction } from "./prediction.js";

const cases: ItemPrediction[] = [
  { id: "1", categories: [{ category: "Mobile Phones", score: 0.9994841814041138 }] },
  { id: 'quote " and \\ and \n and \u2028 and 😀', categories: [{ category: "A > B \"q\" ünï", score: 1e-7 }, { category: "C", score: 0 }] },
  { id: "nan", categories: [{ category: "A", score: Number.NaN }, { category: "B", score: Infinity }, { category: "C", score: -0 }] },
  { id: "none", categories: [] },
  { id: "2", categories: [{ category: "A", score: 0.5 }], decision: { category: "A", score: 0.5, depth: 1, status: "leaf", needsReview: true, threshold: 0.7 } },
  { id: "3", categories: [{ category: "A", score: 0.25 }], corrected: true },
  { categories: [{ category: "A", score: 0.25 }], id: "order" },
];

describe("itemPredictionJsonOpen", () => {
  it.each(cases.map((c) => [c.id, c] as const))("writes JSON.stringify's text (%s)", (_id, p) => {
    expect(itemPredictionJsonOpen(p) + "}").toBe(JSON.stringify(p));
    // Twice: the second time from the kept category text.
    expect(itemPredictionJsonOpen(p) + "}").toBe(JSON.stringify(p));
  });

  it("keeps extra keys of a category", () => {
    const p = { id: "x", categories: [{ category: "A", score: 0.5, extra: 1 }] } as unknown as ItemPrediction;
    expect(itemPredictionJsonOpen(p) + "}").toBe(JSON.stringify(p));
  });
});
