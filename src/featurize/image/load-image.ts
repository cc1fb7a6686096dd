// Image references (local path, data URI, opt-in http(s)) → checked source bytes → decoded, resized RGB.
import { createHash } from "node:crypto";
import { open, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type SharpFactory from "sharp";
import { throwIfAborted } from "../../core/errors.js";
import type { RunOptions } from "../../core/progress.js";
import type { RgbImage } from "./image.js";

/** Stable codes of per-image problems (callers branch on them; messages name the reference). */
export type ImageErrorCode =
  | "image_bad_ref"
  | "image_missing"
  | "image_outside_root"
  | "image_unsupported"
  | "image_corrupt"
  | "image_too_large"
  | "image_remote_disabled"
  | "image_timeout"
  | "image_fetch_failed";

/** A per-image problem. {@link loadImages} returns these per item; {@link loadImage} throws them. */
export class ImageLoadError extends Error {
  readonly code: ImageErrorCode;
  readonly ref: string;
  constructor(code: ImageErrorCode, ref: string, detail: string, options?: { cause?: unknown }) {
    super(`Cannot load image "${shorten(ref)}": ${detail}`, options);
    this.name = "ImageLoadError";
    this.code = code;
    this.ref = ref;
  }
}

/** Formats decoded by default (sharp's prebuilt libvips; HEIC needs a patent-encumbered build). */
export const IMAGE_FORMATS = ["jpeg", "png", "webp", "gif", "tiff", "avif"] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Where and how images are read. Every field is optional; limits default to safe values. */
export interface ImageSourceOptions {
  /** Folder that relative paths resolve against: the data file's folder (default: the working directory). */
  baseDir?: string;
  /** Local files must resolve (symlinks followed) inside this folder (default: `baseDir`). */
  allowedRoot?: string;
  /** Fetch `http://` and `https://` references (default false: reported as `image_remote_disabled`). */
  allowRemote?: boolean;
  /** Timeout of one remote fetch in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Largest source file, data URI payload or download in bytes (default 32 MiB). */
  maxBytes?: number;
  /** Cancels the work (an aborted batch throws CancelledError; it is not a per-item problem). */
  signal?: AbortSignal;
}

/** Options of {@link loadImage}: where to read plus how to decode. */
export interface LoadImageOptions extends ImageSourceOptions, DecodeOptions {}

/** How source bytes are decoded and resized. */
export interface DecodeOptions {
  /** Output side in pixels (square); omitted = keep the source size. */
  size?: number;
  /** "contain" letterboxes on white (whole product visible); "cover" fills the square and crops. Default "contain". */
  fit?: "contain" | "cover";
  /**
   * Refuse images with more pixels than this (default 100 000 000): a decompression-bomb guard that sharp
   * checks from the header before decoding. A 20000×20000 image is `image_too_large`.
   */
  maxPixels?: number;
  /** sharp's `failOn`: how damaged pixel data may be before decoding fails (default "error": truncation fails). */
  failOn?: "none" | "truncated" | "error" | "warning";
}

/** The raw source of one image: its bytes, their SHA-256 (for caches) and the sniffed format. */
export interface ImageSource {
  ref: string;
  bytes: Uint8Array;
  /** Hex SHA-256 of `bytes`. */
  hash: string;
  format: ImageFormat;
}

/** A decoded image and where it came from. */
export interface LoadedImage {
  image: RgbImage;
  /** Hex SHA-256 of the source bytes. */
  hash: string;
  format: ImageFormat;
  /** Size of the source before resizing (after EXIF rotation). */
  sourceWidth: number;
  sourceHeight: number;
}

/** One item of a batch: the value, or the problem that kept it from loading. */
export type ImageResult<T> = ({ ok: true } & T) | { ok: false; code: ImageErrorCode; message: string };

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const DEFAULT_MAX_PIXELS = 100_000_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const WHITE = { r: 255, g: 255, b: 255 };

function shorten(ref: string): string {
  return ref.length > 96 ? `${ref.slice(0, 80)}…(${ref.length} chars)` : ref;
}

/** The format named by the first bytes, or a description of what they are instead. */
export function sniffFormat(b: Uint8Array): { format: ImageFormat } | { other: string } {
  const ascii = (from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { format: "jpeg" };
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === "PNG") return { format: "png" };
  if (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a") return { format: "gif" };
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return { format: "webp" };
  if (ascii(0, 4) === "II*\0" || ascii(0, 4) === "MM\0*") return { format: "tiff" };
  if (ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (brand === "avif" || brand === "avis") return { format: "avif" };
    return { other: `HEIF/ISO media (brand "${brand.replace(/[^\x20-\x7e]/g, "?")}")` };
  }
  if (ascii(0, 2) === "BM") return { other: "BMP" };
  if (ascii(0, 4) === "%PDF") return { other: "PDF" };
  if (ascii(0, 4) === "8BPS") return { other: "Photoshop (PSD)" };
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0) return { other: "ICO" };
  if ((b[0] === 0xff && b[1] === 0x0a) || ascii(4, 8) === "JXL ") return { other: "JPEG XL" };
  const head = new TextDecoder("utf-8", { fatal: false }).decode(b.subarray(0, 256)).trimStart().toLowerCase();
  if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"))) return { other: "SVG" };
  if (head.startsWith("<")) return { other: "HTML/XML text" };
  if (b.length === 0) return { other: "an empty file" };
  return { other: "unknown (not JPEG, PNG, WebP, GIF, TIFF or AVIF)" };
}

/**
 * Reads the source bytes of an image reference without decoding them: resolves and checks the path (or
 * data URI, or URL), enforces the byte limit, sniffs the format and hashes the bytes.
 * @throws ImageLoadError for every per-image problem; CancelledError when `signal` fired.
 */
export async function readImageSource(ref: string, options: ImageSourceOptions = {}): Promise<ImageSource> {
  throwIfAborted(options.signal, "Loading images");
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const trimmed = ref.trim();
  if (trimmed === "") throw new ImageLoadError("image_bad_ref", ref, "the reference is empty");
  let bytes: Uint8Array;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === "data") bytes = readDataUri(ref, trimmed, maxBytes);
  else if (scheme === "http" || scheme === "https") bytes = await fetchBytes(ref, trimmed, options, maxBytes);
  else if (scheme === "file") bytes = await readLocal(ref, fileUrlPath(ref, trimmed), options, maxBytes);
  else if (scheme !== undefined && scheme.length > 1) {
    throw new ImageLoadError("image_bad_ref", ref, `"${scheme}:" references are not supported (use a path, a data URI or http(s))`);
  } else bytes = await readLocal(ref, trimmed, options, maxBytes);
  const sniffed = sniffFormat(bytes);
  if (!("format" in sniffed)) throw new ImageLoadError("image_unsupported", ref, `unsupported format: ${sniffed.other}`);
  const hash = createHash("sha256").update(bytes).digest("hex");
  return { ref, bytes, hash, format: sniffed.format };
}

