// Pins the shared A·Bᵀ kernel on hand-computed products: the edges of the 2 × 4 tiles, bias, upper-triangular stops.
import { describe, expect, it } from "vitest";
import { gemmABt, gemmABt32 } from "./gemm.js";

// a 3×2, b 5×2 → out 3×5 with out[i][j] = a_i · b_j (+ bias_j): 3 rows and 5 columns leave both edges.
const A = [1, 2, 3, 4, 5, 6];
const B = [1, 0, 0, 1, 1, 1, 2, -1, -1, 3];
const AB = [1, 2, 3, 0, 5, 3, 4, 7, 2, 9, 5, 6, 11, 4, 13];

describe("gemmABt", () => {
  it("multiplies by the transpose, with and without a bias", () => {
    const out = new Float64Array(15);
    gemmABt(Float64Array.from(A), 3, 2, Float64Array.from(B), 5, undefined, out);
    expect(Array.from(out)).toEqual(AB);
    gemmABt(Float64Array.from(A), 3, 2, Float64Array.from(B), 5, Float64Array.from([0, 0, 0, 0, 10]), out);
    expect(Array.from(out)).toEqual(AB.map((v, i) => v + (i % 5 === 4 ? 10 : 0)));
  });

  it("stops each sum at the diagonal with `upper` (b = Cᵀ, C upper triangular)", () => {
    // a 3×5 of ones; C = upper-triangular ones (5×5), so (a·C)[i][c] = c + 1 — entries below C's diagonal are
    // set to 100 in b to show they are never read.
    const a = new Float64Array(15).fill(1);
    const b = new Float64Array(25);
    for (let c = 0; c < 5; c++) for (let s = 0; s < 5; s++) b[c * 5 + s] = s <= c ? 1 : 100;
    const out = new Float64Array(15);
    gemmABt(a, 3, 5, b, 5, undefined, out, true);
    // A 4-column tile sums up to its last column's diagonal: columns 0-2 pick up some of the 100s, column 3 and
    // the leftover column 4 do not.
    expect(Array.from(out.subarray(0, 5))).toEqual([301, 202, 103, 4, 5]);
  });

  it("gives float32 operands the same float64 sums, rounded once", () => {
    const out = new Float32Array(15);
    gemmABt32(Float32Array.from(A), 3, 2, Float32Array.from(B), 5, Float32Array.from([0, 0, 0, 0, 10]), out);
    expect(Array.from(out)).toEqual([1, 2, 3, 0, 15, 3, 4, 7, 2, 19, 5, 6, 11, 4, 23]);
    const third = new Float32Array(1);
    gemmABt32(Float32Array.of(1), 1, 1, Float32Array.of(1 / 3), 1, Float32Array.of(1 / 3), third);
    expect(third[0]).toBe(Math.fround(Math.fround(1 / 3) + Math.fround(1 / 3)));
  });
});
