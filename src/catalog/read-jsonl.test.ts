// Tests for JSONL input through readCatalog: happy path, BOM/CRLF, and every kind of bad line.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { Readable } from "node:stream";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import type { RowMapping } from "./map-row.js";
import { readCatalogFile, type ReadOptions } from "./read-catalog.js";
import { jsonlBlockRows, jsonlRow, readJsonlRows } from "./read-jsonl.js";
import { readLineBlocks, readLines } from "./read-lines.js";

const dir = mkdtempSync(join(tmpdir(), "assort-jsonl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer, ext = ".jsonl"): string {
  const path = join(dir, `f${n++}${ext}`);
  writeFileSync(path, content);
  return path;
}
async function failure(path: string, options: ReadOptions = {}): Promise<InvalidInputError> {
  const err = await readCatalogFile(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  return err as InvalidInputError;
}
const fixture = new URL("../../test/fixtures/catalog/products.jsonl", import.meta.url).pathname;

describe("readCatalog: JSONL", () => {
  it("reads the fixture: ids, text, canonical labels, lines, blank lines skipped", async () => {
    const { products, report } = await readCatalogFile(fixture);
    expect(products.map((p) => [p.id, p.text, p.label, p.line])).toEqual([
      ["p1", ["Trail running shoe", "Light, grippy sole"], "Shoes > Running", 1],
      ["2", ["Espresso machine 15 bar", ""], "Kitchen > Coffee > Espresso machines", 2],
      ["4", ["Wool beanie", ""], "Clothing > Hats", 4],
    ]);
    expect(products[0]!.fields).toMatchObject({ price: 89.5 });
    expect(report).toEqual({ rows: 3, skipped: 0, issues: [], issueCount: 0, duplicateIds: 0, duplicates: [] });
  });

  it("handles a BOM and CRLF line ends", async () => {
    const path = file('\uFEFF{"title":"a","category":"X"}\r\n\r\n{"title":"b"}\r\n');
    const { products } = await readCatalogFile(path);
    expect(products.map((p) => [p.text[0], p.label, p.line])).toEqual([
      ["a", "X", 1],
      ["b", undefined, 3],
    ]);
  });

  it("reports invalid JSON with the parser's reason and the line", async () => {
    const err = await failure(file('{"title":"a"}\n{"title": "b",}\n'));
    expect(err.total).toBe(1);
    expect(err.issues[0]).toMatchObject({ line: 2 });
    expect(err.issues[0]!.message).toMatch(/^invalid JSON: .+/);
    expect(err.message).toMatch(/f\d+\.jsonl:2: invalid JSON/);
  });

  it("shortens a long parser message", async () => {
    const err = await failure(file(`{"title": "${"x".repeat(5000)}" oops}\n`));
    expect(err.issues[0]!.message.length).toBeLessThan(150);
  });

  it("rejects a line that is not an object", async () => {
    const path = file('{"title":"a"}\n[1,2]\n"text"\nnull\n');
    const { products, report } = await readCatalogFile(path, { onBadRow: "skip" });
    expect(products.map((p) => p.text[0])).toEqual(["a"]);
    expect(report.issues.map((i) => [i.line, i.message])).toEqual([
      [2, "expected a JSON object (one product per line), got an array"],
      [3, "expected a JSON object (one product per line), got a string"],
      [4, "expected a JSON object (one product per line), got null"],
    ]);
  });

  it("reports invalid UTF-8 with its line number", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"title":"ok"}\n{"title":"caf'),
      Buffer.from([0xe9]), // Latin-1 "é"
      Buffer.from('"}\n{"title":"fine é"}\n'),
    ]);
    const err = await failure(file(bytes));
    expect(err.issues).toEqual([{ file: expect.stringMatching(/\.jsonl$/), line: 2, message: expect.stringMatching(/^invalid UTF-8/) }]);
  });

  it("rejects a 1 MB title, saying its size and the limit", async () => {
    const big = "t".repeat(1024 * 1024);
    const err = await failure(file(`{"title":"short"}\n{"id":"big","title":"${big}"}\n`));
    expect(err.issues[0]).toMatchObject({
      line: 2,
      field: "title",
      message: "too long: 1048576 characters, more than the limit of 65536 (maxFieldChars)",
    });
  });

  it("rejects a missing label only when requireLabel is set", async () => {
    const path = file('{"title":"a","category":"X"}\n{"title":"b"}\n{"title":"c","category":""}\n');
    expect((await readCatalogFile(path)).products).toHaveLength(3);
    const err = await failure(path, { requireLabel: true });
    expect(err.total).toBe(2);
    expect(err.issues.map((i) => [i.line, i.field])).toEqual([
      [2, "category"],
      [3, "category"],
    ]);
  });

  it("rejects an array in a text field, naming the field", async () => {
    const err = await failure(file('{"title":"a","description":["x"]}\n'));
    expect(err.issues[0]).toMatchObject({ line: 1, field: "description", message: "expected text, got an array" });
  });

  it("throws 'no rows' for an empty file or one with only blank lines", async () => {
    for (const content of ["", "\n  \n\r\n"]) {
      const path = file(content);
      const err = await failure(path);
      expect(err.message).toBe(`${path}: no rows`);
    }
  });

  it("reports a line over the byte cap by size without holding it in memory", async () => {
    const mapping: RowMapping = {
      file: "x.jsonl",
      textFields: ["title"],
      labelField: "category",
      idField: "id",
      requireLabel: false,
      labelDepth: undefined,
      pathSeparator: " > ",
      maxFieldChars: 100,
      explicit: [],
    };
    const source = (async function* () {
      yield Buffer.from(`{"title":"a"}\n{"title":"${"b".repeat(40)}"}\n{"title":"c"}\n`);
    })();
    const results = [];
    for await (const batch of readJsonlRows(readLines(source, { maxLineBytes: 30 }), mapping, 30)) results.push(...batch);
    expect(results.map((r) => (r.ok ? r.product.text[0] : r.issue.message))).toEqual([
      "a",
      "line too long: 52 bytes, more than the limit of 30 bytes",
      "c",
    ]);
  });
});

