// segmentLengths cuts many texts in few jieba calls: the parts' lengths must be those of segment()'s parts, text by text.
import { describe, expect, it } from "vitest";
import { segment, segmentLengths } from "./tokenize.js";

/** segmentLengths' answer as one array of part lengths per text. */
function perText(texts: readonly string[]): number[][] {
  const { lengths, starts } = segmentLengths(texts);
  expect(starts).toHaveLength(texts.length + 1);
  expect(starts[texts.length]).toBe(lengths.length);
  return texts.map((_, i) => Array.from(lengths.subarray(starts[i], starts[i + 1])));
}

const alone = (texts: readonly string[]): number[][] => texts.map((t) => segment(t).map((p) => p.length));

describe("segmentLengths", () => {
  it("gives each text the parts segment() gives it alone", () => {
    const texts = [
      "华为手机很好用,电池耐用",
      "已经到货了,包装的很到位",
      "apple iphone 8 64gb 金色",
      "。开头是标点",
      "结尾是标点!",
      "abc",
      "123华为456",
      "东京タワー 日本語のテキスト",
      "한국어 텍스트 삼성",
      "华为",
    ];
    // jieba's cut of the first: 华为 | 手机 | 很 | 好 | 用 | , | 电池 | 耐用.
    expect(perText(texts)[0]).toEqual([2, 2, 1, 1, 1, 1, 2, 2]);
    expect(perText(texts)).toEqual(alone(texts));
  });

  it("cuts texts holding NUL, and empty texts, one by one (NUL separates the texts of a batch)", () => {
    const texts = ["华为\u0000手机", "", "小米手机"];
    expect(perText(texts)).toEqual(alone(texts));
    expect(perText(texts)[1]).toEqual([]);
  });

  it("splits long inputs into batches and keeps the order", () => {
    const texts = Array.from({ length: 700 }, (_, i) => `第${i}个商品 华为 mate ${i % 7 === 0 ? "。" : "手机"}`);
    const cut = perText(texts);
    expect(cut).toHaveLength(700);
    expect(cut).toEqual(alone(texts));
  });
});
