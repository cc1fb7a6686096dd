// Weight-free features for small grey images (Fashion-MNIST-sized product thumbnails): multi-scale HOG
// plus downsampled pixels, optionally with horizontally flipped copies for augmentation.
import { z } from "zod";
import { ConfigError, throwIfAborted } from "../../core/errors.js";
import type { RunOptions } from "../../core/progress.js";
import type { DenseMatrix } from "../../linalg/matrix.js";
import { HogParams, hogFromGradients, hogGradients, hogLayout, hogParams, type HogGradients, type HogLayout } from "./hog.js";
import type { GrayImage } from "./image.js";

/**
 * Params of {@link smallImageFeatures}. Defaults: HOG with 4- and 7-pixel cells (fine edges and coarse
 * shape) and the image averaged down to 14×14 — the set the Fashion-MNIST bench uses.
 */
export const SmallImageFeaturesParams = z.object({
  /** One HOG descriptor per cell size, concatenated (other HOG params shared, see `hog`). */
  hogCellSizes: z.array(z.number().int().min(2).max(64)).max(8).default([4, 7]),
  /** HOG params other than the cell size. */
  hog: HogParams.omit({ cellSize: true }).partial().default({}),
  /** Average-pool the image by this factor and append the pixels (0 = no pixels). */
  pixelPool: z.number().int().min(0).max(16).default(2),
  /** Weight of the pixel block relative to HOG blocks (each HOG block has unit norm). */
  pixelWeight: z.number().min(0).default(1),
});
export type SmallImageFeaturesParams = z.infer<typeof SmallImageFeaturesParams>;
export type SmallImageFeaturesOptions = z.input<typeof SmallImageFeaturesParams>;

/**
 * The classifier params that go with these features for Fashion-MNIST-like data (the `mlp` classifier):
 * standardised features, one hidden layer of 512 ReLU units with dropout 0.3, AdamW with a cosine schedule. Train on the
 * images plus their mirror images (`flip: true`) and average the predicted probabilities of each test
 * image and its mirror image. See bench/images-fashion.mjs for the measured accuracy and time.
 */
export const SMALL_IMAGE_MLP_PARAMS = {
  hiddenLayers: [512],
  epochs: 12,
  batchSize: 128,
  learningRate: 1e-3,
  weightDecay: 1e-4,
  dropout: 0.3,
  schedule: "cosine",
} as const;

