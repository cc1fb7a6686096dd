// Product photos → standardised, weighted blocks of HOG, HSV colour and (optional) MobileNetV2 features.
import { z } from "zod";
import type { Artifact, Featurizer, FittedFeaturizer } from "../../core/contracts.js";
import { InvalidInputError, throwIfAborted } from "../../core/errors.js";
import type { Product } from "../../core/product.js";
import type { RunOptions } from "../../core/progress.js";
import { dense, type DenseMatrix } from "../../linalg/matrix.js";
import { ColorHistogramParams, colorDescriptorLength, colorHistogramInto } from "./color-histogram.js";
import { HogParams, hogInto, hogLayout } from "./hog.js";
import { toGray, type RgbImage } from "./image.js";
import { decodeImage, mapImages, readImageSource, type ImageErrorCode, type ImageSourceOptions } from "./load-image.js";

/** The descriptor blocks an image featurizer can produce (for CLI flags and docs). */
export const IMAGE_DESCRIPTORS = ["hog", "color", "cnn"] as const;
export type ImageDescriptor = (typeof IMAGE_DESCRIPTORS)[number];

/** Where a descriptor block sits in an output row. */
export interface ImageBlock {
  name: ImageDescriptor;
  start: number;
  width: number;
}

/** What the "cnn" block needs from an embedder (MobileNetEmbedder has this shape). */
export interface CnnEmbedder {
  readonly dim: number;
  /** n × dim features, row-major, of images already 224×224. */
  embed(images: RgbImage[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Image featurizer parameters: one schema for validation, defaults and docs. */
export const ImageFeaturizerParams = z.object({
  /** Product field holding the image reference (a path relative to the data file, a data URI or a URL). */
  imageField: z.string().min(1).default("image"),
  /** Descriptor blocks, in output order: "hog" (shape), "color" (HSV histograms), "cnn" (MobileNetV2, 1280-d). */
  descriptors: z
    .array(z.enum(IMAGE_DESCRIPTORS))
    .min(1)
    .default(["hog", "color"])
    .refine((d) => new Set(d).size === d.length, "each descriptor may be listed once"),
  /** Side of the square the image is resized to for HOG and colour (the CNN always sees 224×224). */
  size: z.number().int().min(8).max(1024).default(64),
  /** "contain" letterboxes on white (the whole product stays visible); "cover" fills the square and crops. */
  fit: z.enum(["contain", "cover"]).default("contain"),
  /** HOG parameters; cells are 8 pixels by default here (1764 values at size 64). */
  hog: HogParams.extend({ cellSize: HogParams.shape.cellSize.unwrap().default(8) }).prefault({}),
  /** Colour histogram parameters (8×4×4 HSV bins, whole image + 2×2 grid, colour moments: 649 values). */
  color: ColorHistogramParams.prefault({}),
  /**
   * Weight of each block. After standardisation each block is also divided by √(its width), so a block of
   * weight w contributes about w² to a row's squared norm whatever its width.
   */
  weights: z
    .object({ hog: z.number().min(0).default(1), color: z.number().min(0).default(1), cnn: z.number().min(0).default(1) })
    .prefault({}),
  /** Centre and scale each column with the training mean and standard deviation. */
  standardize: z.boolean().default(true),
  /** Refuse images with more pixels than this (a 20000×20000 image is reported, not decoded). */
  maxPixels: z.number().int().positive().default(100_000_000),
  /** Feature vectors kept in memory by content hash (0 = no cache). */
  cacheEntries: z.number().int().min(0).default(4096),
  /** Images loaded and embedded per batch. */
  batchSize: z.number().int().min(1).max(1024).default(32),
});
export type ImageFeaturizerParams = z.infer<typeof ImageFeaturizerParams>;
export type ImageFeaturizerParamsInput = z.input<typeof ImageFeaturizerParams>;

/** One product whose image could not be used (the product keeps a zero image row and ok = 0). */
export interface ImageIssue {
  /** Row index in the input. */
  row: number;
  id: string;
  /** 1-based source line when the product has one. */
  line?: number;
  code: ImageErrorCode;
  message: string;
}

/** The output of a transform: one row per product, a flag per row, and the per-product problems. */
export interface ImageFeatures {
  matrix: DenseMatrix;
  /** 1 where the row holds image features; 0 where the product had no usable image (zero row: fall back to text). */
  ok: Uint8Array;
  issues: ImageIssue[];
  /** Products with no image reference at all (ok = 0, no issue). */
  absent: number;
}

/** Runtime options: where images live, limits, concurrency and the CNN runtime. Not saved with a model. */
export interface ImageRunOptions extends RunOptions, Omit<ImageSourceOptions, "signal"> {
  /** Images read and decoded at once (default 4). */
  concurrency?: number;
  /** Folder for the converted CNN weights, and inference threads (passed to MobileNetEmbedder.open). */
  cnn?: { cacheDir?: string; threads?: number };
  /** Use this embedder for the "cnn" block instead of opening MobileNetEmbedder (tests, shared instances). */
  embedder?: CnnEmbedder;
  /** Source name for error messages when no image at all is usable (default "input"). */
  file?: string;
}

const CNN_SIZE = 224;
const CNN_DIM = 1280;
const KIND = "image-features";

/** Least-recently-used map from content hash to raw feature vector. */
class FeatureCache {
  private readonly map = new Map<string, Float32Array>();
  constructor(private readonly capacity: number) {}
  get(key: string): Float32Array | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: Float32Array): void {
    if (this.capacity === 0) return;
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
  get size(): number {
    return this.map.size;
  }
}

/** Block layout for params: widths in the order of `descriptors`. */
function layoutBlocks(p: ImageFeaturizerParams): ImageBlock[] {
  let start = 0;
  return p.descriptors.map((name) => {
    const width = name === "hog" ? hogLayout(p.size, p.size, p.hog).length : name === "color" ? colorDescriptorLength(p.color) : CNN_DIM;
    const block = { name, start, width };
    start += width;
    return block;
  });
}

interface Decoded {
  hash: string;
  /** Cached raw features (nothing decoded). */
  vector?: Float32Array;
  small?: RgbImage;
  big?: RgbImage;
}

/**
 * Raw (unscaled) descriptor rows with a content-hash cache. The spec and its fitted featurizer share one,
 * so transforming the training products after fit reads and hashes them but does not decode them again.
 */
class RawExtractor {
  readonly blocks: ImageBlock[];
  readonly width: number;
  readonly cache: FeatureCache;
  private cnn: Promise<CnnEmbedder> | undefined;

  constructor(readonly params: ImageFeaturizerParams) {
    this.blocks = layoutBlocks(params);
    this.width = this.blocks.reduce((a, b) => a + b.width, 0);
    this.cache = new FeatureCache(params.cacheEntries);
  }

  async close(): Promise<void> {
    const cnn = this.cnn;
    this.cnn = undefined;
    if (cnn) await (await cnn).close();
  }

  private embedder(o: ImageRunOptions): Promise<CnnEmbedder> {
    if (o.embedder) return Promise.resolve(o.embedder);
    // Loaded on first use only, so text-only and classical-descriptor users never load onnxruntime.
    this.cnn ??= import("./cnn/mobilenet-embedder.js").then(({ MobileNetEmbedder }) => MobileNetEmbedder.open(o.cnn ?? {}));
    this.cnn.catch(() => (this.cnn = undefined));
    return this.cnn;
  }

  /** Raw rows of `products` into `out` (rows × width); marks usable rows and collects the problems. */
  async run(products: readonly Product[], out: Float32Array, o: ImageRunOptions): Promise<Omit<ImageFeatures, "matrix">> {
    const p = this.params;
    const ok = new Uint8Array(products.length);
    const issues: ImageIssue[] = [];
    let absent = 0;
    const report = (row: number, code: ImageErrorCode, message: string): void => {
      const prod = products[row]!;
      issues.push({ row, id: prod.id, ...(prod.line !== undefined ? { line: prod.line } : {}), code, message });
      const where = prod.line !== undefined ? ` (line ${prod.line})` : "";
      o.onWarning?.({ code, message: `Product "${prod.id}"${where}: ${message}` });
    };
    const needSmall = p.descriptors.includes("hog") || p.descriptors.includes("color");
    const needCnn = p.descriptors.includes("cnn");
    const decode = { size: p.size, fit: p.fit, maxPixels: p.maxPixels };
    for (let start = 0; start < products.length; start += p.batchSize) {
      throwIfAborted(o.signal, "Featurizing images");
      const end = Math.min(products.length, start + p.batchSize);
      const rows: number[] = [];
      const refs: string[] = [];
      for (let r = start; r < end; r++) {
        const ref = products[r]!.fields?.[p.imageField];
        if (ref === undefined || ref === null || (typeof ref === "string" && ref.trim() === "")) absent++;
        else if (typeof ref !== "string") report(r, "image_bad_ref", `field "${p.imageField}" holds a ${typeof ref}, expected a path, data URI or URL`);
        else {
          rows.push(r);
          refs.push(ref);
        }
      }
      // Read and hash each source; decode only images whose features are not cached, each distinct one once.
      const inflight = new Map<string, Promise<Decoded>>();
      const results = await mapImages(
        refs,
        async (ref): Promise<Decoded> => {
          const src = await readImageSource(ref, { ...o });
          const cached = this.cache.get(src.hash);
          if (cached) return { hash: src.hash, vector: cached };
          const twin = inflight.get(src.hash);
          if (twin) return { hash: (await twin).hash }; // a duplicate shares its twin's fate and vector
          const decoding = (async (): Promise<Decoded> => {
            const small = needSmall ? (await decodeImage(src, decode)).image : undefined;
            const big = !needCnn ? undefined : p.size === CNN_SIZE && small ? small : (await decodeImage(src, { ...decode, size: CNN_SIZE })).image;
            return { hash: src.hash, small, big };
          })();
          inflight.set(src.hash, decoding);
          return decoding;
        },
        { concurrency: o.concurrency, signal: o.signal },
      );
      const fresh: Decoded[] = [];
      for (const res of results) if (res.ok && (res.small || res.big)) fresh.push(res);
      const vectors = await this.describe(fresh, o);
      for (let k = 0; k < results.length; k++) {
        const res = results[k]!;
        const row = rows[k]!;
        if (!res.ok) {
          report(row, res.code, res.message);
          continue;
        }
        const v = res.vector ?? vectors.get(res.hash);
        if (!v) throw new Error(`Image features for ${res.hash} went missing`);
        out.set(v, row * this.width);
        ok[row] = 1;
      }
      o.onProgress?.({ stage: "images", done: end, total: products.length });
    }
    return { ok, issues, absent };
  }

  /** Raw descriptor vectors of freshly decoded images (CNN in one batch), also stored in the cache. */
  private async describe(items: Decoded[], o: ImageRunOptions): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (items.length === 0) return out;
    const p = this.params;
    const vecs = items.map(() => new Float32Array(this.width));
    for (const b of this.blocks) {
      if (b.name === "cnn") {
        const cnn = await this.embedder(o);
        if (cnn.dim !== CNN_DIM) throw new TypeError(`CNN embedder gives ${cnn.dim}-d features, expected ${CNN_DIM}`);
        const emb = await cnn.embed(items.map((it) => it.big!));
        for (let i = 0; i < items.length; i++) vecs[i]!.set(emb.subarray(i * CNN_DIM, (i + 1) * CNN_DIM), b.start);
        continue;
      }
      for (let i = 0; i < items.length; i++) {
        const img = items[i]!.small!;
        if (b.name === "hog") hogInto(toGray(img), p.hog, hogLayout(img.width, img.height, p.hog), vecs[i]!, b.start);
        else colorHistogramInto(img, p.color, vecs[i]!, b.start);
      }
    }
    for (let i = 0; i < items.length; i++) {
      out.set(items[i]!.hash, vecs[i]!);
      this.cache.set(items[i]!.hash, vecs[i]!);
    }
    return out;
  }
}

/** Applies (x − mean) · scale to each ok row in place; rows without an image stay zero. */
function scaleRows(data: Float32Array, ok: Uint8Array, mean: Float32Array, scale: Float32Array): void {
  const w = mean.length;
  for (let r = 0; r < ok.length; r++) {
    if (!ok[r]) continue;
    const off = r * w;
    for (let j = 0; j < w; j++) data[off + j] = (data[off + j]! - mean[j]!) * scale[j]!;
  }
}

/**
 * A fitted image featurizer: turns products into dense rows of standardised, weighted descriptor blocks.
 * Products without a usable image get a zero row (the training mean) and `ok = 0`.
 */
export class FittedImageFeaturizer implements FittedFeaturizer {
  readonly kind = KIND;
  readonly params: ImageFeaturizerParams;
  /** Column means and scales (weight / (√block width · std)) learned in fit. */
  readonly mean: Float32Array;
  readonly scale: Float32Array;
  private readonly raw: RawExtractor;

  constructor(params: ImageFeaturizerParams, mean: Float32Array, scale: Float32Array, raw?: RawExtractor) {
    this.params = params;
    this.raw = raw ?? new RawExtractor(params);
    if (mean.length !== this.raw.width || scale.length !== this.raw.width) {
      throw new RangeError(`Image featurizer needs ${this.raw.width} means and scales, got ${mean.length} and ${scale.length}`);
    }
    this.mean = mean;
    this.scale = scale;
  }

  /** Output columns. */
  get dim(): number {
    return this.raw.width;
  }

  /** Product field holding the image reference. */
  get imageField(): string {
    return this.params.imageField;
  }

  /** Where each descriptor block sits in a row. */
  get blocks(): readonly ImageBlock[] {
    return this.raw.blocks;
  }

  /** Feature vectors currently cached. */
  get cacheSize(): number {
    return this.raw.cache.size;
  }

  /** Image features of products (see {@link ImageFeatures}); per-product problems are returned, not thrown. */
  async transform(products: readonly Product[], options: ImageRunOptions = {}): Promise<ImageFeatures> {
    const matrix = dense(products.length, this.dim);
    const res = await this.raw.run(products, matrix.data, options);
    scaleRows(matrix.data, res.ok, this.mean, this.scale);
    return { matrix, ...res };
  }

  /** The featurizer contract: {@link FittedImageFeaturizer.transform}. */
  featurize(products: readonly Product[], options: ImageRunOptions = {}): Promise<ImageFeatures> {
    return this.transform(products, options);
  }

  /** Releases the CNN runtime if this featurizer opened one. */
  close(): Promise<void> {
    return this.raw.close();
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: { ...this.params },
      meta: { dim: this.dim, blocks: this.blocks.map((b) => ({ ...b })) },
      arrays: { mean: this.mean, scale: this.scale },
    };
  }

  static fromArtifact(a: Artifact): FittedImageFeaturizer {
    if (a.kind !== KIND) throw new TypeError(`Expected a "${KIND}" artifact, got "${a.kind}"`);
    const params = ImageFeaturizerParams.parse(a.params);
    const { mean, scale } = a.arrays;
    if (!(mean instanceof Float32Array) || !(scale instanceof Float32Array)) {
      throw new TypeError("Image featurizer artifact needs Float32 `mean` and `scale` arrays");
    }
    return new FittedImageFeaturizer(params, mean, scale);
  }
}

/** Restores a fitted image featurizer saved with `toArtifact()`. */
export function restoreImageFeaturizer(artifact: Artifact): FittedImageFeaturizer {
  return FittedImageFeaturizer.fromArtifact(artifact);
}

/** The fit result: the fitted featurizer plus the training rows it produced in the same pass. */
export interface ImageFitResult extends ImageFeatures {
  featurizer: FittedImageFeaturizer;
}

/**
 * Learns per-column means and standard deviations of the image descriptors over the products that have a
 * usable image. Images are read in batches, decoded once and cached by content hash.
 * @example
 * const { featurizer, matrix, ok, issues } = await new ImageFeaturizer({ descriptors: ["hog", "color"] })
 *   .fitTransform(products, { baseDir: "data" });
 */
export class ImageFeaturizer implements Featurizer {
  readonly kind = KIND;
  readonly params: ImageFeaturizerParams;

