// Tests for readCatalog itself: format choice, streams, skip/fail modes, report counts, options, cancellation.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { CancelledError, InvalidInputError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import { readCatalog, readCatalogFile } from "./read-catalog.js";

const dir = mkdtempSync(join(tmpdir(), "assort-catalog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer, ext = ".jsonl"): string {
  const path = join(dir, `f${n++}${ext}`);
  writeFileSync(path, content);
  return path;
}
const stdin = (text: string, chunk = 7) =>
  Readable.from(Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => Buffer.from(text.slice(i * chunk, (i + 1) * chunk))));
const lines = (count: number, bad: (i: number) => boolean) =>
  Array.from({ length: count }, (_, i) => (bad(i) ? `{"id":"${i}"}` : `{"id":"${i}","title":"t${i}"}`)).join("\n");

describe("readCatalog: choosing the format", () => {
  it("sniffs JSONL from a stream whose first non-blank byte is '{'", async () => {
    const { products } = await readCatalogFile(stdin('\n  \n{"id":"a","title":"x","category":"C>D"}\n'));
    expect(products).toEqual([
      { id: "a", text: ["x", ""], label: "C > D", fields: { id: "a", title: "x", category: "C>D" }, line: 3 },
    ]);
  });

  it("sniffs CSV from a stream otherwise, and tab-separated from the header", async () => {
    const csv = await readCatalogFile(stdin('id,title\n1,"a, b"\n'));
    expect(csv.products.map((p) => p.text[0])).toEqual(["a, b"]);
    const tsv = await readCatalogFile(stdin("id\ttitle\n1\ta, b\n"));
    expect(tsv.products.map((p) => p.text[0])).toEqual(["a, b"]);
  });

  it("accepts a stream of strings (stdin with setEncoding)", async () => {
    const s = new PassThrough();
    s.setEncoding("utf8");
    s.end('{"title":"héllo"}\n');
    expect((await readCatalogFile(s)).products[0]!.text[0]).toBe("héllo");
  });

  it("names a stream <stdin> in messages unless fileLabel is given", async () => {
    await expect(readCatalogFile(stdin('{"x":1}\n'))).rejects.toThrow(/^<stdin>:1: missing text/);
    await expect(readCatalogFile(stdin('{"x":1}\n'), { fileLabel: "in.jsonl" })).rejects.toThrow(/^in\.jsonl:1: /);
  });

  it("goes by extension for paths, and format overrides it", async () => {
    const csvInJson = file("id,title\n1,a\n", ".json");
    await expect(readCatalogFile(csvInJson)).rejects.toThrow(/invalid JSON/);
    expect((await readCatalogFile(csvInJson, { format: "csv" })).products[0]!.text[0]).toBe("a");
    expect((await readCatalogFile(file('{"title":"n"}\n', ".ndjson"))).products).toHaveLength(1);
    expect((await readCatalogFile(file('{"title":"s"}\n', ".txt"))).products).toHaveLength(1); // unknown: sniffed
  });
});

