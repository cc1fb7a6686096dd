import { describe, expect, it } from "vitest";
import { Random } from "../core/random.js";
import { groupOutOfFoldScores, groupWeightsFromDual, rowSquaredNorms, solveSvmGroup, type CsrArrays, type GroupProblem } from "./dual-cd.js";
import { gramMatrix, gramPays, solveSvmGroupGram } from "./gram-cd.js";
import { solveGroup, type OvrJob } from "./one-vs-rest.js";

/** `rows` random rows over `cols` columns, each entry present with probability `density`, values in (-1, 1). */
function randomRows(seed: number, rows: number, cols: number, density: number): CsrArrays {
  const rng = new Random(seed);
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (rng.float() >= density) continue;
      indices.push(j);
      data.push(rng.float() * 2 - 1);
    }
    indptr.push(indices.length);
  }
  return { rows, cols, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float32Array.from(data) };
}

const worst = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("dual coordinate descent on the Gram matrix", () => {
  it("gramMatrix: q_ij = x_i·x_j + bias², symmetric", () => {
    // x0 = (1, 0, 2), x1 = (0, 3, 1), x2 = () ; bias 2.
    const x: CsrArrays = { rows: 3, cols: 3, indptr: Int32Array.of(0, 2, 4, 4), indices: Int32Array.of(0, 2, 1, 2), data: Float32Array.of(1, 2, 3, 1) };
    expect(Array.from(gramMatrix(x, 2))).toEqual([5 + 4, 2 + 4, 4, 2 + 4, 10 + 4, 4, 4, 4, 4]);
  });

  it("solves a group as the primal solver does: the same passes, so the same weights, alphas and out-of-fold scores up to rounding", () => {
    const x = randomRows(3, 60, 40, 0.4);
    const k = 4;
    const y = Int8Array.from({ length: 60 * k }, (_, t) => (Math.floor(t / k) % 5 === t % k ? 1 : -1));
    const prob: GroupProblem = { x, k, y, cost: new Float32Array(60).fill(0.8), bias: 1 };
    const q = gramMatrix(x, 1);
    const oof = { loss: "squared-hinge" as const, foldOf: Int32Array.from({ length: 60 }, (_, i) => (i * 7) % 2), folds: 2, passes: 1, seedOf: (f: number) => 40 + f, rows: Int32Array.from({ length: 60 }, (_, i) => i) };
    for (const opt of [{ loss: "squared-hinge" as const, tol: 0.1, maxIter: 6, seed: 5 }, { loss: "hinge" as const, tol: 1e-4, maxIter: 300, seed: 6 }]) {
      const primal = solveSvmGroup(prob, rowSquaredNorms(x, 1), opt);
      const dual = solveSvmGroupGram(prob, q, opt, (alpha, r) => ({ alpha: alpha.slice(), w: groupWeightsFromDual(prob, alpha).slice(), iterations: r.iterations.slice() }), { ...oof, loss: opt.loss });
      expect(worst(dual.solution.alpha, primal.alpha)).toBeLessThan(1e-4);
      expect(worst(dual.solution.w, primal.w)).toBeLessThan(1e-4);
      if (opt.maxIter === 6) expect(Array.from(dual.solution.iterations)).toEqual(Array.from(primal.iterations));
      const want = groupOutOfFoldScores(prob, rowSquaredNorms(x, 1), primal, { ...oof, loss: opt.loss });
      expect(worst(dual.oof!, want)).toBeLessThan(1e-3);
      // The refits moved the scores (the folds did run): they are not the full solution's.
      expect(worst(dual.oof!, Array.from(dual.oof!, () => 0))).toBeGreaterThan(0.1);
    }
  });

  it("gramPays: few long rows and many groups, not many short rows or a single group", () => {
    // 50 rows of ~180 entries over 200 columns: Q costs 200·(45·46/2) ≈ 207k products, a group's 8 passes ≈ 580k.
    const long = randomRows(4, 50, 200, 0.9);
    expect(gramPays(long, 60, 8)).toBe(true);
    expect(gramPays(long, 1, 8)).toBe(false);
    expect(gramPays(randomRows(5, 3000, 50, 0.1), 60, 8)).toBe(false);
  });

  it("one-vs-rest solveGroup gives the same classes' solutions with the Gram matrix as without", () => {
    const x = randomRows(6, 70, 300, 0.3);
    const classes = 16;
    const y = Int32Array.from({ length: 70 }, (_, i) => i % classes);
    const base: OvrJob = {
      x,
      y,
      classCount: classes,
      config: {
        loss: "squared-hinge",
        c: 1,
        tol: 0.1,
        maxIter: 6,
        bias: 1,
        classWeight: new Float32Array(classes).fill(1),
        seed: 9,
        probeRows: Int32Array.of(0, 5, 33),
        foldOf: Int32Array.from({ length: 70 }, (_, i) => i % 2),
        folds: 2,
        refitPasses: 1,
        pruneBelow: 0.01,
      },
      next: new Int32Array(1),
      slot: new Int32Array(1),
      groupSize: 8,
    };
    const xsq = rowSquaredNorms(x, 1);
    for (const group of [0, 1]) {
      const primal = solveGroup(base, xsq, group);
      const dual = solveGroup({ ...base, gram: gramMatrix(x, 1) }, xsq, group);
      expect(dual.map((s) => s.cls)).toEqual(primal.map((s) => s.cls));
      for (let c = 0; c < dual.length; c++) {
        const [a, b] = [dual[c]!, primal[c]!];
        expect(a.bias).toBeCloseTo(b.bias, 4);
        expect(worst(a.probeAlpha, b.probeAlpha)).toBeLessThan(1e-4);
        expect(worst(a.probeOof, b.probeOof)).toBeLessThan(1e-3);
        expect(a.probeOof.length).toBe(3);
        // The kept weights: the same features (none within rounding of the threshold here), ascending, close values.
        expect(Array.from(a.features)).toEqual(Array.from(b.features));
        expect(worst(a.values, b.values)).toBeLessThan(1e-4);
        expect(a.features.length).toBeGreaterThan(0);
      }
    }
  });

  it("solveGroup with denseOut puts each class's weights in the dense matrix, in the caller's numbering, instead of returning them", () => {
    const x = randomRows(11, 60, 200, 0.2);
    const classes = 7;
    const y = Int32Array.from({ length: 60 }, (_, i) => i % classes);
    const columnAt = Int32Array.from({ length: 200 }, (_, j) => (j * 37) % 200);
    const renumbered = { ...x, indices: Int32Array.from(x.indices, (j) => columnAt[j]!) };
    const job = (denseOut?: Float32Array): OvrJob => ({
      x: renumbered,
      y,
      classCount: classes,
      columnAt,
      config: { loss: "squared-hinge", c: 1, tol: 0.1, maxIter: 6, bias: 1, classWeight: new Float32Array(classes).fill(1), seed: 3, probeRows: Int32Array.of(1, 2), pruneBelow: 0, ...(denseOut ? { denseOut } : {}) },
      next: new Int32Array(1),
      slot: new Int32Array(1),
      groupSize: 4,
    });
    const xsq = rowSquaredNorms(x, 1);
    const dense = new Float32Array(200 * classes);
    for (const group of [0, 1]) {
      const listed = solveGroup(job(), xsq, group);
      const put = solveGroup(job(dense), xsq, group);
      for (let c = 0; c < listed.length; c++) {
        expect(put[c]!.features.length).toBe(0);
        expect(put[c]!.bias).toBe(listed[c]!.bias);
        expect(Array.from(put[c]!.probeAlpha)).toEqual(Array.from(listed[c]!.probeAlpha));
        const want = new Float32Array(200);
        listed[c]!.features.forEach((f, t) => (want[f] = listed[c]!.values[t]!));
        expect(Array.from({ length: 200 }, (_, j) => dense[j * classes + listed[c]!.cls]!)).toEqual(Array.from(want));
        expect(listed[c]!.features.length).toBeGreaterThan(0);
      }
    }
  });
});
