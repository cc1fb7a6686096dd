// Histogram of oriented gradients (Dalal & Triggs 2005) on a grey image: a weight-free shape descriptor.
import { z } from "zod";
import { ConfigError } from "../../core/errors.js";
import type { GrayImage } from "./image.js";

/**
 * HOG parameters. The defaults suit 28×28 images (Fashion-MNIST) and product photos resized to a small
 * fixed square: 4-pixel cells, 2×2-cell blocks moved one cell at a time, 9 unsigned orientation bins.
 */
export const HogParams = z.object({
  /** Cell side in pixels; the histogram grid is ⌊width / cellSize⌋ × ⌊height / cellSize⌋ cells. */
  cellSize: z.number().int().min(2).max(256).default(4),
  /** Block side in cells (a block is normalised as one vector). */
  blockSize: z.number().int().min(1).max(16).default(2),
  /** Step between blocks, in cells (less than blockSize makes blocks overlap, as Dalal–Triggs do). */
  blockStride: z.number().int().min(1).max(16).default(1),
  /** Orientation bins over [0°, 180°); bin b is centred on b·180°/bins, so bin 0 holds horizontal gradients. */
  bins: z.number().int().min(2).max(36).default(9),
  /** Spread each pixel's vote bilinearly over the four nearest cells ("bilinear") or into its own cell ("hard"). */
  spatialBinning: z.enum(["bilinear", "hard"]).default("bilinear"),
  /** Take the square root of intensities first (Dalal–Triggs' gamma compression). */
  sqrtGamma: z.boolean().default(false),
  /** L2-Hys clipping threshold applied after the first L2 normalisation. */
  clip: z.number().positive().max(1).default(0.2),
  /** Added (squared) to the block norm so flat blocks stay near zero instead of amplifying noise. */
  epsilon: z.number().positive().default(1e-3),
});
export type HogParams = z.infer<typeof HogParams>;
/** HOG options as a caller writes them (every field optional). */
export type HogOptions = z.input<typeof HogParams>;

/** The parsed params for an options object (parsed once per object, so per-image calls stay cheap). */
const parsed = new WeakMap<object, HogParams>();
const DEFAULTS: HogParams = HogParams.parse({});

