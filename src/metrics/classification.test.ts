// Pins the classification metrics to hand-computed cases and scikit-learn's documented examples.
import { describe, expect, it } from "vitest";
import { classificationReport, confusionMatrix, meanStd } from "./classification.js";

const i32 = (xs: number[]): Int32Array => Int32Array.from(xs);

describe("confusionMatrix", () => {
  it("counts (true, pred) pairs row-major", () => {
    // sklearn confusion_matrix docstring: y_true=[2,0,2,2,0,1], y_pred=[0,0,2,2,0,2] → [[2,0,0],[0,0,1],[1,0,2]]
    const cm = confusionMatrix(i32([2, 0, 2, 2, 0, 1]), i32([0, 0, 2, 2, 0, 2]), 3);
    expect(Array.from(cm)).toEqual([2, 0, 0, 0, 0, 1, 1, 0, 2]);
  });

  it("rejects mismatched lengths and out-of-range classes", () => {
    expect(() => confusionMatrix(i32([0, 1]), i32([0]), 2)).toThrow(TypeError);
    expect(() => confusionMatrix(i32([0, 2]), i32([0, 1]), 2)).toThrow(/yTrue class 2/);
    expect(() => confusionMatrix(i32([0, 1]), i32([0, -1]), 2)).toThrow(RangeError);
  });
});

