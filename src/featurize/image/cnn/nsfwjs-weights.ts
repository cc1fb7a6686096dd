// Reads the MobileNetV2 layers model that the nsfwjs package ships (topology + quantized weights) from disk.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DependencyMissingError, ModelFormatError } from "../../../core/errors.js";

/** One Keras layer as serialized in a tfjs `model.json` (only the fields the converter reads). */
export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

/** A dequantized weight: Keras layout (e.g. conv kernels are [kh, kw, in, out]). */
export interface KerasWeight {
  shape: readonly number[];
  data: Float32Array;
}

/** A Keras functional model read from a tfjs layers-model package. */
export interface KerasModel {
  layers: KerasLayer[];
  weights: Map<string, KerasWeight>;
  /** sha256 (hex) of the model.json and weight files as shipped: the cache key of anything derived. */
  sourceHash: string;
  /** "nsfwjs@4.3.0 mobilenet_v2", for docs and error messages. */
  source: string;
}

export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale?: number; dtype: string };
}

export interface ModelJson {
  modelTopology: { model_config?: { config: { layers: KerasLayer[] } }; config?: { layers: KerasLayer[] } };
  weightsManifest: { paths: string[]; weights: ManifestEntry[] }[];
}

/**
 * Dequantizes tfjs weight bytes in manifest order: `value = min + scale * q` for uint8/uint16 entries,
 * raw little-endian float32 otherwise (tfjs's own rule, so results match the tfjs model bit for bit).
 */
export function decodeTfjsWeights(entries: readonly ManifestEntry[], bytes: Uint8Array, where: string): Map<string, KerasWeight> {
  const out = new Map<string, KerasWeight>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (const e of entries) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    const q = e.quantization;
    const width = q === undefined ? 4 : q.dtype === "uint8" ? 1 : q.dtype === "uint16" ? 2 : 0;
    if (e.dtype !== "float32" || width === 0 || (q !== undefined && (q.min === undefined || q.scale === undefined))) {
      throw new ModelFormatError(where, `weight "${e.name}" has unsupported dtype "${e.dtype}"${q ? ` quantized as "${q.dtype}"` : ""}`);
    }
    if (offset + size * width > bytes.length) throw new ModelFormatError(where, `weight data ends inside "${e.name}"`);
    const data = new Float32Array(size);
    if (q === undefined) for (let i = 0; i < size; i++) data[i] = view.getFloat32(offset + 4 * i, true);
    else if (width === 1) for (let i = 0; i < size; i++) data[i] = bytes[offset + i]! * q.scale! + q.min!;
    else for (let i = 0; i < size; i++) data[i] = view.getUint16(offset + 2 * i, true) * q.scale! + q.min!;
    offset += size * width;
    out.set(e.name, { shape: e.shape, data });
  }
  if (offset !== bytes.length) throw new ModelFormatError(where, `weight data has ${bytes.length - offset} bytes beyond the manifest`);
  return out;
}

/** Where nsfwjs's MobileNetV2 files are, and the hash of their bytes (cheap: no weight decoding). */
export interface NsfwjsModelFiles {
  modelFile: string;
  shardFiles: string[];
  json: ModelJson;
  sourceHash: string;
  source: string;
}

/**
 * Locates nsfwjs's bundled MobileNetV2 with Node's resolver and hashes the shipped files.
 * The package ships model.json and the weight shard as UMD scripts (the shard as a base64 string).
 * @throws DependencyMissingError when nsfwjs is not installed.
 */
export function locateNsfwjsMobileNetV2(): NsfwjsModelFiles {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve("nsfwjs/models/mobilenet_v2");
  } catch {
    throw new DependencyMissingError("nsfwjs@4.3.0", "CNN image features (its MobileNetV2 weights)");
  }
  // entry = <pkg>/dist/cjs/models/mobilenet_v2.js; the bundles sit in <pkg>/dist/models/mobilenet_v2/.
  const pkgRoot = dirname(dirname(dirname(dirname(entry))));
  const dir = join(pkgRoot, "dist", "models", "mobilenet_v2");
  const version = (JSON.parse(readFileSync(join(pkgRoot, "package.json"), "utf8")) as { version?: string }).version ?? "?";
  const modelFile = join(dir, "model.min.js");
  const json = require(modelFile) as ModelJson;
  if (json?.weightsManifest === undefined || (json.modelTopology?.model_config ?? json.modelTopology)?.config?.layers === undefined) {
    throw new ModelFormatError(modelFile, "not a tfjs layers model (no modelTopology layers or weightsManifest)");
  }
  const shardFiles = json.weightsManifest.flatMap((g) => g.paths.map((p) => join(dir, `${p}.min.js`)));
  const hash = createHash("sha256");
  for (const f of [modelFile, ...shardFiles]) hash.update(readFileSync(f));
  return { modelFile, shardFiles, json, sourceHash: hash.digest("hex"), source: `nsfwjs@${version} mobilenet_v2` };
}

/**
 * Loads nsfwjs's bundled MobileNetV2 (a Keras 2.2 functional model: 224×224×3 input in [0, 1]) with
 * its weights dequantized, read from the installed package, never downloaded.
 * @throws DependencyMissingError when nsfwjs is not installed; ModelFormatError when its files are not as expected.
 */
export function loadNsfwjsMobileNetV2(files: NsfwjsModelFiles = locateNsfwjsMobileNetV2()): KerasModel {
  const require = createRequire(import.meta.url);
  const chunks = files.shardFiles.map((shard) => {
    const b64 = require(shard) as unknown;
    delete require.cache[shard]; // the 3.5 MB string is needed once: let it be collected
    if (typeof b64 !== "string") throw new ModelFormatError(shard, "expected a base64 string export");
    return Buffer.from(b64, "base64");
  });
  const entries = files.json.weightsManifest.flatMap((g) => g.weights);
  const weights = decodeTfjsWeights(entries, Buffer.concat(chunks), dirname(files.modelFile));
  const topology = files.json.modelTopology.model_config ?? files.json.modelTopology;
  return { layers: topology.config!.layers, weights, sourceHash: files.sourceHash, source: files.source };
}
