// Reader for IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { InvalidInputError } from "../core/errors.js";

const gunzipAsync = promisify(gunzip);

/** A decoded IDX array of unsigned bytes: `dims` (outermost first) and the values, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** IDX type codes (byte 3 of the magic number) and their names, for error messages. */
const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/** Largest decompressed IDX accepted (1 GiB): a corrupt size field must not allocate without bound. */
export const MAX_IDX_BYTES = 1 << 30;

function bad(file: string, field: string, message: string): InvalidInputError {
  return new InvalidInputError([{ file, line: 1, field, message }], 1, `Cannot read IDX file "${file}": ${field}: ${message}`);
}

/**
 * Parses IDX bytes: magic `00 00 <type> <ndims>`, then `ndims` big-endian uint32 sizes, then the values.
 * Only unsigned bytes (type 0x08, what MNIST-style image and label files use) are accepted. Gzip input
 * (magic 1f 8b) must be decompressed first (see {@link readIdxFile}). The returned data is a view
 * into `bytes`, not a copy. Errors are InvalidInputError naming `file` and the bad part.
 * @example const { dims, data } = parseIdx(buf, "train-labels-idx1-ubyte"); // dims [60000]
 */
export function parseIdx(bytes: Uint8Array, file = "<buffer>"): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw bad(file, "magic", "the data is gzip-compressed; decompress it first (readIdxFile does)");
  }
  if (bytes.length < 4) throw bad(file, "magic", `the file has ${bytes.length} bytes, fewer than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw bad(file, "magic", `expected the magic number to start with 00 00, found ${hex(bytes[0]!)} ${hex(bytes[1]!)}: not an IDX file`);
  }
  const type = bytes[2]!;
  const typeName = TYPE_NAMES[type];
  if (typeName === undefined) throw bad(file, "type", `unknown IDX type code ${hex(type)}`);
  if (type !== 0x08) throw bad(file, "type", `values are ${typeName} (type ${hex(type)}); only unsigned bytes (0x08) are supported`);
  const ndims = bytes[3]!;
  if (ndims === 0) throw bad(file, "dims", "the file declares 0 dimensions");
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw bad(file, "dims", `the header declares ${ndims} dimensions (${header} header bytes) but the file has only ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw bad(file, "dims", `dimension ${i + 1} of ${ndims} is 0`);
    dims.push(d);
    count *= d;
  }
  if (count > MAX_IDX_BYTES) throw bad(file, "dims", `dimensions ${dims.join("×")} declare ${count} values, more than the ${MAX_IDX_BYTES} allowed`);
  const have = bytes.length - header;
  if (have !== count) {
    const how = have < count ? "is truncated" : "has trailing bytes";
    throw bad(file, "data", `dimensions ${dims.join("×")} need ${count} bytes of data, found ${have} (the file ${how})`);
  }
  return { dims, data: bytes.subarray(header) };
}

/**
 * Reads an IDX file from disk, gunzipping it when it starts with the gzip magic (e.g. `*.gz`).
 * @example const images = await readIdxFile("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
 */
export async function readIdxFile(file: string, options: { signal?: AbortSignal } = {}): Promise<IdxArray> {
  let bytes: Uint8Array = await readFile(file, { signal: options.signal });
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes, { maxOutputLength: MAX_IDX_BYTES + 64 });
    } catch (e) {
      throw bad(file, "gzip", `cannot decompress: ${(e as Error).message}`);
    }
  }
  return parseIdx(bytes, file);
}

/**
 * Reads an MNIST-style pair: images (n × rows × cols) and labels (n), checking that the counts agree.
 * @example const { images, labels, rows, cols } = await readIdxImages(imgPath, labelPath);
 */
export async function readIdxImages(
  imagesFile: string,
  labelsFile: string,
  options: { signal?: AbortSignal } = {},
): Promise<{ count: number; rows: number; cols: number; images: Uint8Array; labels: Uint8Array }> {
  const [img, lab] = await Promise.all([readIdxFile(imagesFile, options), readIdxFile(labelsFile, options)]);
  if (img.dims.length !== 3) throw bad(imagesFile, "dims", `expected 3 dimensions (count × rows × cols), found ${img.dims.length}`);
  if (lab.dims.length !== 1) throw bad(labelsFile, "dims", `expected 1 dimension (count), found ${lab.dims.length}`);
  if (img.dims[0] !== lab.dims[0]) {
    throw bad(labelsFile, "dims", `holds ${lab.dims[0]} labels but "${imagesFile}" holds ${img.dims[0]} images`);
  }
  return { count: img.dims[0]!, rows: img.dims[1]!, cols: img.dims[2]!, images: img.data, labels: lab.data };
}

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, "0")}`;
}
