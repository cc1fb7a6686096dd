import { describe, expect, it } from "vitest";
import { colorDescriptorLength, colorHistogram, colorMoments, rgbToHsv } from "./color-histogram.js";
import type { RgbImage } from "./image.js";

/** An image from a row-major list of [r, g, b] pixels. */
function img(width: number, height: number, pixels: readonly (readonly [number, number, number])[]): RgbImage {
  expect(pixels.length).toBe(width * height);
  return { width, height, data: Uint8Array.from(pixels.flat()) };
}
const fill = (w: number, h: number, p: readonly [number, number, number]): RgbImage => img(w, h, Array.from({ length: w * h }, () => p));
const nonZero = (v: Float32Array): Record<number, number> => Object.fromEntries([...v.entries()].filter(([, x]) => x !== 0).map(([i, x]) => [i, Number(x.toFixed(6))]));
const plain = { grid: 1, moments: false } as const;

describe("rgbToHsv", () => {
  it("matches the textbook conversion", () => {
    expect(rgbToHsv(255, 0, 0)).toEqual([0, 1, 1]);
    expect(rgbToHsv(0, 255, 0)).toEqual([120, 1, 1]);
    expect(rgbToHsv(0, 0, 255)).toEqual([240, 1, 1]);
    const [h, s, v] = rgbToHsv(255, 128, 0);
    expect(h).toBeCloseTo((60 * 128) / 255, 10);
    expect([s, v]).toEqual([1, 1]);
    expect(rgbToHsv(128, 128, 128)).toEqual([0, 0, 128 / 255]);
    expect(rgbToHsv(0, 0, 0)).toEqual([0, 0, 0]);
    expect(rgbToHsv(255, 0, 1)[0]).toBeCloseTo(360 - 60 / 255, 10);
  });
});

describe("colorHistogram", () => {
  // Default bins 8 × 4 × 4: index = (hueBin · 4 + satBin) · 4 + valBin.
  it("puts every pure primary in its own hue bin at full saturation and value", () => {
    expect(colorDescriptorLength(plain)).toBe(128);
    expect(nonZero(colorHistogram(fill(3, 2, [255, 0, 0]), plain))).toEqual({ 15: 1 }); // hue 0°   → bin 0
    expect(nonZero(colorHistogram(fill(3, 2, [255, 255, 0]), plain))).toEqual({ 31: 1 }); // 60° → bin ⌊60/45⌋ = 1
    expect(nonZero(colorHistogram(fill(3, 2, [0, 255, 0]), plain))).toEqual({ 47: 1 }); // 120° → bin 2
    expect(nonZero(colorHistogram(fill(3, 2, [0, 255, 255]), plain))).toEqual({ 79: 1 }); // 180° → bin 4
    expect(nonZero(colorHistogram(fill(3, 2, [0, 0, 255]), plain))).toEqual({ 95: 1 }); // 240° → bin 5
    expect(nonZero(colorHistogram(fill(3, 2, [255, 0, 255]), plain))).toEqual({ 111: 1 }); // 300° → bin 6
    expect(nonZero(colorHistogram(fill(3, 2, [255, 0, 1]), plain))).toEqual({ 127: 1 }); // 359.8° → bin 7
  });

  it("sends greys to hue 0, saturation 0 and bins them by value", () => {
    expect(nonZero(colorHistogram(fill(2, 2, [255, 255, 255]), plain))).toEqual({ 3: 1 });
    expect(nonZero(colorHistogram(fill(2, 2, [0, 0, 0]), plain))).toEqual({ 0: 1 });
    expect(nonZero(colorHistogram(fill(2, 2, [100, 100, 100]), plain))).toEqual({ 1: 1 }); // v = 0.39 → bin 1
    // Dark, half-saturated red: s = 0.5 → bin 2, v = 100/255 → bin 1.
    expect(nonZero(colorHistogram(fill(2, 2, [100, 50, 50]), plain))).toEqual({ 9: 1 });
  });

  it("is L1-normalised and counts pixel fractions", () => {
    const h = colorHistogram(img(4, 1, [[255, 0, 0], [255, 0, 0], [255, 0, 0], [0, 0, 255]]), plain);
    expect(nonZero(h)).toEqual({ 15: 0.75, 95: 0.25 });
    expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it("adds one histogram per cell of the 2×2 grid", () => {
    const R = [255, 0, 0] as const;
    const B = [0, 0, 255] as const;
    const W = [255, 255, 255] as const;
    // Top half red; bottom-left blue; bottom-right white.
    const image = img(4, 4, [R, R, R, R, R, R, R, R, B, B, W, W, B, B, W, W]);
    const h = colorHistogram(image, { grid: 2, moments: false });
    expect(h.length).toBe(5 * 128);
    expect(nonZero(h.subarray(0, 128))).toEqual({ 15: 0.5, 95: 0.25, 3: 0.25 });
    expect(nonZero(h.subarray(128, 256))).toEqual({ 15: 1 }); // top-left
    expect(nonZero(h.subarray(256, 384))).toEqual({ 15: 1 }); // top-right
    expect(nonZero(h.subarray(384, 512))).toEqual({ 95: 1 }); // bottom-left
    expect(nonZero(h.subarray(512, 640))).toEqual({ 3: 1 }); // bottom-right
  });

  it("honours other bin counts", () => {
    const h = colorHistogram(fill(1, 1, [0, 255, 0]), { hueBins: 3, satBins: 1, valBins: 1, grid: 1, moments: false });
    expect([...h]).toEqual([0, 1, 0]); // 120° of 360° in 3 bins → bin 1
  });

  it("rejects data of the wrong length and bad params", () => {
    expect(() => colorHistogram({ width: 2, height: 2, data: new Uint8Array(5) })).toThrow(TypeError);
    expect(() => colorHistogram(fill(1, 1, [0, 0, 0]), { hueBins: 0 })).toThrow();
  });
});

describe("colorMoments", () => {
  it("gives mean, standard deviation and cube-rooted skewness per channel", () => {
    // Red channel 0, 0, 0, 255 → mean 1/4, variance 3/16, third moment 3/32; green all 255; blue 0 and 255.
    const m = colorMoments(img(4, 1, [[0, 255, 0], [0, 255, 255], [0, 255, 0], [255, 255, 255]]));
    expect(m[0]).toBeCloseTo(0.25, 6);
    expect(m[1]).toBeCloseTo(1, 6);
    expect(m[2]).toBeCloseTo(0.5, 6);
    expect(m[3]).toBeCloseTo(Math.sqrt(3 / 16), 6);
    expect(m[4]).toBeCloseTo(0, 6);
    expect(m[5]).toBeCloseTo(0.5, 6);
    expect(m[6]).toBeCloseTo(Math.cbrt(3 / 32), 6);
    expect(m[7]).toBeCloseTo(0, 6);
    expect(m[8]).toBeCloseTo(0, 6);
  });

  it("are appended after the histograms by default", () => {
    const image = fill(2, 2, [255, 0, 0]);
    const v = colorHistogram(image);
    expect(v.length).toBe(5 * 128 + 9);
    expect([...v.subarray(640)].map((x) => Number(x.toFixed(6)))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
