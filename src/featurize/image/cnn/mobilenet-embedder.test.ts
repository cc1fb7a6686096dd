import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import type * as Tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RgbImage } from "../image.js";
import { MobileNetEmbedder } from "./mobilenet-embedder.js";
import { locateNsfwjsMobileNetV2, type KerasLayer } from "./nsfwjs-weights.js";

/** Two deterministic synthetic size×size photos: a gradient with a square, and a checkerboard with a disc. */
function syntheticImages(size: number): RgbImage[] {
  const a = new Uint8Array(size * size * 3);
  const b = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const inSquare = x > size / 4 && x < size / 2 && y > size / 3 && y < (2 * size) / 3;
      a[i] = inSquare ? 230 : Math.floor((255 * x) / size);
      a[i + 1] = inSquare ? 40 : Math.floor((255 * y) / size);
      a[i + 2] = 128;
      const check = ((x >> 4) + (y >> 4)) % 2 === 0;
      const inDisc = (x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 4) ** 2;
      b[i] = inDisc ? 20 : check ? 250 : 10;
      b[i + 1] = inDisc ? 200 : check ? 250 : 10;
      b[i + 2] = inDisc ? 60 : check ? 250 : 10;
    }
  return [
    { width: size, height: size, data: a },
    { width: size, height: size, data: b },
  ];
}

/**
 * flatten_1 of the original tfjs layers model (CPU backend), the reference the ONNX graph must match.
 * The topology is run at `size` px: the input shape and the final 7×7 pool (7 = 224/32) are scaled to
 * the image, which at 224 is the model exactly as shipped; smaller sizes keep the test fast.
 */
async function tfjsFeatures(images: RgbImage[]): Promise<Float32Array> {
  const require = createRequire(import.meta.url);
  const tf: typeof Tf = await import("@tensorflow/tfjs");
  await tf.setBackend("cpu");
  const size = images[0]!.width;
  const files = locateNsfwjsMobileNetV2();
  const topology = structuredClone(files.json.modelTopology) as { model_config: { config: { layers: KerasLayer[] } } };
  for (const l of topology.model_config.config.layers) {
    if (l.class_name === "InputLayer") l.config.batch_input_shape = [null, size, size, 3];
    if (l.class_name === "AveragePooling2D") l.config.pool_size = [size / 32, size / 32];
  }
  const shard = Buffer.from(require(files.shardFiles[0]!) as string, "base64");
  const weightData = shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: topology as never, weightSpecs: files.json.weightsManifest.flatMap((g) => g.weights) as never, weightData }),
  );
  const features = tf.model({ inputs: model.inputs, outputs: model.getLayer("flatten_1").output as never });
  const batch = new Float32Array(images.length * size * size * 3);
  images.forEach((img, k) => img.data.forEach((v, i) => (batch[k * size * size * 3 + i] = v / 255)));
  const input = tf.tensor4d(batch, [images.length, size, size, 3]);
  const out = features.predict(input) as Tf.Tensor;
  const data = (await out.data()) as Float32Array;
  tf.dispose([input, out]);
  model.dispose();
  return data;
}

async function maxDifference(size: number, count: number, cacheDir: string): Promise<{ maxDiff: number; maxRef: number; between: number }> {
  const images = syntheticImages(size).slice(0, count);
  const cnn = await MobileNetEmbedder.open({ cacheDir, inputSize: size, threads: 2 });
  const onnx = await cnn.embed(images, { batchSize: 1 });
  await cnn.close();
  const ref = await tfjsFeatures(images);
  expect(onnx.length).toBe(count * 1280);
  expect(ref.length).toBe(count * 1280);
  let maxDiff = 0;
  let maxRef = 0;
  let between = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(onnx[i]! - ref[i]!));
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  }
  for (let i = 0; i < 1280 && count > 1; i++) between = Math.max(between, Math.abs(onnx[i]! - onnx[1280 + i]!));
  return { maxDiff, maxRef, between };
}

describe("MobileNetEmbedder", () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), "assort-cnn-"));
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  // tfjs's CPU backend needs ~5 s per 224 px image here, so 224 px (the model as shipped) checks one image
  // and 96 px (same layers, smaller maps) checks two.
  it("matches the original tfjs model's flatten_1 output at 224 px (as shipped) and 96 px", async () => {
    for (const [size, count] of [[224, 1], [96, 2]] as const) {
      const { maxDiff, maxRef, between } = await maxDifference(size, count, cacheDir);
      expect(maxRef).toBeGreaterThan(0.5); // features are not trivially zero
      // measured 4e-6 (224 px) and 3e-5 (96 px): the same float32 math, different kernels
      expect(maxDiff).toBeLessThan(1e-4 * Math.max(1, maxRef));
      if (count > 1) expect(between).toBeGreaterThan(0.1); // the two images differ, so must their features
    }
  }, 30_000);

  it("caches the converted model and runs other input sizes", async () => {
    const files = readdirSync(join(cacheDir, "mobilenet-v2"));
    expect(files.filter((f) => f.endsWith(".onnx"))).toHaveLength(2); // 224 and 96 px
    expect(files.some((f) => f.endsWith(".tmp"))).toBe(false);
    const cnn = await MobileNetEmbedder.open({ cacheDir, inputSize: 64, threads: 1 });
    expect(cnn.inputSize).toBe(64);
    const images = syntheticImages(64);
    const batched = await cnn.embed(images, { batchSize: 2 });
    const single = await cnn.embed(images, { batchSize: 1 });
    expect(batched.length).toBe(2 * 1280);
    for (let i = 0; i < batched.length; i++) expect(batched[i]!).toBeCloseTo(single[i]!, 4);
    for (const v of batched) expect(v >= 0 && v <= 6).toBe(true); // mean of ReLU6 outputs
    await expect(cnn.embed(syntheticImages(32))).rejects.toThrow(/image 0: it is 32×32 pixels, expected 64×64/);
    const abort = new AbortController();
    abort.abort();
    await expect(cnn.embed(images, { signal: abort.signal })).rejects.toThrow(/cancel/i);
    await cnn.close();
    await expect(cnn.embed(images)).rejects.toThrow(/closed/);
    expect(readdirSync(join(cacheDir, "mobilenet-v2")).filter((f) => f.endsWith(".onnx"))).toHaveLength(3);
  });

  it("reconverts a cached model file that no longer loads", async () => {
    const first = await MobileNetEmbedder.open({ cacheDir, inputSize: 32, threads: 1 });
    await first.close();
    writeFileSync(first.modelPath, "not an onnx model");
    const again = await MobileNetEmbedder.open({ cacheDir, inputSize: 32, threads: 1 });
    expect(again.modelPath).toBe(first.modelPath);
    expect(statSync(again.modelPath).size).toBeGreaterThan(8_000_000);
    expect((await again.embed(syntheticImages(32))).length).toBe(2 * 1280);
    await again.close();
  });

  it("rejects bad options with the allowed range", async () => {
    await expect(MobileNetEmbedder.open({ cacheDir, inputSize: 16 })).rejects.toThrow(/inputSize 16: expected an integer from 32 to 1024/);
    await expect(MobileNetEmbedder.open({ cacheDir, threads: 0 })).rejects.toThrow(/threads 0/);
  });
});
