// Tests for readAssignments: the JSONL a clustering writes, read back with every bad line named by file, line and field.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { readAssignments } from "./read-assignments.js";

const dir = mkdtempSync(join(tmpdir(), "assort-assignments-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Writes lines (joined with \n, final newline) to a new file and returns its path. */
function file(lines: (string | Buffer)[]): string {
  const path = join(dir, `a${n++}.jsonl`);
  writeFileSync(path, Buffer.concat(lines.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from("\n")])));
  return path;
}

async function failure(path: string): Promise<InvalidInputError> {
  const err = await readAssignments(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  return err as InvalidInputError;
}

describe("readAssignments: good files", () => {
  it("reads id, cluster and line of each row; extra fields are ignored, blank lines skipped", async () => {
    const path = file([
      '{"id":"p1","cluster":0,"distance":0.25}',
      "",
      '{"id":"p2","cluster":3,"similarity":null}',
      "   ",
      '{"id":"p3","cluster":-1}',
    ]);
    expect(await readAssignments(path)).toEqual([
      { id: "p1", cluster: 0, line: 1 },
      { id: "p2", cluster: 3, line: 3 },
      { id: "p3", cluster: -1, line: 5 },
    ]);
  });

  it("numeric ids become strings", async () => {
    expect(await readAssignments(file(['{"id":17,"cluster":2}']))).toEqual([{ id: "17", cluster: 2, line: 1 }]);
  });

  it("CRLF line ends and a file without a final newline read the same", async () => {
    const path = join(dir, "crlf.jsonl");
    writeFileSync(path, '{"id":"a","cluster":1}\r\n{"id":"b","cluster":2}');
    expect(await readAssignments(path)).toEqual([
      { id: "a", cluster: 1, line: 1 },
      { id: "b", cluster: 2, line: 2 },
    ]);
  });

  it("reads a stream, naming it by the label given (or <stdin>)", async () => {
    const stream = Readable.from([Buffer.from('{"id":"a","cluster":0}\n{"id":"b","cluster":"x"}\n')]);
    const err = await readAssignments(stream, "piped.jsonl").then(
      () => undefined,
      (e: unknown) => e as InvalidInputError,
    );
    expect(err?.message).toBe('piped.jsonl:2, field "cluster": must be an integer cluster id (−1 for noise), got "x"');
    const ok = await readAssignments(Readable.from([Buffer.from('{"id":"a","cluster":0}\n')]));
    expect(ok).toEqual([{ id: "a", cluster: 0, line: 1 }]);
    const bad = await readAssignments(Readable.from([Buffer.from("nope\n")])).catch((e: unknown) => e as InvalidInputError);
    expect((bad as InvalidInputError).issues[0]!.file).toBe("<stdin>");
  });

  it("an empty file gives no rows", async () => {
    expect(await readAssignments(file([]))).toEqual([]);
  });
});

describe("readAssignments: bad lines", () => {
  it("a line that is not JSON: file, line and the parser's words", async () => {
    const path = file(['{"id":"a","cluster":0}', '{"id":"b","cluster":1']);
    const err = await failure(path);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ file: path, line: 2 });
    expect(err.issues[0]!.field).toBeUndefined();
    expect(err.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2: invalid JSON: `));
  });

  it("a JSON value that is not an object", async () => {
    const path = file(['["a", 0]', "42"]);
    const err = await failure(path);
    expect(err.issues.map((i) => [i.line, i.message])).toEqual([
      [1, "expected a JSON object with id and cluster"],
      [2, "expected a JSON object with id and cluster"],
    ]);
  });

  it("a missing cluster names the line and the field", async () => {
    const path = file(['{"id":"a","cluster":0}', '{"id":"b","cluster":1}', '{"id":"c"}']);
    const err = await failure(path);
    expect(err.message).toBe(`${path}:3, field "cluster": is missing`);
    expect(err.issues).toEqual([{ file: path, line: 3, field: "cluster", message: "is missing" }]);
  });

  it("cluster -2, 1.5, a string or null are refused (-1, noise, is fine)", async () => {
    const path = file([
      '{"id":"a","cluster":-2}',
      '{"id":"b","cluster":1.5}',
      '{"id":"c","cluster":"3"}',
      '{"id":"d","cluster":null}',
      '{"id":"e","cluster":-1}',
    ]);
    const err = await failure(path);
    expect(err.total).toBe(4);
    expect(err.issues.map((i) => [i.line, i.field, i.message])).toEqual([
      [1, "cluster", "must be an integer cluster id (−1 for noise), got -2"],
      [2, "cluster", "must be an integer cluster id (−1 for noise), got 1.5"],
      [3, "cluster", 'must be an integer cluster id (−1 for noise), got "3"'],
      [4, "cluster", "must be an integer cluster id (−1 for noise), got null"],
    ]);
    expect(err.message).toContain(`${path}:1, field "cluster": must be an integer cluster id (−1 for noise), got -2`);
  });

  it("a missing id, or an id that is neither string nor number", async () => {
    const path = file(['{"cluster":0}', '{"id":{"sku":1},"cluster":0}', '{"id":true,"cluster":0}']);
    const err = await failure(path);
    expect(err.issues.map((i) => [i.line, i.field, i.message])).toEqual([
      [1, "id", "is missing"],
      [2, "id", 'must be a string or number, got {"sku":1}'],
      [3, "id", "must be a string or number, got true"],
    ]);
  });

  it("a duplicate id names both lines (the number 7 and the string '7' are one id)", async () => {
    const path = file(['{"id":"a","cluster":0}', '{"id":"b","cluster":0}', '{"id":7,"cluster":1}', '{"id":"a","cluster":1}', '{"id":"7","cluster":1}']);
    const err = await failure(path);
    expect(err.issues).toEqual([
      { file: path, line: 4, field: "id", message: 'duplicate id "a" (first on line 1)' },
      { file: path, line: 5, field: "id", message: 'duplicate id "7" (first on line 3)' },
    ]);
  });

  it("invalid UTF-8 names the line", async () => {
    const path = file(['{"id":"a","cluster":0}', Buffer.concat([Buffer.from('{"id":"caf'), Buffer.from([0xe9, 0xff]), Buffer.from('","cluster":0}')])]);
    const err = await failure(path);
    expect(err.issues).toEqual([{ file: path, line: 2, message: "invalid UTF-8" }]);
  });

  it("several problems make one error that lists them all, without the --on-bad-row hint", async () => {
    const path = file(["{", '{"id":"a"}', '{"id":"b","cluster":0}', '{"id":"b","cluster":0}']);
    const err = await failure(path);
    expect(err.total).toBe(3);
    expect(err.message).toBe(
      [
        "Found 3 bad rows:",
        `  ${path}:1: ${err.issues[0]!.message}`,
        `  ${path}:2, field "cluster": is missing`,
        `  ${path}:4, field "id": duplicate id "b" (first on line 3)`,
      ].join("\n"),
    );
    expect(err.message).not.toContain("--on-bad-row");
  });

  it("lists the first 20 problems and counts the rest", async () => {
    const path = file(Array.from({ length: 25 }, (_, i) => `{"id":"r${i}","cluster":-5}`));
    const err = await failure(path);
    expect(err.total).toBe(25);
    expect(err.issues).toHaveLength(20);
    expect(err.issues[19]!.line).toBe(20);
    expect(err.message).toContain("Found 25 bad rows:");
    expect(err.message).toContain("… and 5 more");
  });

  it("a file that does not exist fails with ENOENT", async () => {
    await expect(readAssignments(join(dir, "missing.jsonl"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
