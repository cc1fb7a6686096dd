import { InferenceSession, Tensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { foldBatchNorm, kerasKernelToOnnx, kerasToOnnx } from "./keras-to-onnx.js";
import type { KerasLayer, KerasModel } from "./nsfwjs-weights.js";
import { encodeOnnxModel } from "./onnx-model.js";

const layer = (name: string, class_name: string, config: Record<string, unknown>, inbound: string[]): KerasLayer => ({
  name,
  class_name,
  config,
  inbound_nodes: inbound.length === 0 ? [] : [inbound.map((i) => [i, 0, 0, {}])],
});

/**
 * A 3×3×1 input, ZeroPadding [[0,1],[0,1]] → 4×4, Conv2D with two 2×2 stride-2 filters (all +1, all −1),
 * BatchNorm (γ 1, β 0, μ 2, σ²+ε = 4, so y = (v − 2)/2), ReLU6, 2×2 average pool, Flatten.
 */
function tinyModel(): KerasModel {
  const eps = 0.001;
  const layers = [
    layer("in", "InputLayer", { batch_input_shape: [null, 3, 3, 1] }, []),
    layer("pad", "ZeroPadding2D", { padding: [[0, 1], [0, 1]] }, ["in"]),
    layer("conv", "Conv2D", { kernel_size: [2, 2], strides: [2, 2], padding: "valid", activation: "linear", use_bias: false }, ["pad"]),
    layer("bn", "BatchNormalization", { epsilon: eps }, ["conv"]),
    layer("relu", "ReLU", { max_value: 6, negative_slope: 0, threshold: 0 }, ["bn"]),
    layer("pool", "AveragePooling2D", { pool_size: [2, 2], padding: "valid" }, ["relu"]),
    layer("flat", "Flatten", {}, ["pool"]),
  ];
  // Keras kernel [kh, kw, in, out]: out channel fastest, so +1/−1 alternate.
  const kernel = Float32Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 1 : -1));
  const weights = new Map([
    ["conv/kernel", { shape: [2, 2, 1, 2], data: kernel }],
    ["bn/gamma", { shape: [2], data: Float32Array.of(1, 1) }],
    ["bn/beta", { shape: [2], data: Float32Array.of(0, 0) }],
    ["bn/moving_mean", { shape: [2], data: Float32Array.of(2, 2) }],
    ["bn/moving_variance", { shape: [2], data: Float32Array.of(4 - eps, 4 - eps) }],
  ]);
  return { layers, weights, sourceHash: "test", source: "tiny" };
}

describe("foldBatchNorm", () => {
  const bn = { gamma: Float32Array.of(2, 1), beta: Float32Array.of(0.5, -1), mean: Float32Array.of(1, 0), variance: Float32Array.of(3, 3), epsilon: 1 };
  // s = γ/√(σ²+ε) = [2/2, 1/2] = [1, 0.5]
  it("scales each output channel's weights and shifts the bias (no conv bias)", () => {
    const f = foldBatchNorm(Float32Array.of(1, 2, 3, 4), undefined, bn);
    expect([...f.weight]).toEqual([1, 2, 1.5, 2]);
    expect([...f.bias]).toEqual([-0.5, -1]); // 1·(0 − 1) + 0.5, 0.5·(0 − 0) − 1
  });
  it("folds an existing bias, and treats missing γ/β as 1/0", () => {
    expect([...foldBatchNorm(Float32Array.of(1, 2, 3, 4), Float32Array.of(2, 4), bn).bias]).toEqual([1.5, 1]);
    const plain = foldBatchNorm(Float32Array.of(1, 1), undefined, { mean: Float32Array.of(1, 3), variance: Float32Array.of(3, 15), epsilon: 1 });
    expect([...plain.weight]).toEqual([0.5, 0.25]);
    expect([...plain.bias]).toEqual([-0.5, -0.75]);
  });
});

describe("kerasKernelToOnnx", () => {
  it("reorders [kh, kw, in, out] to [out, in, kh, kw]", () => {
    const k = kerasKernelToOnnx({ shape: [2, 2, 1, 2], data: Float32Array.from({ length: 8 }, (_, i) => i) }, false);
    expect(k.dims).toEqual([2, 1, 2, 2]);
    expect([...k.data]).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });
  it("reorders a depthwise [kh, kw, in, mult] kernel to [in·mult, 1, kh, kw]", () => {
    // 1×2 kernel, 2 input channels, multiplier 2: src index = x·4 + i·2 + m; dst channel = i·2 + m.
    const k = kerasKernelToOnnx({ shape: [1, 2, 2, 2], data: Float32Array.from({ length: 8 }, (_, i) => i) }, true);
    expect(k.dims).toEqual([4, 1, 1, 2]);
    expect([...k.data]).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
  });
});

describe("kerasToOnnx", () => {
  it("builds a graph onnxruntime runs, with hand-computed outputs", async () => {
    const model = kerasToOnnx(tinyModel(), { inputSize: 3, outputLayer: "flat" });
    expect(model.nodes.map((n) => n.opType)).toEqual(["Transpose", "Conv", "Clip", "GlobalAveragePool", "Flatten", "Identity"]);
    const conv = model.nodes[1]!;
    expect(conv.attributes).toContainEqual({ name: "pads", ints: [0, 0, 1, 1] });
    const bytes = encodeOnnxModel(model);
    // The model ends with opset_import (field 8): domain "" and version 13.
    expect(Buffer.from(bytes.subarray(-6)).toString("hex")).toBe("42040a00100d");
    const session = await InferenceSession.create(bytes);
    // Pixels 1..9; windows over the zero-padded 4×4: 1+2+4+5 = 12, 3+6 = 9, 7+8 = 15, 9 = 9.
    const input = new Tensor("float32", Float32Array.from({ length: 9 }, (_, i) => i + 1), [1, 3, 3, 1]);
    const out = (await session.run({ input })).features!;
    expect(out.dims).toEqual([1, 2]);
    // Filter +1: (v − 2)/2 = 5, 3.5, 6.5 → 6 (ReLU6), 3.5; mean 4.5. Filter −1: all negative → 0.
    const [a, b] = out.data as Float32Array;
    expect(a).toBeCloseTo(4.5, 4);
    expect(b).toBe(0);
    await session.release();
  });

  it("names the layer it cannot convert", () => {
    const m = tinyModel();
    m.layers.push(layer("drop", "Dropout", { rate: 0.5 }, ["flat"]));
    expect(() => kerasToOnnx(m, { inputSize: 3, outputLayer: "drop" })).toThrow(/layer "drop" \(Dropout\)/);
    expect(() => kerasToOnnx(m, { inputSize: 3, outputLayer: "nope" })).toThrow(/Unknown output layer "nope"/);
  });
});
