// JSONL reader: one JSON object per line, validated and mapped to Products batch by batch.

import { isUtf8 } from "node:buffer";
import { badRow, INVALID_UTF8, lineTooLong, mapRow, shorten, type RowMapping, type RowResult } from "./map-row.js";
import { isBlank, type RawLine } from "./read-lines.js";

/**
 * Reads JSONL rows: skips blank lines, rejects bad UTF-8, invalid JSON and non-objects (with the parser's
 * reason), and maps each object with {@link mapRow}. Yields one batch of results per batch of lines.
 * @param maxLineBytes the cap the lines were split with, for the message on a dropped line
 */
export async function* readJsonlRows(
  lines: AsyncIterable<RawLine[]>,
  mapping: RowMapping,
  maxLineBytes: number,
): AsyncGenerator<RowResult[]> {
  const file = mapping.file;
  for await (const batch of lines) {
    const out: RowResult[] = [];
    for (const { line, bytes, size } of batch) {
      if (bytes === undefined) {
        out.push(badRow(file, line, lineTooLong(size, maxLineBytes)));
        continue;
      }
      // Blank check only when the line could be blank: keeps the happy path free of byte loops.
      if (bytes.length === 0 || (bytes[0]! <= 0x20 && isBlank(bytes))) continue;
      if (!isUtf8(bytes)) {
        out.push(badRow(file, line, INVALID_UTF8));
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString("utf8"));
      } catch (err) {
        out.push(badRow(file, line, `invalid JSON: ${shorten((err as Error).message)}`));
        continue;
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
        out.push(badRow(file, line, `expected a JSON object (one product per line), got ${got}`));
        continue;
      }
      out.push(mapRow(value as Record<string, unknown>, line, mapping));
    }
    if (out.length > 0) yield out;
  }
}
