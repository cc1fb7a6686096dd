// Hostile and careless catalog input through readCatalog: header mistakes at every row count (a bad header
// once hung the reader past 16 rows), encodings that are not UTF-8, endless and binary input, directories,
// values that would change silently (overflowing numbers, deep nesting) and rows sharing an id.
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import type { Warning } from "../core/progress.js";
import { readCatalog, readCatalogFile, type ReadOptions } from "./read-catalog.js";

const dir = mkdtempSync(join(tmpdir(), "assort-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer, ext = ".csv"): string {
  const path = join(dir, `f${n++}${ext}`);
  writeFileSync(path, content);
  return path;
}

/** Reads to the end within `ms` (a hang is a failure, not a test timeout) and returns the error thrown. */
async function failure(source: string | NodeJS.ReadableStream, options: ReadOptions = {}, ms = 5000): Promise<InvalidInputError> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve("hung"), ms)));
  const read = readCatalogFile(source, options).then(
    () => "no error",
    (e: unknown) => e,
  );
  const r = await Promise.race([read, timeout]);
  clearTimeout(timer);
  expect(r).toBeInstanceOf(InvalidInputError);
  return r as InvalidInputError;
}

const csv = (header: string, rows: number, row = (i: number) => `p${i},Title ${i},desc ${i},A > B`) =>
  [header, ...Array.from({ length: rows }, (_, i) => row(i))].join("\n") + "\n";

describe("CSV header mistakes: one clear error at any row count", () => {
  const cases: [string, string, ReadOptions, RegExp][] = [
    ["no label column", "id,title,description", { requireLabel: true }, /no column "category" in header/],
    ["no text column", "id,name,notes,category", {}, /no text column/],
    ["a repeated column", "id,title,title,category", {}, /duplicate column "title"/],
    ["a missing explicit field", "id,title,description,category", { idField: "sku" }, /no column "sku"/],
  ];
  for (const [what, header, options, message] of cases) {
    for (const rows of [1, 16, 17, 100, 5000]) {
      it(`${what}, ${rows} rows`, async () => {
        const path = file(csv(header, rows));
        const e = await failure(path, options);
        expect(e.issues).toHaveLength(1);
        expect(e.issues[0]).toMatchObject({ file: path, line: 1 });
        expect(e.message).toMatch(message);
      });
    }
  }

  it("invalid UTF-8 in the header, 100 rows", async () => {
    const path = file(Buffer.concat([Buffer.from("id,t\xe9tle,description,category\n", "latin1"), Buffer.from(csv("x", 100).slice(2))]));
    const e = await failure(path);
    expect(e.message).toContain(`${path}:1`);
    expect(e.message).toMatch(/invalid UTF-8.*header/);
  });

  it("a stream (stdin) of 1000 rows without the label column", async () => {
    const e = await failure(Readable.from([Buffer.from(csv("id,title,description", 1000))]), { format: "csv", requireLabel: true });
    expect(e.message).toContain("<stdin>:1");
  });
});

describe("encodings that are not UTF-8: refused at once, naming the file", () => {
  const text = csv("id,title,description,category", 40);
  const utf16be = (s: string) => Buffer.from(s, "utf16le").swap16();
  const cases: [string, Buffer, RegExp][] = [
    ["UTF-16 LE with a BOM", Buffer.from("\ufeff" + text, "utf16le"), /UTF-16 \(little-endian\) text, not UTF-8/],
    ["UTF-16 BE with a BOM", utf16be("\ufeff" + text), /UTF-16 \(big-endian\) text, not UTF-8/],
    ["UTF-32 LE with a BOM", Buffer.from([0xff, 0xfe, 0, 0, 0x69, 0, 0, 0]), /UTF-32 \(little-endian\)/],
    ["UTF-16 LE without a BOM", Buffer.from(text, "utf16le"), /NUL byte at byte 1: .*UTF-16 or UTF-32 text without a byte order mark/],
    ["binary data", Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]), /NUL byte at byte 3: .*binary data/],
  ];
  for (const [what, bytes, message] of cases) {
    for (const ext of [".csv", ".jsonl", ".txt"]) {
      it(`${what} (${ext})`, async () => {
        const path = file(bytes, ext);
        const e = await failure(path);
        expect(e.issues).toHaveLength(1);
        expect(e.message).toContain(`${path}:1`);
        expect(e.message).toMatch(message);
      });
    }
  }

  it("a NUL byte on a later line names that line", async () => {
    const path = file(`{"id":"a","title":"x"}\n{"id":"b","title":"y"}\n{"id":"c","title":"\u0000"}\n`, ".jsonl");
    expect((await failure(path)).message).toContain(`${path}:3`);
  });
});

