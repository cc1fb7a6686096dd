// The WebAssembly scorer of sparse linear models against the JavaScript loop: identical bits on random data
// (row slices, empty rows, features without weights), plus a hand-computed case. The module is compiled here
// from its AssemblyScript source, so the test never depends on a previous build.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsSparseScore, sparseScorer, sparseScorerFallbackReason, useSparseScoreModule, type SparseClassWeights } from "./sparse-scorer.js";
import type { SparseRows } from "./kernels.js";
import { Random } from "./random.js";
import { randomSparseRows } from "../../test/fixtures/sparse-rows.js";

beforeAll(async () => {
  const asc = (await import("assemblyscript/asc")).default;
  const source = readFileSync(new URL("./wasm/sparse-score.as.ts", import.meta.url), "utf8");
  // As scripts/build-wasm.mjs compiles it.
  const r = await asc.compileString(source, { optimizeLevel: 3, noAssert: true, runtime: "stub", importMemory: true, maximumMemory: 65536 });
  if (r.error || !r.binary) throw new Error(`AssemblyScript compile failed: ${r.error?.message ?? ""}\n${r.stderr.toString()}`);
  useSparseScoreModule(r.binary);
}, 60_000);

afterAll(() => useSparseScoreModule(null));

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function randomWeights(rng: Random, features: number, k: number): SparseClassWeights {
  const indptr = [0];
  const classes: number[] = [];
  const values: number[] = [];
  for (let f = 0; f < features; f++) {
    const n = f % 5 === 0 ? 0 : rng.int(Math.min(k, 6) + 1);
    const cs = new Set<number>();
    while (cs.size < n) cs.add(rng.int(k));
    for (const c of [...cs].sort((a, b) => a - b)) {
      classes.push(c);
      values.push(rng.float() * 4 - 2);
    }
    indptr.push(classes.length);
  }
  return { indptr: Int32Array.from(indptr), classes: Int32Array.from(classes), values: Float32Array.from(values) };
}

function randomRows(rng: Random, rows: number, cols: number): SparseRows {
  return randomSparseRows(rng, rows, cols, { maxNonZeros: 30, scale: 1 });
}

describe("sparse linear scoring: WebAssembly = JavaScript", () => {
  it("scores a hand-computed batch", () => {
    // Features: f0 → class 0 (1), class 2 (3); f1 → class 1 (20). Row 0 = 2·f0 + 1·f1, row 1 empty.
    const w: SparseClassWeights = { indptr: Int32Array.of(0, 2, 3), classes: Int32Array.of(0, 2, 1), values: Float32Array.of(1, 3, 20) };
    const intercept = Float32Array.of(0.5, 0, -1);
    const x: SparseRows = { rows: 2, indptr: Int32Array.of(0, 2, 2), indices: Int32Array.of(0, 1), data: Float32Array.of(2, 1) };
    const scorer = sparseScorer(w, 3, intercept);
    expect(scorer.backend).toBe("wasm");
    expect(sparseScorerFallbackReason()).toBeUndefined();
    const out = new Float32Array(6);
    scorer.score(x, out);
    expect(Array.from(out)).toEqual([2.5, 20, 5, 0.5, 0, -1]);
  });

  it("scores random batches with identical bits, in blocks and on row slices", () => {
    const rng = new Random(5);
    for (const k of [1, 3, 10, 504]) {
      const features = 200;
      const w = randomWeights(rng, features, k);
      const intercept = Float32Array.from({ length: k }, () => rng.float() - 0.5);
      const x = randomRows(rng, 2500, features); // more than one block of 1,024 rows
      const scorer = sparseScorer(w, k, intercept);
      const a = new Float32Array(x.rows * k);
      const b = new Float32Array(x.rows * k);
      scorer.score(x, a);
      jsSparseScore(w, k, intercept, x, b);
      expect(bits(a)).toEqual(bits(b));
      // Rows 100..300 as a slice that does not start at 0.
      const slice: SparseRows = { rows: 200, indptr: x.indptr.subarray(100, 301), indices: x.indices, data: x.data };
      const c = new Float32Array(200 * k);
      scorer.score(slice, c);
      expect(bits(c)).toEqual(bits(a.subarray(100 * k, 300 * k)));
    }
  });
});
