import { describe, expect, it, vi } from "vitest";
import { Random } from "../core/random.js";
import { kernels } from "../linalg/kernels.js";
import { csr, rememberFacts } from "../linalg/matrix.js";
import * as dualCd from "./dual-cd.js";
import {
  groupOutOfFoldScores,
  outOfFoldScores,
  refitWithout,
  rowSquaredNorms,
  solveBinary,
  solveSvmGroup,
  solveSvmGroupThen,
  type BinaryProblem,
  type GroupProblem,
} from "./dual-cd.js";

// Two points on a line, x = +1 (label +1) and x = -1 (label -1), no bias, C = 1.
const prob: BinaryProblem = {
  x: { rows: 2, cols: 1, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 0]), data: Float32Array.from([1, -1]) },
  y: Int8Array.from([1, -1]),
  cost: Float32Array.from([1, 1]),
  bias: 0,
};
const xsq = rowSquaredNorms(prob.x, 0);

describe("rowSquaredNorms", () => {
  const x = () => csr(3, 2, Int32Array.from([0, 2, 2, 3]), Int32Array.from([0, 1, 1]), Float32Array.from([3, 4, 0.5]));
  it("sums bias² and each row's squares, of every row or of the rows asked for", () => {
    expect(Array.from(rowSquaredNorms(x(), 1))).toEqual([26, 1, 1.25]);
    expect(Array.from(rowSquaredNorms(x(), 0, [2, 0]))).toEqual([0.25, 25]);
  });
  it("takes the norms a featurizer recorded for the same bias², and sums afresh for another", () => {
    const m = x();
    // Recorded values that are not the sums show which were taken.
    rememberFacts(m, { squaredNorms: { bias2: 4, norms: Float64Array.from([7, 8, 9]) } });
    expect(Array.from(rowSquaredNorms(m, 2))).toEqual([7, 8, 9]);
    expect(Array.from(rowSquaredNorms(m, -2, [2, 1]))).toEqual([9, 8]);
    expect(Array.from(rowSquaredNorms(m, 1))).toEqual([26, 1, 1.25]);
  });
});

