import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultCacheDir, ensureMobileNetOnnx } from "./onnx-cache.js";

describe("ensureMobileNetOnnx", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "assort-onnx-cache-"));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it("converts once per input size, then reuses the file", async () => {
    const progress: string[] = [];
    const first = await ensureMobileNetOnnx({ inputSize: 96, cacheDir, onProgress: (e) => progress.push(`${e.done}/${e.total}`) });
    expect(first.converted).toBe(true);
    expect(progress).toEqual(["0/1", "1/1"]);
    expect(statSync(first.path).size).toBeGreaterThan(8_000_000); // ~3.5 M float32 weights
    const again = await ensureMobileNetOnnx({ inputSize: 96, cacheDir });
    expect(again).toEqual({ ...first, converted: false });
    const other = await ensureMobileNetOnnx({ inputSize: 128, cacheDir });
    expect(other.key).not.toBe(first.key);
    expect(other.path).toContain("128px");
  });

  it("survives concurrent conversions: one complete file, no temp files left", async () => {
    const results = await Promise.all([1, 2, 3].map(() => ensureMobileNetOnnx({ inputSize: 64, cacheDir, rebuild: true })));
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    const files = readdirSync(join(cacheDir, "mobilenet-v2"));
    expect(files.filter((f) => f.includes("64px"))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("defaults to $ASSORT_CACHE_DIR, else ~/.cache/assort", () => {
    const saved = process.env.ASSORT_CACHE_DIR;
    try {
      process.env.ASSORT_CACHE_DIR = "/somewhere/cache";
      expect(defaultCacheDir()).toBe("/somewhere/cache");
      delete process.env.ASSORT_CACHE_DIR;
      expect(defaultCacheDir()).toMatch(/\.cache\/assort$/);
    } finally {
      if (saved === undefined) delete process.env.ASSORT_CACHE_DIR;
      else process.env.ASSORT_CACHE_DIR = saved;
    }
  });
});
