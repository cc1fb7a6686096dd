import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelledError } from "../../core/errors.js";
import { ImageLoadError, loadImage, loadImages, readImageSource, sniffFormat, type ImageErrorCode } from "./load-image.js";

const solid = (w: number, h: number, hex: string, channels: 3 | 4 = 3, alpha = 1): Sharp =>
  sharp({ create: { width: w, height: h, channels, background: channels === 4 ? { ...rgb(hex), alpha } : hex } });
const rgb = (hex: string): { r: number; g: number; b: number } => ({
  r: parseInt(hex.slice(1, 3), 16),
  g: parseInt(hex.slice(3, 5), 16),
  b: parseInt(hex.slice(5, 7), 16),
});

/** CRC-32 (PNG chunk checksum), so the test can craft a PNG header by hand. */
function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** A valid-looking 20000×20000 RGB PNG header with a token IDAT: 130 bytes that claim 400 megapixels. */
function hugePng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20000, 0);
  ihdr.writeUInt32BE(20000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(60001))), chunk("IEND", Buffer.alloc(0))]);
}

let dir: string;
let root: string;
let outside: string;
const bytes: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "assort-load-image-"));
  root = join(dir, "data");
  outside = join(dir, "secret");
  mkdirSync(join(root, "img"), { recursive: true });
  mkdirSync(outside);
  bytes.red = await solid(10, 6, "#ff0000").png().toBuffer();
  bytes.alpha = await solid(2, 2, "#ff0000", 4, 0.5).png().toBuffer();
  bytes.jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
  bytes.truncated = bytes.jpeg.subarray(0, Math.floor(bytes.jpeg.length * 0.8));
  bytes.gif = await sharp([await solid(3, 3, "#00ff00").png().toBuffer(), await solid(3, 3, "#0000ff").png().toBuffer()], { join: { animated: true } })
    .gif()
    .toBuffer();
  bytes.webp = await solid(5, 5, "#0000ff").webp({ lossless: true }).toBuffer();
  bytes.rotated = await solid(4, 2, "#00ff00").jpeg().withMetadata({ orientation: 6 }).toBuffer();
  bytes.grey = await solid(3, 3, "#808080").greyscale().toColourspace("b-w").png().toBuffer();
  bytes.bmp = Buffer.concat([Buffer.from("BM"), Buffer.alloc(60)]);
  for (const [name, b] of Object.entries(bytes)) writeFileSync(join(root, "img", `${name}.bin`), b);
  writeFileSync(join(root, "notes.txt"), "not an image\n");
  writeFileSync(join(root, "huge.png"), hugePng());
  writeFileSync(join(outside, "s.png"), bytes.red);
  symlinkSync(join(outside, "s.png"), join(root, "img", "escape.png"));
  symlinkSync(join(root, "img", "red.bin"), join(root, "img", "link-inside.png"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function code(ref: string, options: Parameters<typeof loadImage>[1] = {}): Promise<ImageErrorCode> {
  const err = await loadImage(ref, { baseDir: root, ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageLoadError);
  expect((err as ImageLoadError).message).toContain(ref.slice(0, 40));
  return (err as ImageLoadError).code;
}

describe("loadImage: decoding", () => {
  it("decodes a PNG, letterboxes it on white with contain and fills with cover", async () => {
    const c = await loadImage("img/red.bin", { baseDir: root, size: 4 });
    expect(c.format).toBe("png");
    expect([c.image.width, c.image.height, c.sourceWidth, c.sourceHeight]).toEqual([4, 4, 10, 6]);
    const px = (x: number, y: number): number[] => [...c.image.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)];
    expect(px(0, 0)).toEqual([255, 255, 255]); // padding row above
    expect(px(1, 1)).toEqual([255, 0, 0]);
    expect(px(2, 2)).toEqual([255, 0, 0]);
    expect(px(3, 3)).toEqual([255, 255, 255]); // padding row below
    const cover = await loadImage("img/red.bin", { baseDir: root, size: 4, fit: "cover" });
    for (let i = 0; i < 16; i++) expect([...cover.image.data.subarray(i * 3, i * 3 + 3)]).toEqual([255, 0, 0]);
  });

  it("hashes the source bytes with SHA-256", async () => {
    const r = await loadImage("img/red.bin", { baseDir: root });
    expect(r.hash).toBe(createHash("sha256").update(bytes.red!).digest("hex"));
  });

  it("flattens a half-transparent PNG onto white", async () => {
    const r = await loadImage("img/alpha.bin", { baseDir: root });
    expect(r.image.data.length).toBe(2 * 2 * 3);
    expect([...r.image.data.subarray(0, 3)]).toEqual([255, 127, 127]);
  });

  it("turns a greyscale PNG into three equal channels", async () => {
    const r = await loadImage("img/grey.bin", { baseDir: root });
    expect(r.image.data.length).toBe(27);
    expect(r.image.data[0]).toBe(r.image.data[1]);
    expect(r.image.data[1]).toBe(r.image.data[2]);
  });

  it("takes the first frame of an animated GIF and decodes WebP", async () => {
    const g = await loadImage("img/gif.bin", { baseDir: root });
    expect([g.format, g.image.width, g.image.height]).toEqual(["gif", 3, 3]);
    expect([...g.image.data.subarray(0, 3)]).toEqual([0, 255, 0]);
    const w = await loadImage("img/webp.bin", { baseDir: root });
    expect([w.format, ...w.image.data.subarray(0, 3)]).toEqual(["webp", 0, 0, 255]);
  });

  it("applies the EXIF orientation", async () => {
    const r = await loadImage("img/rotated.bin", { baseDir: root });
    expect([r.image.width, r.image.height, r.sourceWidth, r.sourceHeight]).toEqual([2, 4, 2, 4]);
  });

  it("reads data URIs", async () => {
    const uri = `data:image/png;base64,${bytes.red!.toString("base64")}`;
    const r = await loadImage(uri, { size: 2, fit: "cover" });
    expect([...r.image.data]).toEqual([255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0]);
    expect(await code(uri, { maxBytes: 20 })).toBe("image_too_large");
    expect(await code("data:image/png,%89PNG")).toBe("image_bad_ref");
    expect(await code("data:image/png;base64,@@@@")).toBe("image_bad_ref");
  });
});

describe("loadImage: bad input is a per-image error with a code", () => {
  it("rejects a truncated JPEG as corrupt (the intact one loads)", async () => {
    await expect(loadImage("img/jpeg.bin", { baseDir: root, size: 8 })).resolves.toMatchObject({ format: "jpeg" });
    expect(await code("img/truncated.bin")).toBe("image_corrupt");
  });

  it("refuses a 20000×20000 image from its header, without decoding it", async () => {
    const started = performance.now();
    expect(await code("huge.png", { size: 64 })).toBe("image_too_large");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await code("img/red.bin", { maxPixels: 59 })).toBe("image_too_large");
    await expect(loadImage("img/red.bin", { baseDir: root, maxPixels: 60 })).resolves.toBeTruthy();
  });

  it("names the unsupported format it sniffed", async () => {
    expect(await code("img/bmp.bin")).toBe("image_unsupported");
    await expect(loadImage("img/bmp.bin", { baseDir: root })).rejects.toThrow(/unsupported format: BMP/);
    expect(await code("notes.txt")).toBe("image_unsupported");
    expect(sniffFormat(new TextEncoder().encode("<svg xmlns='x'/>"))).toEqual({ other: "SVG" });
  });

  it("refuses paths and symlinks that leave the allowed root", async () => {
    expect(await code("../secret/s.png")).toBe("image_outside_root");
    expect(await code(join(outside, "s.png"))).toBe("image_outside_root");
    expect(await code("img/escape.png")).toBe("image_outside_root");
    await expect(loadImage("img/link-inside.png", { baseDir: root })).resolves.toMatchObject({ format: "png" });
    // A wider allowedRoot admits the same file.
    await expect(loadImage("../secret/s.png", { baseDir: root, allowedRoot: dir })).resolves.toMatchObject({ format: "png" });
  });

  it("reports missing files, empty refs, oversized files and unknown schemes", async () => {
    expect(await code("img/nope.jpg")).toBe("image_missing");
    expect(await code("img")).toBe("image_missing");
    expect(await code("   ")).toBe("image_bad_ref");
    expect(await code("img/red.bin", { maxBytes: 10 })).toBe("image_too_large");
    expect(await code("ftp://example.com/a.jpg")).toBe("image_bad_ref");
  });

  it("refuses remote images unless allowRemote is set", async () => {
    expect(await code("https://example.com/shoe.jpg")).toBe("image_remote_disabled");
  });
});

describe("loadImage: remote images", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/red.png") res.end(bytes.red);
      else if (req.url === "/slow") setTimeout(() => res.end(bytes.red), 2000).unref();
      else if (req.url === "/stream") {
        // No Content-Length: the limit must be enforced while reading.
        res.writeHead(200, { "content-type": "image/png" });
        res.write(Buffer.alloc(4096));
        res.write(Buffer.alloc(4096));
        res.end(Buffer.alloc(4096));
      } else if (req.url === "/declared") {
        res.writeHead(200, { "content-length": String(1 << 20) });
        res.end(Buffer.alloc(1 << 20));
      } else {
        res.statusCode = 404;
        res.end("no");
      }
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it("downloads when allowed, with timeout, byte limit and HTTP errors per image", async () => {
    const opts = { allowRemote: true, timeoutMs: 300, maxBytes: 10_000 };
    const r = await loadImage(`${base}/red.png`, opts);
    expect(r.hash).toBe(createHash("sha256").update(bytes.red!).digest("hex"));
    expect(await code(`${base}/slow`, opts)).toBe("image_timeout");
    expect(await code(`${base}/stream`, opts)).toBe("image_too_large");
    expect(await code(`${base}/declared`, opts)).toBe("image_too_large");
    expect(await code(`${base}/missing`, opts)).toBe("image_fetch_failed");
  });
});

describe("loadImages", () => {
  it("returns one result per ref in order and never throws for per-item problems", async () => {
    const refs = ["img/red.bin", "img/nope.png", "img/truncated.bin", "../secret/s.png", "img/webp.bin", "huge.png"];
    const progress: number[] = [];
    const out = await loadImages(refs, { baseDir: root, size: 4, concurrency: 3, onProgress: (e) => progress.push(e.done) });
    expect(out.map((r) => (r.ok ? "ok" : r.code))).toEqual(["ok", "image_missing", "image_corrupt", "image_outside_root", "ok", "image_too_large"]);
    expect(progress.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const first = out[0]!;
    expect(first.ok && first.image.width).toBe(4);
  });

  it("rejects the whole batch with CancelledError when the signal fired", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(loadImages(["img/red.bin"], { baseDir: root, signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
    await expect(readImageSource("img/red.bin", { baseDir: root, signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});