function fileUrlPath(ref: string, url: string): string {
  try {
    return fileURLToPath(url);
  } catch (e) {
    throw new ImageLoadError("image_bad_ref", ref, `not a valid file URL (${(e as Error).message})`);
  }
}

function readDataUri(ref: string, uri: string, maxBytes: number): Uint8Array {
  const comma = uri.indexOf(",");
  const header = comma < 0 ? "" : uri.slice(5, comma).toLowerCase();
  if (comma < 0 || !header.split(";").includes("base64")) {
    throw new ImageLoadError("image_bad_ref", ref, 'data URIs must be base64 ("data:image/png;base64,…")');
  }
  const payload = uri.slice(comma + 1).replace(/\s+/g, "");
  // base64: 4 characters carry 3 bytes; check before decoding so a huge URI costs no memory.
  const size = Math.floor((payload.length * 3) / 4);
  if (size > maxBytes) throw new ImageLoadError("image_too_large", ref, `the data URI holds about ${size} bytes, over the ${maxBytes}-byte limit`);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) throw new ImageLoadError("image_bad_ref", ref, "the data URI payload is not valid base64");
  return new Uint8Array(Buffer.from(payload, "base64"));
}

/** True when `child` is `root` or lies below it (both absolute and normalised). */
function inside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

async function readLocal(ref: string, pathIn: string, o: ImageSourceOptions, maxBytes: number): Promise<Uint8Array> {
  const baseDir = resolve(o.baseDir ?? ".");
  const root = resolve(o.allowedRoot ?? baseDir);
  const path = resolve(baseDir, pathIn);
  // Lexical check first, so nothing outside the root is even stat'ed; then again after following symlinks.
  if (!inside(root, path)) throw new ImageLoadError("image_outside_root", ref, `the path resolves outside the allowed folder "${root}"`);
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new ImageLoadError("image_missing", ref, `no such file "${path}"`);
    throw new ImageLoadError("image_missing", ref, `cannot open "${path}" (${code ?? (e as Error).message})`, { cause: e });
  }
  const realRoot = await realpath(root).catch(() => root);
  if (!inside(realRoot, real)) {
    throw new ImageLoadError("image_outside_root", ref, `the file links to "${real}", outside the allowed folder "${realRoot}"`);
  }
  let handle;
  try {
    handle = await open(real, "r");
  } catch (e) {
    throw new ImageLoadError("image_missing", ref, `cannot open "${path}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ImageLoadError("image_missing", ref, `"${path}" is not a regular file`);
    if (stat.size > maxBytes) throw new ImageLoadError("image_too_large", ref, `the file has ${stat.size} bytes, over the ${maxBytes}-byte limit`);
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

async function fetchBytes(ref: string, url: string, o: ImageSourceOptions, maxBytes: number): Promise<Uint8Array> {
  if (!o.allowRemote) throw new ImageLoadError("image_remote_disabled", ref, "remote images are disabled (allow them with the allowRemote option)");
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  const timedOut = (): ImageLoadError => new ImageLoadError("image_timeout", ref, `no complete answer within ${timeoutMs} ms`);
  try {
    const res = await fetch(url, { signal, redirect: "follow" });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new ImageLoadError("image_fetch_failed", ref, `the server answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new ImageLoadError("image_too_large", ref, `the server declares ${declared} bytes, over the ${maxBytes}-byte limit`);
    }
    // Count bytes while streaming: a missing or false Content-Length must not let a download grow unbounded.
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new ImageLoadError("image_too_large", ref, `the download passed the ${maxBytes}-byte limit`);
        }
        chunks.push(value);
      }
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  } catch (e) {
    if (e instanceof ImageLoadError) throw e;
    throwIfAborted(o.signal, "Loading images");
    if (timeout.aborted) throw timedOut();
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new ImageLoadError("image_fetch_failed", ref, `the request failed (${detail})`, { cause: e });
  }
}

