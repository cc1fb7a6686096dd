// Converts a Keras functional CNN (tfjs layers JSON + weights) into an ONNX graph, NCHW inside.

import { ConfigError, ModelFormatError } from "../../../core/errors.js";
import type { KerasLayer, KerasModel, KerasWeight } from "./nsfwjs-weights.js";
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor } from "./onnx-model.js";

/** Bump when the emitted graph changes, so cached .onnx files are rebuilt. */
export const CONVERTER_VERSION = 1;

/** Options of {@link kerasToOnnx}. */
export interface KerasToOnnxOptions {
  /** Square input side in pixels (the graph is built for this fixed size). */
  inputSize: number;
  /** The Keras layer whose output becomes the graph output `features`. */
  outputLayer: string;
  /** Written into the model's doc string. */
  source?: string;
}

/** Batch-norm parameters; `gamma`/`beta` absent mean scale 1 / offset 0 (Keras `scale`/`center` false). */
export interface BatchNormParams {
  gamma?: Float32Array;
  beta?: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/**
 * Folds an inference-mode batch norm into the preceding convolution:
 * with s = γ / √(σ² + ε), W'[o] = s[o]·W[o] and b'[o] = s[o]·(b[o] − μ[o]) + β[o].
 * `weight` is in ONNX layout (output channel first); a missing bias counts as zeros. Returns new arrays.
 */
export function foldBatchNorm(
  weight: Float32Array,
  bias: Float32Array | undefined,
  bn: BatchNormParams,
): { weight: Float32Array; bias: Float32Array } {
  const outC = bn.mean.length;
  if (weight.length % outC !== 0) throw new RangeError(`Cannot fold batch norm: ${weight.length} weights are not a multiple of ${outC} channels`);
  const per = weight.length / outC;
  const w = new Float32Array(weight.length);
  const b = new Float32Array(outC);
  for (let o = 0; o < outC; o++) {
    const s = (bn.gamma?.[o] ?? 1) / Math.sqrt(bn.variance[o]! + bn.epsilon);
    for (let i = o * per; i < (o + 1) * per; i++) w[i] = weight[i]! * s;
    b[o] = s * ((bias?.[o] ?? 0) - bn.mean[o]!) + (bn.beta?.[o] ?? 0);
  }
  return { weight: w, bias: b };
}

/** Keras conv kernel [kh, kw, in, out] → ONNX [out, in, kh, kw]; depthwise [kh, kw, in, m] → [in·m, 1, kh, kw]. */
export function kerasKernelToOnnx(kernel: KerasWeight, depthwise: boolean): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  const data = new Float32Array(kernel.data.length);
  // For depthwise, TF orders output channels as c·m + j, which is what ONNX grouped conv expects too.
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) {
          const src = ((y * kw + x) * cin + i) * cout + o;
          const dst = depthwise ? ((i * cout + o) * kh + y) * kw + x : ((o * cin + i) * kh + y) * kw + x;
          data[dst] = kernel.data[src]!;
        }
  return { data, dims: depthwise ? [cin * cout, 1, kh, kw] : [cout, cin, kh, kw] };
}

type Shape = [c: number, h: number, w: number];
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)]);

/** Inbound layer names of a layer's first (only) call. */
function inboundOf(layer: KerasLayer): string[] {
  const calls = layer.inbound_nodes as unknown[][][];
  return (calls[0] ?? []).map((c) => String(c[0]));
}

