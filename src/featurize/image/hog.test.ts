import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { hog, hogLayout } from "./hog.js";
import type { GrayImage } from "./image.js";

function image(w: number, h: number, f: (x: number, y: number) => number): GrayImage {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
  return { width: w, height: h, data };
}

/** Sums of each orientation bin over the whole descriptor. */
function binTotals(v: Float32Array, bins: number): number[] {
  const t = new Array<number>(bins).fill(0);
  for (let i = 0; i < v.length; i++) t[i % bins]! += v[i]!;
  return t;
}

describe("hogLayout", () => {
  it("follows cells = ⌊side/cell⌋, blocks = ⌊(cells − block)/stride⌋ + 1, length = blocks·block²·bins", () => {
    expect(hogLayout(28, 28)).toEqual({ cellsX: 7, cellsY: 7, blocksX: 6, blocksY: 6, length: 6 * 6 * 4 * 9 });
    expect(hogLayout(28, 28, { cellSize: 7 }).length).toBe(3 * 3 * 4 * 9);
    // 30×20 with 4-px cells: 7×5 cells; 3×3-cell blocks, stride 2: 3×2 blocks of 9 cells of 6 bins.
    expect(hogLayout(30, 20, { cellSize: 4, blockSize: 3, blockStride: 2, bins: 6 })).toEqual({
      cellsX: 7, cellsY: 5, blocksX: 3, blocksY: 2, length: 3 * 2 * 9 * 6,
    });
    expect(hog(image(30, 20, () => 0), { cellSize: 4, blockSize: 3, blockStride: 2, bins: 6 }).length).toBe(324);
  });

  it("rejects images smaller than one block and invalid params", () => {
    expect(() => hog(image(7, 7, () => 0))).toThrow(RangeError);
    expect(() => hog(image(28, 28, () => 0), { bins: 1 })).toThrow(ConfigError);
    expect(() => hog(image(28, 28, () => 0), { blockSize: 2, blockStride: 3 })).toThrow(/blockStride/);
  });
});

describe("hog", () => {
  it("puts all gradient energy of a vertical step edge in the 0° bin", () => {
    const v = hog(image(16, 16, (x) => (x < 8 ? 0 : 1)), { cellSize: 4, blockSize: 2, bins: 9 });
    const t = binTotals(v, 9);
    expect(t[0]).toBeGreaterThan(0);
    for (let b = 1; b < 9; b++) expect(t[b]).toBe(0);
  });

  it("puts a horizontal edge in the 90° bin and a 45° ramp in the 45° bin", () => {
    const t = binTotals(hog(image(16, 16, (_x, y) => (y < 8 ? 0 : 1)), { bins: 6 }), 6);
    // 6 bins of 30°: 90° is bin 3's centre.
    for (let b = 0; b < 6; b++) expect(t[b]! > 0).toBe(b === 3);
    // A ramp (x + y)/32 has gx = gy inside (45°, bin 1's centre with 4 bins of 45°); on the border one
    // difference is one-sided: atan(1/2) = 26.6° on the top/bottom rows (bins 0 and 1), atan(2) = 63.4°
    // on the left/right columns (bins 1 and 2). Nothing ever reaches bin 3 (135°).
    const d = binTotals(hog(image(16, 16, (x, y) => (x + y) / 32), { bins: 4, spatialBinning: "hard" }), 4);
    expect(d[3]).toBeLessThan(1e-6);
    expect(d[0]).toBeGreaterThan(0);
    expect(d[1]).toBeGreaterThan(d[0]!);
    expect(d[1]).toBeGreaterThan(d[2]!);
  });

  it("interpolates between the two nearest bins: 10° votes half to 0° and half to 20°", () => {
    // A linear ramp along direction 10°: every interior gradient points at 10°, bins are 20° wide.
    const a = (10 * Math.PI) / 180;
    const v = hog(image(12, 12, (x, y) => x * Math.cos(a) + y * Math.sin(a)), { cellSize: 4, blockSize: 1, bins: 9, spatialBinning: "hard" });
    // Centre cell (1,1) sees only interior pixels: equal votes into bins 0 and 1 before normalisation.
    const centre = v.subarray(4 * 9, 5 * 9);
    expect(centre[0]).toBeCloseTo(centre[1]!, 5);
    for (let b = 2; b < 9; b++) expect(centre[b]).toBe(0);
  });

  it("gives every non-flat block unit L2 norm", () => {
    const v = hog(image(28, 28, (x, y) => Math.sin(x * 0.7) * Math.cos(y * 0.3) + (x * y) / 784));
    for (let b = 0; b < v.length; b += 36) {
      let ss = 0;
      for (let i = b; i < b + 36; i++) ss += v[i]! * v[i]!;
      expect(Math.sqrt(ss)).toBeCloseTo(1, 3);
    }
  });

  it("clips large components at `clip` before renormalising (hand-computed L2-Hys)", () => {
    // Columns 0,0,.5,.5,.5,.5,.5,.55: centred differences give |gx| = .5 at x = 1, 2 and .05 at x = 5, 6,
    // gy = 0. Per 4×4 cell, bin 0 of 2: left cells 4 × (.5 + .5) = 4, right cells 4 × (.05 + .05) = 0.4.
    const cols = [0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.55];
    const img = image(8, 8, (x) => cols[x]!);
    const opts = { cellSize: 4, bins: 2, spatialBinning: "hard", clip: 0.2, epsilon: 1e-9 } as const;
    // Single-cell blocks: (4, 0) → L2 (1, 0) → clip (0.2, 0) → L2 (1, 0); the same for 0.4.
    const v = hog(img, { ...opts, blockSize: 1 });
    expect(Array.from(v.subarray(0, 4)).map((x) => Number(x.toFixed(6)))).toEqual([1, 0, 1, 0]);
    // One 2×2 block (4, 0.4, 4, 0.4) in bin 0: L2 → (.70360, .07036, …), clip → (.2, .07036, …),
    // L2 again → (.2, .07036)/√(2(.04 + .0049505)) = (.66702, .23466).
    const w = hog(img, { ...opts, blockSize: 2 });
    expect(w.length).toBe(8);
    expect(w[0]).toBeCloseTo(0.66702, 4);
    expect(w[1]).toBe(0);
    expect(w[2]).toBeCloseTo(0.23466, 4);
    expect(w[4]).toBeCloseTo(0.66702, 4);
    expect(w[6]).toBeCloseTo(0.23466, 4);
  });

  it("gives a zero descriptor for a flat image and accepts a reused options object", () => {
    const opts = { cellSize: 7 };
    const a = hog(image(28, 28, () => 0.3), opts);
    expect(a.every((x) => x === 0)).toBe(true);
    const b = hog(image(28, 28, (x) => x / 28), opts);
    expect(b.length).toBe(324);
  });
});