describe("jsonlBlockRows", () => {
  const mapping: RowMapping = { file: "b.jsonl", textFields: ["title"], labelField: "category", idField: "id", requireLabel: false, labelDepth: undefined, pathSeparator: " > ", maxFieldChars: 100, explicit: [] };
  const lines = [
    '{"id": "1", "title": "pan", "category": "Home > Pans"}',
    "",
    " \t\u000b\f\r",
    '{"id": "2", "title": "kettle"}\r',
    "{bad json",
    '{"id": "3", "title": "ünïcödé 水壶"}',
    "[1, 2]",
    '{"id": "4", "title": "x", "category": "A >  > B"}',
    '{"id": "5", "title": "' + "y".repeat(120) + '"}',
    '{"id": "6", "title": "long line ' + "z".repeat(60) + '"}',
  ];
  const rows = (block: { bytes: Uint8Array; firstLine: number; lines: number }, max: number) =>
    jsonlBlockRows(block, mapping, max);
  const byLines = async (bytes: Buffer, max: number) => {
    const out = [];
    for await (const batch of readLines(Readable.from([bytes]), { maxLineBytes: max })) for (const l of batch) {
      const r = jsonlRow(l, mapping, max);
      if (r !== undefined) out.push(r);
    }
    return out;
  };

  it("reads a block as jsonlRow reads its lines: decoded at once when it is UTF-8, line by line when not", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const cases = [
      Buffer.concat([bom, Buffer.from(lines.join("\n"))]),
      Buffer.from(lines.join("\n") + "\n"),
      Buffer.concat([Buffer.from(lines.slice(0, 5).join("\n") + "\n"), Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), Buffer.from(lines.slice(5).join("\n"))]),
      Buffer.concat([bom]),
      // ~180 KB: a block decoded in many pieces of whole lines (see decodeUtf8Lines), CRLF and LF, a bad line at the end.
      Buffer.from(Array.from({ length: 350 }, (_, i) => lines.join(i % 2 ? "\r\n" : "\n")).join("\n") + "\n{bad"),
    ];
    for (const bytes of cases) {
      for (const max of [1 << 20, 80]) {
        const want = await byLines(bytes, max);
        const got = [];
        for await (const block of readLineBlocks(Readable.from([bytes]), { maxLineBytes: max, maxSkipBytes: 1 << 20 })) got.push(...rows(block, max));
        expect(got).toEqual(want);
      }
    }
    const mixed = await byLines(cases[2]!, 80);
    expect(mixed.filter((r) => !r.ok).map((r) => !r.ok && [r.issue.line, r.issue.field ?? "", r.issue.message.slice(0, 20)])).toEqual([
      [5, "", "invalid JSON: Expect"],
      [6, "", "invalid UTF-8: save "],
      [8, "", "expected a JSON obje"],
      [9, "category", "empty level 2 of 3 i"],
      [10, "", "line too long: 144 b"],
      [11, "", "line too long: 94 by"],
    ]);
  });
});