  constructor(params: ImageFeaturizerParamsInput = {}) {
    this.params = ImageFeaturizerParams.parse(params);
  }

  async fit(products: readonly Product[], options: ImageRunOptions = {}): Promise<FittedImageFeaturizer> {
    return (await this.fitTransform(products, options)).featurizer;
  }

  /**
   * Fits and returns the training rows too.
   * @throws InvalidInputError when no product has a usable image (each problem is listed).
   */
  async fitTransform(products: readonly Product[], options: ImageRunOptions = {}): Promise<ImageFitResult> {
    const p = this.params;
    const raw = new RawExtractor(p);
    const matrix = dense(products.length, raw.width);
    const res = await raw.run(products, matrix.data, options);
    const used = res.ok.reduce((a, v) => a + v, 0);
    if (used === 0) {
      const file = options.file ?? "input";
      const issues = res.issues.slice(0, 20).map((i) => ({ file, line: i.line ?? i.row + 1, field: p.imageField, message: i.message }));
      const summary = `No usable image among ${products.length} products (field "${p.imageField}"; ${res.absent} without a reference, ${res.issues.length} failed)`;
      throw new InvalidInputError(issues, res.issues.length, issues.length > 0 ? `${summary}:\n${issues.map((i) => `  ${InvalidInputError.format(i)}`).join("\n")}` : summary);
    }
    const w = raw.width;
    const mean = new Float32Array(w);
    const scale = new Float32Array(w);
    const sum = new Float64Array(w);
    const sq = new Float64Array(w);
    for (let r = 0; r < products.length; r++) {
      if (!res.ok[r]) continue;
      const off = r * w;
      for (let j = 0; j < w; j++) {
        const v = matrix.data[off + j]!;
        sum[j] += v;
        sq[j] += v * v;
      }
    }
    for (const b of raw.blocks) {
      const weight = p.weights[b.name] / Math.sqrt(b.width);
      for (let j = b.start; j < b.start + b.width; j++) {
        if (!p.standardize) {
          scale[j] = p.weights[b.name];
          continue;
        }
        const m = sum[j]! / used;
        const sd = Math.sqrt(Math.max(0, sq[j]! / used - m * m));
        mean[j] = m;
        // A constant column carries no information: it is centred to 0 and left unscaled.
        scale[j] = sd > 1e-6 ? weight / sd : weight;
      }
    }
    scaleRows(matrix.data, res.ok, mean, scale);
    return { featurizer: new FittedImageFeaturizer(p, mean, scale, raw), matrix, ...res };
  }
}
