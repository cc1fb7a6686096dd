// JSONL reader: one JSON object per line, validated and mapped to Products batch by batch.

import { isUtf8 } from "node:buffer";
import { decodeUtf8Lines } from "./utf8.js";
import { badRow, INVALID_UTF8, lineTooLong, mapRow, shorten, type RowMapping, type RowResult } from "./map-row.js";
import { blockLines, isBlank, type LineBlock, type RawLine } from "./read-lines.js";

/** Deepest nesting of objects and arrays accepted in a row (product attributes nest a few levels). */
export const MAX_JSON_DEPTH = 64;

/**
 * The first value of a row that cannot be kept as it is, with its path ("attributes.sizes[2]"): a number
 * JSON.parse turned into ±Infinity (1e309: writing it back would give null, reading it as text "Infinity"),
 * or nesting deeper than {@link MAX_JSON_DEPTH} (which JSON.stringify and structuredClone cannot take).
 * Recursion stops at that depth, so any input is safe.
 */
function valueProblem(value: unknown, path: string, depth: number, top: string): { field: string; message: string } | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : { field: path, message: `not a finite number: the value overflows to ${value} (the largest is about 1.8e308)` };
  }
  if (value === null || typeof value !== "object") return undefined;
  // The field named is the top-level one: a path 64 levels long would bury the message.
  if (depth >= MAX_JSON_DEPTH) return { field: top, message: `nested more than ${MAX_JSON_DEPTH} levels deep` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = valueProblem(value[i], `${path}[${i}]`, depth + 1, top);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const p = valueProblem((value as Record<string, unknown>)[key], path === "" ? key : `${path}.${key}`, depth + 1, top === "" ? key : top);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** {@link valueProblem} of a row's fields; strings, the common case, cost one typeof each. */
function rowProblem(row: Record<string, unknown>): { field: string; message: string } | undefined {
  for (const key in row) {
    const v = row[key];
    if (typeof v === "string") continue;
    const p = valueProblem(v, key, 1, key);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * One JSONL line as a row: undefined for a blank line; else the product {@link mapRow} makes of its object,
 * or why the line was rejected: too long, bad UTF-8, invalid JSON, not an object (with the parser's
 * reason), a number out of range or nesting deeper than {@link MAX_JSON_DEPTH}.
 * @param maxLineBytes the cap the lines were split with, for the message on a dropped line
 */
export function jsonlRow({ line, bytes, size }: RawLine, mapping: RowMapping, maxLineBytes: number): RowResult | undefined {
  const file = mapping.file;
  if (bytes === undefined) return badRow(file, line, lineTooLong(size, maxLineBytes));
  // Blank check only when the line could be blank: keeps the happy path free of byte loops.
  if (bytes.length === 0 || (bytes[0]! <= 0x20 && isBlank(bytes))) return undefined;
  if (!isUtf8(bytes)) return badRow(file, line, INVALID_UTF8);
  return jsonTextRow(bytes.toString("utf8"), line, mapping);
}

/** {@link jsonlRow} of a line already decoded (valid UTF-8, not blank, its terminator and BOM gone). */
export function jsonTextRow(text: string, line: number, mapping: RowMapping): RowResult {
  const file = mapping.file;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return badRow(file, line, `invalid JSON: ${shorten((err as Error).message)}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return badRow(file, line, `expected a JSON object (one product per line), got ${got}`);
  }
  const problem = rowProblem(value as Record<string, unknown>);
  if (problem !== undefined) return badRow(file, line, problem.message, problem.field);
  return mapRow(value as Record<string, unknown>, line, mapping);
}

/** Whether a decoded line holds only the whitespace {@link isBlank} allows. */
function blankText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0b && c !== 0x0c) return false;
  }
  return true;
}

/**
 * {@link jsonlRow} of each line of a block from readLineBlocks, in order, blank lines left out. A block of valid
 * UTF-8 (the common case) is decoded once and cut into lines as text, each read by `textRow` ({@link jsonTextRow},
 * or a faster reader of the same rows); any other goes line by line (blockLines), which finds the lines that are
 * not UTF-8 or too long. The same rows either way.
 */
export function jsonlBlockRows(block: LineBlock, mapping: RowMapping, maxLineBytes: number, textRow: typeof jsonTextRow = jsonTextRow): RowResult[] {
  const out: RowResult[] = [];
  const b = block.bytes;
  if (block.dropped !== undefined || b.length > maxLineBytes || !isUtf8(b)) {
    for (const l of blockLines(block, maxLineBytes)) {
      const r = jsonlRow(l, mapping, maxLineBytes);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
  let line = block.firstLine;
  // In pieces of whole lines (see decodeUtf8Lines), each by a function of its own: V8 compiled this one while in
  // its first piece, and threw that code away at the next piece, not yet run.
  for (const text of decodeUtf8Lines(b)) line = pieceRows(text, line, mapping, textRow, out);
  return out;
}

/** The rows of `text`, whole lines, the first numbered `line`, appended to `out`; returns the next line's number. */
function pieceRows(text: string, line: number, mapping: RowMapping, textRow: typeof jsonTextRow, out: RowResult[]): number {
  for (let start = 0; start < text.length; line++) {
    const nl = text.indexOf("\n", start);
    let end = nl === -1 ? text.length : nl;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    // A UTF-8 byte order mark on line 1 is no part of the row (as readLines drops it).
    if (line === 1 && end > start && text.charCodeAt(start) === 0xfeff) start++;
    const s = text.slice(start, end);
    start = next;
    if (s.length === 0 || (s.charCodeAt(0) <= 0x20 && blankText(s))) continue;
    out.push(textRow(s, line, mapping));
  }
  return line;
}

/**
 * Reads JSONL rows ({@link jsonlRow} of each line, blank lines skipped). Yields one batch of results per
 * batch of lines.
 * @param maxLineBytes the cap the lines were split with, for the message on a dropped line
 */
export async function* readJsonlRows(
  lines: AsyncIterable<RawLine[]>,
  mapping: RowMapping,
  maxLineBytes: number,
): AsyncGenerator<RowResult[]> {
  for await (const batch of lines) {
    const out: RowResult[] = [];
    for (const l of batch) {
      const r = jsonlRow(l, mapping, maxLineBytes);
      if (r !== undefined) out.push(r);
    }
    if (out.length > 0) yield out;
  }
}
