// Hand-computed cases for the row bookkeeping of the out-of-fold refits.
import { describe, expect, it } from "vitest";
import { rowsOfFold, scatterRows, splitByFold, subtractFrom, zeroRows } from "./fold-rows.js";

describe("fold rows", () => {
  const foldOf = Int32Array.of(0, 1, 1, 0, 1);

  it("splits the rows a fold leaves in from those it holds out, in order", () => {
    const kept = new Int32Array(5);
    const left = new Int32Array(5);
    expect(splitByFold(foldOf, 1, 5, kept, left)).toBe(2);
    expect(Array.from(kept.subarray(0, 2))).toEqual([0, 3]);
    expect(Array.from(left.subarray(0, 3))).toEqual([1, 2, 4]);
  });

  it("lists the scored rows of a fold with their positions, and puts their scores back there", () => {
    const list = new Int32Array(4);
    const at = new Int32Array(4);
    // Scored rows 4, 0, 2, 3 (positions 0..3): fold 1 holds 4 (position 0) and 2 (position 2).
    expect(rowsOfFold(foldOf, 1, Int32Array.of(4, 0, 2, 3), list, at)).toBe(2);
    expect(Array.from(list.subarray(0, 2))).toEqual([4, 2]);
    expect(Array.from(at.subarray(0, 2))).toEqual([0, 2]);
    const out = new Float64Array(4 * 2).fill(-1);
    scatterRows(Float64Array.of(1, 2, 3, 4), at, 2, 2, out);
    expect(Array.from(out)).toEqual([1, 2, -1, -1, 3, 4, -1, -1]);
  });

  it("takes one set of weights from another, and zeroes the listed rows' values", () => {
    const w = Float32Array.of(5, 4, 3, 9);
    subtractFrom(w, Float32Array.of(1, 1, 2, 100), 3);
    expect(Array.from(w)).toEqual([4, 3, 1, 9]);
    const alpha = Float64Array.of(1, 2, 3, 4, 5, 6);
    zeroRows(alpha, Int32Array.of(2, 0), 1, 2);
    expect(Array.from(alpha)).toEqual([1, 2, 3, 4, 0, 0]);
  });
});