/** Validates HOG options into params, turning zod issues into a ConfigError listing each one. */
export function hogParams(options?: HogOptions): HogParams {
  if (options === undefined) return DEFAULTS;
  const hit = parsed.get(options);
  if (hit) return hit;
  const r = HogParams.safeParse(options);
  if (!r.success) {
    throw new ConfigError("Invalid HOG parameters", r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  if (r.data.blockStride > r.data.blockSize) {
    throw new ConfigError("Invalid HOG parameters", [`blockStride: ${r.data.blockStride} exceeds blockSize ${r.data.blockSize}, so some cells would be skipped`]);
  }
  parsed.set(options, r.data);
  return r.data;
}

/** The HOG layout for an image size: cells, blocks and the descriptor length. */
export interface HogLayout {
  cellsX: number;
  cellsY: number;
  blocksX: number;
  blocksY: number;
  /** blocksX · blocksY · blockSize² · bins. */
  length: number;
}

/**
 * Cells and blocks for a width × height image:
 * cells = ⌊side / cellSize⌋, blocks = ⌊(cells − blockSize) / blockStride⌋ + 1,
 * length = blocksX · blocksY · blockSize² · bins. A RangeError if the image holds no whole block.
 */
export function hogLayout(width: number, height: number, options?: HogOptions): HogLayout {
  const p = hogParams(options);
  const cellsX = Math.floor(width / p.cellSize);
  const cellsY = Math.floor(height / p.cellSize);
  if (cellsX < p.blockSize || cellsY < p.blockSize) {
    throw new RangeError(
      `Cannot compute HOG of a ${width}×${height} image: a block needs ${p.blockSize * p.cellSize}×${p.blockSize * p.cellSize} pixels (cellSize ${p.cellSize}, blockSize ${p.blockSize})`,
    );
  }
  const blocksX = Math.floor((cellsX - p.blockSize) / p.blockStride) + 1;
  const blocksY = Math.floor((cellsY - p.blockSize) / p.blockStride) + 1;
  return { cellsX, cellsY, blocksX, blocksY, length: blocksX * blocksY * p.blockSize * p.blockSize * p.bins };
}

/**
 * The HOG descriptor of a grey image: centred [−1, 0, 1] gradients (edges replicated), unsigned
 * orientations voted into `bins` bins with linear interpolation between the two nearest bin centres,
 * per-cell histograms (bilinear over the four nearest cells by default), then overlapping blocks each
 * normalised by L2-Hys (L2, clip at `clip`, L2 again). Blocks are laid out row by row, each block's
 * cells row by row, each cell's bins in order. O(width · height + length).
 * @example const v = hog(toGray(rgb), { cellSize: 7 }); // 28×28 → 3·3·4·9 = 324 values
 */
export function hog(image: GrayImage, options?: HogOptions): Float32Array {
  const layout = hogLayout(image.width, image.height, options);
  const out = new Float32Array(layout.length);
  hogInto(image, hogParams(options), layout, out, 0);
  return out;
}

/**
 * Writes the HOG descriptor of `image` into `out` at `offset` (batch callers reuse one output matrix).
 * `params` must come from `hogParams` and `layout` from `hogLayout` for this image size.
 */
export function hogInto(image: GrayImage, p: HogParams, layout: HogLayout, out: Float32Array, offset: number): void {
  hogFromGradients(hogGradients(image, p), p, layout, out, offset);
}

/** Per-pixel gradient magnitude and unsigned angle in [0, π): computed once, shared by several cell sizes. */
export interface HogGradients {
  width: number;
  height: number;
  /** Whether the intensities were square-rooted first (must match the params it is used with). */
  sqrtGamma: boolean;
  /** Float64 so an exactly horizontal or vertical angle lands exactly on its bin centre. */
  magnitude: Float64Array;
  angle: Float64Array;
}

/**
 * Centred [−1, 0, 1] gradients of `image` (edges replicated): magnitude and unsigned angle per pixel.
 * Pass `out` to reuse its arrays (it must be for an image of the same size).
 */
export function hogGradients(image: GrayImage, p: Pick<HogParams, "sqrtGamma">, out?: HogGradients): HogGradients {
  const { width: w, height: h } = image;
  if (image.data.length !== w * h) throw new TypeError(`Grey image data has length ${image.data.length}, expected ${w}×${h}=${w * h}`);
  const px = p.sqrtGamma ? sqrtImage(image.data) : image.data;
  const g: HogGradients =
    out && out.width === w && out.height === h
      ? out
      : { width: w, height: h, sqrtGamma: p.sqrtGamma, magnitude: new Float64Array(w * h), angle: new Float64Array(w * h) };
  g.sqrtGamma = p.sqrtGamma;
  const { magnitude: mag, angle: ang } = g;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const up = (y > 0 ? y - 1 : 0) * w;
    const down = (y < h - 1 ? y + 1 : h - 1) * w;
    for (let x = 0; x < w; x++) {
      const gx = px[row + (x < w - 1 ? x + 1 : w - 1)]! - px[row + (x > 0 ? x - 1 : 0)]!;
      const gy = px[down + x]! - px[up + x]!;
      mag[row + x] = Math.sqrt(gx * gx + gy * gy);
      // Unsigned angle in [0, π); image y grows downwards, which only mirrors the bin order.
      let a = Math.atan2(gy, gx);
      if (a < 0) a += Math.PI;
      if (a >= Math.PI) a -= Math.PI;
      ang[row + x] = a;
    }
  }
  return g;
}

/** The HOG descriptor from precomputed gradients (see {@link hogGradients}) into `out` at `offset`. */
export function hogFromGradients(g: HogGradients, p: HogParams, layout: HogLayout, out: Float32Array, offset: number): void {
  if (g.sqrtGamma !== p.sqrtGamma) throw new TypeError("HOG gradients were computed with a different sqrtGamma than these params");
  const w = g.width;
  const { cellsX, cellsY, blocksX, blocksY } = layout;
  const bins = p.bins;
  const cs = p.cellSize;
  const hist = new Float64Array(cellsX * cellsY * bins);
  const binWidth = Math.PI / bins;
  const bilinear = p.spatialBinning === "bilinear";
  // Only pixels inside the cell grid vote (a ragged right/bottom margin is ignored, as OpenCV does).
  const gw = cellsX * cs;
  const gh = cellsY * cs;
  for (let y = 0; y < gh; y++) {
    const row = y * w;
    // Cell-row interpolation: pixel centre y + 0.5 against cell centres (c + 0.5)·cs.
    const fy = (y + 0.5) / cs - 0.5;
    let cy0 = Math.floor(fy);
    let wy1 = fy - cy0;
    if (!bilinear) {
      cy0 = Math.floor(y / cs);
      wy1 = 0;
    }
    for (let x = 0; x < gw; x++) {
      const mag = g.magnitude[row + x]!;
      if (mag === 0) continue;
      const fb = g.angle[row + x]! / binWidth;
      let b0 = Math.floor(fb);
      const wb1 = fb - b0;
      if (b0 >= bins) b0 -= bins;
      const b1 = b0 + 1 === bins ? 0 : b0 + 1;
      const v0 = mag * (1 - wb1);
      const v1 = mag * wb1;
      let cx0: number;
      let wx1: number;
      if (bilinear) {
        const fx = (x + 0.5) / cs - 0.5;
        cx0 = Math.floor(fx);
        wx1 = fx - cx0;
      } else {
        cx0 = Math.floor(x / cs);
        wx1 = 0;
      }
      for (let dy = 0; dy < 2; dy++) {
        const cy = cy0 + dy;
        const wy = dy === 0 ? 1 - wy1 : wy1;
        if (cy < 0 || cy >= cellsY || wy === 0) continue;
        for (let dx = 0; dx < 2; dx++) {
          const cx = cx0 + dx;
          const wx = dx === 0 ? 1 - wx1 : wx1;
          if (cx < 0 || cx >= cellsX || wx === 0) continue;
          const base = (cy * cellsX + cx) * bins;
          const ww = wy * wx;
          hist[base + b0] += v0 * ww;
          hist[base + b1] += v1 * ww;
        }
      }
    }
  }
  normaliseBlocks(hist, p, cellsX, blocksX, blocksY, out, offset);
}

/** L2-Hys over each block of cell histograms, written in block order into `out`. */
function normaliseBlocks(
  hist: Float64Array,
  p: HogParams,
  cellsX: number,
  blocksX: number,
  blocksY: number,
  out: Float32Array,
  offset: number,
): void {
  const { bins, blockSize: bs, blockStride: st, clip } = p;
  const eps2 = p.epsilon * p.epsilon;
  const blockLen = bs * bs * bins;
  const buf = new Float64Array(blockLen);
  let o = offset;
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      let k = 0;
      let ss = 0;
      for (let cy = by * st; cy < by * st + bs; cy++) {
        for (let cx = bx * st; cx < bx * st + bs; cx++) {
          const base = (cy * cellsX + cx) * bins;
          for (let b = 0; b < bins; b++) {
            const v = hist[base + b]!;
            buf[k++] = v;
            ss += v * v;
          }
        }
      }
      let inv = 1 / Math.sqrt(ss + eps2);
      let ss2 = 0;
      for (let i = 0; i < blockLen; i++) {
        const v = Math.min(buf[i]! * inv, clip);
        buf[i] = v;
        ss2 += v * v;
      }
      inv = 1 / Math.sqrt(ss2 + eps2);
      for (let i = 0; i < blockLen; i++) out[o++] = buf[i]! * inv;
    }
  }
}

function sqrtImage(src: Float32Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Math.sqrt(Math.max(0, src[i]!));
  return out;
}
