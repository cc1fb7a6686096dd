import { describe, expect, it } from "vitest";
import { TextFeaturizer, FittedTextFeaturizer } from "./text-featurizer.js";
import { normalizeText, stripHtml } from "./normalize.js";
import { tokenize, tokenBuffers } from "./tokenize.js";
import { knownColumnCounts, knownFacts } from "../../linalg/matrix.js";

const wordsOnly = { wordNgrams: [1, 1] as [number, number], charNgrams: [0, 0] as [number, number], cjkCharNgrams: [0, 0] as [number, number], titleWeight: 1, wordWeight: 1 };

function rowValues(m: { indptr: Int32Array; data: Float32Array }, i: number): number[] {
  return Array.from(m.data.subarray(m.indptr[i]!, m.indptr[i + 1]!)).sort((a, b) => b - a);
}

describe("normalizeText", () => {
  it("strips tags, decodes entities, applies NFKC and lower-cases", async () => {
    expect(normalizeText("<b>Pan</b> &amp; Lid&#33;")).toBe(" pan  & lid!");
    expect(normalizeText("ＡＢＣ１２３ ﬁne")).toBe("abc123 fine");
    expect(stripHtml("a &lt;3 &nbsp;b &unknown; &#x4e2d;")).toBe("a <3  b &unknown; 中");
  });
});

describe("tokenize", () => {
  const tok = (s: string): { words: string[]; runs: string[] } => {
    const b = tokenBuffers();
    tokenize(normalizeText(s), b);
    return { words: b.words, runs: b.runs };
  };
  it("splits Latin text into letter/digit runs", async () => {
    expect(tok("Nike Air-Zoom Pegasus 40, 64GB").words).toEqual(["nike", "air", "zoom", "pegasus", "40", "64gb"]);
    expect(tok("Café crème brûlée").words).toEqual(["café", "crème", "brûlée"]);
  });
  it("segments Chinese with jieba, keeping brand names whole", async () => {
    const { words, runs } = tok("华为mate60手机 耐克运动鞋");
    expect(words).toContain("华为");
    expect(words).toContain("耐克");
    expect(words).toContain("mate60");
    expect(words).toContain("手机");
    // Whole CJK runs are kept for character n-grams.
    expect(runs).toContain("耐克运动鞋");
  });
});