describe("endless, binary and special inputs: bounded", () => {
  it("/dev/zero fails at once", async () => {
    const e = await failure("/dev/zero", {}, 3000);
    expect(e.message).toMatch(/\/dev\/zero:1: NUL byte at byte 0/);
  });

  it("/dev/urandom fails at once", async () => {
    expect((await failure("/dev/urandom", {}, 3000)).message).toMatch(/\/dev\/urandom:\d+: NUL byte/);
  });

  it("an endless stream without line breaks stops after 4 × the line cap", async () => {
    const chunk = Buffer.alloc(1 << 20, 0x61);
    let sent = 0;
    const endless = new Readable({
      read() {
        sent += chunk.length;
        this.push(chunk);
      },
    });
    const e = await failure(endless, { format: "jsonl" }, 20_000);
    expect(e.message).toMatch(/<stdin>:1: no line break in \d+ bytes/);
    expect(sent).toBeLessThan(300 * (1 << 20));
  });

  it("a directory is refused with an error naming it", async () => {
    const d = join(dir, "a-folder.jsonl");
    mkdirSync(d);
    const e = await readCatalogFile(d).catch((x: unknown) => x as NodeJS.ErrnoException);
    expect(e).toMatchObject({ code: "EISDIR", path: d });
  });

  it("a stream that is a file's read stream works as any stream", async () => {
    const path = file('{"id":"a","title":"x"}\n', ".jsonl");
    const { products } = await readCatalogFile(createReadStream(path));
    expect(products.map((p) => p.id)).toEqual(["a"]);
  });
});

describe("values that would change silently", () => {
  it("a number that overflows to Infinity is a bad row naming the field, in any field", async () => {
    const path = file(
      ['{"id":"a","title":"x","price":1e309}', '{"id":1e309,"title":"y"}', '{"id":"c","title":-1e400}', '{"id":"d","title":"t","attrs":{"w":[1,2,1e999]}}'].join("\n"),
      ".jsonl",
    );
    const e = await failure(path, { onBadRow: "fail" });
    expect(e.issues.map((i) => [i.line, i.field])).toEqual([
      [1, "price"],
      [2, "id"],
      [3, "title"],
      [4, "attrs.w[2]"],
    ]);
    expect(e.issues[0]!.message).toContain("not a finite number");
    expect(e.issues[2]!.message).toContain("-Infinity");
  });

  it("fields nested 10,000 deep are a bad row, not a crash; 60 levels are fine", async () => {
    const deep = `{"id":"d","title":"t","x":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
    const ok = `{"id":"o","title":"t","x":${'{"a":'.repeat(60)}1${"}".repeat(60)}}`;
    const path = file([ok, deep].join("\n"), ".jsonl");
    const e = await failure(path);
    expect(e.issues).toEqual([expect.objectContaining({ file: path, line: 2, message: "nested more than 64 levels deep" })]);
    expect(e.issues[0]!.field).toBe("x");
    const { products, report } = await readCatalogFile(path, { onBadRow: "skip" });
    expect(products.map((p) => p.id)).toEqual(["o"]);
    expect(report.skipped).toBe(1);
  });

  it("an empty level in a category path is a bad row with line and field (CSV and JSONL)", async () => {
    const c = file("id,title,category\na,x,A > B\nb,y,A >  > B\n");
    const j = file('{"id":"a","title":"x","category":"A > B"}\n{"id":"b","title":"y","category":"A > > B"}\n', ".jsonl");
    for (const path of [c, j]) {
      const e = await failure(path);
      expect(e.issues).toEqual([expect.objectContaining({ file: path, line: path === c ? 3 : 2, field: "category" })]);
      expect(e.message).toContain("empty level 2 of 3");
    }
  });
});

describe("rows that share an id", () => {
  it("are counted and reported with their lines; readCatalogFile keeps the last row of each id", async () => {
    const rows = ["a", "b", "a", "c", "b", "a"].map((id, i) => JSON.stringify({ id, title: `t${i}`, category: `C${i}` }));
    const path = file(rows.join("\n"), ".jsonl");
    const warnings: Warning[] = [];
    const { products, report } = await readCatalogFile(path, { onWarning: (w) => warnings.push(w) });
    expect(products.map((p) => [p.id, p.line])).toEqual([
      ["c", 4],
      ["b", 5],
      ["a", 6],
    ]);
    expect(report).toMatchObject({ rows: 6, duplicateIds: 3 });
    expect(report.duplicates).toEqual([
      { id: "a", first: 1, line: 3 },
      { id: "b", first: 2, line: 5 },
      { id: "a", first: 1, line: 6 },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "DUPLICATE_IDS", count: 3 });
    expect(warnings[0]!.message).toContain(`${path}: 3 rows repeat the id of an earlier row: "a" (lines 1 and 3)`);
    expect(warnings[0]!.message).toContain("the last row of each id wins");
  });

  it("rows without an id are numbered by line and never collide; tracking can be turned off", async () => {
    const path = file('{"title":"x"}\n{"title":"x"}\n{"id":"2","title":"y"}\n', ".jsonl");
    const warnings: Warning[] = [];
    const { report } = await readCatalogFile(path, { onWarning: (w) => warnings.push(w) });
    expect(report.duplicateIds).toBe(1); // "2" is line 2's number and row 3's id
    const off = readCatalog(path, { duplicateIds: false, onWarning: (w) => warnings.push(w) });
    for await (const _ of off) void _;
    expect(off.report.duplicateIds).toBe(0);
    expect(warnings).toHaveLength(1);
  });
});
