// The WebAssembly hashing pass against the JavaScript one: identical rows (columns, order, float32 bits) when
// transforming and when fitting, over Latin, accented, HTML, Chinese (segmented by jieba), astral and broken
// (lone surrogate) text, long documents that make the scratch grow mid-batch, and several parameter sets. The
// module is compiled here from its AssemblyScript source, so the test never depends on a previous build.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashRows, hashRowsInJs, textHasherFallbackReason, useTextHasherModule, WasmTextHasher } from "./hash-wasm.js";
import { FittedTextFeaturizer, TextFeaturizer } from "./text-featurizer.js";
import { TextFeaturizerParams, type TextFeaturizerParamsInput } from "./params.js";

let bytes: Uint8Array;

beforeAll(async () => {
  const asc = (await import("assemblyscript/asc")).default;
  const source = readFileSync(new URL("./wasm/hash.as.ts", import.meta.url), "utf8");
  // As scripts/build-wasm.mjs compiles it.
  const r = await asc.compileString(source, { optimizeLevel: 3, noAssert: true, runtime: "stub", importMemory: true, maximumMemory: 65536 });
  if (r.error || !r.binary) throw new Error(`AssemblyScript compile failed: ${r.error?.message ?? ""}\n${r.stderr.toString()}`);
  bytes = r.binary;
  useTextHasherModule(bytes);
}, 60_000);

afterAll(() => useTextHasherModule(null));

const same = (a: Int32Array | Float32Array, b: Int32Array | Float32Array): boolean =>
  a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

const LONG = Array.from({ length: 400 }, (_, i) => `word${i % 37} Größe-${i} 18-55mm`).join(" ");
const DOCS: string[][] = [
  ["Apple iPhone 8 Plus 64GB Gold", "Unlocked, grade A"],
  ["<b>Bosch</b> Serie&nbsp;4 &amp; kettle &#x4e2d; &unknown;", ""],
  ["Café crème brûlée — ＡＢＣ１２３ ﬁne", "Ærøskøbing ǅemal İstanbul"],
  ["华为mate60手机 耐克运动鞋", "已经到货了，拿回宿舍一打开，包装的很到位"],
  ["🔥 Hot deal 😀 𠀀𠀁 ext-B ideographs 𝐁𝐨𝐥𝐝", "emoji only 🎉🎉"],
  ["lone \ud800 surrogate 华为 手机", "and \udc00 low"],
  ["", "description only, title empty"],
  ["x", ""],
  ["  ", "   "],
  [LONG, `${LONG} 中文混合English文本 ${LONG}`],
  ["a+++ 18-150mm f/3.5-5.6 ø58", "Tab\tnew\nline\r\nend"],
  ["日本語のテキスト カタカナ 한국어 텍스트", "Ελληνικά кириллица עברית"],
];

const PARAMS: TextFeaturizerParamsInput[] = [
  {},
  { hashBits: 10, titleWeight: 0.3, sublinearTf: false, wordWeight: 1.3 },
  { wordNgrams: [0, 0], charNgrams: [1, 3], cjkCharNgrams: [2, 3], idf: false },
  { wordNgrams: [2, 3], charNgrams: [0, 0], cjkCharNgrams: [0, 0], titleWeight: 0 },
];