describe("TextFeaturizer", () => {
  it("computes sublinear TF-IDF with smoothed IDF and L2 rows (hand-computed)", async () => {
    const docs = [["red shoe"], ["blue shoe"], ["red red hat"]];
    const { matrix, featurizer } = await new TextFeaturizer(wordsOnly).fitTransformTexts(docs);
    expect(featurizer.dim).toBe(4); // red, shoe, blue, hat
    // idf = ln((1+n)/(1+df)) + 1 with n = 3: red/shoe df 2 → 1.287682; blue/hat df 1 → 1.693147.
    // Doc 3: red tf 2 → (1+ln 2)·1.287682 = 2.180236; hat → 1.693147; L2 → 0.789807, 0.613356.
    const r3 = rowValues(matrix, 2);
    expect(r3[0]).toBeCloseTo(0.789807, 5);
    expect(r3[1]).toBeCloseTo(0.613356, 5);
    // Doc 1: red, shoe share an idf → both 1/√2.
    for (const v of rowValues(matrix, 0)) expect(v).toBeCloseTo(Math.SQRT1_2, 6);
    // Doc 2: blue 1.693147, shoe 1.287682 → 0.795961, 0.605349.
    const r2 = rowValues(matrix, 1);
    expect(r2[0]).toBeCloseTo(0.795961, 5);
    expect(r2[1]).toBeCloseTo(0.605349, 5);
  });

  it("transform reproduces the training rows and ignores unseen n-grams", async () => {
    const docs = [["red shoe"], ["blue shoe"], ["red red hat"]];
    const { matrix, featurizer } = await new TextFeaturizer(wordsOnly).fitTransformTexts(docs);
    const again = featurizer.transformTexts(docs);
    expect(Array.from(again.indptr)).toEqual(Array.from(matrix.indptr));
    expect(Array.from(again.indices)).toEqual(Array.from(matrix.indices));
    expect(Array.from(again.data)).toEqual(Array.from(matrix.data));
    const unseen = featurizer.transformTexts([["green boot"], ["green shoe"]]);
    expect(unseen.indptr[1]).toBe(0);
    expect(rowValues(unseen, 1)).toEqual([1]);
  });

  it("normalizes the word and character blocks separately and weights the title", async () => {
    const { matrix, featurizer } = await new TextFeaturizer({ wordNgrams: [1, 2], charNgrams: [2, 3] }).fitTransformTexts([
      ["frying pan", "non-stick"],
      ["sauce pan", ""],
    ]);
    // Each block is L2-normalized, then scaled by its weight: squared norm 0.7² + 1² = 1.49.
    for (let i = 0; i < 2; i++) {
      let s = 0;
      for (let p = matrix.indptr[i]!; p < matrix.indptr[i + 1]!; p++) s += matrix.data[p]! ** 2;
      expect(s).toBeCloseTo(0.7 ** 2 + 1, 5);
    }
    // The title weighs more: "frying" (title) outweighs "stick" (description) in row 0.
    const one = featurizer.transformTexts([["frying", "stick"]]);
    const vals = rowValues(one, 0);
    expect(vals.length).toBeGreaterThan(2);
    const titleOnly = featurizer.transformTexts([["frying", ""]]);
    const descOnly = featurizer.transformTexts([["", "stick"]]);
    expect(titleOnly.indptr[1]).toBeGreaterThan(0);
    expect(descOnly.indptr[1]).toBeGreaterThan(0);
  });

  it("round-trips through its artifact", async () => {
    const docs = [["华为 手机 p30"], ["耐克 运动鞋"], ["apple iphone 8 64gb"]];
    const { featurizer } = await new TextFeaturizer().fitTransformTexts(docs);
    const back = FittedTextFeaturizer.fromArtifact(featurizer.toArtifact());
    const a = featurizer.transformTexts(docs);
    const b = back.transformTexts(docs);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
  });

  it("is deterministic and handles empty text", async () => {
    const docs = [["a b c"], [""], ["<p>&nbsp;</p>"]];
    const r1 = await new TextFeaturizer().fitTransformTexts(docs);
    const r2 = await new TextFeaturizer().fitTransformTexts(docs);
    expect(Array.from(r1.matrix.data)).toEqual(Array.from(r2.matrix.data));
    expect(r1.matrix.indptr[2]! - r1.matrix.indptr[1]!).toBe(0);
    for (const v of r1.matrix.data) expect(Number.isFinite(v)).toBe(true);
  });

  it("records each column's entries (its document frequency) with the training matrix, for the classifier's column order", async () => {
    const docs = [["red shoe", "red"], ["blue shoe"], ["红色 鞋子"], [""], ["red red shoe 鞋子"]];
    const { matrix: m } = await new TextFeaturizer({ minDf: 2 }).fitTransformTexts(docs);
    const counted = new Int32Array(m.cols);
    for (let p = 0; p < m.indptr[m.rows]!; p++) counted[m.indices[p]!]!++;
    expect(Array.from(knownColumnCounts(m)!)).toEqual(Array.from(counted));
    // Another shape over the same entries is not taken for this matrix.
    expect(knownColumnCounts({ ...m, indptr: m.indptr.slice() })).toBeUndefined();
  });

  it("records that its values are finite and each row's squared norm plus 1, as the solvers sum them (to the bit)", async () => {
    const docs = [["red shoe", "red"], ["blue shoe"], ["红色 鞋子"], [""], ["red red shoe 鞋子 <b>big</b>"]];
    const { matrix: m } = await new TextFeaturizer({ minDf: 2 }).fitTransformTexts(docs);
    const facts = knownFacts(m);
    expect(facts.finite).toBe(true);
    expect(facts.squaredNorms!.bias2).toBe(1);
    const summed = Array.from({ length: m.rows }, (_, i) => {
      let s = 1;
      for (let p = m.indptr[i]!; p < m.indptr[i + 1]!; p++) s += m.data[p]! * m.data[p]!;
      return s;
    });
    expect(Array.from(facts.squaredNorms!.norms)).toEqual(summed);
    expect(summed[3]).toBe(1); // the empty document: the bias alone
    // Other values over the same entries know nothing.
    expect(knownFacts({ ...m, data: m.data.map((v) => v * 2) })).toEqual({});
  });

  it("rejects invalid parameters", async () => {
    expect(() => new TextFeaturizer({ charNgrams: [5, 2] })).toThrow();
    expect(() => new TextFeaturizer({ hashBits: 40 })).toThrow();
  });
});
