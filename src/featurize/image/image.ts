// The decoded image every image descriptor consumes: 8-bit RGB, row-major, no alpha.

/** A decoded RGB image: `data` holds width × height × 3 bytes, row by row (alpha already flattened). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A single-channel image in [0, 1] (or any float range a descriptor documents), row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** ITU-R BT.601 luma of an RGB image, scaled to [0, 1]. */
export function toGray(image: RgbImage): GrayImage {
  const n = image.width * image.height;
  const out = new Float32Array(n);
  const d = image.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = (0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!) / 255;
  return { width: image.width, height: image.height, data: out };
}
