// Tests for CSV/TSV input through readCatalog: RFC 4180 quoting, start lines, header checks, broken quotes.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { readCatalog, readCatalogFile, type ReadOptions } from "./read-catalog.js";

const dir = mkdtempSync(join(tmpdir(), "assort-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer, ext = ".csv"): string {
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
const fixture = (name: string) => new URL(`../../test/fixtures/catalog/${name}`, import.meta.url).pathname;

describe("readCatalog: CSV", () => {
  it("reads quoted commas, embedded newlines and doubled quotes; lines are where records start", async () => {
    const { products, report } = await readCatalogFile(fixture("products.csv"));
    expect(products.map((p) => [p.id, p.text, p.label, p.line])).toEqual([
      ["p1", ["Trail running shoe, men", "Light sole\ngrips wet rock"], "Shoes > Running", 2],
      ["p2", ['The "Classic" mug', ""], "Kitchen > Mugs", 4],
      ["p3", ["Wool beanie", "Warm"], "Clothing > Hats", 5],
    ]);
    expect(products[1]!.fields).toEqual({ id: "p2", title: 'The "Classic" mug', description: "", category: "Kitchen > Mugs" });
    expect(report).toEqual({ rows: 3, skipped: 0, issues: [], issueCount: 0, duplicateIds: 0, duplicates: [] });
  });

  it("handles a BOM, CRLF line ends (also inside quotes) and blank lines", async () => {
    const csv = '\uFEFFid,title,category\r\n1,"two\r\nlines",A>B\r\n\r\n2,plain,C\r\n';
    const { products } = await readCatalogFile(file(csv));
    expect(products.map((p) => [p.id, p.text[0], p.label, p.line])).toEqual([
      ["1", "two\nlines", "A > B", 2],
      ["2", "plain", "C", 5],
    ]);
    expect(Object.keys(products[0]!.fields!)).toEqual(["id", "title", "category"]);
  });

  it("counts lines right across tiny chunks, blank lines before the header and whitespace-only lines", async () => {
    const csv = '\n\nid,title,description\n1,"a\nb","c\r\n\r\nd"\n   \n2,"e ""f""",g\n';
    const bytes = Buffer.from(csv);
    const tiny = Readable.from(Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)));
    const { products, report } = await readCatalogFile(tiny, { format: "csv" });
    expect(products.map((p) => [p.id, p.text, p.line])).toEqual([
      ["1", ["a\nb", "c\n\nd"], 4],
      ["2", ['e "f"', "g"], 9],
    ]);
    expect(report.skipped).toBe(0);
  });

  it("keeps every row of a multi-chunk file and reports a late broken quote at its line", async () => {
    const body = Array.from({ length: 20000 }, (_, i) => `${i},"title ${i}, with comma",X > Y`).join("\n");
    const path = file(`id,title,category\n${body}\n20000,"never closed,X\n20001,b,X\n`);
    const catalog = readCatalog(path, { onBadRow: "skip" });
    let count = 0;
    const run = async () => {
      for await (const p of catalog) if (p.line === Number(p.id) + 2) count++;
    };
    await expect(run()).rejects.toThrow(/:20002: unclosed quote/);
    expect(count).toBe(20000);
    expect(catalog.report.rows).toBe(20000);
  });

  it("reads TSV by extension, where a stray quote is just a character", async () => {
    const { products } = await readCatalogFile(fixture("products.tsv"));
    expect(products.map((p) => [p.id, p.text[0], p.label])).toEqual([
      ["t1", "USB-C cable 2 m", "Electronics > Cables"],
      ["t2", '27" monitor', "Electronics > Monitors"],
    ]);
  });

  it("reports an unterminated quote at the line where the record starts, and stops there", async () => {
    const csv = "id,title\n1,a\n\n2,\"open\n3,b\n4,c\n";
    const err = await failure(file(csv), { onBadRow: "skip" });
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.line).toBe(4);
    expect(err.message).toMatch(/:4: unclosed quote.*cannot continue reading past line 4$/);
  });

  it("yields the rows before a broken quote in skip mode, then throws", async () => {
    const seen: string[] = [];
    const catalog = readCatalog(file('id,title\n1,a\n2,b "c" d\n3,e\n'), { onBadRow: "skip" });
    const run = async () => {
      for await (const p of catalog) seen.push(p.id);
    };
    await expect(run()).rejects.toThrow(/:3: quote inside an unquoted field.*cannot continue reading past line 3/);
    expect(seen).toEqual(["1"]);
    expect(catalog.report).toMatchObject({ rows: 1, skipped: 0, issueCount: 1 });
  });

  it("reports text after a closing quote with its line", async () => {
    const err = await failure(file('id,title\n1,a\n2,"b"c\n'));
    expect(err.issues[0]).toMatchObject({ line: 3 });
    expect(err.issues[0]!.message).toMatch(/^text after a closing quote.*past line 3$/);
  });

  it("reports invalid UTF-8 with its line number, also inside a multi-line record", async () => {
    const bytes = Buffer.concat([
      Buffer.from('id,title,description\n1,ok,fine\n2,x,"first\nsecond '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"\n3,y,z\n'),
    ]);
    const { products, report } = await readCatalogFile(file(bytes), { onBadRow: "skip" });
    expect(products.map((p) => [p.id, p.line])).toEqual([
      ["1", 2],
      ["3", 5],
    ]);
    expect(report.issues).toEqual([{ file: expect.any(String), line: 4, message: expect.stringMatching(/^invalid UTF-8/) }]);
  });

  it("throws 'no rows' for a header-only file and for an empty file", async () => {
    for (const content of ["id,title,category\n", "id,title,category", ""]) {
      const path = file(content);
      expect((await failure(path)).message).toBe(`${path}: no rows`);
    }
  });

  it("names an explicitly requested column missing from the header, at line 1", async () => {
    const path = file("id,name,category\n1,a,X\n");
    const err = await failure(path, { textFields: ["name", "brand"] });
    expect(err.issues).toEqual([{ file: path, line: 1, field: "brand", message: 'no column "brand" in header: id, name, category' }]);
    expect(err.message).toBe(`${path}:1, field "brand": no column "brand" in header: id, name, category`);
    await expect(readCatalogFile(path, { textFields: ["name"], labelField: "cat" })).rejects.toThrow(/no column "cat"/);
    await expect(readCatalogFile(path, { textFields: ["name"], idField: "sku" })).rejects.toThrow(/no column "sku"/);
  });

  it("rejects a header with none of the default text columns, or without the required label column", async () => {
    await expect(readCatalogFile(file("sku,name\n1,a\n"))).rejects.toThrow(/no text column: none of "title", "description" in header: sku, name/);
    await expect(readCatalogFile(file("id,title\n1,a\n"), { requireLabel: true })).rejects.toThrow(/no column "category"/);
    await expect(readCatalogFile(file("id,title,title\n1,a,b\n"))).rejects.toThrow(/duplicate column "title"/);
  });

  it("treats rows with a different number of columns as bad rows", async () => {
    const { products, report } = await readCatalogFile(file("id,title,category\n1,a,X\n2,b\n3,c,Y,extra\n4,d,Z\n"), {
      onBadRow: "skip",
    });
    expect(products.map((p) => p.id)).toEqual(["1", "4"]);
    expect(report.issues.map((i) => [i.line, i.message])).toEqual([
      [3, "has 2 columns, the header has 3"],
      [4, "has 4 columns, the header has 3"],
    ]);
    expect(report.rows + report.skipped).toBe(4);
  });

  it("rejects a 1 MB title with its size", async () => {
    const err = await failure(file(`id,title\n1,${"t".repeat(1024 * 1024)}\n2,ok\n`));
    expect(err.issues[0]).toMatchObject({ line: 2, field: "title", message: expect.stringContaining("1048576 characters") });
  });
});