describe("classificationReport", () => {
  it("matches the scikit-learn f1_score / precision_recall_fscore_support docstring example", () => {
    // y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1]
    // class 0: tp 2, predicted 3, support 2 → P 2/3, R 1, F1 4/5; classes 1 and 2: tp 0 → all 0.
    const r = classificationReport(i32([0, 1, 2, 0, 1, 2]), i32([0, 2, 1, 0, 0, 1]), ["0", "1", "2"]);
    expect(r.macroF1).toBeCloseTo(0.26666666666666666, 12);
    expect(r.microF1).toBeCloseTo(0.3333333333333333, 12);
    expect(r.weightedF1).toBeCloseTo(0.26666666666666666, 12);
    expect(r.macroPrecision).toBeCloseTo(2 / 9, 12);
    expect(r.macroRecall).toBeCloseTo(1 / 3, 12);
    expect(r.accuracy).toBeCloseTo(1 / 3, 12);
    expect(r.perClass.map((c) => c.f1)).toEqual([0.8, 0, 0]);
  });

  it("matches the scikit-learn classification_report docstring example", () => {
    // y_true=[0,1,2,2,2], y_pred=[0,0,2,2,1]; the docstring prints (2 decimals):
    //   class 0 0.50 1.00 0.67 1 | class 1 0.00 0.00 0.00 1 | class 2 1.00 0.67 0.80 3
    //   accuracy 0.60 | macro avg 0.50 0.56 0.49 | weighted avg 0.70 0.60 0.61
    const r = classificationReport(i32([0, 1, 2, 2, 2]), i32([0, 0, 2, 2, 1]), ["class 0", "class 1", "class 2"]);
    const round2 = (x: number): number => Math.round(x * 100) / 100;
    expect(r.perClass.map((c) => [c.label, round2(c.precision), round2(c.recall), round2(c.f1), c.support])).toEqual([
      ["class 0", 0.5, 1, 0.67, 1],
      ["class 1", 0, 0, 0, 1],
      ["class 2", 1, 0.67, 0.8, 3],
    ]);
    expect(round2(r.accuracy)).toBe(0.6);
    expect([r.macroPrecision, r.macroRecall, r.macroF1].map(round2)).toEqual([0.5, 0.56, 0.49]);
    expect([r.weightedPrecision, r.weightedRecall, r.weightedF1].map(round2)).toEqual([0.7, 0.6, 0.61]);
    expect(r.n).toBe(5);
  });

  it("pins a hand-computed case and leaves unused labels out of macro averages", () => {
    // labels a b c d; d occurs nowhere.
    // y_true = [a a a b b c], y_pred = [a a b b c c]
    //        pred: a b c d
    //   true a   [ 2 1 0 0 ]   a: tp 2, predicted 2, support 3 → P 1,   R 2/3, F1 4/(4+1)   = 0.8
    //   true b   [ 0 1 1 0 ]   b: tp 1, predicted 2, support 2 → P 1/2, R 1/2, F1 2/(2+2)   = 0.5
    //   true c   [ 0 0 1 0 ]   c: tp 1, predicted 2, support 1 → P 1/2, R 1,   F1 2/(2+1)   = 2/3
    //   true d   [ 0 0 0 0 ]   d: excluded from macro (no support, no predictions)
    // macro P = (1 + 1/2 + 1/2)/3 = 2/3; macro R = (2/3 + 1/2 + 1)/3 = 13/18; macro F1 = (4/5 + 1/2 + 2/3)/3 = 59/90
    // weighted P = (3·1 + 2·1/2 + 1·1/2)/6 = 3/4; weighted R = accuracy = 4/6; weighted F1 = (3·0.8 + 2·0.5 + 2/3)/6 = 61/90
    const r = classificationReport(i32([0, 0, 0, 1, 1, 2]), i32([0, 0, 1, 1, 2, 2]), ["a", "b", "c", "d"]);
    expect(r.confusion).toEqual([
      [2, 1, 0, 0],
      [0, 1, 1, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ]);
    expect(r.labels).toEqual(["a", "b", "c", "d"]);
    expect(r.perClass).toHaveLength(4);
    expect(r.perClass[3]).toEqual({ label: "d", precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.accuracy).toBeCloseTo(2 / 3, 12);
    expect(r.macroPrecision).toBeCloseTo(2 / 3, 12);
    expect(r.macroRecall).toBeCloseTo(13 / 18, 12);
    expect(r.macroF1).toBeCloseTo(59 / 90, 12);
    expect(r.weightedPrecision).toBeCloseTo(3 / 4, 12);
    expect(r.weightedRecall).toBeCloseTo(2 / 3, 12);
    expect(r.weightedF1).toBeCloseTo(61 / 90, 12);
    expect([r.microPrecision, r.microRecall, r.microF1]).toEqual([r.accuracy, r.accuracy, r.accuracy]);
  });

  it("keeps a label that is only predicted in the macro average (as sklearn's unique_labels does)", () => {
    // sklearn: f1_score([0, 0], [0, 1], average="macro") = (2/3 + 0)/2 = 1/3
    const r = classificationReport(i32([0, 0]), i32([0, 1]), ["a", "b", "c"]);
    expect(r.macroF1).toBeCloseTo(1 / 3, 12);
    expect(r.macroPrecision).toBeCloseTo(1 / 2, 12);
    expect(r.macroRecall).toBeCloseTo(1 / 4, 12);
    expect(r.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it("scores perfect predictions as 1 and empty input as 0", () => {
    const perfect = classificationReport(i32([0, 1, 1, 2]), i32([0, 1, 1, 2]), ["a", "b", "c"]);
    expect([perfect.accuracy, perfect.macroF1, perfect.weightedF1, perfect.microF1]).toEqual([1, 1, 1, 1]);
    const empty = classificationReport(i32([]), i32([]), ["a"]);
    expect([empty.n, empty.accuracy, empty.macroF1, empty.weightedF1]).toEqual([0, 0, 0, 0]);
  });

  it("rejects predictions outside the label list", () => {
    expect(() => classificationReport(i32([0]), i32([3]), ["a", "b"])).toThrow(RangeError);
  });
});

describe("meanStd", () => {
  it("uses the population standard deviation (ddof = 0)", () => {
    // numpy: np.std([1, 2, 3, 4]) = sqrt(1.25)
    const r = meanStd([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(meanStd([0.7])).toEqual({ mean: 0.7, std: 0 });
  });

  it("rejects an empty list", () => {
    expect(() => meanStd([])).toThrow(RangeError);
  });
});
