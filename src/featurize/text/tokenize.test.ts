// segmentMany cuts many texts in few jieba calls: the parts must be segment()'s, text by text.
import { describe, expect, it } from "vitest";
import { segment, segmentMany } from "./tokenize.js";

describe("segmentMany", () => {
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
    expect(segmentMany(texts)).toEqual(texts.map((t) => segment(t)));
  });

  it("cuts texts holding NUL, and empty texts, one by one (NUL separates the texts of a batch)", () => {
    const texts = ["华为\u0000手机", "", "小米手机"];
    expect(segmentMany(texts)).toEqual(texts.map((t) => segment(t)));
  });

  it("splits long inputs into batches and keeps the order", () => {
    const texts = Array.from({ length: 700 }, (_, i) => `第${i}个商品 华为 mate ${i % 7 === 0 ? "。" : "手机"}`);
    const cut = segmentMany(texts);
    expect(cut).toHaveLength(700);
    expect(cut).toEqual(texts.map((t) => segment(t)));
  });
});
