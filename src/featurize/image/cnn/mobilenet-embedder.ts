// Pretrained CNN image features: nsfwjs's MobileNetV2 (converted to ONNX in project code) run by onnxruntime-node.

import { availableParallelism } from "node:os";
import type * as Ort from "onnxruntime-node";
import { DependencyMissingError, throwIfAborted } from "../../../core/errors.js";
import type { Progress } from "../../../core/progress.js";
import type { RgbImage } from "../image.js";
import { ensureMobileNetOnnx } from "./onnx-cache.js";

/** Options of {@link MobileNetEmbedder.open}. */
export interface MobileNetEmbedderOptions {
  /** Square input side in pixels, 32–1024 (default 224, the size the network was trained at). */
  inputSize?: number;
  /** Where the converted .onnx is cached (default `$ASSORT_CACHE_DIR` or `~/.cache/assort`). */
  cacheDir?: string;
  /** onnxruntime intra-op threads (default: all available cores). */
  threads?: number;
  /** Reports the one-time conversion. */
  onProgress?(e: Progress): void;
}

/** Options of {@link MobileNetEmbedder.embed}. */
export interface MobileNetEmbedOptions {
  /**
   * Images per onnxruntime call (default 4). Small batches are faster on CPU: at 224 px a batch of 16
   * holds ~77 MB per expanded activation, past the caches (measured ~25 ms/image at 1–4 vs ~33 at 16).
   */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?(e: Progress): void;
}

type OrtModule = typeof Ort;

async function loadOrt(): Promise<OrtModule> {
  try {
    const mod = (await import("onnxruntime-node")) as OrtModule & { default?: OrtModule };
    return mod.InferenceSession !== undefined ? mod : mod.default!;
  } catch {
    throw new DependencyMissingError("onnxruntime-node", "CNN image features");
  }
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`Invalid ${name} ${v}: expected an integer from ${min} to ${max}`);
  return v;
}

/**
 * 1280-d image features from MobileNetV2 (ImageNet-pretrained, fine-tuned by nsfwjs for a 5-class
 * task): the globally average-pooled last convolution (`flatten_1`), ReLU6 outputs so all ≥ 0.
 * The first `open` for an input size converts the package's weights to ONNX and caches the file.
 * Images must already be `inputSize`×`inputSize` (resize with sharp first); pixels are fed as RGB/255.
 *
 * @example
 * const cnn = await MobileNetEmbedder.open({ inputSize: 224 });
 * const x = await cnn.embed(images); // Float32Array, images.length × 1280, row-major
 * await cnn.close();
 */
export class MobileNetEmbedder {
  /** Feature dimension (1280). */
  readonly dim = 1280;
  /** Side of the square input images, in pixels. */
  readonly inputSize: number;
  /** The cached .onnx file this embedder runs. */
  readonly modelPath: string;
  private session: Ort.InferenceSession | undefined;
  private readonly ort: OrtModule;

  private constructor(ort: OrtModule, session: Ort.InferenceSession, inputSize: number, modelPath: string) {
    this.ort = ort;
    this.session = session;
    this.inputSize = inputSize;
    this.modelPath = modelPath;
  }

  /** Converts (first time, cached) and loads the model. */
  static async open(options: MobileNetEmbedderOptions = {}): Promise<MobileNetEmbedder> {
    const inputSize = checkInt("inputSize", options.inputSize ?? 224, 32, 1024);
    const threads = checkInt("threads", options.threads ?? Math.max(1, availableParallelism()), 1, 1024);
    const ort = await loadOrt();
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      // No busy-waiting between ops: on a shared or oversubscribed machine spinning threads steal the
      // cores the work needs (measured here: 2 spinning threads were 2× slower than 1 under load).
      extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
    };
    const base = { inputSize, cacheDir: options.cacheDir, onProgress: options.onProgress };
    let file = await ensureMobileNetOnnx(base);
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file.path, sessionOptions);
    } catch (err) {
      if (file.converted) throw err;
      // A cached file that no longer loads (disk damage, a foreign file): convert once more.
      file = await ensureMobileNetOnnx({ ...base, rebuild: true });
      session = await ort.InferenceSession.create(file.path, sessionOptions);
    }
    return new MobileNetEmbedder(ort, session, inputSize, file.path);
  }

  /**
   * Embeds images in batches; returns `images.length × dim` features, row-major.
   * @throws RangeError when an image is not `inputSize`×`inputSize` RGB; Error after {@link close}.
   */
  async embed(images: readonly RgbImage[], options: MobileNetEmbedOptions = {}): Promise<Float32Array> {
    const session = this.session;
    if (session === undefined) throw new Error("Cannot embed images: this MobileNetEmbedder is closed");
    const batchSize = checkInt("batchSize", options.batchSize ?? 4, 1, 4096);
    const s = this.inputSize;
    const pixels = s * s * 3;
    images.forEach((img, i) => {
      if (img.width !== s || img.height !== s) {
        throw new RangeError(`Cannot embed image ${i}: it is ${img.width}×${img.height} pixels, expected ${s}×${s} (resize it first)`);
      }
      if (img.data.length !== pixels) throw new RangeError(`Cannot embed image ${i}: ${img.data.length} bytes of pixel data, expected ${pixels} (RGB)`);
    });
    const n = images.length;
    const out = new Float32Array(n * this.dim);
    const stage = "embed images";
    options.onProgress?.({ stage, done: 0, total: n });
    for (let start = 0; start < n; start += batchSize) {
      throwIfAborted(options.signal, "Embedding images");
      const count = Math.min(batchSize, n - start);
      // RgbImage is height × width × RGB already: exactly the graph's NHWC input, scaled to [0, 1].
      const input = new Float32Array(count * pixels);
      for (let b = 0; b < count; b++) {
        const src = images[start + b]!.data;
        const off = b * pixels;
        for (let i = 0; i < pixels; i++) input[off + i] = src[i]! / 255;
      }
      const tensor = new this.ort.Tensor("float32", input, [count, s, s, 3]);
      const result = await session.run({ input: tensor });
      const features = result.features!;
      const data = features.data as Float32Array;
      if (data.length !== count * this.dim) throw new Error(`MobileNet returned ${data.length} values for ${count} images, expected ${count * this.dim}`);
      out.set(data, start * this.dim);
      tensor.dispose();
      features.dispose();
      options.onProgress?.({ stage, done: start + count, total: n });
    }
    return out;
  }

  /** Releases the onnxruntime session; the embedder cannot be used afterwards. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.release();
  }
}
