import { describe, expect, it } from "vitest";
import { Random } from "../core/random.js";
import { outOfFoldProba, sparseFromSolutions } from "./fit-linear.js";
import { frequencyOrder, keptGroupWeights, keptWeights, renumberColumns, type ClassSolution } from "./one-vs-rest.js";
import { sparseFromColumns } from "./sparse-linear-model.js";
import { jsKernels, kernels } from "../linalg/kernels.js";

describe("pruned class weights", () => {
  it("keptWeights keeps the non-zero weights at or above the threshold, ascending, as float32", () => {
    // w = [0.5, 0, -0.01, 0.02, -3, bias 9]; threshold 0.02 keeps features 0, 3, 4.
    const w = Float64Array.of(0.5, 0, -0.01, 0.02, -3, 9);
    const k = keptWeights(w, 5, 0.02);
    expect(Array.from(k.features)).toEqual([0, 3, 4]);
    expect(Array.from(k.values)).toEqual([0.5, Math.fround(0.02), -3]);
    expect(Array.from(keptWeights(w, 5, 0).features)).toEqual([0, 2, 3, 4]);
  });

  it("keptGroupWeights of feature-major weights gives each problem's keptWeights", () => {
    // Two problems, three features: w[j·2 + c]; problem 0 = [0.5, 0, -0.01], problem 1 = [0.03, -2, 0.02], then the biases.
    const w = Float64Array.of(0.5, 0.03, 0, -2, -0.01, 0.02, 7, 8);
    const kept = keptGroupWeights(w, 3, 2, 0.02);
    expect(kept.map((c) => Array.from(c.features))).toEqual([[0], [0, 1, 2]]);
    expect(kept.map((c) => Array.from(c.values))).toEqual([[0.5], [Math.fround(0.03), -2, Math.fround(0.02)]]);
    const rng = new Random(5);
    const d = 50;
    for (const k of [1, 3, 8]) {
      const fm = Float64Array.from({ length: (d + 1) * k }, () => (rng.float() < 0.3 ? 0 : rng.float() * 0.2 - 0.1));
      for (const prune of [0, 0.02]) {
        const got = keptGroupWeights(fm, d, k, prune);
        for (let c = 0; c < k; c++) {
          const want = keptWeights(Float64Array.from({ length: d }, (_, j) => fm[j * k + c]!), d, prune);
          expect(Array.from(got[c]!.features)).toEqual(Array.from(want.features));
          expect(Array.from(got[c]!.values)).toEqual(Array.from(want.values));
        }
      }
    }
  });

  it("keptGroupWeights with renumbered columns gives the caller's numbering, ascending, whether few or many are kept", () => {
    const rng = new Random(8);
    const d = 400;
    const k = 5;
    const columnAt = Int32Array.from({ length: d }, (_, j) => j);
    rng.shuffle(columnAt);
    for (const density of [0.01, 0.5]) {
      // Weights in the solver's numbering; the same in the caller's: wc[j·k + c] = w[columnAt[j]·k + c].
      const w = Float32Array.from({ length: (d + 1) * k }, () => (rng.float() < density ? rng.float() * 0.2 - 0.1 : 0));
      const wc = Float32Array.from({ length: (d + 1) * k }, (_, t) => (t < d * k ? w[columnAt[Math.floor(t / k)]! * k + (t % k)]! : w[t]!));
      for (const prune of [0, 0.02]) {
        const got = keptGroupWeights(w, d, k, prune, columnAt);
        const want = keptGroupWeights(wc, d, k, prune);
        expect(got.map((c) => Array.from(c.features))).toEqual(want.map((c) => Array.from(c.features)));
        expect(got.map((c) => Array.from(c.values))).toEqual(want.map((c) => Array.from(c.values)));
        expect(got.some((c) => c.features.length > 1)).toBe(true);
        // Scanned for by the kernels where the weights lie in a workspace (rows of 30: 67 scans of up to 30 weights).
        const rows = { rows: 30, indptr: new Int32Array(31), indices: new Int32Array(0), data: new Float32Array(0) };
        for (const kk of [jsKernels, kernels()]) {
          const ws = kk.workspace(rows, d, k);
          ws.group.w.set(w);
          const scanned = keptGroupWeights(ws.group.w.subarray(0, (d + 1) * k), d, k, prune, columnAt, ws);
          expect(scanned.map((c) => Array.from(c.features))).toEqual(want.map((c) => Array.from(c.features)));
          expect(scanned.map((c) => Array.from(c.values))).toEqual(want.map((c) => Array.from(c.values)));
        }
      }
    }
  });

  it("sparseFromSolutions builds what sparseFromColumns builds from the dense columns", () => {
    const rng = new Random(3);
    const d = 40;
    const k = 7;
    const columns = Array.from({ length: k }, () => Float64Array.from({ length: d + 1 }, () => (rng.float() < 0.4 ? 0 : rng.float() * 0.2 - 0.1)));
    for (const prune of [0, 0.02]) {
      const sols = columns.map((w, cls) => ({ cls, bias: w[d]!, ...keptWeights(w, d, prune) }) as unknown as ClassSolution);
      const a = sparseFromSolutions(d, sols);
      const b = sparseFromColumns(d, k, (c) => columns[c]!, prune);
      expect(Array.from(a.indptr)).toEqual(Array.from(b.indptr));
      expect(Array.from(a.classes)).toEqual(Array.from(b.classes));
      expect(Array.from(a.values)).toEqual(Array.from(b.values));
      expect(a.indptr[d]).toBeGreaterThan(0);
    }
  });

  it("frequencyOrder numbers columns by descending document frequency, ties in column order; kept weights come back in the caller's numbering", () => {
    // Columns 0..4 appear in 1, 3, 0, 3, 2 rows: order 1, 3 (3 rows, by column), 4, 0, 2.
    const x = { kind: "csr" as const, rows: 3, cols: 5, indptr: Int32Array.of(0, 3, 5, 9), indices: Int32Array.of(1, 3, 4, 3, 1, 0, 1, 3, 4), data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9) };
    const at = frequencyOrder(x);
    expect(Array.from(at)).toEqual([3, 0, 4, 1, 2]);
    const r = renumberColumns(x, at);
    expect(Array.from(r.indices)).toEqual([0, 1, 2, 1, 0, 3, 0, 1, 2]);
    expect(r.data).toBe(x.data);
    // Weights in the new numbering (two problems); kept in the old one, ascending.
    const w = Float64Array.of(0.5, 0, -0.3, 0.1, 0, 0.2, 0.7, 0, 0, -1, 9, 9);
    const kept = keptGroupWeights(w, 5, 2, 0, at);
    // Old column j's weights sit at new column at[j]: j = 0 → 3, 1 → 0, 2 → 4, 3 → 1, 4 → 2.
    expect(kept.map((c) => Array.from(c.features))).toEqual([[0, 1, 3], [2, 3, 4]]);
    expect(kept.map((c) => Array.from(c.values))).toEqual([[0.7, 0.5, -0.3].map(Math.fround), [-1, 0.1, 0.2].map(Math.fround)]);
    // One problem: old columns 0..4 read new 3, 0, 4, 1, 2 = 4, 1, 5, 2, 0 (the zero dropped).
    const one = keptWeights(Float64Array.of(1, 2, 0, 4, 5, 9), 5, 0, at);
    expect(Array.from(one.features)).toEqual([0, 1, 2, 3]);
    expect(Array.from(one.values)).toEqual([4, 1, 5, 2]);
  });
});

describe("out-of-fold probabilities", () => {
  it("are each probe row's class scores through the temperature's softmax, rounded to float32", () => {
    // Classes 1 and 0 (solutions in any order), two rows: scores (0, ln 3 · 2) and (2, 2) at temperature 2.
    const sol = (cls: number, oof: number[]): ClassSolution =>
      ({ cls, bias: 0, features: new Int32Array(0), values: new Float32Array(0), probeAlpha: new Float64Array(2), probeOof: Float64Array.from(oof), rowScores: new Float64Array(0), iterations: 1, converged: false }) as ClassSolution;
    const p = outOfFoldProba([sol(1, [Math.log(3) * 2, 2]), sol(0, [0, 2])], 2, 2, 2);
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
    expect(Array.from(p.subarray(2))).toEqual([0.5, 0.5]);
    expect(p[0]).toBe(Math.fround(p[0]!));
  });
});