/** TensorFlow "same" padding for one axis: total = max((⌈n/s⌉−1)·s + k_eff − n, 0), extra pixel at the end. */
function samePads(n: number, k: number, s: number, d: number): [number, number] {
  const eff = (k - 1) * d + 1;
  const total = Math.max((Math.ceil(n / s) - 1) * s + eff - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * Builds an ONNX graph computing `outputLayer` of a Keras CNN. Graph input `input` is NHWC float32
 * `[batch, size, size, 3]` (the tfjs convention; one Transpose to NCHW follows), output `features` is
 * `[batch, d]`. Supported layers: InputLayer, ZeroPadding2D (folded into the next conv's pads),
 * Conv2D, DepthwiseConv2D (Conv with group = channels), BatchNormalization (folded into the conv
 * before it, else an ONNX BatchNormalization), ReLU (Relu, or Clip for ReLU6), Add, AveragePooling2D,
 * Flatten. An AveragePooling2D feeding the output Flatten becomes GlobalAveragePool: at the native
 * 224 px, MobileNetV2's 7×7 pool covers the whole 7×7 map (identical result), and at other input sizes
 * it keeps the pooled vector 1280-d.
 * @throws ConfigError for an unknown output layer or an unsupported layer on the way to it.
 */
export function kerasToOnnx(model: KerasModel, options: KerasToOnnxOptions): OnnxModel {
  const { layers, weights } = model;
  const byName = new Map(layers.map((l) => [l.name, l]));
  if (!byName.has(options.outputLayer)) throw new ConfigError(`Unknown output layer "${options.outputLayer}"`);
  // Only the ancestors of the output layer are converted (the classifier head after it is dropped).
  const needed = new Set<string>();
  const stack = [options.outputLayer];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    stack.push(...inboundOf(byName.get(name)!));
  }
  const consumers = new Map<string, string[]>();
  for (const l of layers) if (needed.has(l.name)) for (const i of inboundOf(l)) consumers.set(i, [...(consumers.get(i) ?? []), l.name]);

  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const tensor = new Map<string, string>(); // Keras layer → ONNX tensor name
  const shape = new Map<string, Shape>();
  const pads = new Map<string, [number, number, number, number]>(); // pending ZeroPadding: top, bottom, left, right
  const folded = new Set<string>();
  const weight = (name: string): KerasWeight => {
    const w = weights.get(name);
    if (w === undefined) throw new ModelFormatError(model.source, `missing weight "${name}"`);
    return w;
  };
  const optionalWeight = (name: string): Float32Array | undefined => weights.get(name)?.data;
  const scalar = (name: string, v: number): string => {
    if (!inits.some((t) => t.name === name)) inits.push({ name, dims: [], data: Float32Array.of(v) });
    return name;
  };
  const onlyConsumer = (name: string): KerasLayer | undefined => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 ? byName.get(c[0]!) : undefined;
  };
  const unsupported = (l: KerasLayer, why: string): never => {
    throw new ConfigError(`Cannot convert layer "${l.name}" (${l.class_name}) to ONNX`, [why]);
  };

  for (const l of layers) {
    if (!needed.has(l.name) || folded.has(l.name)) continue;
    const c = l.config;
    const ins = inboundOf(l);
    const inTensor = ins.map((i) => tensor.get(i)!);
    const inShape = ins.length > 0 ? shape.get(ins[0]!)! : undefined;
    const out = l.name;
    tensor.set(out, out);
    switch (l.class_name) {
      case "InputLayer": {
        const dims = c.batch_input_shape as (number | null)[];
        if (dims.length !== 4 || dims[3] === null) unsupported(l, "expected an NHWC image input");
        nodes.push({ opType: "Transpose", name: out, inputs: ["input"], outputs: [out], attributes: [{ name: "perm", ints: [0, 3, 1, 2] }] });
        shape.set(out, [dims[3]!, options.inputSize, options.inputSize]);
        break;
      }
      case "ZeroPadding2D": {
        const [[t, b], [le, r]] = c.padding as [[number, number], [number, number]];
        const next = onlyConsumer(l.name);
        if (next === undefined || !/^(Depthwise)?Conv2D$/.test(next.class_name) || next.config.padding !== "valid") {
          unsupported(l, "zero padding is only supported right before a valid-padded convolution");
        }
        pads.set(l.name, [t, b, le, r]);
        tensor.set(l.name, inTensor[0]!);
        shape.set(l.name, inShape!); // the tensor itself is unpadded: the conv's pads add the border
        continue;
      }
      case "Conv2D":
      case "DepthwiseConv2D": {
        const depthwise = l.class_name === "DepthwiseConv2D";
        if (c.activation !== "linear") unsupported(l, `activation "${String(c.activation)}" is not supported`);
        const [kh, kw] = pair(c.kernel_size);
        const [sh, sw] = pair(c.strides);
        const [dh, dw] = pair(c.dilation_rate ?? 1);
        const kernel = kerasKernelToOnnx(weight(`${l.name}/${depthwise ? "depthwise_kernel" : "kernel"}`), depthwise);
        let w = kernel.data;
        let b = c.use_bias === true ? weight(`${l.name}/bias`).data : undefined;
        const next = onlyConsumer(l.name);
        const bn = next?.class_name === "BatchNormalization" && [-1, 3].includes(Number(next.config.axis ?? -1)) ? next : undefined;
        if (bn !== undefined) {
          const f = foldBatchNorm(w, b, {
            gamma: optionalWeight(`${bn.name}/gamma`),
            beta: optionalWeight(`${bn.name}/beta`),
            mean: weight(`${bn.name}/moving_mean`).data,
            variance: weight(`${bn.name}/moving_variance`).data,
            epsilon: Number(bn.config.epsilon ?? 1e-3),
          });
          w = f.weight;
          b = f.bias;
          folded.add(bn.name);
          tensor.set(bn.name, out);
        }
        const [, h, wd] = inShape!;
        let p: [number, number, number, number];
        if (c.padding === "same") {
          const [t, bo] = samePads(h, kh, sh, dh);
          const [le, r] = samePads(wd, kw, sw, dw);
          p = [t, bo, le, r];
        } else p = pads.get(ins[0]!) ?? [0, 0, 0, 0];
        const oh = Math.floor((h + p[0] + p[1] - ((kh - 1) * dh + 1)) / sh) + 1;
        const ow = Math.floor((wd + p[2] + p[3] - ((kw - 1) * dw + 1)) / sw) + 1;
        if (oh < 1 || ow < 1) throw new ConfigError(`Input size ${options.inputSize} is too small for layer "${l.name}"`);
        inits.push({ name: `${l.name}/W`, dims: kernel.dims, data: w });
        const inputs = [inTensor[0]!, `${l.name}/W`];
        if (b !== undefined) {
          inits.push({ name: `${l.name}/B`, dims: [b.length], data: b });
          inputs.push(`${l.name}/B`);
        }
        const attributes: OnnxAttribute[] = [
          { name: "kernel_shape", ints: [kh, kw] },
          { name: "strides", ints: [sh, sw] },
          { name: "dilations", ints: [dh, dw] },
          { name: "pads", ints: [p[0], p[2], p[1], p[3]] }, // ONNX: begins (top, left), then ends
          { name: "group", int: depthwise ? inShape![0] : 1 },
        ];
        nodes.push({ opType: "Conv", name: l.name, inputs, outputs: [out], attributes });
        shape.set(out, [kernel.dims[0]!, oh, ow]);
        if (bn !== undefined) shape.set(bn.name, [kernel.dims[0]!, oh, ow]);
        continue;
      }
      case "BatchNormalization": {
        if (![-1, 3].includes(Number(c.axis ?? -1))) unsupported(l, "only channel-axis batch norm is supported");
        const ch = inShape![0];
        const ones = new Float32Array(ch).fill(1);
        const names = ["gamma", "beta", "moving_mean", "moving_variance"].map((k) => `${l.name}/${k}`);
        const data = [optionalWeight(names[0]!) ?? ones, optionalWeight(names[1]!) ?? new Float32Array(ch), weight(names[2]!).data, weight(names[3]!).data];
        names.forEach((n, i) => inits.push({ name: n, dims: [ch], data: data[i]! }));
        nodes.push({ opType: "BatchNormalization", name: out, inputs: [inTensor[0]!, ...names], outputs: [out], attributes: [{ name: "epsilon", float: Number(c.epsilon ?? 1e-3) }] });
        break;
      }
      case "ReLU": {
        if (Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0) unsupported(l, "leaky or thresholded ReLU");
        const max = c.max_value === null || c.max_value === undefined ? undefined : Number(c.max_value);
        if (max === undefined) nodes.push({ opType: "Relu", name: out, inputs: [inTensor[0]!], outputs: [out] });
        else nodes.push({ opType: "Clip", name: out, inputs: [inTensor[0]!, scalar("clip/zero", 0), scalar(`clip/max${max}`, max)], outputs: [out] });
        break;
      }
      case "Add":
        nodes.push({ opType: inTensor.length === 2 ? "Add" : "Sum", name: out, inputs: inTensor, outputs: [out] });
        break;
      case "AveragePooling2D": {
        const next = onlyConsumer(l.name);
        if (next?.class_name === "Flatten" && next.name === options.outputLayer) {
          nodes.push({ opType: "GlobalAveragePool", name: out, inputs: [inTensor[0]!], outputs: [out] });
          shape.set(out, [inShape![0], 1, 1]);
          continue;
        }
        if (c.padding !== "valid") unsupported(l, "only valid average pooling is supported");
        const [kh, kw] = pair(c.pool_size);
        const [sh, sw] = pair(c.strides ?? c.pool_size);
        nodes.push({ opType: "AveragePool", name: out, inputs: [inTensor[0]!], outputs: [out], attributes: [{ name: "kernel_shape", ints: [kh, kw] }, { name: "strides", ints: [sh, sw] }] });
        shape.set(out, [inShape![0], Math.floor((inShape![1] - kh) / sh) + 1, Math.floor((inShape![2] - kw) / sw) + 1]);
        continue;
      }
      case "Flatten": {
        let src = inTensor[0]!;
        if (inShape![1] * inShape![2] > 1) {
          // Keras flattens NHWC: go back to channels-last first so the vector order matches.
          nodes.push({ opType: "Transpose", name: `${out}/nhwc`, inputs: [src], outputs: [`${out}/nhwc`], attributes: [{ name: "perm", ints: [0, 2, 3, 1] }] });
          src = `${out}/nhwc`;
        }
        nodes.push({ opType: "Flatten", name: out, inputs: [src], outputs: [out], attributes: [{ name: "axis", int: 1 }] });
        shape.set(out, [inShape![0] * inShape![1] * inShape![2], 1, 1]);
        continue;
      }
      default:
        unsupported(l, "this layer type has no converter");
    }
    if (!shape.has(out)) shape.set(out, inShape!);
  }
  const last = options.outputLayer;
  nodes.push({ opType: "Identity", name: "features", inputs: [tensor.get(last) ?? last], outputs: ["features"] });
  const [oc, oh, ow] = shape.get(last)!;
  return {
    irVersion: 7,
    opset: 13,
    producerName: "assort",
    producerVersion: `keras-to-onnx ${CONVERTER_VERSION}`,
    graphName: "features",
    docString: `${options.source ?? "Keras model"} up to layer "${last}", input NHWC ${options.inputSize}x${options.inputSize}x3 in [0, 1]`,
    nodes,
    initializers: inits,
    inputs: [{ name: "input", shape: ["batch", options.inputSize, options.inputSize, shape.get(layers[0]!.name)?.[0] ?? 3] }],
    outputs: [{ name: "features", shape: ["batch", oc * oh * ow] }],
  };
}
