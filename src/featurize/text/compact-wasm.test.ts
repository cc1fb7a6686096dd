// The WebAssembly compaction of a fit's raw rows against fit-rows.ts's JavaScript pass: identical entries, float32
// bits, row ends and squared norms, part by part (dropped buckets, whole counts from the table and others through
// the host's logarithm, sublinear tf off, empty rows, rows of one block only) and through a whole fit; and the fitted
// space (columns, IDFs, document frequencies) against text-featurizer.ts's. The module is
// compiled here from its AssemblyScript source, so the test never depends on a previous build.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactArena, compactFallbackReason, compactPartWasm, fitSpaceWasm, useCompactModule } from "./compact-wasm.js";
import { BY_MAIN, BY_WORKER, compactRows, LOG_TF, type RawPart, type RowsOut } from "./fit-rows.js";
import { TextFeaturizer } from "./text-featurizer.js";
import { knownFacts } from "../../linalg/matrix.js";
import { Random } from "../../linalg/random.js";

let bytes: Uint8Array;

beforeAll(async () => {
  const asc = (await import("assemblyscript/asc")).default;
  const source = readFileSync(new URL("./wasm/compact.as.ts", import.meta.url), "utf8");
  // As scripts/build-wasm.mjs compiles it.
  const r = await asc.compileString(source, {
    optimizeLevel: 3,
    noAssert: true,
    runtime: "stub",
    enable: ["threads"],
    importMemory: true,
    sharedMemory: true,
    maximumMemory: 65536,
  });
  if (r.error || !r.binary) throw new Error(`AssemblyScript compile failed: ${r.error?.message ?? ""}\n${r.stderr.toString()}`);
  bytes = r.binary;
  useCompactModule(bytes);
}, 60_000);

afterAll(() => useCompactModule(null));

