import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { hog } from "./hog.js";
import type { GrayImage } from "./image.js";
import { flipHorizontal, grayImagesFromBytes, smallImageFeatureLayout, smallImageFeatures } from "./small-image-features.js";

function image(w: number, h: number, f: (x: number, y: number) => number): GrayImage {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
  return { width: w, height: h, data };
}

describe("smallImageFeatures", () => {
  it("lays out HOG at each cell size, then the pooled pixels (28×28: 1296 + 324 + 196)", () => {
    const l = smallImageFeatureLayout(28, 28);
    expect(l.hog.map((h) => [h.cellSize, h.offset, h.layout.length])).toEqual([
      [4, 0, 1296],
      [7, 1296, 324],
    ]);
    expect(l.pixels).toEqual({ offset: 1620, width: 14, height: 14 });
    expect(l.length).toBe(1816);
    expect(smallImageFeatureLayout(28, 28, { hogCellSizes: [], pixelPool: 4 }).length).toBe(49);
    expect(() => smallImageFeatureLayout(28, 28, { pixelPool: -1 })).toThrow(ConfigError);
  });

  it("concatenates exactly the HOG descriptors and 2×2-averaged pixels", () => {
    const img = image(8, 8, (x, y) => ((x * 3 + y * 5) % 7) / 7);
    const x = smallImageFeatures([img], { hogCellSizes: [4], hog: { blockSize: 1 }, pixelPool: 2, pixelWeight: 2 });
    const h = hog(img, { cellSize: 4, blockSize: 1 });
    expect(x.cols).toBe(h.length + 16);
    expect(Array.from(x.data.subarray(0, h.length))).toEqual(Array.from(h));
    // Pixel (0,0) of the pooled image: mean of (0,0),(1,0),(0,1),(1,1) = (0 + 3 + 5 + 8 % 7)/4/7, times weight 2.
    expect(x.data[h.length]).toBeCloseTo((2 * (0 + 3 + 5 + 1)) / 4 / 7, 6);
  });

  it("appends the mirror images as rows n..2n−1 when flip is set", () => {
    const a = image(28, 28, (x, y) => (x > y ? 1 : 0));
    const b = image(28, 28, (x) => x / 27);
    const x = smallImageFeatures([a, b], {}, { flip: true });
    expect(x.rows).toBe(4);
    const direct = smallImageFeatures([flipHorizontal(a), flipHorizontal(b)]);
    expect(Array.from(x.data.subarray(2 * x.cols))).toEqual(Array.from(direct.data));
    expect(flipHorizontal(b).data[0]).toBe(1);
  });

  it("rejects images of different sizes and an empty batch; scales bytes to [0, 1]", () => {
    expect(() => smallImageFeatures([image(28, 28, () => 0), image(20, 28, () => 0)])).toThrow(/Image 1 is 20×28, expected 28×28/);
    expect(() => smallImageFeatures([])).toThrow(RangeError);
    const imgs = grayImagesFromBytes(Uint8Array.from([0, 255, 51, 102, 0, 0, 0, 255]), 2, 2, 2);
    expect(Array.from(imgs[0]!.data)).toEqual([0, 1, Math.fround(0.2), Math.fround(0.4)]);
    expect(imgs[1]!.data[3]).toBe(1);
    expect(() => grayImagesFromBytes(new Uint8Array(7), 2, 2, 2)).toThrow(RangeError);
  });
});
