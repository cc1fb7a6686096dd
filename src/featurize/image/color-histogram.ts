// Colour descriptors that need no weights: a joint HSV histogram (optionally per grid cell) and colour moments.
import { z } from "zod";
import type { RgbImage } from "./image.js";

/** Colour descriptor parameters: one schema for validation, defaults and docs. */
export const ColorHistogramParams = z.object({
  /** Hue bins over [0°, 360°); bin 0 starts at red (0°). */
  hueBins: z.number().int().min(1).max(64).default(8),
  /** Saturation bins over [0, 1]. */
  satBins: z.number().int().min(1).max(32).default(4),
  /** Value (brightness) bins over [0, 1]. */
  valBins: z.number().int().min(1).max(32).default(4),
  /**
   * Spatial grid side: 1 = one histogram of the whole image; 2 = the whole-image histogram followed by one
   * per quadrant (row-major: top-left, top-right, bottom-left, bottom-right), so layout (a red top over a
   * blue bottom) counts as well as colour.
   */
  grid: z.number().int().min(1).max(4).default(2),
  /** Append colour moments: mean, standard deviation and cube-rooted skewness of R, G and B in [0, 1]. */
  moments: z.boolean().default(true),
});
export type ColorHistogramParams = z.infer<typeof ColorHistogramParams>;
export type ColorHistogramOptions = z.input<typeof ColorHistogramParams>;

/** Length of the colour descriptor for these params. */
export function colorDescriptorLength(options: ColorHistogramOptions = {}): number {
  const p = ColorHistogramParams.parse(options);
  const bins = p.hueBins * p.satBins * p.valBins;
  const cells = p.grid === 1 ? 1 : 1 + p.grid * p.grid;
  return bins * cells + (p.moments ? 9 : 0);
}

/**
 * HSV of one 8-bit RGB pixel: hue in [0, 360), saturation and value in [0, 1]. Grey pixels (max = min)
 * get hue 0 and saturation 0.
 */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = 60 * (((g - b) / d + 6) % 6);
    else if (max === g) h = 60 * ((b - r) / d + 2);
    else h = 60 * ((r - g) / d + 4);
  }
  return [h >= 360 ? h - 360 : h, max === 0 ? 0 : d / max, max / 255];
}

/**
 * Joint HSV bin of every pixel (index (h·satBins + s)·valBins + v), computed once per image so the
 * whole-image and per-cell histograms share it. O(width × height).
 */
function binIndices(image: RgbImage, p: ColorHistogramParams): Uint16Array {
  const n = image.width * image.height;
  const d = image.data;
  if (d.length !== n * 3) throw new TypeError(`RGB image data has length ${d.length}, expected ${image.width}×${image.height}×3=${n * 3}`);
  const out = new Uint16Array(n);
  const { hueBins, satBins, valBins } = p;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = d[j]!;
    const g = d[j + 1]!;
    const b = d[j + 2]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const delta = max - min;
    let h = 0;
    if (delta > 0) {
      if (max === r) h = ((g - b) / delta + 6) % 6;
      else if (max === g) h = (b - r) / delta + 2;
      else h = (r - g) / delta + 4;
    }
    // h is in sextants [0, 6); s and v in [0, 1]; the top edge of each range falls in the last bin.
    const hb = Math.min(hueBins - 1, Math.floor((h / 6) * hueBins));
    const sb = max === 0 ? 0 : Math.min(satBins - 1, Math.floor((delta / max) * satBins));
    const vb = Math.min(valBins - 1, Math.floor((max / 255) * valBins));
    out[i] = (hb * satBins + sb) * valBins + vb;
  }
  return out;
}

/** Adds the L1-normalised histogram of pixels [x0, x1) × [y0, y1) into `out` at `offset`. */
function cellHistogram(bins: Uint16Array, width: number, x0: number, x1: number, y0: number, y1: number, out: Float32Array, offset: number): void {
  const count = (x1 - x0) * (y1 - y0);
  if (count <= 0) return;
  const w = 1 / count;
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let x = x0; x < x1; x++) out[offset + bins[row + x]!] += w;
  }
}

/**
 * The colour descriptor of an image: the L1-normalised joint HSV histogram of the whole image, then (grid
 * > 1) one per grid cell, then (moments) nine colour moments. Each histogram sums to 1.
 * @example colorHistogram(image, { grid: 1, moments: false }) // 128 values for a 8×4×4 histogram
 */
export function colorHistogram(image: RgbImage, options: ColorHistogramOptions = {}): Float32Array {
  const p = ColorHistogramParams.parse(options);
  const out = new Float32Array(colorDescriptorLength(p));
  colorHistogramInto(image, p, out, 0);
  return out;
}

/** {@link colorHistogram} writing into `out` at `offset` (params already parsed), for batch callers. */
export function colorHistogramInto(image: RgbImage, p: ColorHistogramParams, out: Float32Array, offset: number): void {
  const { width, height } = image;
  const nb = p.hueBins * p.satBins * p.valBins;
  const bins = binIndices(image, p);
  cellHistogram(bins, width, 0, width, 0, height, out, offset);
  let at = offset + nb;
  if (p.grid > 1) {
    for (let gy = 0; gy < p.grid; gy++) {
      const y0 = Math.floor((gy * height) / p.grid);
      const y1 = Math.floor(((gy + 1) * height) / p.grid);
      for (let gx = 0; gx < p.grid; gx++) {
        const x0 = Math.floor((gx * width) / p.grid);
        const x1 = Math.floor(((gx + 1) * width) / p.grid);
        cellHistogram(bins, width, x0, x1, y0, y1, out, at);
        at += nb;
      }
    }
  }
  if (p.moments) colorMomentsInto(image, out, at);
}

/**
 * Colour moments (Stricker & Orengo 1995) of R, G and B scaled to [0, 1]: the means, then the standard
 * deviations, then the cube roots of the third central moments (signed), 9 values.
 */
export function colorMoments(image: RgbImage): Float32Array {
  const out = new Float32Array(9);
  colorMomentsInto(image, out, 0);
  return out;
}

function colorMomentsInto(image: RgbImage, out: Float32Array, offset: number): void {
  const n = image.width * image.height;
  if (n === 0) return;
  const d = image.data;
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let j = c; j < n * 3; j += 3) sum += d[j]!;
    const mean = sum / n / 255;
    let m2 = 0;
    let m3 = 0;
    for (let j = c; j < n * 3; j += 3) {
      const e = d[j]! / 255 - mean;
      m2 += e * e;
      m3 += e * e * e;
    }
    out[offset + c] = mean;
    out[offset + 3 + c] = Math.sqrt(m2 / n);
    out[offset + 6 + c] = Math.cbrt(m3 / n);
  }
}
