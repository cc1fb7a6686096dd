import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { parseIdx, readIdxFile, readIdxImages } from "./read-idx.js";

/** Builds IDX bytes: magic 00 00 type ndims, big-endian dims, then the payload. */
function idx(dims: number[], payload: number[], type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  out.set([0, 0, type, dims.length]);
  const v = new DataView(out.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("parseIdx", () => {
  it("decodes dims (big-endian) and unsigned-byte data", () => {
    const a = parseIdx(idx([2, 3, 2], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));
    expect(a.dims).toEqual([2, 3, 2]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const big = parseIdx(idx([300], new Array<number>(300).fill(7)));
    expect(big.dims).toEqual([300]); // 300 = 0x0000012c: the high byte matters
  });

  it("names the file and the bad part in each error", () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([0, 0, 8]), /"f\.idx": magic: the file has 3 bytes/],
      [new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]), /magic: expected the magic number to start with 00 00, found 0x01 0x02/],
      [idx([2], [1, 2], 0x0d), /type: values are float32 \(type 0x0d\)/],
      [idx([2], [1, 2], 0x42), /type: unknown IDX type code 0x42/],
      [new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1]), /dims: the header declares 2 dimensions \(12 header bytes\)/],
      [idx([2, 0], []), /dims: dimension 2 of 2 is 0/],
      [idx([2, 2], [1, 2, 3]), /data: dimensions 2×2 need 4 bytes of data, found 3 \(the file is truncated\)/],
      [idx([2], [1, 2, 3]), /found 3 \(the file has trailing bytes\)/],
      [gzipSync(idx([1], [1])), /gzip-compressed/],
    ];
    for (const [bytes, re] of cases) {
      let err: unknown;
      try {
        parseIdx(bytes, "f.idx");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toMatch(re);
      expect((err as InvalidInputError).issues[0]!.file).toBe("f.idx");
    }
  });
});

describe("readIdxFile / readIdxImages", () => {
  it("reads plain and gzip files and pairs images with labels", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "assort-idx-"));
    dirs.push(dir);
    const images = idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await writeFile(path.join(dir, "img.gz"), gzipSync(images));
    await writeFile(path.join(dir, "lab"), idx([2], [9, 4]));
    await writeFile(path.join(dir, "lab3"), idx([3], [9, 4, 1]));
    await writeFile(path.join(dir, "broken.gz"), gzipSync(images).subarray(0, 20));
    const plain = await readIdxFile(path.join(dir, "lab"));
    expect(Array.from(plain.data)).toEqual([9, 4]);
    const pair = await readIdxImages(path.join(dir, "img.gz"), path.join(dir, "lab"));
    expect([pair.count, pair.rows, pair.cols]).toEqual([2, 2, 3]);
    expect(Array.from(pair.images.subarray(6))).toEqual([7, 8, 9, 10, 11, 12]);
    expect(Array.from(pair.labels)).toEqual([9, 4]);
    await expect(readIdxImages(path.join(dir, "img.gz"), path.join(dir, "lab3"))).rejects.toThrow(/holds 3 labels but .* holds 2 images/);
    await expect(readIdxImages(path.join(dir, "lab"), path.join(dir, "lab"))).rejects.toThrow(/expected 3 dimensions/);
    await expect(readIdxFile(path.join(dir, "broken.gz"))).rejects.toThrow(/broken\.gz": gzip: cannot decompress/);
  });
});