let sharpModule: Promise<typeof SharpFactory> | undefined;

/** Loads sharp on first use (a native addon of ~0.15 s: only commands that read photos pay for it). */
function loadSharp(): Promise<typeof SharpFactory> {
  sharpModule ??= import("sharp").then(
    (m) => m.default,
    (e: unknown) => {
      sharpModule = undefined;
      throw e;
    },
  );
  return sharpModule;
}

/**
 * Decodes source bytes with sharp: first frame of animations, EXIF orientation applied, alpha flattened
 * onto white, sRGB, 3 channels, optionally resized to a `size`×`size` square.
 * @throws ImageLoadError (`image_too_large`, `image_corrupt`, `image_unsupported`).
 */
export async function decodeImage(source: ImageSource, options: DecodeOptions = {}): Promise<LoadedImage> {
  const { ref } = source;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const sharp = await loadSharp();
  try {
    let pipe = sharp(source.bytes, {
      limitInputPixels: maxPixels,
      failOn: options.failOn ?? "error",
      pages: 1,
      sequentialRead: true,
    })
      .rotate()
      .flatten({ background: WHITE })
      .toColourspace("srgb");
    if (options.size !== undefined) {
      if (!Number.isInteger(options.size) || options.size < 1 || options.size > 4096) {
        throw new RangeError(`Image size must be an integer in [1, 4096], got ${options.size}`);
      }
      pipe = pipe.resize(options.size, options.size, { fit: options.fit ?? "contain", background: WHITE });
    }
    const { data, info } = await pipe.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageLoadError("image_corrupt", ref, `decoded to ${info.channels} channels, expected 3`);
    const meta = await sharp(source.bytes, { limitInputPixels: maxPixels, pages: 1 }).metadata();
    const swap = (meta.orientation ?? 1) >= 5;
    return {
      image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
      hash: source.hash,
      format: source.format,
      sourceWidth: (swap ? meta.height : meta.width) ?? info.width,
      sourceHeight: (swap ? meta.width : meta.height) ?? info.height,
    };
  } catch (e) {
    if (e instanceof ImageLoadError || e instanceof RangeError) throw e;
    const msg = (e as Error).message ?? String(e);
    const first = msg.split("\n")[0]!.trim();
    if (/pixel limit/i.test(msg)) {
      throw new ImageLoadError("image_too_large", ref, `the image has more than ${maxPixels} pixels (the maxPixels limit)`, { cause: e });
    }
    if (/unsupported image format/i.test(msg)) throw new ImageLoadError("image_unsupported", ref, `sharp cannot decode this ${source.format} file`, { cause: e });
    throw new ImageLoadError("image_corrupt", ref, `the ${source.format} data is damaged or truncated (${first})`, { cause: e });
  }
}