/** Parses params, turning zod issues into a ConfigError. */
export function smallImageFeaturesParams(options: SmallImageFeaturesOptions = {}): SmallImageFeaturesParams {
  const r = SmallImageFeaturesParams.safeParse(options);
  if (!r.success) {
    throw new ConfigError("Invalid small-image feature parameters", r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  return r.data;
}

/** Where each block sits in a feature row: one entry per HOG cell size, then the pixels. */
export interface SmallImageFeatureLayout {
  width: number;
  height: number;
  hog: { cellSize: number; offset: number; layout: HogLayout; params: HogParams }[];
  pixels: { offset: number; width: number; height: number };
  length: number;
}

/** The feature layout for images of one size (all images of a batch must share it). */
export function smallImageFeatureLayout(width: number, height: number, options: SmallImageFeaturesOptions = {}): SmallImageFeatureLayout {
  const p = smallImageFeaturesParams(options);
  let offset = 0;
  const hog = p.hogCellSizes.map((cellSize) => {
    const params = hogParams({ ...p.hog, cellSize });
    const layout = hogLayout(width, height, params);
    const entry = { cellSize, offset, layout, params };
    offset += layout.length;
    return entry;
  });
  const pw = p.pixelPool > 0 ? Math.floor(width / p.pixelPool) : 0;
  const ph = p.pixelPool > 0 ? Math.floor(height / p.pixelPool) : 0;
  const pixels = { offset, width: pw, height: ph };
  return { width, height, hog, pixels, length: offset + pw * ph };
}

/**
 * Features of a batch of same-size grey images (values in [0, 1]) as a dense matrix, one row per image
 * (and, with `flip`, a second block of rows: the same images mirrored left–right, rows n..2n−1).
 * Row = HOG at each cell size (L2-Hys blocks) ‖ average-pooled pixels × pixelWeight.
 * O(n · width · height · cell sizes). Reports progress every 1000 images; honours `signal`.
 * @example const x = smallImageFeatures(images, {}, { flip: true }); // 28×28: 1296 + 324 + 196 = 1816 columns
 */
export function smallImageFeatures(
  images: readonly GrayImage[],
  options: SmallImageFeaturesOptions = {},
  run: RunOptions & { flip?: boolean } = {},
): DenseMatrix {
  if (images.length === 0) throw new RangeError("Cannot featurize an empty list of images");
  const { width, height } = images[0]!;
  const p = smallImageFeaturesParams(options);
  const layout = smallImageFeatureLayout(width, height, p);
  const copies = run.flip ? 2 : 1;
  const n = images.length;
  const out = new Float32Array(n * copies * layout.length);
  const mirror: GrayImage = { width, height, data: new Float32Array(width * height) };
  let grad: HogGradients | undefined;
  for (let i = 0; i < n; i++) {
    const img = images[i]!;
    if (img.width !== width || img.height !== height) {
      throw new RangeError(`Image ${i} is ${img.width}×${img.height}, expected ${width}×${height} like image 0: resize images to one size first`);
    }
    grad = writeRow(img, p, layout, out, i * layout.length, grad);
    if (run.flip) {
      flipInto(img, mirror.data);
      grad = writeRow(mirror, p, layout, out, (n + i) * layout.length, grad);
    }
    if ((i + 1) % 1000 === 0 || i + 1 === n) {
      throwIfAborted(run.signal);
      run.onProgress?.({ stage: "image-features", done: i + 1, total: n });
    }
  }
  return { kind: "dense", rows: n * copies, cols: layout.length, data: out };
}

/**
 * Grey images from an MNIST-style byte array (count × rows × cols, 0–255), scaled to [0, 1].
 * The images share one Float32Array; each is a view.
 */
export function grayImagesFromBytes(bytes: Uint8Array, count: number, height: number, width: number): GrayImage[] {
  const size = width * height;
  if (bytes.length !== count * size) throw new RangeError(`Got ${bytes.length} bytes for ${count} images of ${width}×${height}`);
  const all = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) all[i] = bytes[i]! / 255;
  const out: GrayImage[] = [];
  for (let i = 0; i < count; i++) out.push({ width, height, data: all.subarray(i * size, (i + 1) * size) });
  return out;
}

/** The image mirrored left–right. */
export function flipHorizontal(image: GrayImage): GrayImage {
  const data = new Float32Array(image.width * image.height);
  flipInto(image, data);
  return { width: image.width, height: image.height, data };
}

function flipInto(image: GrayImage, out: Float32Array): void {
  const { width: w, height: h, data } = image;
  for (let y = 0; y < h; y++) {
    const r = y * w;
    for (let x = 0; x < w; x++) out[r + x] = data[r + w - 1 - x]!;
  }
}

/** Writes one feature row; the gradients are computed once and shared by every HOG cell size. */
function writeRow(
  img: GrayImage,
  p: SmallImageFeaturesParams,
  layout: SmallImageFeatureLayout,
  out: Float32Array,
  base: number,
  grad: HogGradients | undefined,
): HogGradients | undefined {
  if (layout.hog.length > 0) {
    grad = hogGradients(img, layout.hog[0]!.params, grad);
    for (const h of layout.hog) hogFromGradients(grad, h.params, h.layout, out, base + h.offset);
  }
  const { width: pw, height: ph, offset } = layout.pixels;
  if (pw === 0) return grad;
  const f = p.pixelPool;
  const scale = p.pixelWeight / (f * f);
  const w = img.width;
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      let s = 0;
      for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += img.data[(y * f + dy) * w + x * f + dx]!;
      out[base + offset + y * pw + x] = s * scale;
    }
  }
  return grad;
}
