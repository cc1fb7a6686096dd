// The WebAssembly SIMD kernels against their JavaScript twins: identical bits on random sparse data, plus a
// hand-computed case. The module is compiled here from its AssemblyScript source, so the test never depends
// on a previous build.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { float32AtLeast, gramMirror, gramPlan, jsKernels, wasmKernels, weightStride, type LinalgKernels, type SparseRows, type SparseWorkspace } from "./kernels.js";
import { Random } from "./random.js";
import { offerMemoryTail, wasmApi } from "./wasm-module.js";
import { randomSparseRows } from "../../test/fixtures/sparse-rows.js";

let wasm: LinalgKernels;

beforeAll(async () => {
  const asc = (await import("assemblyscript/asc")).default;
  const read = (name: string): string => readFileSync(new URL(`./wasm/${name}`, import.meta.url), "utf8");
  // As scripts/build-wasm.mjs compiles it: the entry and the file it takes the scoring kernels from.
  const r = await asc.compileString({ "kernels.as.ts": read("kernels.as.ts"), "score.as.ts": read("score.as.ts") }, {
    optimizeLevel: 3,
    noAssert: true,
    runtime: "stub",
    enable: ["simd", "threads"],
    importMemory: true,
    sharedMemory: true,
    maximumMemory: 65536,
  });
  if (r.error || !r.binary) throw new Error(`AssemblyScript compile failed: ${r.error?.message ?? ""}\n${r.stderr.toString()}`);
  wasm = wasmKernels(r.binary);
}, 60_000);

/** Random CSR rows (some empty) over `cols` columns with values in (-2, 2). */
function randomRows(rng: Random, rows: number, cols: number): SparseRows {
  return randomSparseRows(rng, rows, cols, { maxNonZeros: 40, scale: 2 });
}

/** Per-row arrays of a dual problem over x: C_i = 0.5 + (i mod m)·0.25, ‖x_i‖² + 1, visiting order 0..rows-1. */
function fillRows(ws: SparseWorkspace, x: SparseRows, m: number): void {
  for (let i = 0; i < x.rows; i++) {
    ws.dual.cost[i] = 0.5 + (i % m) * 0.25;
    let s = 1;
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) s += x.data[p]! * x.data[p]!;
    ws.dual.xsq[i] = s;
    ws.dual.index[i] = i;
  }
}

/** The same Fisher–Yates shuffle of dual.index[0..active) in every workspace. */
function shuffleBoth(order: Random, active: number, pair: readonly SparseWorkspace[]): void {
  const swaps = Array.from({ length: active }, (_, i) => i + order.int(active - i));
  for (const ws of pair) {
    for (let i = 0; i < active; i++) {
      const j = swaps[i]!;
      const v = ws.dual.index[i]!;
      ws.dual.index[i] = ws.dual.index[j]!;
      ws.dual.index[j] = v;
    }
  }
}

/** The Gram matrix summed column by column (each column's pairs a ≤ b, rows ascending), then the bias², mirrored. */
function gramByColumns(x: SparseRows, cols: number, bias: number): Float64Array {
  const n = x.rows;
  const byCol: { row: number; v: number }[][] = Array.from({ length: cols }, () => []);
  for (let i = 0; i < n; i++) for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) byCol[x.indices[p]!]!.push({ row: i, v: x.data[p]! });
  const q = new Float64Array(n * n);
  for (const col of byCol) for (let a = 0; a < col.length; a++) for (let b = a; b < col.length; b++) q[col[a]!.row * n + col[b]!.row]! += col[a]!.v * col[b]!.v;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) q[j * n + i] = q[i * n + j] = q[i * n + j]! + bias * bias;
  return q;
}

const bits = (a: Float32Array | Float64Array): number[] => Array.from(a.BYTES_PER_ELEMENT === 4 ? new Uint32Array(a.buffer, a.byteOffset, a.length) : new Uint32Array(a.buffer, a.byteOffset, a.length * 2));

