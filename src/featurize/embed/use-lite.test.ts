import { describe, expect, it } from "vitest";
import { cjkShare, UseLiteEncoder } from "./use-lite.js";

describe("UseLiteEncoder", () => {
  it("embeds English titles as unit 512-d rows where related titles are closer", async () => {
    const enc = new UseLiteEncoder({ batchSize: 2 });
    const x = await enc.embed(["red running shoes", "blue trainers for running", "stainless steel kettle", ""]);
    expect(x.length).toBe(4 * 512);
    const dot = (a: number, b: number): number => {
      let s = 0;
      for (let j = 0; j < 512; j++) s += x[a * 512 + j]! * x[b * 512 + j]!;
      return s;
    };
    expect(dot(0, 0)).toBeCloseTo(1, 4);
    expect(dot(0, 1)).toBeGreaterThan(dot(0, 2));
    expect(dot(3, 3)).toBe(0);
  }, 30_000);

  it("refuses Chinese-only input and warns on some CJK", async () => {
    const enc = new UseLiteEncoder();
    await expect(enc.embed(["华为手机", "小米电视"])).rejects.toThrow(/English-only/);
    const warnings: string[] = [];
    await enc.embed(["huawei phone 华为", "xiaomi television set"], { onWarning: (w) => warnings.push(w.code) });
    expect(warnings).toEqual(["NON_ENGLISH"]);
    expect(cjkShare(["ab", "华为"])).toBeCloseTo(0.5, 6);
  }, 30_000);
});