describe("dual coordinate descent", () => {
  it("squared hinge: minimizes ½w² + Σ max(0, 1 − y·w·x)² → w = 0.8", () => {
    // d/dw [½w² + 2(1 − w)²] = w − 4(1 − w) = 0 → w = 4/5.
    const r = solveBinary(prob, xsq, { loss: "squared-hinge", tol: 1e-8, maxIter: 1000, seed: 1 });
    expect(r.converged).toBe(true);
    expect(r.w[0]).toBeCloseTo(0.8, 6);
  });

  it("hinge: the maximum-margin solution w = 1 with both points on the margin", () => {
    const r = solveBinary(prob, xsq, { loss: "hinge", tol: 1e-8, maxIter: 1000, seed: 1 });
    expect(r.w[0]).toBeCloseTo(1, 6);
    // Both points are support vectors: w = alpha_0 + alpha_1.
    expect(r.alpha[0]! + r.alpha[1]!).toBeCloseTo(1, 6);
  });

  it("logistic: minimizes ½w² + 2·log(1 + e^−w) → w(1 + e^w) = 2, w ≈ 0.6749", () => {
    const r = solveBinary(prob, xsq, { loss: "logistic", tol: 1e-10, maxIter: 1000, seed: 1 });
    const w = r.w[0]!;
    expect(w * (1 + Math.exp(w))).toBeCloseTo(2, 4);
  });

  it("learns an intercept through the bias feature", () => {
    // All points at x = 0: only the bias separates nothing, but with one class it must go positive.
    const p: BinaryProblem = {
      x: { rows: 3, cols: 1, indptr: Int32Array.from([0, 0, 0, 0]), indices: new Int32Array(0), data: new Float32Array(0) },
      y: Int8Array.from([1, 1, 1]),
      cost: Float32Array.from([1, 1, 1]),
      bias: 1,
    };
    const r = solveBinary(p, rowSquaredNorms(p.x, 1), { loss: "squared-hinge", tol: 1e-8, maxIter: 1000, seed: 1 });
    // ½b² + 3(1 − b)² → b = 6/7.
    expect(r.w[1]).toBeCloseTo(6 / 7, 6);
  });

  it("refitWithout: a warm-started refit without a fold reaches the fit on the other rows alone", () => {
    // 60 random sparse rows in 8 columns; the squared-hinge primal is strictly convex, so w is unique.
    const rows = 60;
    const full = randomProblem(7, rows, 8, 0.7, (j) => j - 3.5);
    const { x, y } = full;
    const { indptr, indices, data } = x;
    const sq = rowSquaredNorms(x, 1);
    const opt = { loss: "squared-hinge" as const, tol: 1e-10, maxIter: 5000, seed: 3 };
    const sol = solveBinary(full, sq, opt);
    const foldOf = Int32Array.from({ length: rows }, (_, i) => i % 3);
    const w = refitWithout(full, sq, "squared-hinge", sol, foldOf, 1, 3000, 5);
    // The same problem on the rows of folds 0 and 2 only, solved from zero.
    const keep = Array.from({ length: rows }, (_, i) => i).filter((i) => foldOf[i] !== 1);
    const kIndptr = [0];
    const kIndices: number[] = [];
    const kData: number[] = [];
    for (const i of keep) {
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        kIndices.push(indices[p]!);
        kData.push(data[p]!);
      }
      kIndptr.push(kIndices.length);
    }
    const kx = { rows: keep.length, cols: 8, indptr: Int32Array.from(kIndptr), indices: Int32Array.from(kIndices), data: Float32Array.from(kData) };
    const part: BinaryProblem = { x: kx, y: Int8Array.from(keep, (i) => y[i]!), cost: new Float32Array(keep.length).fill(0.7), bias: 1 };
    const ref = solveBinary(part, rowSquaredNorms(kx, 1), opt);
    expect(w.length).toBe(9);
    for (let j = 0; j < 9; j++) expect(w[j]).toBeCloseTo(ref.w[j]!, 5);
    // The full solution differs (the fold mattered), and was not modified.
    expect(Math.max(...Array.from(w, (v, j) => Math.abs(v - sol.w[j]!)))).toBeGreaterThan(1e-3);
  });

  it("outOfFoldScores: each row's score is its fold's refitWithout weights times the row", () => {
    const p = randomProblem(11, 90, 12);
    const sq = rowSquaredNorms(p.x, 1);
    const sol = solveBinary(p, sq, { loss: "squared-hinge", tol: 0.1, maxIter: 4, seed: 2 });
    const foldOf = Int32Array.from({ length: p.x.rows }, (_, i) => (i * 7) % 3);
    const rows = Int32Array.from([0, 3, 4, 10, 17, 50, 89]);
    const seedOf = (f: number): number => 100 + f;
    const oof = outOfFoldScores(p, sq, sol, { loss: "squared-hinge", foldOf, folds: 3, passes: 2, seedOf, rows });
    rows.forEach((i, t) => {
      const w = refitWithout(p, sq, "squared-hinge", sol, foldOf, foldOf[i]!, 2, seedOf(foldOf[i]!));
      let dot = w[p.x.cols]! * p.bias;
      for (let q = p.x.indptr[i]!; q < p.x.indptr[i + 1]!; q++) dot += w[p.x.indices[q]!]! * p.x.data[q]!;
      expect(oof[t]).toBe(dot);
    });
    // Out of fold is not in fold: the scores differ from the full solution's.
    const full = Array.from(rows, (i) => {
      let dot = sol.w[p.x.cols]! * p.bias;
      for (let q = p.x.indptr[i]!; q < p.x.indptr[i + 1]!; q++) dot += sol.w[p.x.indices[q]!]! * p.x.data[q]!;
      return dot;
    });
    expect(Math.max(...Array.from(oof, (v, t) => Math.abs(v - full[t]!)))).toBeGreaterThan(1e-3);
  });

  it("solveSvmGroup: each problem of a group reaches its own optimum (as solveBinary), and stops when converged", () => {
    const p = randomProblem(17, 80, 10);
    const sq = rowSquaredNorms(p.x, 1);
    const k = 3;
    // Problem c: "row i is in class i mod 3" against the rest.
    const y = Int8Array.from({ length: 80 * k }, (_, t) => (Math.floor(t / k) % k === t % k ? 1 : -1));
    const g: GroupProblem = { x: p.x, k, y, cost: p.cost, bias: 1 };
    for (const loss of ["squared-hinge", "hinge"] as const) {
      // The group's weights are float32: a gap of 1e-6 is within their reach (1e-9 is not), and the optimum
      // agrees with the float64 single problem's to the float32 weights' precision.
      const r = solveSvmGroup(g, sq, { loss, tol: 1e-6, maxIter: 20000, seed: 5 });
      for (let c = 0; c < k; c++) {
        expect(r.converged[c]).toBe(1);
        expect(r.iterations[c]).toBeLessThan(20000);
        const single = solveBinary({ ...p, y: Int8Array.from({ length: 80 }, (_, i) => y[i * k + c]!) }, sq, { loss, tol: 1e-9, maxIter: 20000, seed: 5 });
        // The squared hinge's primal is strictly convex: one w. The hinge's optimum is unique in w as well.
        for (let j = 0; j <= p.x.cols; j++) expect(r.w[j * k + c]).toBeCloseTo(single.w[j]!, 4);
      }
    }
  });

  it("a group of one problem follows solveBinary and outOfFoldScores (same seed, order and shrinking; float32 weights)", () => {
    const p = randomProblem(19, 70, 9);
    const sq = rowSquaredNorms(p.x, 1);
    const foldOf = Int32Array.from({ length: 70 }, (_, i) => (i * 5) % 3);
    const rows = Int32Array.from({ length: 70 }, (_, i) => i);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void => {
      expect(a.length).toBe(b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst).toBeLessThan(tol);
    };
    for (const loss of ["squared-hinge", "hinge"] as const) {
      for (const opt of [{ loss, tol: 0.1, maxIter: 4, seed: 8 }, { loss, tol: 1e-4, maxIter: 500, seed: 9 }]) {
        const single = solveBinary(p, sq, opt);
        const g = solveSvmGroup({ x: p.x, k: 1, y: p.y, cost: p.cost, bias: 1 }, sq, opt);
        // The same steps, each weight rounded to float32 after each: the float64 solution to about 1e-5.
        close(g.w, single.w, 1e-4);
        close(g.alpha, single.alpha, 1e-4);
        if (opt.maxIter === 4) expect(g.iterations[0]).toBe(single.iterations);
        // Three folds, each taken out of the weights; two, the second's start the full weights less the first's.
        for (const folds of [3, 2]) {
          const split = Int32Array.from(foldOf, (f) => f % folds);
          const a = outOfFoldScores(p, sq, single, { loss, foldOf: split, folds, passes: 2, seedOf: (f) => 30 + f, rows });
          const b = groupOutOfFoldScores({ x: p.x, k: 1, y: p.y, cost: p.cost, bias: 1 }, sq, g, { loss, foldOf: split, folds, passes: 2, seedOf: (f) => 30 + f, rows });
          close(b, a, 1e-3);
        }
      }
    }
  });

  it("solveSvmGroupThen reads solveSvmGroup's solution in place and gives groupOutOfFoldScores' scores to the bit", () => {
    const p = randomProblem(23, 90, 12);
    const sq = rowSquaredNorms(p.x, 1);
    const k = 4;
    const y = Int8Array.from({ length: 90 * k }, (_, t) => (Math.floor(t / k) % 5 === t % k ? 1 : -1));
    const g: GroupProblem = { x: p.x, k, y, cost: p.cost, bias: 1 };
    const rows = Int32Array.from([0, 3, 4, 10, 41, 42, 88]);
    for (const folds of [2, 3]) {
      const foldOf = Int32Array.from({ length: 90 }, (_, i) => (i * 7) % folds);
      const opt = { loss: "squared-hinge" as const, tol: 0.1, maxIter: 5, seed: 3 };
      const spec = { loss: opt.loss, foldOf, folds, passes: 2, seedOf: (f: number) => 50 + f, rows };
      const want = solveSvmGroup(g, sq, opt);
      const wantOof = groupOutOfFoldScores(g, sq, want, spec);
      const got = solveSvmGroupThen(g, sq, opt, (w, alpha, r) => ({ w: w.slice(), alpha: alpha.slice(), iterations: r.iterations.slice() }), spec);
      expect(got.solution.w).toEqual(want.w);
      expect(got.solution.alpha).toEqual(want.alpha);
      expect(got.solution.iterations).toEqual(want.iterations);
      expect(got.oof).toEqual(wantOof);
      // The refits moved the scores away from the full solution's (so the folds did run).
      const full = (t: number, c: number): number => {
        const i = rows[t]!;
        let s = want.w[p.x.cols * k + c]!;
        for (let q = p.x.indptr[i]!; q < p.x.indptr[i + 1]!; q++) s += want.w[p.x.indices[q]! * k + c]! * p.x.data[q]!;
        return s;
      };
      expect(Math.max(...Array.from(got.oof!, (v, at) => Math.abs(v - full(Math.floor(at / k), at % k))))).toBeGreaterThan(1e-3);
    }
  });

  it("gives the same bits on the JavaScript kernels (ASSORT_NO_WASM=1) as on the WebAssembly ones", async (ctx) => {
    if (kernels().backend !== "wasm-simd") {
      ctx.skip(`the WebAssembly kernels are not in use here (${String((await import("../linalg/kernels.js")).kernelsFallbackReason())}); run npm run build`);
    }
    const p = randomProblem(13, 120, 40);
    const foldOf = Int32Array.from({ length: p.x.rows }, (_, i) => i % 2);
    const rows = Int32Array.from({ length: p.x.rows }, (_, i) => i);
    const run = (m: typeof dualCd): (Float64Array | Float32Array)[] => {
      const sq = m.rowSquaredNorms(p.x, 1);
      const out: (Float64Array | Float32Array)[] = [];
      for (const loss of ["squared-hinge", "hinge"] as const) {
        const sol = m.solveBinary(p, sq, { loss, tol: 1e-3, maxIter: 50, seed: 4 });
        out.push(sol.w, sol.alpha, m.outOfFoldScores(p, sq, sol, { loss, foldOf, folds: 2, passes: 1, seedOf: (f) => f + 9, rows }));
        for (const k of [1, 4, 7]) {
          const y = Int8Array.from({ length: p.x.rows * k }, (_, t) => (Math.floor(t / k) % (k + 1) === t % k ? 1 : -1));
          const g = { x: p.x, k, y, cost: p.cost, bias: 1 };
          const r = m.solveSvmGroup(g, sq, { loss, tol: 1e-3, maxIter: 30, seed: 4 });
          out.push(r.w, r.alpha, Float64Array.from(r.iterations), m.groupOutOfFoldScores(g, sq, r, { loss, foldOf, folds: 2, passes: 1, seedOf: (f) => f + 9, rows }));
        }
      }
      return out;
    };
    const wasm = run(dualCd);
    vi.resetModules();
    vi.stubEnv("ASSORT_NO_WASM", "1");
    try {
      const js = await import("./dual-cd.js");
      expect((await import("../linalg/kernels.js")).kernels().backend).toBe("js");
      // Tolerance: none (the same float64 operations in the same order).
      expect(run(js)).toEqual(wasm);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

/**
 * A random sparse binary problem (rows × cols, half the entries present, labels the sign of Σ x_j·weight(j)
 * plus noise, every C_i = cost, bias 1).
 */
function randomProblem(seed: number, rows: number, cols: number, cost = 0.8, weight = (j: number): number => (j % 5) - 2): BinaryProblem {
  const rng = new Random(seed);
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  const y = new Int8Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      if (rng.float() < 0.5) continue;
      const v = rng.float() * 2 - 1;
      indices.push(j);
      data.push(v);
      s += v * weight(j);
    }
    indptr.push(indices.length);
    y[i] = s + (rng.float() - 0.5) > 0 ? 1 : -1;
  }
  const x = { rows, cols, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float32Array.from(data) };
  return { x, y, cost: new Float32Array(rows).fill(cost), bias: 1 };
}
