// Converts nsfwjs's MobileNetV2 to ONNX once per input size and keeps the .onnx in a cache directory.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../../core/atomic-write.js";
import type { Progress } from "../../../core/progress.js";
import { CONVERTER_VERSION, kerasToOnnx } from "./keras-to-onnx.js";
import { locateNsfwjsMobileNetV2, loadNsfwjsMobileNetV2 } from "./nsfwjs-weights.js";
import { encodeOnnxModel } from "./onnx-model.js";

/** The Keras layer holding MobileNetV2's pooled 1280-d features in nsfwjs's model. */
export const MOBILENET_FEATURE_LAYER = "flatten_1";

/** `$ASSORT_CACHE_DIR`, else `~/.cache/assort`. */
export function defaultCacheDir(): string {
  const env = process.env.ASSORT_CACHE_DIR;
  return env !== undefined && env !== "" ? env : join(homedir(), ".cache", "assort");
}

/** Options of {@link ensureMobileNetOnnx}. */
export interface MobileNetOnnxOptions {
  inputSize: number;
  cacheDir?: string;
  /** Ignore an existing cached file and convert again (used after a cached file failed to load). */
  rebuild?: boolean;
  onProgress?(e: Progress): void;
}

/** Where the converted model is, and whether this call had to convert it. */
export interface MobileNetOnnxFile {
  path: string;
  /** sha256 of source weights + converter version + input size. */
  key: string;
  converted: boolean;
}

/**
 * Returns the path of the ONNX MobileNetV2 feature extractor for `inputSize`, converting nsfwjs's own
 * weights on first use (≈1 s). The file name carries sha256(source weights, converter version, input
 * size), so a new nsfwjs or converter gets a new file. The file is written atomically (a unique temporary
 * sibling renamed into place), so readers never see a half-written model and two processes converting at
 * once both succeed (the last rename wins; both files are identical).
 */
export async function ensureMobileNetOnnx(options: MobileNetOnnxOptions): Promise<MobileNetOnnxFile> {
  const files = locateNsfwjsMobileNetV2();
  const key = createHash("sha256").update(`${files.sourceHash}\nkeras-to-onnx ${CONVERTER_VERSION}\n${MOBILENET_FEATURE_LAYER}\n${options.inputSize}`).digest("hex");
  const dir = join(options.cacheDir ?? defaultCacheDir(), "mobilenet-v2");
  const path = join(dir, `mobilenet-v2-${options.inputSize}px-${key.slice(0, 16)}.onnx`);
  if (options.rebuild !== true && existsSync(path)) return { path, key, converted: false };
  options.onProgress?.({ stage: "convert mobilenet to onnx", done: 0, total: 1 });
  const onnx = encodeOnnxModel(
    kerasToOnnx(loadNsfwjsMobileNetV2(files), { inputSize: options.inputSize, outputLayer: MOBILENET_FEATURE_LAYER, source: files.source }),
  );
  await writeFileAtomic(path, onnx, { mkdir: true });
  options.onProgress?.({ stage: "convert mobilenet to onnx", done: 1, total: 1 });
  return { path, key, converted: true };
}