describe("text hashing: WebAssembly = JavaScript", () => {
  it("is in use (compiled from source)", () => {
    expect(WasmTextHasher.create(TextFeaturizerParams.parse({}))).toBeDefined();
    expect(textHasherFallbackReason()).toBeUndefined();
  });

  it.each(PARAMS.map((p, i) => [i, p] as const))("gives identical rows and document frequencies when fitting (params %i)", (_i, input) => {
    const p = TextFeaturizerParams.parse(input);
    const docs = [...DOCS, ...DOCS.slice().reverse()];
    const a = hashRows(p, docs);
    const b = hashRowsInJs(p, docs);
    expect(a.cols.length).toBeGreaterThan(0);
    expect(same(a.indptr, b.indptr)).toBe(true);
    expect(same(a.cols, b.cols)).toBe(true);
    expect(same(a.counts, b.counts)).toBe(true);
    expect(same(a.df, b.df)).toBe(true);
  });

  it.each(PARAMS.map((p, i) => [i, p] as const))("gives identical weighted rows when transforming (params %i)", async (_i, input) => {
    const { featurizer } = await new TextFeaturizer(input).fitTransformTexts(DOCS.slice(0, 8), { threads: 0 });
    // Unseen text too: buckets outside the fitted space are dropped on both sides.
    const docs = [...DOCS, ["brand new words never seen"], ...DOCS];
    const a = featurizer.transformTexts(docs);
    const b = featurizer.transformTextsInJs(docs);
    expect(a.indptr[a.rows]).toBeGreaterThan(0);
    expect(same(a.indptr, b.indptr)).toBe(true);
    expect(same(a.indices, b.indices)).toBe(true);
    expect(same(a.data, b.data)).toBe(true);
    // One at a time (the scratch is reused across calls) gives the same rows.
    for (let d = 0; d < docs.length; d++) {
      const one = featurizer.transformTexts([docs[d]!]);
      expect(Array.from(one.indices)).toEqual(Array.from(a.indices.subarray(a.indptr[d]!, a.indptr[d + 1]!)));
      expect(same(one.data, a.data.subarray(a.indptr[d]!, a.indptr[d + 1]!))).toBe(true);
    }
  });

  it.each([
    ["gathers", 2 ** 18],
    ["looks up", 2 ** 18 - 1],
  ])("gives identical weighted rows where it %s the idfs first (a space of %i columns)", (_how, n) => {
    // A space too large to fit from a few documents: the first n even buckets of the 2^19 (word and character
    // ones), with idfs of many values; the documents' odd buckets are dropped.
    const p = TextFeaturizerParams.parse({});
    const columns = Int32Array.from({ length: n }, (_, k) => 2 * k);
    const idf = Float32Array.from({ length: n }, (_, k) => 1 + ((k * 2654435761) % 1000) / 97);
    const featurizer = new FittedTextFeaturizer(p, columns, idf);
    const a = featurizer.transformTexts(DOCS);
    const b = featurizer.transformTextsInJs(DOCS);
    expect(a.indptr[a.rows]).toBeGreaterThan(100);
    expect(same(a.indptr, b.indptr)).toBe(true);
    expect(same(a.indices, b.indices)).toBe(true);
    expect(same(a.data, b.data)).toBe(true);
  });

  it("lets a hasher go after a batch that grew its memory past the limit, and answers the same after", async () => {
    // 80k documents of ~130 n-grams in the fitted space: more than 64 MB of output entries.
    const big = Array.from({ length: 80_000 }, (_, i) => [`apple iphone ${i % 97} plus 64gb gold model x${i} grade a refurbished`, `unlocked ${i % 13}`]);
    const { featurizer } = await new TextFeaturizer({}).fitTransformTexts([...DOCS, ...big.slice(0, 5_000)], { threads: 0 });
    const x = featurizer.transformTexts(big);
    expect(x.indptr[x.rows]! * 8).toBeGreaterThan(64 * 2 ** 20);
    expect((featurizer as unknown as { hasher: unknown }).hasher).toBeUndefined();
    const a = featurizer.transformTexts(DOCS);
    const b = featurizer.transformTextsInJs(DOCS);
    expect((featurizer as unknown as { hasher: unknown }).hasher).toBeInstanceOf(WasmTextHasher);
    expect(same(a.indices, b.indices) && same(a.data, b.data)).toBe(true);
  }, 60_000);

  it("counts a hand-computed document: word unigrams weighted by title", () => {
    const p = TextFeaturizerParams.parse({ wordNgrams: [1, 1], charNgrams: [0, 0], cjkCharNgrams: [0, 0], titleWeight: 2 });
    // "red red hat" (title, weight 2) and "hat" (description, 1): red 4, hat 3; first-seen order.
    const r = hashRows(p, [["Red red HAT", "hat"]]);
    expect(Array.from(r.counts)).toEqual([4, 3]);
    expect(r.indptr[1]).toBe(2);
    expect(r.df[r.cols[0]!]).toBe(1);
  });

  it("has no data segment (its memory is laid out by the host from byte 16)", () => {
    // Walk the module's sections: id 11 is the data section.
    let at = 8;
    const ids: number[] = [];
    while (at < bytes.length) {
      const id = bytes[at++]!;
      let size = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[at++]!;
        size |= (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
      }
      ids.push(id);
      at += size;
    }
    expect(ids).not.toContain(11);
  });
});
