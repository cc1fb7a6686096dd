import { describe, expect, it } from "vitest";
import { argmaxRows, chooseFusionWeight, fuseRows, scoreRows } from "./fusion.js";

describe("fuseRows", () => {
  it("takes the weighted geometric mean where both sources exist, renormalised", () => {
    // text (0.8, 0.2), image (0.2, 0.8), w = 0.5 → √0.16 each → (0.5, 0.5)
    const out = fuseRows(Float32Array.of(0.8, 0.2), Float32Array.of(0.2, 0.8), Uint8Array.of(1), Uint8Array.of(1), 2, 0.5, new Float32Array(2));
    expect(out[0]).toBeCloseTo(0.5, 6);
    // w = 0.75: 0.8^.75·0.2^.25 = 0.5657, 0.2^.75·0.8^.25 = 0.2828 → 0.6667, 0.3333
    fuseRows(Float32Array.of(0.8, 0.2), Float32Array.of(0.2, 0.8), Uint8Array.of(1), Uint8Array.of(1), 2, 0.75, out);
    expect(out[0]).toBeCloseTo(2 / 3, 4);
    expect(out[1]).toBeCloseTo(1 / 3, 4);
  });

  it("uses one source alone where the other is missing, and the uniform guess where both are", () => {
    const text = Float32Array.of(0.9, 0.1, 0.3, 0.7, 0.5, 0.5);
    const image = Float32Array.of(0.1, 0.9, 0.6, 0.4, 0.2, 0.8);
    const out = fuseRows(text, image, Uint8Array.of(1, 0, 0), Uint8Array.of(0, 1, 0), 2, 0.5, new Float32Array(6));
    expect(Array.from(out)).toEqual([Math.fround(0.9), Math.fround(0.1), Math.fround(0.6), Math.fround(0.4), 0.5, 0.5]);
  });

  it("does not let one source's zero veto the other", () => {
    const out = fuseRows(Float32Array.of(0, 1), Float32Array.of(1, 0), Uint8Array.of(1), Uint8Array.of(1), 2, 0.9, new Float32Array(2));
    expect(out[1]).toBeGreaterThan(out[0]!);
    expect(out[0]).toBeGreaterThan(0);
  });
});

describe("chooseFusionWeight", () => {
  it("picks the image when only the image is right, the text when only the text is", () => {
    const y = Int32Array.of(0, 1, 0, 1);
    const good = Float32Array.of(0.9, 0.1, 0.1, 0.9, 0.9, 0.1, 0.1, 0.9);
    const bad = Float32Array.of(0.4, 0.6, 0.6, 0.4, 0.4, 0.6, 0.6, 0.4);
    const ones = new Uint8Array(4).fill(1);
    // The right source gets the largest exponent on the grid (sharpening a source that is right raises the
    // likelihood), the misleading one none.
    expect(chooseFusionWeight(bad, good, ones, ones, y, 2)).toMatchObject({ textWeight: 0, imageWeight: 2 });
    expect(chooseFusionWeight(good, bad, ones, ones, y, 2)).toMatchObject({ textWeight: 2, imageWeight: 0 });
    // The held-out log-likelihood it reports is that of the chosen weights: log(0.9² / (0.9² + 0.1²)).
    expect(chooseFusionWeight(bad, good, ones, ones, y, 2).logLikelihood).toBeCloseTo(Math.log(0.81 / 0.82), 6);
  });

  it("keeps both sources when each is right where the other is unsure", () => {
    // Rows 0–1: text sure and right, image unsure; rows 2–3 the other way round.
    const y = Int32Array.of(0, 1, 0, 1);
    const text = Float32Array.of(0.95, 0.05, 0.05, 0.95, 0.5, 0.5, 0.5, 0.5);
    const image = Float32Array.of(0.5, 0.5, 0.5, 0.5, 0.95, 0.05, 0.05, 0.95);
    const ones = new Uint8Array(4).fill(1);
    // Each source is uniform where it is unsure, so it never hurts the other: both get the same, full weight.
    const w = chooseFusionWeight(text, image, ones, ones, y, 2);
    expect(w.textWeight).toBe(w.imageWeight);
    expect(w.textWeight).toBe(2);
  });

  it("falls back to text only when no row has both sources", () => {
    const w = chooseFusionWeight(Float32Array.of(0.5, 0.5), Float32Array.of(0.5, 0.5), Uint8Array.of(1), Uint8Array.of(0), Int32Array.of(0), 2);
    expect(w).toMatchObject({ textWeight: 1, imageWeight: 0, rows: 0 });
  });
});

describe("scoreRows", () => {
  it("counts each category the model never saw as a class of its own, always wrong", () => {
    const proba = Float32Array.of(0.9, 0.1, 0.2, 0.8, 0.7, 0.3);
    expect(Array.from(argmaxRows(proba, 2))).toEqual([0, 1, 0]);
    // Truth: a, b, and "c" (unknown to the model, index 2): accuracy 2/3; macro-F1 over a (2/3), b (1), c (0).
    const r = scoreRows(proba, 2, Int32Array.of(0, 1, 2), ["a", "b", "c"]);
    expect(r.accuracy).toBeCloseTo(2 / 3, 6);
    expect(r.macroF1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 6);
  });
});
