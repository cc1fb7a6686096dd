import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { Random } from "../core/random.js";
import { toCsr, type DenseMatrix } from "../linalg/matrix.js";
import { Mlp } from "./mlp.js";
import { gemmABt32 as gemmABtScalar } from "../linalg/gemm.js";
import { gemmABt, softmaxRows, transpose } from "./mlp-kernels.js";
import { gemmABtSimd } from "./mlp-wasm.js";
import { MlpModel } from "./mlp-model.js";
import { createClassifier, restoreClassifier } from "./registry.js";

/** XOR-like: class = (x0 > 0) xor (x1 > 0); not linearly separable, so it needs the hidden layer. */
function xor(n: number, seed: number): { x: DenseMatrix; y: Int32Array } {
  const rng = new Random(seed);
  const data = new Float32Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.float() * 2 - 1;
    const b = rng.float() * 2 - 1;
    data.set([a, b, 0], i * 3); // column 2 is always zero: never used
    y[i] = (a > 0) !== (b > 0) ? 1 : 0;
  }
  return { x: { kind: "dense", rows: n, cols: 3, data }, y };
}

describe("mlp kernels", () => {
  it("gemmABt multiplies by the transpose (odd sizes exercise the edges) and adds the bias", () => {
    // a 3×2, b 5×2 → out 3×5 with out[i][j] = a_i · b_j + bias_j
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const b = Float32Array.from([1, 0, 0, 1, 1, 1, 2, -1, -1, 3]);
    const out = new Float32Array(15);
    gemmABt(a, 3, 2, b, 5, Float32Array.from([0, 0, 0, 0, 10]), out);
    expect(Array.from(out)).toEqual([1, 2, 3, 0, 15, 3, 4, 7, 2, 19, 5, 6, 11, 4, 23]);
  });

  it("the WebAssembly SIMD product agrees with the scalar one (padding odd rows and columns)", () => {
    const rng = new Random(1);
    for (const [m, k, n] of [[1, 4, 1], [3, 8, 5], [33, 64, 18], [128, 100, 7]] as const) {
      const a = Float32Array.from({ length: m * k }, () => rng.normal());
      const b = Float32Array.from({ length: n * k }, () => rng.normal());
      const bias = Float32Array.from({ length: n }, () => rng.normal());
      const ref = new Float32Array(m * n);
      const fast = new Float32Array(m * n);
      gemmABtScalar(a, m, k, b, n, bias, ref);
      expect(gemmABtSimd(a, m, k, b, n, bias, fast)).toBe(true);
      for (let i = 0; i < ref.length; i++) expect(fast[i]).toBeCloseTo(ref[i]!, 4);
    }
    expect(gemmABtSimd(new Float32Array(6), 2, 3, new Float32Array(6), 2, undefined, new Float32Array(4))).toBe(false); // k % 4 ≠ 0
  });

  it("transposes and applies a stable softmax with cross-entropy", () => {
    const t = new Float32Array(6);
    transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3, t);
    expect(Array.from(t)).toEqual([1, 4, 2, 5, 3, 6]);
    const z = Float32Array.from([0, Math.log(3), 1000, 1000]);
    const loss = softmaxRows(z, 2, 2, Int32Array.from([1, 0]));
    expect(z[0]).toBeCloseTo(0.25, 6);
    expect(z[1]).toBeCloseTo(0.75, 6);
    expect(z[2]).toBeCloseTo(0.5, 6);
    expect(loss).toBeCloseTo(-Math.log(0.75) - Math.log(0.5), 5);
  });
});

describe("Mlp", () => {
  it("learns XOR, which no linear model can", async () => {
    const train = xor(400, 1);
    const test = xor(200, 2);
    const m = await new Mlp({ hiddenLayers: [32], epochs: 200, learningRate: 0.01, batchSize: 32 }).fit(train.x, train.y, 2, { seed: 3 });
    const pred = m.predict(test.x);
    let ok = 0;
    for (let i = 0; i < 200; i++) if (pred[i] === test.y[i]) ok++;
    expect(ok / 200).toBeGreaterThan(0.9);
    const lin = await new Mlp({ hiddenLayers: [], epochs: 200, learningRate: 0.01, batchSize: 32 }).fit(train.x, train.y, 2, { seed: 3 });
    let okLin = 0;
    const pl = lin.predict(test.x);
    for (let i = 0; i < 200; i++) if (pl[i] === test.y[i]) okLin++;
    expect(okLin / 200).toBeLessThan(0.75);
    // The always-zero column is dropped from the network's input.
    expect(Array.from(m.state.columns)).toEqual([0, 1]);
    expect(m.state.sizes).toEqual([2, 32, 2]);
  });

  it("stops early on a held-out fraction and keeps the best epoch", async () => {
    const { x, y } = xor(300, 4);
    const m = await new Mlp({ hiddenLayers: [16], epochs: 300, validationFraction: 0.2, patience: 3, learningRate: 0.05 }).fit(x, y, 2, { seed: 1 });
    const meta = m.toArtifact().meta as { epochs: number; bestEpoch: number; validationAccuracy: number };
    expect(meta.epochs).toBeLessThan(300);
    expect(meta.bestEpoch).toBeLessThanOrEqual(meta.epochs);
    expect(meta.epochs - meta.bestEpoch).toBeLessThanOrEqual(3);
    expect(meta.validationAccuracy).toBeGreaterThan(0.8);
  });

  it("trains identically from dense and CSR input, with dropout, and round-trips through the registry", async () => {
    const { x, y } = xor(200, 5);
    const params = { hiddenLayers: [8, 8], epochs: 5, dropout: 0.2, batchSize: 16 };
    const a = await createClassifier("mlp", params).fit(x, y, 2, { seed: 9 });
    const b = await createClassifier("mlp", params).fit(toCsr(x), y, 2, { seed: 9 });
    expect(Array.from(b.decisionFunction(x).data)).toEqual(Array.from(a.decisionFunction(x).data));
    const back = restoreClassifier(a.toArtifact());
    expect(back).toBeInstanceOf(MlpModel);
    expect(Array.from(back.predictProba(toCsr(x)).data)).toEqual(Array.from(a.predictProba(x).data));
  });

  it("reports progress, honours an abort signal and validates params", async () => {
    const { x, y } = xor(256, 6);
    const seen: number[] = [];
    await new Mlp({ hiddenLayers: [4], epochs: 2, batchSize: 8 }).fit(x, y, 2, { onProgress: (e) => seen.push(e.done) });
    expect(seen[seen.length - 1]).toBe(64);
    expect(seen).toContain(25);
    const ac = new AbortController();
    ac.abort();
    await expect(new Mlp({ epochs: 2, batchSize: 8 }).fit(x, y, 2, { signal: ac.signal })).rejects.toThrow(/cancel|abort/i);
    expect(() => createClassifier("mlp", { hiddenLayers: [0] })).toThrow(ConfigError);
    await expect(new Mlp({ maxInputWeights: 10 }).fit(x, y, 2)).rejects.toThrow(/maxInputWeights 10/);
    expect(() => MlpModel.fromArtifact({ kind: "mlp", params: {}, meta: { featureCount: 3, classCount: 2, sizes: [2, 2] }, arrays: {} })).toThrow(
      /columns/,
    );
  });
});
