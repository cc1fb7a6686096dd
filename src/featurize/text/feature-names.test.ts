import { describe, expect, it } from "vitest";
import { columnOfBucket, documentNgrams } from "./feature-names.js";
import { hashDocument, Scratch } from "./hash-pass.js";
import { TextFeaturizerParams, type TextFeaturizerParamsInput } from "./params.js";
import { TextFeaturizer } from "./text-featurizer.js";

/** Bucket → summed count, as the hashing pass produces it. */
function hashed(p: TextFeaturizerParams, fields: string[]): Map<number, number> {
  const sc = new Scratch();
  hashDocument(p, fields, sc);
  sc.finish();
  const m = new Map<number, number>();
  for (let t = 0; t < sc.nTouched; t++) m.set(sc.touched[t]!, sc.counts[t]!);
  sc.reset();
  return m;
}

/** Bucket → summed count, from the named n-grams. */
function named(p: TextFeaturizerParams, fields: string[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const g of documentNgrams(p, fields)) m.set(g.bucket, (m.get(g.bucket) ?? 0) + g.weight);
  return m;
}

const DOCS: string[][] = [
  ["Bosch TWK 3A011 electric kettle 1.7 l", "Stainless steel kettle, 2400 W. <b>Fast</b> boil &amp; auto off"],
  ["kettle kettle kettle", "kettle"],
  ["Canon EOS M6 Schwarz + 18-150mm IS STM"],
  ["华为mate60手机 耐克运动鞋", "アップル iPhone 15 Pro"],
  ["Café crème brûlée 𝒜𝒷 emoji 😀 A+++", ""],
  ["", "only a description"],
];

const SETTINGS: TextFeaturizerParamsInput[] = [
  {},
  { wordNgrams: [1, 3], charNgrams: [3, 3], cjkCharNgrams: [2, 2], titleWeight: 3 },
  { wordNgrams: [2, 2], charNgrams: [0, 0], hashBits: 10 },
  { wordNgrams: [0, 0], titleWeight: 0 },
];

describe("documentNgrams", () => {
  it.each(SETTINGS.map((s) => [JSON.stringify(s), s] as const))("hits the same buckets with the same counts as the hashing pass (%s)", (_, s) => {
    const p = TextFeaturizerParams.parse(s);
    for (const doc of DOCS) expect(named(p, doc)).toEqual(hashed(p, doc));
  });

  it("names word n-grams by their tokens and character n-grams by their characters and word", () => {
    const p = TextFeaturizerParams.parse({ wordNgrams: [1, 2], charNgrams: [3, 4], titleWeight: 2 });
    const grams = documentNgrams(p, ["Electric Kettle", "steel"]);
    const words = grams.filter((g) => g.kind === "word");
    expect(words.map((g) => g.text)).toEqual(["electric", "electric kettle", "kettle", "steel"]);
    expect(words.map((g) => g.weight)).toEqual([2, 2, 2, 1]);
    const kettle = grams.filter((g) => g.kind === "char" && g.source === "kettle").map((g) => g.text);
    expect(kettle).toContain("_ket");
    expect(kettle).toContain("tle_");
    expect(kettle).toContain("ett");
    expect(grams.find((g) => g.text === "_st")?.field).toBe(1);
  });

  it("maps buckets to the compact columns of a fitted featurizer", async () => {
    const texts = [["red kettle"], ["blue kettle"], ["green pan"]];
    const { featurizer, matrix } = await new TextFeaturizer({ charNgrams: [0, 0], minDf: 1 }).fitTransformTexts(texts);
    const p = featurizer.params;
    for (let d = 0; d < texts.length; d++) {
      const cols = documentNgrams(p, texts[d]!).map((g) => columnOfBucket(featurizer.columns, g.bucket));
      const row = Array.from(matrix.indices.subarray(matrix.indptr[d]!, matrix.indptr[d + 1]!));
      expect(new Set(cols)).toEqual(new Set(row));
    }
    expect(columnOfBucket(featurizer.columns, -5)).toBe(-1);
    expect(columnOfBucket(featurizer.columns, 1 << 30)).toBe(-1);
  });
});