describe("linalg kernels: WebAssembly SIMD = JavaScript", () => {
  it("scores a hand-computed batch", () => {
    // Two features, three classes; row 0 = 2·f0 + 1·f1, row 1 empty.
    const weights = Float32Array.of(1, 2, 3, 10, 20, 30);
    const intercept = Float32Array.of(0.5, 0, -1);
    const x: SparseRows = { rows: 2, indptr: Int32Array.of(0, 2, 2), indices: Int32Array.of(0, 1), data: Float32Array.of(2, 1) };
    for (const k of [jsKernels, wasm]) {
      const out = new Float32Array(6);
      k.scorer(weights, 3, intercept).score(x, out);
      expect(Array.from(out)).toEqual([12.5, 24, 35, 0.5, 0, -1]);
    }
  });

  it("pads each feature's weights to a power of two up to a cache line, to whole lines above", () => {
    expect([1, 2, 3, 4, 5, 10, 16, 17, 100].map(weightStride)).toEqual([4, 8, 16, 16, 32, 64, 64, 128, 448]);
  });

  it("scores random batches with identical bits, for odd and even class counts and row slices", () => {
    const rng = new Random(11);
    // One to four quads of classes (scores in registers), and more (scores in memory); whole and partial quads.
    for (const k of [1, 2, 3, 4, 5, 8, 10, 13, 16, 17, 40]) {
      const cols = 500;
      const weights = Float32Array.from({ length: cols * k }, () => rng.float() * 2 - 1);
      const intercept = Float32Array.from({ length: k }, () => rng.float() - 0.5);
      const x = randomRows(rng, 300, cols);
      const a = new Float32Array(x.rows * k);
      const b = new Float32Array(x.rows * k);
      jsKernels.scorer(weights, k, intercept).score(x, a);
      const scorer = wasm.scorer(weights, k, intercept);
      scorer.score(x, b);
      expect(bits(b)).toEqual(bits(a));
      // A slice whose row pointers do not start at 0 (rows 100..199 of the same arrays).
      const slice: SparseRows = { rows: 100, indptr: x.indptr.subarray(100, 201), indices: x.indices, data: x.data };
      const c = new Float32Array(100 * k);
      scorer.score(slice, c);
      expect(bits(c)).toEqual(bits(a.subarray(100 * k, 200 * k)));
      // An odd number of rows (the kernel scores two at a time, then the last alone).
      const odd: SparseRows = { rows: 101, indptr: x.indptr.subarray(7, 109), indices: x.indices, data: x.data };
      const d = new Float32Array(101 * k);
      scorer.score(odd, d);
      expect(bits(d)).toEqual(bits(a.subarray(7 * k, 108 * k)));
    }
  });

  it("runs dot and axpy sequences with identical bits", () => {
    const rng = new Random(5);
    const cols = 300;
    const x = randomRows(rng, 200, cols);
    const js = jsKernels.workspace(x, cols);
    const wa = wasm.workspace(x, cols);
    for (let step = 0; step < 2000; step++) {
      const i = rng.int(x.rows);
      const start = x.indptr[i]!;
      const end = x.indptr[i + 1]!;
      const init = rng.float() - 0.5;
      const d1 = js.dot(init, start, end);
      const d2 = wa.dot(init, start, end);
      expect(d2).toBe(d1);
      const s = (1 - d1) * 0.1;
      js.axpy(s, start, end);
      wa.axpy(s, start, end);
    }
    expect(bits(wa.w)).toEqual(bits(js.w));
    expect(Math.max(...Array.from(js.w, Math.abs))).toBeGreaterThan(0);
    wa.reset();
    expect(wa.w.every((v) => v === 0)).toBe(true);
  });

  it("runs whole dual coordinate descent passes (with shrinking) with identical bits, both SVM losses", () => {
    // Tolerance: none. Each pass does the same float64 operations in the same order in both backends.
    for (const squared of [true, false]) {
      const rng = new Random(squared ? 21 : 22);
      const cols = 400;
      const x = randomRows(rng, 300, cols);
      const shared = wasm.share(x, cols, 2);
      // Slot 1 of shared rows, so the per-slot layout is exercised too.
      const pair = [jsKernels.workspace(x, cols), wasm.workspaceOn(shared.handle, 1)] as const;
      for (const ws of pair) {
        fillRows(ws, x, 5);
        for (let i = 0; i < x.rows; i++) ws.dual.y[i] = i % 3 === 0 ? 1 : -1;
      }
      const order = new Random(3);
      let active = x.rows;
      let pgMaxOld = Infinity;
      let pgMinOld = -Infinity;
      let shrunk = 0;
      for (let pass = 0; pass < 8; pass++) {
        // The same shuffle of the active head on both sides.
        shuffleBoth(order, active, pair);
        const a = pair[0].svmPass(active, squared, 1, pgMaxOld, pgMinOld);
        const b = pair[1].svmPass(active, squared, 1, pgMaxOld, pgMinOld);
        expect(b).toEqual(a);
        shrunk = Math.max(shrunk, active - a.active);
        active = a.active;
        pgMaxOld = a.pgMax <= 0 ? Infinity : a.pgMax;
        pgMinOld = a.pgMin >= 0 ? -Infinity : a.pgMin;
      }
      expect(bits(pair[1].w)).toEqual(bits(pair[0].w));
      expect(bits(pair[1].dual.alpha)).toEqual(bits(pair[0].dual.alpha));
      expect(Array.from(pair[1].dual.index)).toEqual(Array.from(pair[0].dual.index));
      // The case exercised shrinking and moved the weights.
      expect(shrunk).toBeGreaterThan(0);
      expect(Math.max(...Array.from(pair[0].w, Math.abs))).toBeGreaterThan(0);
      // Slot 0 of the same shared rows was not touched.
      expect(wasm.workspaceOn(shared.handle, 0).w.every((v) => v === 0)).toBe(true);
    }
  });

  it("solves groups of problems (svmPassGroup, groupRemove, groupDots) with identical bits, group sizes 1 to 8", () => {
    // Tolerance: none. Per class, the same float32 operations in the same order in both backends; the WebAssembly
    // kernels compiled for speed ahead of their first call, as the one-vs-rest threads have them (twice: once).
    wasm.prepareSolvers();
    wasm.prepareSolvers();
    for (const k of [1, 2, 3, 5, 8]) {
      for (const squared of [true, false]) {
        const rng = new Random(100 + k);
        const cols = 300;
        const x = randomRows(rng, 200, cols);
        const shared = wasm.share(x, cols, 2, 8);
        const pair = [jsKernels.workspace(x, cols, 8), wasm.workspaceOn(shared.handle, 1)] as const;
        for (const ws of pair) {
          fillRows(ws, x, 4);
          for (let i = 0; i < x.rows; i++) for (let c = 0; c < k; c++) ws.group.y[i * k + c] = i % (k + 1) === c ? 1 : -1;
          ws.group.pgOld.fill(0);
          for (let c = 0; c < k; c++) {
            ws.group.pgOld[2 * c] = Infinity;
            ws.group.pgOld[2 * c + 1] = -Infinity;
          }
        }
        const order = new Random(7);
        let active = x.rows;
        let shrunk = 0;
        for (let pass = 0; pass < 6; pass++) {
          shuffleBoth(order, active, pair);
          const a = pair[0].svmPassGroup(k, active, squared, 1);
          const b = pair[1].svmPassGroup(k, active, squared, 1);
          expect(b).toBe(a);
          expect(bits(pair[1].group.pgNew.subarray(0, 2 * k))).toEqual(bits(pair[0].group.pgNew.subarray(0, 2 * k)));
          active = a;
          for (const ws of pair) {
            const { pgOld, pgNew } = ws.group;
            for (let c = 0; c < k; c++) {
              pgOld[2 * c] = pgNew[2 * c]! <= 0 ? Infinity : pgNew[2 * c]!;
              pgOld[2 * c + 1] = pgNew[2 * c + 1]! >= 0 ? -Infinity : pgNew[2 * c + 1]!;
            }
          }
          shrunk = Math.max(shrunk, pair[0].group.off.subarray(0, x.rows * k).reduce((n, v) => n + v, 0));
        }
        const n = (cols + 1) * k;
        expect(bits(pair[1].group.w.subarray(0, n))).toEqual(bits(pair[0].group.w.subarray(0, n)));
        expect(bits(pair[1].group.alpha.subarray(0, x.rows * k))).toEqual(bits(pair[0].group.alpha.subarray(0, x.rows * k)));
        expect(Array.from(pair[1].group.off.subarray(0, x.rows * k))).toEqual(Array.from(pair[0].group.off.subarray(0, x.rows * k)));
        expect(shrunk).toBeGreaterThan(0);
        // Take every third row out, then score rows 0..49.
        for (const ws of pair) {
          let m = 0;
          for (let i = 0; i < x.rows; i += 3) ws.group.list[m++] = i;
          ws.groupRemove(k, m, 1);
          for (let t = 0; t < 50; t++) ws.group.list[t] = t;
          ws.groupDots(k, 50, 1);
        }
        expect(bits(pair[1].group.w.subarray(0, n))).toEqual(bits(pair[0].group.w.subarray(0, n)));
        expect(bits(pair[1].group.dots.subarray(0, 50 * k))).toEqual(bits(pair[0].group.dots.subarray(0, 50 * k)));
        expect(pair[0].group.alpha[0]).toBe(0);
        // A group of one is the single-problem pass: svmPass's weights from the same start, each rounded to
        // float32 as it is stored (so they agree to float32's precision, not to the bit).
        if (k === 1) {
          const one = jsKernels.workspace(x, cols);
          const g = jsKernels.workspace(x, cols, 1);
          for (const ws of [one, g]) {
            for (let i = 0; i < x.rows; i++) {
              ws.dual.cost[i] = 1;
              ws.dual.xsq[i] = pair[0].dual.xsq[i]!;
              ws.dual.index[i] = i;
              ws.dual.y[i] = i % 2 === 0 ? 1 : -1;
              ws.group.y[i] = ws.dual.y[i]!;
            }
          }
          g.group.pgOld[0] = Infinity;
          g.group.pgOld[1] = -Infinity;
          one.svmPass(x.rows, squared, 1, Infinity, -Infinity);
          g.svmPassGroup(1, x.rows, squared, 1);
          const gw = g.group.w.subarray(0, cols + 1);
          for (let j = 0; j <= cols; j++) expect(Math.abs(gw[j]! - one.w[j]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(one.w[j]!)));
          expect(gw.some((v, j) => v !== 0 && v === Math.fround(one.w[j]!))).toBe(true);
        }
      }
    }
    expect(() => wasm.share(randomRows(new Random(1), 3, 5), 5, 1, 9)).toThrow(RangeError);
  });

  it("finds the weights at or above a bound (groupKept) as JavaScript does, at any start, length and bound", () => {
    const rng = new Random(77);
    const x = randomRows(rng, 40, 30);
    const pair = [jsKernels.workspace(x, 30, 3), wasm.workspace(x, 30, 3)] as const;
    const w = Float32Array.from({ length: 31 * 3 }, (_, i) => (i % 5 === 0 ? 0 : (rng.float() - 0.5) * 0.1));
    w[7] = 0.02;
    w[8] = -0.02;
    w[9] = Math.fround(0.02);
    w[10] = -Number.MIN_VALUE;
    for (const ws of pair) ws.group.w.set(w);
    for (const lim of [float32AtLeast(0.02), float32AtLeast(Number.MIN_VALUE), Math.fround(0.001)]) {
      for (const [from, to] of [[0, 40], [3, 42], [53, 93], [90, 93], [5, 5]] as const) {
        const want: number[] = [];
        for (let p = from; p < to; p++) if (Math.abs(w[p]!) >= lim) want.push(p);
        for (const ws of pair) expect(Array.from(ws.group.list.subarray(0, ws.groupKept(from, to, lim)))).toEqual(want);
      }
    }
    // |w| ≥ 0.02 exactly when |w| ≥ its float32 bound; every non-zero float32 passes the smallest positive double's.
    expect(float32AtLeast(0.02)).toBeGreaterThanOrEqual(0.02);
    expect(Math.fround(0.02) < 0.02 ? float32AtLeast(0.02) > Math.fround(0.02) : float32AtLeast(0.02) === Math.fround(0.02)).toBe(true);
    expect(float32AtLeast(Number.MIN_VALUE)).toBe(2 ** -149);
    expect(() => pair[1].groupKept(0, 41, 0.02)).toThrow(RangeError);
    expect(() => pair[0].groupKept(0, 10, 0)).toThrow(RangeError);
  });

  it("builds Gram matrices and solves groups in the dual space (gramMatrix, gramPassGroup, gramRemove) with identical bits", () => {
    // Hand-computed: x0 = (1, 2), x1 = (0, 3), bias 1 → [[1 + 4 + 1, 6 + 1], [7, 9 + 1]].
    const two: SparseRows = { rows: 2, indptr: Int32Array.of(0, 2, 3), indices: Int32Array.of(0, 1, 1), data: Float32Array.of(1, 2, 3) };
    for (const kk of [jsKernels, wasm]) expect(Array.from(kk.gramMatrix(two, 2, 1))).toEqual([6, 7, 7, 10]);
    for (const k of [1, 3, 8]) {
      for (const squared of [true, false]) {
        const rng = new Random(300 + k);
        const cols = 120;
        const x = randomRows(rng, 90, cols);
        const q = jsKernels.gramMatrix(x, cols, 1);
        expect(bits(q)).toEqual(bits(gramByColumns(x, cols, 1)));
        expect(bits(wasm.gramMatrix(x, cols, 1))).toEqual(bits(q));
        // Blocks of rows filled in any order (as threads do) into one matrix, then mirrored: the same bits.
        const plan = gramPlan(x, cols, true, 16);
        for (const kk of [jsKernels, wasm]) {
          const qb = new Float64Array(x.rows * x.rows).fill(NaN);
          for (const r of [3, 0, 5, 1, 4, 2]) kk.gramRows(plan, r, 1, qb);
          gramMirror(qb, x.rows);
          expect(bits(qb)).toEqual(bits(q));
        }
        const n = x.rows;
        const pair = [jsKernels.gramWorkspace(q, n, 8), wasm.gramWorkspace(q, n, 8)] as const;
        for (const ws of pair) {
          for (let i = 0; i < n; i++) {
            ws.cost[i] = 0.5 + (i % 4) * 0.25;
            ws.xsq[i] = q[i * n + i]!;
            ws.index[i] = i;
            for (let c = 0; c < k; c++) ws.y[c * n + i] = i % (k + 1) === c ? 1 : -1;
          }
          for (let c = 0; c < k; c++) {
            ws.pgOld[2 * c] = Infinity;
            ws.pgOld[2 * c + 1] = -Infinity;
          }
        }
        const order = new Random(7);
        let active = n;
        let shrunk = 0;
        for (let pass = 0; pass < 12; pass++) {
          const swaps = Array.from({ length: active }, (_, i) => i + order.int(active - i));
          for (const ws of pair) {
            for (let i = 0; i < active; i++) {
              const j = swaps[i]!;
              const v = ws.index[i]!;
              ws.index[i] = ws.index[j]!;
              ws.index[j] = v;
            }
          }
          const a = pair[0].pass(k, active, squared);
          expect(pair[1].pass(k, active, squared)).toBe(a);
          expect(bits(pair[1].pgNew.subarray(0, 2 * k))).toEqual(bits(pair[0].pgNew.subarray(0, 2 * k)));
          active = a;
          for (const ws of pair) {
            for (let c = 0; c < k; c++) {
              ws.pgOld[2 * c] = ws.pgNew[2 * c]! <= 0 ? Infinity : ws.pgNew[2 * c]!;
              ws.pgOld[2 * c + 1] = ws.pgNew[2 * c + 1]! >= 0 ? -Infinity : ws.pgNew[2 * c + 1]!;
            }
          }
          shrunk = Math.max(shrunk, pair[0].off.subarray(0, n * k).reduce((m, v) => m + v, 0));
        }
        expect(shrunk).toBeGreaterThan(0);
        for (const ws of pair) {
          let m = 0;
          for (let i = 0; i < n; i += 3) ws.list[m++] = i;
          ws.remove(k, m);
        }
        expect(bits(pair[1].g.subarray(0, n * k))).toEqual(bits(pair[0].g.subarray(0, n * k)));
        expect(bits(pair[1].alpha.subarray(0, n * k))).toEqual(bits(pair[0].alpha.subarray(0, n * k)));
        expect(pair[0].alpha[0]).toBe(0);
        // The scores are the dual solution's: g_ic = Σ_j alpha_jc·y_jc·q_ij.
        const ws = pair[0];
        for (const [i, c] of [[1, 0], [50, k - 1]] as const) {
          let want = 0;
          for (let j = 0; j < n; j++) want += ws.alpha[c * n + j]! * ws.y[c * n + j]! * q[i * n + j]!;
          expect(ws.g[c * n + i]).toBeCloseTo(want, 9);
        }
      }
    }
  });

  it("svmPass on a hand-computed problem: one row x = 2, y = +1, C = 1, hinge, no bias", () => {
    // g = y·w·x − 1 = −1 at w = 0; alpha ← min(max(0 − (−1)/‖x‖², 0), C) = 1/4; w = alpha·y·x = 0.5.
    const x: SparseRows = { rows: 1, indptr: Int32Array.of(0, 1), indices: Int32Array.of(0), data: Float32Array.of(2) };
    for (const k of [jsKernels, wasm]) {
      const ws = k.workspace(x, 1);
      ws.dual.y[0] = 1;
      ws.dual.cost[0] = 1;
      ws.dual.xsq[0] = 4;
      ws.dual.index[0] = 0;
      const r = ws.svmPass(1, false, 0, Infinity, -Infinity);
      expect(r).toEqual({ active: 1, pgMax: -1, pgMin: -1 });
      expect(ws.dual.alpha[0]).toBe(0.25);
      expect(Array.from(ws.w)).toEqual([0.5, 0]);
    }
  });

  it("shares rows between weight slots: one copy, independent weights, the same bits as JavaScript", () => {
    const rng = new Random(9);
    const cols = 50;
    const x = randomRows(rng, 40, cols);
    for (const k of [jsKernels, wasm]) {
      const shared = k.share(x, cols, 2);
      expect(Array.from(shared.x.indices)).toEqual(Array.from(x.indices));
      expect(Array.from(shared.x.data)).toEqual(Array.from(x.data));
      expect(shared.x.indices.buffer).toBeInstanceOf(SharedArrayBuffer);
      const a = k.workspaceOn(shared.handle, 0);
      const b = k.workspaceOn(shared.handle, 1);
      a.axpy(1, x.indptr[0]!, x.indptr[1]!);
      b.axpy(2, x.indptr[1]!, x.indptr[2]!);
      const ref = jsKernels.workspace(x, cols);
      ref.axpy(1, x.indptr[0]!, x.indptr[1]!);
      expect(bits(a.w)).toEqual(bits(ref.w));
      ref.reset();
      ref.axpy(2, x.indptr[1]!, x.indptr[2]!);
      expect(bits(b.w)).toEqual(bits(ref.w));
      expect(() => k.workspaceOn(shared.handle, 2)).toThrow(RangeError);
      // Renumbered as it is copied: column j of x is column at[j] of the copy; x itself is left as it was.
      const at = Int32Array.from({ length: cols }, (_, j) => (j * 7 + 3) % cols);
      const before = Array.from(x.indices);
      const renumbered = k.share(x, cols, 1, 1, at);
      expect(Array.from(renumbered.x.indices)).toEqual(before.map((j) => at[j]!));
      expect(Array.from(renumbered.x.data)).toEqual(Array.from(x.data));
      expect(Array.from(x.indices)).toEqual(before);
      // The room the renumbering used is given back zeroed: a workspace laid out there starts from zero weights.
      const fresh = k.workspaceOn(renumbered.handle, 0);
      expect(fresh.w.every((v) => v === 0) && fresh.group.w.every((v) => v === 0)).toBe(true);
    }
  });

  it("lays out rows around values that lie in a shared memory whose tail is offered, once, with the same passes", () => {
    const rng = new Random(4);
    const cols = 60;
    const x = randomRows(rng, 50, cols);
    const nnz = x.indptr[x.rows]!;
    // The values and indices at bytes 64 on of a shared memory, its tail offered from just after them.
    const memory = new (wasmApi()!.Memory)({ initial: 1, maximum: 65536, shared: true });
    const data = new Float32Array(memory.buffer, 64, nnz);
    data.set(x.data);
    const indices = new Int32Array(memory.buffer, 64 + nnz * 4, nnz);
    indices.set(x.indices);
    offerMemoryTail(memory, 64 + nnz * 8);
    const hosted = { rows: x.rows, indptr: x.indptr, indices, data };
    const at = Int32Array.from({ length: cols }, (_, j) => (j * 11 + 5) % cols);
    const shared = wasm.share(hosted, cols, 2, 5, at);
    // The values stay where they were; the renumbered indices and the weight slots go after them.
    expect(shared.handle.memory).toBe(memory);
    expect(shared.handle.at!.data).toBe(64);
    expect(shared.handle.at!.indices).toBeGreaterThanOrEqual(64 + nnz * 8);
    expect(Array.from(data)).toEqual(Array.from(x.data));
    expect(Array.from(indices)).toEqual(Array.from(x.indices));
    expect(Array.from(shared.x.indices)).toEqual(Array.from(x.indices, (j) => at[j]!));
    // A pass over them gives the bits a pass over a copy of the rows gives.
    const copy = wasm.share(hosted, cols, 1, 5, at);
    expect(copy.handle.memory).not.toBe(memory); // the tail was taken: this one is a copy
    const passOn = (h: typeof shared.handle): number[] => {
      const ws = wasm.workspaceOn(h, 0);
      fillRows(ws, shared.x, 3);
      const k = 3;
      for (let i = 0; i < x.rows; i++) for (let c = 0; c < k; c++) ws.group.y[i * k + c] = (i + c) % 3 === 0 ? 1 : -1;
      ws.group.w.fill(0);
      ws.group.alpha.fill(0);
      ws.group.off.fill(0);
      ws.group.pgOld.fill(0);
      for (let c = 0; c < k; c++) {
        ws.group.pgOld[2 * c] = Infinity;
        ws.group.pgOld[2 * c + 1] = -Infinity;
      }
      ws.svmPassGroup(k, x.rows, true, 1);
      return bits(ws.group.w.subarray(0, (cols + 1) * k));
    };
    const w = passOn(shared.handle);
    expect(w.filter((b) => b !== 0).length).toBeGreaterThan(cols);
    expect(w).toEqual(passOn(copy.handle));
  });

  it("orders by descending count, ties in index order, the same in both backends", () => {
    // Hand-computed: counts 2, 5, 0, 5, 2 → 5 (1), 5 (3), 2 (0), 2 (4), 0 (2).
    for (const k of [jsKernels, wasm]) expect(Array.from(k.countOrder(Int32Array.of(2, 5, 0, 5, 2), 5))).toEqual([2, 0, 4, 1, 3]);
    const rng = new Random(3);
    const counts = Int32Array.from({ length: 20_000 }, () => (rng.int(4) === 0 ? rng.int(3000) : rng.int(5)));
    const a = wasm.countOrder(counts, 3000);
    expect(Array.from(a)).toEqual(Array.from(jsKernels.countOrder(counts, 3000)));
    // A permutation, counts never rising along it.
    const inv = new Int32Array(counts.length).fill(-1);
    for (let j = 0; j < a.length; j++) inv[a[j]!] = j;
    expect(inv.every((j) => j >= 0)).toBe(true);
    let falling = true;
    for (let t = 1; t < inv.length; t++) falling &&= counts[inv[t]!]! <= counts[inv[t - 1]!]!;
    expect(falling).toBe(true);
    for (const k of [jsKernels, wasm]) {
      expect(() => k.countOrder(Int32Array.of(1, 7), 6)).toThrow(/outside \[0, 6\]/);
      expect(() => k.countOrder(Int32Array.of(-1, 0), 6)).toThrow(RangeError);
      expect(k.countOrder(new Int32Array(0), 0).length).toBe(0);
    }
  });

  it("falls back to JavaScript with ASSORT_NO_WASM=1 and says why", async () => {
    vi.resetModules();
    vi.stubEnv("ASSORT_NO_WASM", "1");
    try {
      const fresh = await import("./kernels.js");
      expect(fresh.kernels().backend).toBe("js");
      expect(fresh.kernelsFallbackReason()).toBe("ASSORT_NO_WASM=1");
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});
