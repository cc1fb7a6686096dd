// The rows of a block of JSONL lines for classifyJsonl, read faster than JSON.parse reads them for the common
// line: a flat JSON object (each value a string, a number, true, false or null) is scanned once, and only the
// fields the mapping reads (id, text fields, label) are taken out of it; mapRow then makes the product of them,
// as it would of the whole parsed object. Any other line (a nested value, invalid JSON, a number out of range, a
// key or a text with an escape the scan does not take) is read by jsonTextRow, so the same rows, issues and
// messages as jsonlBlockRows. The products' `fields` hold the mapped fields only (classifying reads none).
import { jsonlBlockRows, jsonTextRow } from "../catalog/read-jsonl.js";
import type { LineBlock } from "../catalog/read-lines.js";
import { mapRow, type RowMapping, type RowResult } from "../catalog/map-row.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the first character at or after `i` that is not JSON whitespace (space, tab, LF, CR). */
function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

/** A character that a JSON string may not hold as it is (a control character), or a backslash. */
// eslint-disable-next-line no-control-regex
const NOT_PLAIN = /[\x00-\x1f\\]/;

/**
 * Index of the closing quote of the JSON string whose text starts at `i`; -1 where it has a control character
 * (invalid JSON) or never closes. `escapes.any` is set when it has a backslash (escapes are then checked by
 * JSON.parse when decoded). `plain`: the line has neither, so the next quote ends it.
 */
function stringEnd(s: string, i: number, escapes: { any: boolean }, plain: boolean): number {
  if (plain) return s.indexOf('"', i);
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      escapes.any = true;
      i += 2; // the escaped character (a quote or backslash does not end the string)
      continue;
    }
    if (!(c >= 0x20)) return -1; // a control character, or the end (NaN)
    i++;
  }
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Index just past the JSON number at `i` (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?); -1 where there is none. */
function numberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === 0x2d) i++;
  const first = s.charCodeAt(i);
  if (first === 0x30) i++;
  else if (isDigit(first)) while (isDigit(s.charCodeAt(i))) i++;
  else return -1;
  if (s.charCodeAt(i) === 0x2e) {
    if (!isDigit(s.charCodeAt(++i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  const e = s.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    const sign = s.charCodeAt(++i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!isDigit(s.charCodeAt(i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  return i;
}

/** The fields a mapping reads (id, text fields, label), each once. */
function mappedFields(m: RowMapping): string[] {
  return [...new Set([m.idField, ...m.textFields, m.labelField])];
}

/**
 * The row of a flat JSON object line (see the file's comment), with only the `names` fields it has; undefined
 * for any other line (jsonTextRow reads it).
 */
export function flatRow(s: string, names: readonly string[]): Record<string, unknown> | undefined {
  const values: unknown[] = new Array<unknown>(names.length);
  const escapes = { any: false };
  const plain = !NOT_PLAIN.test(s);
  let i = skipSpace(s, 0);
  if (s.charCodeAt(i) !== 0x7b) return undefined;
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === 0x7d) i++;
  else {
    for (;;) {
      // A key: which of the names it is (none: its value is checked, not kept).
      if (s.charCodeAt(i) !== QUOTE) return undefined;
      escapes.any = false;
      const keyEnd = stringEnd(s, i + 1, escapes, plain);
      if (keyEnd < 0 || escapes.any) return undefined;
      let at = -1;
      for (let n = 0; n < names.length; n++) {
        const name = names[n]!;
        if (name.length === keyEnd - i - 1 && s.startsWith(name, i + 1)) at = n;
      }
      i = skipSpace(s, keyEnd + 1);
      if (s.charCodeAt(i) !== 0x3a) return undefined;
      i = skipSpace(s, i + 1);
      const c = s.charCodeAt(i);
      let value: unknown;
      if (c === QUOTE) {
        escapes.any = false;
        const end = stringEnd(s, i + 1, escapes, plain);
        if (end < 0) return undefined;
        if (escapes.any) {
          try {
            value = JSON.parse(s.slice(i, end + 1));
          } catch {
            return undefined;
          }
        } else if (at >= 0) value = s.slice(i + 1, end);
        i = end + 1;
      } else if (c === 0x74 && s.startsWith("true", i)) {
        value = true;
        i += 4;
      } else if (c === 0x66 && s.startsWith("false", i)) {
        value = false;
        i += 5;
      } else if (c === 0x6e && s.startsWith("null", i)) {
        value = null;
        i += 4;
      } else {
        const end = numberEnd(s, i);
        if (end < 0) return undefined; // an object, an array, or not JSON
        // Out of range (1e309 is Infinity): a problem readCatalog reports. Without an exponent, 300 digits cannot be.
        const n = at >= 0 || end - i > 300 || /[eE]/.test(s.slice(i, end)) ? Number(s.slice(i, end)) : 0;
        if (!Number.isFinite(n)) return undefined;
        value = n;
        i = end;
      }
      if (at >= 0) values[at] = value;
      i = skipSpace(s, i);
      const d = s.charCodeAt(i);
      if (d === 0x2c) {
        i = skipSpace(s, i + 1);
        continue;
      }
      if (d !== 0x7d) return undefined;
      i++;
      break;
    }
  }
  if (skipSpace(s, i) !== s.length) return undefined;
  const row: Record<string, unknown> = {};
  for (let n = 0; n < names.length; n++) if (values[n] !== undefined) row[names[n]!] = values[n];
  return row;
}

/**
 * jsonlBlockRows of a block: the same rows, issues and messages, each flat line read by {@link flatRow} (the
 * products' `fields` are then the mapped fields only).
 */
export function classifyBlockRows(block: LineBlock, mapping: RowMapping, maxLineBytes: number): RowResult[] {
  const names = mappedFields(mapping);
  // "__proto__" as a field name would set the row's prototype here, where JSON.parse makes it a field.
  if (names.includes("__proto__")) return jsonlBlockRows(block, mapping, maxLineBytes);
  return jsonlBlockRows(block, mapping, maxLineBytes, (text, line, m) => {
    const row = flatRow(text, names);
    return row ? mapRow(row, line, m) : jsonTextRow(text, line, m);
  });
}