describe("readCatalog: bad rows", () => {
  it("skip: leaves bad rows out, counts and records them; rows + skipped = all data rows", async () => {
    const catalog = readCatalog(file(lines(30, (i) => i % 3 === 0)), { onBadRow: "skip", maxIssues: 4 });
    const ids: string[] = [];
    for await (const p of catalog) ids.push(p.id);
    expect(ids).toHaveLength(20);
    expect(ids[0]).toBe("1");
    expect(catalog.report.rows).toBe(20);
    expect(catalog.report.skipped).toBe(10);
    expect(catalog.report.issueCount).toBe(10);
    expect(catalog.report.issues.map((i) => i.line)).toEqual([1, 4, 7, 10]);
  });

  it("fail: stops yielding at the first bad row, scans on, and throws a summary of the first issues and the total", async () => {
    const catalog = readCatalog(file(lines(50, (i) => i === 2 || i >= 40)), { maxIssues: 3 });
    const ids: string[] = [];
    let error: unknown;
    try {
      for await (const p of catalog) ids.push(p.id);
    } catch (e) {
      error = e;
    }
    expect(ids).toEqual(["0", "1"]);
    expect(error).toBeInstanceOf(InvalidInputError);
    const err = error as InvalidInputError;
    expect(err.total).toBe(11);
    expect(err.issues.map((i) => i.line)).toEqual([3, 41, 42]);
    expect(err.message).toMatch(/^Found 11 bad rows/);
    expect(err.message).toContain(":3: missing text: none of title, description has text");
    expect(err.message).toContain("… and 8 more");
    expect(catalog.report).toMatchObject({ rows: 39, skipped: 11, issueCount: 11 });
  });

  it("a single bad row makes a one-line message", async () => {
    const path = file('{"title":"a"}\n{"title":""}\n');
    await expect(readCatalogFile(path)).rejects.toThrow(`${path}:2: missing text: none of title, description has text`);
  });

  it("all rows bad in skip mode: no throw, zero rows", async () => {
    const { products, report } = await readCatalogFile(file('{"id":"1"}\n'), { onBadRow: "skip" });
    expect(products).toEqual([]);
    expect(report).toMatchObject({ rows: 0, skipped: 1 });
  });
});

describe("readCatalog: options and lifecycle", () => {
  it("applies labelDepth and a custom separator", async () => {
    const path = file('{"title":"a","cat":"Home / Kitchen / Knives"}\n');
    const { products } = await readCatalogFile(path, { labelField: "cat", pathSeparator: "/", labelDepth: 2 });
    expect(products[0]!.label).toBe("Home > Kitchen");
  });

  it("leaves the rows' fields off the products with fields: false (JSONL and CSV), the rest as with them", async () => {
    const jsonl = file('{"id":"1","title":"a","category":"X","price":3}\n{"title":"b","description":"d"}\n');
    const csv = file("id,title,category,price\n1,a,X,3\n", ".csv");
    for (const path of [jsonl, csv]) {
      const kept = (await readCatalogFile(path)).products;
      const { products, report } = await readCatalogFile(path, { fields: false });
      expect(kept[0]!.fields).toBeDefined();
      expect(products).toEqual(kept.map(({ fields: _, ...rest }) => rest));
      expect(products.every((p) => !("fields" in p))).toBe(true);
      expect(report.rows).toBe(kept.length);
    }
  });

  it("checks options up front", () => {
    expect(() => readCatalog("x.jsonl", { labelDepth: 0 })).toThrow(RangeError);
    expect(() => readCatalog("x.jsonl", { maxFieldChars: 1.5 })).toThrow(RangeError);
    expect(() => readCatalog("x.jsonl", { textFields: [] })).toThrow(RangeError);
    expect(() => readCatalog("x.jsonl", { format: "xml" as "csv" })).toThrow(/format/);
  });

  it("can be iterated only once", async () => {
    const catalog = readCatalog(stdin('{"title":"a"}\n'));
    for await (const _ of catalog) void _;
    expect(() => catalog[Symbol.asyncIterator]()).toThrow(TypeError);
  });

  it("honours an AbortSignal, also while waiting on a quiet stream", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(readCatalogFile(stdin('{"title":"a"}\n'), { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);

    const quiet = new PassThrough();
    quiet.write('{"title":"a"}\n');
    const ac2 = new AbortController();
    const got: Product[] = [];
    const run = (async () => {
      for await (const p of readCatalog(quiet, { signal: ac2.signal })) {
        got.push(p);
        ac2.abort();
      }
    })();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(got).toHaveLength(1);
  });

  it("stops cleanly when the consumer breaks early", async () => {
    const path = file(lines(1000, () => false));
    const catalog = readCatalog(path);
    for await (const p of catalog) if (p.id === "5") break;
    expect(catalog.report.rows).toBeLessThan(1000);
  });

  it("fails with the file system's error for a missing file", async () => {
    await expect(readCatalogFile(join(dir, "nope.jsonl"))).rejects.toThrow(/ENOENT/);
  });
});
