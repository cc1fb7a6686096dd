import { describe, expect, it } from "vitest";
import { charNgrams, fnv1a, subwordIds } from "./subwords.js";

describe("fnv1a", () => {
  it("matches the published 32-bit FNV-1a values on ASCII", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("sign-extends bytes ≥ 0x80 as fastText's char hash does", () => {
    // "é" = c3 a9: fastText XORs 0xffffffc3 then 0xffffffa9.
    expect(fnv1a("é")).toBe(0x3cfa68c1);
    expect(fnv1a("<华为>")).toBe(0x69a481a9);
  });
});

describe("charNgrams", () => {
  it("gives fastText's n-grams of <where>", () => {
    expect(charNgrams("where", 3, 3)).toEqual(["<wh", "whe", "her", "ere", "re>"]);
    expect(charNgrams("where", 3, 6)).toEqual([
      "<wh", "<whe", "<wher", "<where",
      "whe", "wher", "where", "where>",
      "her", "here", "here>",
      "ere", "ere>",
      "re>",
    ]);
  });

  it("counts characters, not UTF-16 units or bytes, and skips the bare brackets for n = 1", () => {
    expect(charNgrams("华为", 1, 2)).toEqual(["<华", "华", "华为", "为", "为>"]);
    expect(charNgrams("a", 0, 0)).toEqual([]);
  });

  it("maps n-grams to bucket rows after the words", () => {
    expect(subwordIds("where", 3, 3, 2_000_000, 10)[0]).toBe(10 + 167652);
  });
});
