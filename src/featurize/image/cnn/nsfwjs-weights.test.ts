import { describe, expect, it } from "vitest";
import { decodeTfjsWeights, loadNsfwjsMobileNetV2 } from "./nsfwjs-weights.js";

describe("decodeTfjsWeights", () => {
  it("dequantizes uint8 and uint16 as min + scale·q and reads raw float32, in manifest order", () => {
    const f32 = new Uint8Array(Float32Array.of(1.5, -2).buffer);
    const u16 = new Uint8Array(Uint16Array.of(0, 1000).buffer);
    const bytes = Uint8Array.from([0, 255, 51, ...u16, ...f32]);
    const w = decodeTfjsWeights(
      [
        { name: "a", shape: [3], dtype: "float32", quantization: { min: -1, scale: 2 / 255, dtype: "uint8" } },
        { name: "b", shape: [2], dtype: "float32", quantization: { min: 0.5, scale: 0.001, dtype: "uint16" } },
        { name: "c", shape: [1, 2], dtype: "float32" },
      ],
      bytes,
      "test",
    );
    const a = w.get("a")!.data;
    expect(a[0]).toBeCloseTo(-1, 6);
    expect(a[1]).toBeCloseTo(1, 6);
    expect(a[2]).toBeCloseTo(-0.6, 6); // -1 + 51·2/255
    expect([...w.get("b")!.data].map((v) => Number(v.toFixed(6)))).toEqual([0.5, 1.5]);
    expect([...w.get("c")!.data]).toEqual([1.5, -2]);
    expect(w.get("c")!.shape).toEqual([1, 2]);
  });

  it("rejects data that does not match the manifest", () => {
    const entry = { name: "a", shape: [4], dtype: "float32", quantization: { min: 0, scale: 1, dtype: "uint8" } };
    expect(() => decodeTfjsWeights([entry], new Uint8Array(3), "m.json")).toThrow(/weight data ends inside "a"/);
    expect(() => decodeTfjsWeights([entry], new Uint8Array(5), "m.json")).toThrow(/1 bytes beyond the manifest/);
    expect(() => decodeTfjsWeights([{ ...entry, dtype: "int32", quantization: undefined }], new Uint8Array(16), "m.json")).toThrow(/unsupported dtype "int32"/);
  });
});

describe("loadNsfwjsMobileNetV2", () => {
  it("reads the package's MobileNetV2 with its flatten_1 layer and BN statistics", () => {
    const m = loadNsfwjsMobileNetV2();
    expect(m.source).toBe("nsfwjs@4.3.0 mobilenet_v2");
    expect(m.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(m.layers.some((l) => l.name === "flatten_1")).toBe(true);
    expect(m.weights.get("Conv1/kernel")!.shape).toEqual([3, 3, 3, 32]);
    expect(m.weights.get("Conv_1/kernel")!.shape).toEqual([1, 1, 320, 1280]);
    for (const v of m.weights.get("Conv_1_bn/moving_variance")!.data) expect(v).toBeGreaterThan(0);
  });
});
