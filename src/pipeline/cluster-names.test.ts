// Tests for cluster names: class-based TF-IDF terms on tiny hand-made clusters (scores computed by hand from the
// formula tf / terms-in-cluster × ln(1 + average terms per cluster / the term's count over all clusters)).
import { describe, expect, it } from "vitest";
import { NOISE } from "../cluster/contracts.js";
import { nameFromTerms, topTerms, type TermScore } from "./cluster-names.js";

const terms = (ts: TermScore[]): string[] => ts.map((t) => t.term);

/**
 * Cluster 0 (13 terms):  "Steel frying pan with lid 28 cm" → steel, frying, pan, lid, steel frying, frying pan, lid 28
 *                        "steel frying pan 24cm"           → steel, frying, pan, steel frying, frying pan, pan 24cm
 * Cluster 1 (7 terms):   "Steel kettle 1.7 L"              → steel, kettle, steel kettle   ("1", "7", "l": one letter)
 *                        "steel kettle for the kitchen"    → steel, kettle, kitchen, steel kettle
 * Not terms: stop words (with, for, the), units (cm), bare numbers and quantities (28, 24cm); bigrams with a stop
 * word ("pan with", "28 cm"). Average terms per cluster: 20 / 2 = 10.
 */
const TITLES = ["Steel frying pan with lid 28 cm", "steel frying pan 24cm", "Steel kettle 1.7 L", "steel kettle for the kitchen"];
const LABELS = Int32Array.of(0, 0, 1, 1);

describe("topTerms", () => {
  it("scores each cluster's terms by class-based TF-IDF", () => {
    const [c0, c1] = topTerms(TITLES, LABELS, 2);
    const pair0 = (2 / 13) * Math.log(1 + 10 / 2); // frying, pan, steel frying, frying pan: twice here, nowhere else
    const once0 = (1 / 13) * Math.log(1 + 10 / 1); // lid, lid 28, pan 24cm
    expect(terms(c0!)).toEqual(["frying", "frying pan", "steel frying", "lid", "lid 28", "pan 24cm"]);
    expect(c0!.map((t) => t.score)).toEqual([pair0, pair0, pair0, once0, once0, once0].map((s) => expect.closeTo(s, 12)));
    const pair1 = (2 / 7) * Math.log(1 + 10 / 2);
    expect(terms(c1!)).toEqual(["kettle", "steel kettle", "kitchen"]);
    expect(c1!.map((t) => t.score)).toEqual([pair1, pair1, (1 / 7) * Math.log(11)].map((s) => expect.closeTo(s, 12)));
  });

  it("the distinctive term leads; the word both clusters share ranks below it and is not chosen alone", () => {
    const [c0, c1] = topTerms(TITLES, LABELS, 2);
    expect(c0![0]!.term).toBe("frying");
    expect(c1![0]!.term).toBe("kettle");
    // "steel" is in all four titles: ln(1 + 10/4) instead of ln(1 + 10/2); it only appears inside bigrams.
    for (const c of [c0!, c1!]) expect(terms(c)).not.toContain("steel");
  });

  it("never picks stop words, units, bare numbers or quantities as terms", () => {
    const all = topTerms(TITLES, LABELS, 2, 100).flat().map((t) => t.term);
    for (const w of ["with", "for", "the", "cm", "28", "24cm", "1.7", "l", "7", "pan with", "28 cm"]) expect(all).not.toContain(w);
  });

  it("skips a term whose words all appear in terms already chosen (pan after frying pan, steel after steel kettle)", () => {
    const [c0, c1] = topTerms(TITLES, LABELS, 2, 100);
    expect(terms(c0!)).not.toContain("pan");
    expect(terms(c1!)).not.toContain("steel");
  });

  it("keeps the top N", () => {
    const [c0, c1] = topTerms(TITLES, LABELS, 2, 2);
    expect(terms(c0!)).toEqual(["frying", "frying pan"]);
    expect(terms(c1!)).toEqual(["kettle", "steel kettle"]);
  });

  it("leaves noise rows out", () => {
    const withNoise = topTerms([...TITLES, "kettle kettle frying pan steel lid kitchen"], Int32Array.of(0, 0, 1, 1, NOISE), 2);
    expect(withNoise).toEqual(topTerms(TITLES, LABELS, 2));
  });

  it("drops terms seen once in a cluster of more than 20 terms", () => {
    // 4 titles × 7 terms = 28 > 20: the colours (and "pan red" …) go. One cluster: avg = 28, each kept term 4/28 · ln(1 + 28/4).
    const four = ["nonstick frying pan red", "nonstick frying pan blue", "nonstick frying pan green", "nonstick frying pan black"];
    const [big] = topTerms(four, new Int32Array(4), 1);
    expect(terms(big!)).toEqual(["frying", "frying pan", "nonstick"]);
    expect(big![0]!.score).toBeCloseTo((4 / 28) * Math.log(8), 12);
    // 2 titles × 7 terms = 14: the colours stay (1/14 · ln(1 + 14/1)).
    const [small] = topTerms(four.slice(0, 2), new Int32Array(2), 1);
    expect(terms(small!)).toEqual(["frying", "frying pan", "nonstick", "blue", "pan red"]);
    expect(small![3]!.score).toBeCloseTo(Math.log(15) / 14, 12);
  });

  it("names Chinese clusters by their words, without Chinese stop words", () => {
    // jieba: 小米 | 电饭煲 | 的 ; 小米 | 电饭煲 | 买 ; 华为 | 手机 ; 华为 | 手机 | 壳 (single Han characters are words).
    const [c0, c1, empty] = topTerms(["小米 电饭煲 的", "小米电饭煲 买", "华为 手机", "华为手机 壳"], Int32Array.of(0, 0, 1, 1), 3);
    expect(terms(c0!)).toEqual(["小米", "小米 电饭煲"]);
    expect(terms(c1!)).toEqual(["华为", "华为 手机", "壳"]);
    expect(empty).toEqual([]);
  });

  it("gives one (possibly empty) list per cluster id", () => {
    expect(topTerms([], new Int32Array(0), 2)).toEqual([[], []]);
    expect(topTerms(["28 cm", "the 5l"], Int32Array.of(0, 0), 1)).toEqual([[]]);
  });
});

describe("nameFromTerms", () => {
  it("joins the first three terms with ' · '", () => {
    const [c0, c1] = topTerms(TITLES, LABELS, 2);
    expect(nameFromTerms(c0!)).toBe("frying · frying pan · steel frying");
    expect(nameFromTerms(c1!)).toBe("kettle · steel kettle · kitchen");
    expect(nameFromTerms([{ term: "tent", score: 1 }])).toBe("tent");
  });

  it("says (no terms) for an empty list", () => {
    expect(nameFromTerms([])).toBe("(no terms)");
  });
});
