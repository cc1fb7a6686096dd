import { mkdtemp, readdir, readFile, rm, truncate, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODEL_FORMAT_VERSION, readModelDir, writeModelDir } from "./model-dir.js";
import { ConfigError, ModelFormatError, ModelNotFoundError } from "../core/errors.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "assort-modeldir-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const arrays = () => ({ a: Float32Array.from([1.5, -2, 3]), b: Int32Array.from([7, 8]), c: Uint8Array.from([1, 2, 3, 4, 5]) });

describe("model directories", () => {
  it("round-trips the manifest and typed arrays exactly", async () => {
    const dir = path.join(root, "m1");
    await writeModelDir(dir, { kind: "x", labels: ["a", "b"] }, arrays());
    const back = await readModelDir(dir);
    expect(back.manifest.kind).toBe("x");
    expect(back.manifest.formatVersion).toBe(MODEL_FORMAT_VERSION);
    expect(back.arrays.a).toEqual(arrays().a);
    expect(back.arrays.b).toEqual(arrays().b);
    expect(back.arrays.c).toEqual(arrays().c);
  });

  it("replaces an existing model atomically and leaves no temporary files", async () => {
    const dir = path.join(root, "m2");
    await writeModelDir(dir, { kind: "old" }, arrays());
    await writeModelDir(dir, { kind: "new" }, { a: Float32Array.from([9]) });
    expect((await readModelDir(dir)).manifest.kind).toBe("new");
    expect((await readdir(root)).filter((f) => f.includes(".tmp-") || f.includes(".old-"))).toEqual([]);
  });

  it("refuses to overwrite a directory that is not a model, leaving it untouched", async () => {
    const dir = path.join(root, "notes");
    await mkdir(dir);
    await writeFile(path.join(dir, "keep.txt"), "precious");
    await expect(writeModelDir(dir, {}, arrays())).rejects.toThrow(ConfigError);
    expect(await readFile(path.join(dir, "keep.txt"), "utf8")).toBe("precious");
  });

  it("reports missing, incomplete, corrupt and newer-format models clearly", async () => {
    await expect(readModelDir(path.join(root, "nope"))).rejects.toThrow(ModelNotFoundError);
    const dir = path.join(root, "m3");
    await writeModelDir(dir, { kind: "x" }, arrays());
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));

    await writeFile(path.join(dir, "manifest.json"), JSON.stringify({ ...manifest, formatVersion: 99 }));
    await expect(readModelDir(dir)).rejects.toThrow(/format version 99 is newer than supported version 1/);

    await writeFile(path.join(dir, "manifest.json"), "{ not json");
    await expect(readModelDir(dir)).rejects.toThrow(/not valid JSON/);

    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    const bin = path.join(dir, "arrays.bin");
    const bytes = await readFile(bin);
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(bin, bytes);
    await expect(readModelDir(dir)).rejects.toThrow(/checksum/);

    await truncate(bin, 4);
    await expect(readModelDir(dir)).rejects.toThrow(/truncated or corrupt/);

    await rm(path.join(dir, "manifest.json"));
    const err = await readModelDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(String((err as Error).message)).toMatch(/manifest.json is missing/);
  });
});
