import { describe, expect, it } from "vitest";
import { assertFinite, csr, knownColumnCounts, knownFacts, rememberColumnCounts, rememberFacts } from "./matrix.js";

const m = () => csr(2, 3, Int32Array.from([0, 2, 3]), Int32Array.from([0, 2, 1]), Float32Array.from([1, Number.NaN, 2]));

describe("matrix facts", () => {
  it("assertFinite names the first non-finite value, unless the maker recorded the values as finite", () => {
    const a = m();
    expect(() => assertFinite(a, "Features")).toThrow("Features contains a non-finite value (NaN) at position 1");
    rememberFacts(a, { finite: true });
    expect(() => assertFinite(a)).not.toThrow();
    // The same entries with other values (or another shape) are checked again.
    expect(() => assertFinite({ ...a, data: a.data.slice() })).toThrow("position 1");
    expect(() => assertFinite({ ...a, indptr: a.indptr.slice() })).toThrow("position 1");
  });

  it("keeps facts recorded one at a time, and checks their shapes", () => {
    const a = m();
    expect(knownFacts(a)).toEqual({});
    rememberColumnCounts(a, Int32Array.from([1, 1, 1]));
    rememberFacts(a, { squaredNorms: { bias2: 1, norms: Float64Array.from([3, 5]) } });
    expect(Array.from(knownColumnCounts(a)!)).toEqual([1, 1, 1]);
    expect(Array.from(knownFacts(a).squaredNorms!.norms)).toEqual([3, 5]);
    expect(() => rememberFacts(a, { columnCounts: new Int32Array(2) })).toThrow("Got 2 column counts for 3 columns");
    expect(() => rememberFacts(a, { squaredNorms: { bias2: 1, norms: new Float64Array(3) } })).toThrow("Got 3 row norms for 2 rows");
  });
});
