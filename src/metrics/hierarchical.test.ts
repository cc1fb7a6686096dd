// Pins the hierarchical metrics to hand-computed cases (per-level macro-F1 cross-checked with scikit-learn).
import { describe, expect, it } from "vitest";
import { splitPath } from "../core/product.js";
import { hierarchicalReport } from "./hierarchical.js";

describe("hierarchicalReport", () => {
  it("gives hP = hR = 2/3 for a wrong leaf and hP = 1, hR = 2/3 for a backoff to the parent", () => {
    // T = {A, A>B, A>B>C}; P = {A, A>B, A>B>D}: |T ∩ P| = 2, |T| = |P| = 3.
    const wrongLeaf = hierarchicalReport([["A", "B", "C"]], [["A", "B", "D"]]);
    expect(wrongLeaf.hierarchicalPrecision).toBeCloseTo(2 / 3, 12);
    expect(wrongLeaf.hierarchicalRecall).toBeCloseTo(2 / 3, 12);
    expect(wrongLeaf.hierarchicalF1).toBeCloseTo(2 / 3, 12);
    expect(wrongLeaf.backoffRate).toBe(0);
    // P = {A, A>B}: |T ∩ P| = 2, |P| = 2.
    const backoff = hierarchicalReport([["A", "B", "C"]], [["A", "B"]]);
    expect(backoff.hierarchicalPrecision).toBe(1);
    expect(backoff.hierarchicalRecall).toBeCloseTo(2 / 3, 12);
    expect(backoff.hierarchicalF1).toBeCloseTo(0.8, 12);
    expect([backoff.exactAccuracy, backoff.backoffRate, backoff.abstainRate]).toEqual([0, 1, 0]);
  });

  it("pins a hand-computed mixed case: levels, hP/hR/hF, exact, backoff and abstain rates", () => {
    //   true       predicted   common |T| |P|
    // 1 A>B>C      A>B>D       2      3   3
    // 2 A>B>C      A>B         2      3   2   backoff
    // 3 A>E        (abstain)   0      2   0   abstain
    // 4 F          F>G         1      1   2   deeper than the truth
    // 5 A>E        F>G         0      2   2
    // 6 A>B>C      A>B>C       3      3   3   exact
    // Σ               8      14  12 → hP = 8/12, hR = 8/14, hF = 2·8/(14+12) = 8/13
    const yTrue = ["A > B > C", "A > B > C", "A > E", "F", "A > E", "A > B > C"].map((s) => splitPath(s));
    const yPred = ["A > B > D", "A > B", "", "F > G", "F > G", "A > B > C"].map((s) => splitPath(s));
    const r = hierarchicalReport(yTrue, yPred);
    expect(r.n).toBe(6);
    expect(r.hierarchicalPrecision).toBeCloseTo(2 / 3, 12);
    expect(r.hierarchicalRecall).toBeCloseTo(4 / 7, 12);
    expect(r.hierarchicalF1).toBeCloseTo(8 / 13, 12);
    expect(r.exactAccuracy).toBeCloseTo(1 / 6, 12);
    expect(r.backoffRate).toBeCloseTo(1 / 6, 12);
    expect(r.abstainRate).toBeCloseTo(1 / 6, 12);

    // Level 1 (6 items): true A A A F A A, pred A A – F F A → 4/6 right.
    //   A: tp 3, support 5, predicted 3 → F1 6/8; F: tp 1, support 1, predicted 2 → F1 2/3; macro 17/24.
    // Level 2 (items 1 2 3 5 6; item 4's true path has one level): true AB AB AE AE AB, pred AB AB – FG AB → 3/5.
    //   AB: F1 1; AE: 0; FG (predicted only): 0 → macro 1/3.
    // Level 3 (items 1 2 6): true ABC ×3, pred ABD – ABC → 1/3. ABC: tp 1, support 3, predicted 1 → 1/2; ABD: 0 → macro 1/4.
    // scikit-learn: f1_score(y_true_L, y_pred_L with "-" for short, labels=<categories without "-">, average="macro")
    // gives 0.7083333333333333, 0.3333333333333333, 0.25.
    expect(r.levels.map((l) => [l.level, l.support])).toEqual([
      [1, 6],
      [2, 5],
      [3, 3],
    ]);
    expect(r.levels[0]!.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.levels[1]!.accuracy).toBeCloseTo(3 / 5, 12);
    expect(r.levels[2]!.accuracy).toBeCloseTo(1 / 3, 12);
    expect(r.levels[0]!.macroF1).toBeCloseTo(17 / 24, 12);
    expect(r.levels[1]!.macroF1).toBeCloseTo(1 / 3, 12);
    expect(r.levels[2]!.macroF1).toBeCloseTo(1 / 4, 12);
  });

  it("treats a node as its whole path: A > X and B > X are different categories", () => {
    const r = hierarchicalReport([["A", "X"]], [["B", "X"]]);
    expect(r.hierarchicalPrecision).toBe(0);
    expect(r.levels.map((l) => l.accuracy)).toEqual([0, 0]);
    expect(r.levels[1]!.macroF1).toBe(0);
  });

  it("keeps segment text unambiguous when building keys", () => {
    // Joining with a separator would make ["a\"", "b"] and ["a", "\"b"] collide; quoting does not.
    const r = hierarchicalReport([["a\"", "b"]], [["a\"", "\"b"]]);
    expect(r.levels.map((l) => l.accuracy)).toEqual([1, 0]);
  });

  it("gives zeros when everything abstains, and an empty report for no items", () => {
    const r = hierarchicalReport([["A"], ["B", "C"]], [[], []]);
    expect([r.hierarchicalPrecision, r.hierarchicalRecall, r.hierarchicalF1]).toEqual([0, 0, 0]);
    expect(r.abstainRate).toBe(1);
    expect(r.levels.map((l) => [l.accuracy, l.macroF1])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(hierarchicalReport([], [])).toEqual({
      n: 0,
      levels: [],
      hierarchicalPrecision: 0,
      hierarchicalRecall: 0,
      hierarchicalF1: 0,
      exactAccuracy: 0,
      backoffRate: 0,
      abstainRate: 0,
    });
  });

  it("rejects mismatched lengths and empty true paths", () => {
    expect(() => hierarchicalReport([["A"]], [])).toThrow(TypeError);
    expect(() => hierarchicalReport([["A"], []], [["A"], ["A"]])).toThrow(/item 1: its true path is empty/);
  });
});