const bytesOf = (a: Int32Array | Float32Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Random raw parts over `width` buckets: counts mostly small whole numbers, some large or fractional, some rows empty. */
function randomParts(rng: Random, rows: number[], width: number): RawPart[] {
  let first = 0;
  return rows.map((n) => {
    const indptr = new Int32Array(n + 1);
    const cols: number[] = [];
    const counts: number[] = [];
    for (let d = 0; d < n; d++) {
      const m = rng.int(5) === 0 ? 0 : 1 + rng.int(40);
      for (let e = 0; e < m; e++) {
        cols.push(rng.int(width));
        const u = rng.int(20);
        counts.push(u === 0 ? 64 + rng.int(200) : u === 1 ? 0.5 + rng.int(30) : 1 + rng.int(6));
      }
      indptr[d + 1] = cols.length;
    }
    const part = { first, indptr, cols: Int32Array.from(cols), counts: Float32Array.from(counts) };
    first += n;
    return part;
  });
}

/** A table of `width` buckets (pairs: column or -1, idf bits): every third bucket dropped, idfs of many values. */
function tableOf(rng: Random, width: number, into: Int32Array): { dim: number } {
  const idf = new Float32Array(into.buffer, into.byteOffset, into.length);
  let dim = 0;
  for (let b = 0; b < width; b++) {
    if (b % 3 === 2) {
      into[2 * b] = -1;
      continue;
    }
    into[2 * b] = dim++;
    idf[2 * b + 1] = 1 + rng.int(1000) / 97;
  }
  return { dim };
}

describe("fit compaction: WebAssembly = JavaScript", () => {
  it("is in use (compiled from source)", () => {
    expect(compactArena(16, 4, 1, 1, 4, LOG_TF)).toBeDefined();
    expect(compactFallbackReason()).toBeUndefined();
  });

  it.each([
    ["sublinear tf, both blocks", { sublinearTf: true, wordWeight: 0.7, charWeight: 1 }, 40],
    ["raw counts, other block weights", { sublinearTf: false, wordWeight: 1.3, charWeight: 0.4 }, 40],
    ["words only", { sublinearTf: true, wordWeight: 0.7, charWeight: 1 }, 10_000],
    ["characters only", { sublinearTf: true, wordWeight: 0.7, charWeight: 1 }, 0],
  ])("writes the same entries, row ends and norms part by part (%s)", (_name, params, charStart) => {
    const rng = new Random(7);
    const width = 300;
    const parts = randomParts(rng, [17, 0, 40, 3], width);
    const rows = parts.reduce((s, p) => s + p.indptr.length - 1, 0);
    const entries = parts.reduce((s, p) => s + p.cols.length, 0);
    const out = compactArena(width, entries, rows, 40, Math.max(...parts.map((p) => p.cols.length)), LOG_TF)!;
    tableOf(rng, width, out.table);
    const table = Int32Array.from(out.table);
    const w = { params, charStart };
    const js: RowsOut = { indices: new Int32Array(entries), values: new Float32Array(entries), indptr: new Int32Array(rows + 1), norms: new Float64Array(rows), at: 0, rowAt: 0 };
    let at = 0;
    for (const [b, part] of parts.entries()) {
      // The two threads' scratch regions both work; each part is written from where its raw entries would start.
      const wasmEnd = compactPartWasm(out.arena, b % 2 === 0 ? BY_MAIN : BY_WORKER, part, out.table, w, { ...out, at, rowAt: part.first });
      const jsEnd = compactRows(part, table, w, { ...js, at, rowAt: part.first });
      expect(wasmEnd).toBe(jsEnd);
      at += part.cols.length;
    }
    expect(js.indptr[rows]).toBeGreaterThan(0);
    expect(bytesOf(out.indices).equals(bytesOf(js.indices))).toBe(true);
    expect(bytesOf(out.values).equals(bytesOf(js.values))).toBe(true);
    expect(bytesOf(out.indptr).equals(bytesOf(js.indptr))).toBe(true);
    expect(bytesOf(out.norms).equals(bytesOf(js.norms))).toBe(true);
  });

  it("weighs a hand-computed row: sublinear tf × idf, each block scaled to its weight", () => {
    // Buckets 0 and 1 are words (charStart 2), bucket 2 a character n-gram, bucket 3 dropped.
    const out = compactArena(4, 4, 1, 1, 4, LOG_TF)!;
    const idf = new Float32Array(out.table.buffer, out.table.byteOffset, 8);
    out.table.set([0, 0, 1, 0, 2, 0, -1, 0]);
    idf[1] = 2;
    idf[3] = 2;
    idf[5] = 3;
    const part = { first: 0, indptr: Int32Array.of(0, 4), cols: Int32Array.of(0, 1, 2, 3), counts: Float32Array.of(1, 1, 5, 9) };
    const end = compactPartWasm(out.arena, BY_MAIN, part, out.table, { params: { sublinearTf: true, wordWeight: 0.5, charWeight: 1 }, charStart: 2 }, { ...out, at: 0, rowAt: 0 });
    expect(end).toBe(3);
    // Words: (1 + ln 1)·2 = 2 each, scaled to a length of 0.5 together: 0.5/√2 each; the character n-gram
    // ((1 + ln 5)·3) alone, scaled to length 1; the norm is 1 (bias²) + 0.25 + 1.
    expect(Array.from(out.indices.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(out.values[0]).toBe(Math.fround(0.5 / Math.sqrt(2)));
    expect(out.values[1]).toBe(Math.fround(0.5 / Math.sqrt(2)));
    expect(out.values[2]).toBeCloseTo(1, 6);
    expect(out.indptr[1]).toBe(3);
    expect(out.norms[0]).toBeCloseTo(2.25, 6);
  });

  it("finds a hand-computed space from two threads' document frequencies", () => {
    // Six buckets; the threads saw them in 1+0, 0+0, 2+1, 0+2, 1+1 and 5+0 of 9 documents; minDf 2 keeps buckets 2-5.
    const out = compactArena(6, 4, 9, 1, 4, LOG_TF)!;
    const space = fitSpaceWasm(out, Int32Array.of(1, 0, 2, 0, 1, 5), Int32Array.of(0, 0, 1, 2, 1, 0), 2, 9, true)!;
    expect(Array.from(space.columns)).toEqual([2, 3, 4, 5]);
    expect(Array.from(space.counts)).toEqual([3, 2, 2, 5]);
    const idf = [3, 2, 2, 5].map((df) => Math.fround(Math.log(10 / (1 + df)) + 1));
    expect(Array.from(space.idf)).toEqual(idf);
    const tableIdf = new Float32Array(out.table.buffer, out.table.byteOffset, 12);
    expect([0, 1, 2, 3, 4, 5].map((b) => out.table[2 * b])).toEqual([-1, -1, 0, 1, 2, 3]);
    expect([2, 3, 4, 5].map((b) => tableIdf[2 * b + 1])).toEqual(idf);
    // One thread's counts alone, IDF off: every seen bucket, each IDF 1.
    const one = fitSpaceWasm(compactArena(6, 4, 9, 1, 4, LOG_TF)!, Int32Array.of(1, 0, 2, 0, 1, 5), undefined, 1, 9, false)!;
    expect(Array.from(one.columns)).toEqual([0, 2, 4, 5]);
    expect(Array.from(one.idf)).toEqual([1, 1, 1, 1]);
  });

  it("refuses a part larger than its scratch", () => {
    const out = compactArena(8, 8, 4, 1, 2, LOG_TF)!;
    const part = { first: 0, indptr: Int32Array.of(0, 3), cols: Int32Array.of(0, 1, 2), counts: Float32Array.of(1, 1, 1) };
    expect(() => compactPartWasm(out.arena, BY_MAIN, part, out.table, { params: { sublinearTf: true, wordWeight: 1, charWeight: 1 }, charStart: 4 }, { ...out, at: 0, rowAt: 0 })).toThrow(RangeError);
  });

  it("fits the same matrix and norms as the JavaScript pass", async () => {
    const docs = Array.from({ length: 3_000 }, (_, i) => [`apple iphone ${i % 97} plus ${i % 7 === 0 ? "" : "64gb "}gold model x${i}`, i % 5 === 0 ? "" : `unlocked grade ${i % 13}`]);
    for (const params of [{}, { sublinearTf: false, minDf: 2, wordWeight: 1.2 }]) {
      const a = await new TextFeaturizer(params).fitTransformTexts(docs, { threads: 0 });
      expect(a.matrix.indices.buffer).not.toBeInstanceOf(ArrayBuffer); // in the arena's shared memory
      useCompactModule(null);
      let b;
      try {
        expect(compactArena(16, 4, 1, 1, 4, LOG_TF)).toBeUndefined();
        b = await new TextFeaturizer(params).fitTransformTexts(docs, { threads: 0 });
      } finally {
        useCompactModule(bytes);
      }
      expect(a.matrix.indptr[a.matrix.rows]).toBeGreaterThan(20 * docs.length);
      expect(bytesOf(a.matrix.indptr).equals(bytesOf(b.matrix.indptr))).toBe(true);
      expect(bytesOf(a.matrix.indices).equals(bytesOf(b.matrix.indices))).toBe(true);
      expect(bytesOf(a.matrix.data).equals(bytesOf(b.matrix.data))).toBe(true);
      expect(bytesOf(knownFacts(a.matrix).squaredNorms!.norms).equals(bytesOf(knownFacts(b.matrix).squaredNorms!.norms))).toBe(true);
      expect(Array.from(a.featurizer.columns)).toEqual(Array.from(b.featurizer.columns));
      expect(bytesOf(a.featurizer.idf).equals(bytesOf(b.featurizer.idf))).toBe(true);
      expect(Array.from(knownFacts(a.matrix).columnCounts!)).toEqual(Array.from(knownFacts(b.matrix).columnCounts!));
    }
  });
});
