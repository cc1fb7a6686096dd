// Pins spdInverse to hand-computed inverses and checks G·G⁻¹ = I on a seeded random SPD matrix.
import { describe, expect, it } from "vitest";
import { Random } from "./random.js";
import { spdInverse } from "./spd-inverse.js";

const close = (got: Float64Array | null, want: number[], digits = 12): void => {
  expect(got).not.toBeNull();
  expect(got!.length).toBe(want.length);
  want.forEach((w, i) => expect(got![i]).toBeCloseTo(w, digits));
};

describe("spdInverse", () => {
  it("inverts a 2 × 2 matrix: [[4, 2], [2, 3]]⁻¹ = [[3, −2], [−2, 4]] / 8", () => {
    close(spdInverse(Float64Array.of(4, 2, 2, 3), 2), [0.375, -0.25, -0.25, 0.5]);
  });

  it("inverts the textbook 3 × 3 matrix with L = [[2,0,0],[6,1,0],[−8,5,3]]", () => {
    // L⁻¹ = [[1/2, 0, 0], [−3, 1, 0], [19/3, −5/3, 1/3]]; G⁻¹ = L⁻ᵀL⁻¹ worked out by hand.
    const g = Float64Array.of(4, 12, -16, 12, 37, -43, -16, -43, 98);
    close(spdInverse(g, 3), [1777 / 36, -122 / 9, 19 / 9, -122 / 9, 34 / 9, -5 / 9, 19 / 9, -5 / 9, 1 / 9], 9);
    expect(Array.from(g)).toEqual([4, 12, -16, 12, 37, -43, -16, -43, 98]); // input untouched
  });

  it("gives G·G⁻¹ = I on a random 37 × 37 Gram matrix plus a ridge (odd size: every remainder loop runs)", () => {
    const n = 37;
    const m = 20;
    const rng = new Random(3);
    const x = Float64Array.from({ length: n * m }, () => (rng.float() < 0.3 ? 1 : 0));
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < m; t++) s += x[i * m + t]! * x[j * m + t]!;
        g[i * n + j] = s + (i === j ? 2 : 0);
      }
    }
    const inv = spdInverse(g, n)!;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += g[i * n + t]! * inv[t * n + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
      for (let j = 0; j < n; j++) expect(inv[i * n + j]).toBe(inv[j * n + i]);
    }
  });

  it("returns null for a singular or indefinite matrix and throws on bad shapes", () => {
    expect(spdInverse(Float64Array.of(1, 1, 1, 1), 2)).toBeNull();
    expect(spdInverse(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
    expect(spdInverse(Float64Array.of(0, 0, 0, 0), 2)).toBeNull();
    expect(spdInverse(new Float64Array(0), 0)).toEqual(new Float64Array(0));
    expect(() => spdInverse(new Float64Array(3), 2)).toThrow(RangeError);
    expect(() => spdInverse(Float64Array.of(NaN, 0, 0, 1), 2)).toThrow(TypeError);
  });
});
