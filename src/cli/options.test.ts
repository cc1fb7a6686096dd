// Pins the shared number parsers of the CLI flags: what they accept and the message of a refusal.
import { describe, expect, it } from "vitest";
import { fractionArg, intArg } from "./options.js";

describe("fractionArg", () => {
  it("accepts numbers from 0 to 1, and refuses the rest naming the flag", () => {
    const p = fractionArg("--threshold");
    expect(["0", "0.3", " .5 ", "1", "1e-5", "-0"].map(p)).toEqual([0, 0.3, 0.5, 1, 1e-5, -0]);
    for (const bad of ["", " ", "abc", "1.01", "-0.1", "NaN", "Infinity"]) {
      expect(() => p(bad)).toThrow(`--threshold must be a number from 0 to 1, got "${bad}"`);
    }
  });

  it("with aboveZero refuses 0 as well (a threshold of 0 accepts everything)", () => {
    const p = fractionArg("--min-precision", { aboveZero: true });
    expect(["0.9", "1", "1e-9"].map(p)).toEqual([0.9, 1, 1e-9]);
    for (const bad of ["0", "-0", "0.0", "", "2", "-1"]) {
      expect(() => p(bad)).toThrow(`--min-precision must be a number above 0 and at most 1, got "${bad}"`);
    }
  });
});

describe("intArg", () => {
  it("accepts whole numbers within bounds only", () => {
    expect(intArg("--k", 1)("3")).toBe(3);
    expect(() => intArg("--k", 1)("0")).toThrow(`--k must be a whole number of at least 1, got "0"`);
    expect(() => intArg("--folds", 2, 100)("2.5")).toThrow(`--folds must be a whole number from 2 to 100, got "2.5"`);
  });
});
