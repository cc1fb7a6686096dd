// classifyBlockRows (the flat-object scan of classifyJsonl) against jsonlBlockRows (JSON.parse): the same rows,
// products and issues, line for line, on generated lines that are valid, nearly valid and invalid JSON.
import { describe, expect, it } from "vitest";
import { mappingOf } from "../catalog/read-catalog.js";
import type { RowResult } from "../catalog/map-row.js";
import { jsonlBlockRows } from "../catalog/read-jsonl.js";
import { Random } from "../core/random.js";
import { classifyBlockRows, flatRow } from "./classify-jsonl-rows.js";

const KEYS = ['"id"', '"title"', '"description"', '"category"', '"other"', '"ti\\u0074le"', '"__proto__"', '"id" ', '"tItle"'];
const STRINGS = ['"phone 8 64gb"', '""', '"  "', '"Apple \\"iPhone\\" 8"', '"a\\\\b"', '"caf\\u00e9 \\n x"', '"\\ud800 lone"', '"中文 text"', '"tab\there"', '"bad \\x escape"', '"A > B"', '"A >  > B"', '"unclosed'];
const NUMBERS = ["0", "-0", "12", "1.5e3", "1e309", "-1e400", "01", "1.", ".5", "1e", "-", "123456789012345678901234567890", "2E-2", "1e+2"];
const OTHERS = ["true", "false", "null", "tru", "nul", "{}", '{"a":1}', "[]", "[1,2]", '[{"x":1e999}]', "NaN", "undefined"];
const SPACES = ["", " ", "  ", "\t", "\r", " \r\t "];

function value(rng: Random): string {
  const r = rng.float();
  if (r < 0.55) return STRINGS[rng.int(STRINGS.length)]!;
  if (r < 0.8) return NUMBERS[rng.int(NUMBERS.length)]!;
  return OTHERS[rng.int(OTHERS.length)]!;
}

function line(rng: Random): string {
  const sp = (): string => (rng.float() < 0.7 ? "" : SPACES[rng.int(SPACES.length)]!);
  const n = rng.int(6);
  const fields: string[] = [];
  for (let i = 0; i < n; i++) fields.push(`${sp()}${KEYS[rng.int(KEYS.length)]}${sp()}:${sp()}${value(rng)}${sp()}`);
  let s = `${sp()}{${fields.join(",")}}${sp()}`;
  // Now and then a character dropped, doubled or put in: nearly valid JSON.
  if (rng.float() < 0.25) {
    const at = rng.int(s.length + 1);
    const c = '{}[]",:\\ 0e-'[rng.int(12)]!;
    const k = rng.int(3);
    s = k === 0 ? s.slice(0, at) + s.slice(at + 1) : k === 1 ? s.slice(0, at) + c + s.slice(at) : s.slice(0, at) + s.slice(at, at + 1) + s.slice(at);
  }
  if (rng.float() < 0.03) s = rng.float() < 0.5 ? "[1]" : "";
  return s;
}

/** A row without the product's fields (classifyBlockRows keeps the mapped ones only). */
const comparable = (r: RowResult): unknown => (r.ok ? { ...r.product, fields: undefined } : r);

describe("classifyBlockRows", () => {
  it("reads every line as jsonlBlockRows does: the same products and issues, in order", () => {
    const rng = new Random(7);
    let ok = 0;
    let flat = 0;
    for (const options of [{}, { textFields: ["title"], idField: "other", labelField: "description" }, { textFields: ["__proto__"] }]) {
      const mapping = mappingOf({ ...options, maxFieldChars: 40 }, "f.jsonl");
      for (let b = 0; b < 60; b++) {
        const lines = Array.from({ length: 100 }, () => line(rng));
        for (const l of lines) if (flatRow(l, ["id", "title", "description", "category"]) !== undefined) flat++;
        const block = { bytes: new Uint8Array(Buffer.from(lines.join("\n") + "\n")), firstLine: 1 + b * 100, lines: 100 };
        const want = jsonlBlockRows(block, mapping, 1 << 20);
        const got = classifyBlockRows(block, mapping, 1 << 20);
        expect(got.map(comparable)).toEqual(want.map(comparable));
        ok += want.filter((r) => r.ok).length;
      }
    }
    // Both kinds of line are there: products, rejected rows, and lines the scan leaves to JSON.parse.
    expect(ok).toBeGreaterThan(300);
    expect(ok).toBeLessThan(16_000);
    expect(flat).toBeGreaterThan(3_000);
    expect(flat).toBeLessThan(16_000);
  });

  it("takes a flat object's mapped fields as JSON.parse gives them (escapes, numbers, duplicates: the last)", () => {
    const names = ["id", "title"];
    expect(flatRow('{"id": 12, "title": "a \\"b\\" caf\\u00e9", "x": [1], "id": 1.5e3}', names)).toBeUndefined();
    expect(flatRow(' { "id" : -0 , "title":"a \\"b\\" caf\\u00e9","x":null,"id":1.5e3 } ', names)).toEqual({ id: 1500, title: 'a "b" café' });
    expect(flatRow('{"x": 1e999, "title": "t"}', names)).toBeUndefined();
    expect(flatRow('{"x": 1e2, "title": "t", "id": true}', names)).toEqual({ title: "t", id: true });
    expect(flatRow("{}", names)).toEqual({});
    for (const bad of ['{"id":1,}', '{"id" 1}', '{"id":01}', '{"title":"a\tb"}', '{"id":1} x', "[]", '{"t\\u0069tle":"x"}']) expect(flatRow(bad, names), bad).toBeUndefined();
  });
});
