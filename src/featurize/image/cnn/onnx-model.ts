// Plain-object ONNX graphs and their encoding as an ONNX ModelProto (field numbers from onnx/onnx.proto).

import { ProtoWriter } from "./protobuf-writer.js";

/** ONNX TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;

/** A constant tensor (initializer), stored as little-endian raw data. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

/** A node attribute; numbers are INT unless `float: true`, arrays are INTS. */
export type OnnxAttribute =
  | { name: string; int: number }
  | { name: string; float: number }
  | { name: string; ints: readonly number[] }
  | { name: string; string: string };

/** One operator application. */
export interface OnnxNode {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly OnnxAttribute[];
}

/** A graph input or output: float32 tensor with fixed sizes (numbers) or symbolic ones (strings). */
export interface OnnxValueInfo {
  name: string;
  shape: readonly (number | string)[];
}

/** A whole model: one graph in the default ONNX domain at one opset. */
export interface OnnxModel {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  docString?: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size !== t.data.length) {
    throw new RangeError(`Cannot encode tensor "${t.name}": dims ${JSON.stringify(t.dims)} need ${size} values, got ${t.data.length}`);
  }
  for (const d of t.dims) w.int64(1, d); // dims
  w.int64(2, t.data instanceof Float32Array ? OnnxDataType.FLOAT : OnnxDataType.INT64); // data_type
  w.string(8, t.name); // name
  // raw_data is little-endian; every platform Node supports in practice is little-endian too.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  if ("int" in a) w.int64(3, a.int).int64(20, ATTR_INT);
  else if ("float" in a) w.float(2, a.float).int64(20, ATTR_FLOAT);
  else if ("ints" in a) {
    for (const v of a.ints) w.int64(8, v);
    w.int64(20, ATTR_INTS);
  } else w.string(4, a.string).int64(20, ATTR_STRING);
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, (c) => writeAttribute(c, a));
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int64(1, OnnxDataType.FLOAT); // elem_type
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === "number" ? dim.int64(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/**
 * Encodes a model as ONNX protobuf bytes, ready to write to a `.onnx` file or hand to onnxruntime.
 * @example const bytes = encodeOnnxModel({ irVersion: 7, opset: 13, ... });
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int64(1, model.irVersion); // ir_version
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.message(7, (g) => {
    for (const n of model.nodes) g.message(1, (c) => writeNode(c, n));
    g.string(2, model.graphName);
    for (const t of model.initializers) g.message(5, (c) => writeTensor(c, t));
    if (model.docString !== undefined) g.string(10, model.docString);
    for (const i of model.inputs) g.message(11, (c) => writeValueInfo(c, i));
    for (const o of model.outputs) g.message(12, (c) => writeValueInfo(c, o));
  });
  w.message(8, (op) => op.string(1, "").int64(2, model.opset)); // opset_import (default domain)
  return w.finish();
}