/**
 * Loads one image: reads and checks the reference, then decodes and resizes it.
 * @throws ImageLoadError with a stable `code` for per-image problems.
 * @example const { image } = await loadImage("images/shoe.jpg", { baseDir: "data", size: 64 });
 */
export async function loadImage(ref: string, options: LoadImageOptions = {}): Promise<LoadedImage> {
  return decodeImage(await readImageSource(ref, options), options);
}

/** Options of the batch loaders: how many images are in flight at once, plus progress. */
export interface BatchOptions {
  /** Images read and decoded at the same time (default 4; sharp also uses its own thread pool). */
  concurrency?: number;
  onProgress?: RunOptions["onProgress"];
}

/**
 * Runs `task` on each item with at most `concurrency` in flight, turning ImageLoadError into per-item
 * failures. Other errors (cancellation, bugs) reject the whole batch. Results keep the input order.
 */
export async function mapImages<I, T extends object>(
  items: readonly I[],
  task: (item: I, index: number) => Promise<T>,
  options: BatchOptions & { signal?: AbortSignal } = {},
): Promise<ImageResult<T>[]> {
  const out = new Array<ImageResult<T>>(items.length);
  const limit = Math.max(1, Math.min(options.concurrency ?? 4, items.length));
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      throwIfAborted(options.signal, "Loading images");
      try {
        out[i] = { ok: true, ...(await task(items[i]!, i)) };
      } catch (e) {
        if (!(e instanceof ImageLoadError)) throw e;
        out[i] = { ok: false, code: e.code, message: e.message };
      }
      options.onProgress?.({ stage: "images", done: ++done, total: items.length });
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

/**
 * Loads many images with bounded concurrency. Never throws for a per-item problem: each result is
 * `{ ok: true, image, hash, … }` or `{ ok: false, code, message }`. A fired signal rejects with CancelledError.
 */
export function loadImages(refs: readonly string[], options: LoadImageOptions & BatchOptions = {}): Promise<ImageResult<LoadedImage>[]> {
  return mapImages(refs, (ref) => loadImage(ref, options), options);
}
