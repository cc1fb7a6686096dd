// CSV/TSV reader: RFC 4180 records via csv-parse, header row as column names, each record mapped to a Product.

import { isUtf8 } from "node:buffer";
import { CsvError, parse, type Parser } from "csv-parse";
import { badRow, INVALID_UTF8, lineTooLong, mapRow, shorten, type RowMapping, type RowResult } from "./map-row.js";
import { isBlank, type RawLine } from "./read-lines.js";

/** How to parse the CSV text. */
export interface CsvSettings {
  /** Field delimiter; `undefined`: tab when the header line has tabs and no commas, else comma. */
  delimiter?: string;
  /** Accept stray quotes inside unquoted fields (TSV exports, where `5" screen` is common). */
  relaxQuotes?: boolean;
  /** The cap the lines were split with; also the longest record csv-parse may buffer. */
  maxLineBytes: number;
}

const NEWLINE = Buffer.from("\n");
const STOP = (line: number) => `cannot continue reading past line ${line}`;

/** Number of "\n" inside the fields: the lines a record spans, beyond its first. */
function newlines(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf("\n"); i !== -1; i = f.indexOf("\n", i + 1)) n++;
  return n;
}

/** The column list for messages, shortened. */
function headerList(names: readonly string[]): string {
  return shorten(names.join(", "), 200);
}

/**
 * Reads CSV rows. The first non-blank record is the header (column names, trimmed). Each data record is
 * reported at the line where it starts. Bad rows (wrong column count, bad UTF-8, mapping errors) are
 * results; structural errors (broken quotes, a header without the needed columns) are fatal results,
 * after which nothing more is read, because csv-parse cannot find the next record boundary reliably.
 *
 * Lines go to csv-parse CR-free, each ended by "\n", so a record spans 1 + (newlines in its fields)
 * lines and blank lines come back as `[""]`: counting them gives every record's start line without
 * csv-parse's per-record info objects (which cost about 15% of the read).
 */
export async function* readCsvRows(
  lines: AsyncIterable<RawLine[]>,
  mapping: RowMapping,
  settings: CsvSettings,
): AsyncGenerator<RowResult[]> {
  const file = mapping.file;
  const badLines: number[] = []; // lines with invalid UTF-8, ascending
  let badAt = 0;
  let parser: Parser | undefined;
  let failure: unknown;
  let header: string[] | undefined;
  let next = 1; // line where the next record starts
  const fatal = (line: number, message: string, field?: string): RowResult => {
    const r = badRow(file, line, message, field);
    return r.ok ? r : { ...r, fatal: true };
  };

  const open = (firstLine: string): Parser => {
    const delimiter = settings.delimiter ?? (firstLine.includes("\t") && !firstLine.includes(",") ? "\t" : ",");
    const p = parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: settings.relaxQuotes === true,
      skip_empty_lines: false,
      max_record_size: settings.maxLineBytes,
    });
    p.on("error", (err: unknown) => (failure ??= err));
    return p;
  };

  // Feeds bytes (or the end) to csv-parse, whose transform runs synchronously inside write(): the records
  // are in its read buffer when write() returns, and are taken out before a parse error destroys the stream
  // (that happens a tick later), so rows before a broken quote are not lost. Reading them also releases
  // the write callback, which Transform holds back while its read buffer is full (16 records).
  const feed = async (p: Parser, bytes: Buffer | undefined, out: RowResult[]): Promise<boolean> => {
    const written = new Promise<void>((resolve) => {
      const done = (err?: unknown) => {
        if (err) failure ??= err;
        resolve();
      };
      if (bytes === undefined) p.end(done);
      else p.write(bytes, done);
    });
    let fine = take(p, out);
    // A fatal record (a bad header) stops taking with records left in the buffer: past 16 of them the write
    // callback is never released, so waiting for it would never end (the process then exits with code 13,
    // "unsettled top-level await", and no message). The parser is destroyed by the caller; nothing waits.
    if (!fine) return false;
    await written;
    if (fine) fine = take(p, out); // end(): the flush may push one last record
    return fine;
  };

  // Turns the records csv-parse has produced into results; false at the first fatal one.
  const take = (p: Parser, out: RowResult[]): boolean => {
    for (let fields = p.read() as string[] | null; fields !== null; fields = p.read() as string[] | null) {
      const start = next;
      const end = start + newlines(fields);
      next = end + 1;
      if (fields.length === 1 && fields[0]!.trim() === "") continue; // blank line
      while (badAt < badLines.length && badLines[badAt]! < start) badAt++;
      const badLine = badAt < badLines.length && badLines[badAt]! <= end ? badLines[badAt] : undefined;
      if (header === undefined) {
        header = fields.map((f) => f.trim());
        const problem =
          badLine !== undefined ? fatal(badLine, `${INVALID_UTF8} (in the header)`) : checkHeader(header, start);
        if (problem !== undefined) {
          out.push(problem);
          return false;
        }
      } else if (badLine !== undefined) {
        out.push(badRow(file, badLine, INVALID_UTF8));
      } else if (fields.length !== header.length) {
        out.push(badRow(file, start, `has ${fields.length} columns, the header has ${header.length}`));
      } else {
        out.push(mapRow(toObject(header, fields), start, mapping));
      }
    }
    return true;
  };

  const checkHeader = (names: string[], line: number): RowResult | undefined => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) return fatal(line, `duplicate column "${n}" in header: ${headerList(names)}`);
      seen.add(n);
    }
    for (const f of mapping.explicit) {
      if (!seen.has(f)) return fatal(line, `no column "${f}" in header: ${headerList(names)}`, f);
    }
    if (!mapping.textFields.some((f) => seen.has(f))) {
      const wanted = mapping.textFields.map((f) => `"${f}"`).join(", ");
      return fatal(line, `no text column: none of ${wanted} in header: ${headerList(names)}`);
    }
    if (mapping.requireLabel && !seen.has(mapping.labelField)) {
      const f = mapping.labelField;
      return fatal(line, `no column "${f}" in header: ${headerList(names)}`, f);
    }
    return undefined;
  };

  // csv-parse's error says where it noticed the problem; for an unclosed quote that is the end of the
  // input, so we say where the broken record starts.
  const describe = (err: unknown): RowResult => {
    if (!(err instanceof CsvError)) throw err;
    const at = typeof err.lines === "number" ? err.lines : next;
    switch (err.code) {
      case "CSV_QUOTE_NOT_CLOSED":
        return fatal(next, `unclosed quote: a quoted field starts here and never ends; ${STOP(next)}`);
      case "INVALID_OPENING_QUOTE":
        return fatal(at, `quote inside an unquoted field (quote the whole field and double inner quotes: "5"" screen"); ${STOP(at)}`);
      case "CSV_INVALID_CLOSING_QUOTE":
        return fatal(at, `text after a closing quote (double quotes inside a quoted field: "5"" screen"); ${STOP(at)}`);
      case "CSV_MAX_RECORD_SIZE":
        return fatal(next, `record too long: more than ${settings.maxLineBytes} characters; ${STOP(next)}`);
      default:
        return fatal(at, `${shorten(err.message)}; ${STOP(at)}`);
    }
  };

  try {
    for await (const batch of lines) {
      const parts: Buffer[] = [];
      let tooLong: RawLine | undefined;
      for (const l of batch) {
        if (l.bytes === undefined) {
          tooLong = l;
          break;
        }
        if (!isUtf8(l.bytes)) badLines.push(l.line);
        if (parser === undefined) {
          if (isBlank(l.bytes)) {
            next = l.line + 1; // blank lines before the header are not parsed at all
            continue;
          }
          parser = open(l.bytes.toString("utf8"));
        }
        parts.push(l.bytes, NEWLINE);
      }
      const out: RowResult[] = [];
      const fine = parser === undefined || parts.length === 0 || (await feed(parser, Buffer.concat(parts), out));
      if (fine && failure !== undefined) out.push(describe(failure));
      else if (fine && tooLong !== undefined) {
        out.push(fatal(tooLong.line, `${lineTooLong(tooLong.size, settings.maxLineBytes)}; ${STOP(tooLong.line)}`));
      }
      if (out.length > 0) yield out;
      if (!fine || failure !== undefined || tooLong !== undefined) return;
    }
    if (parser === undefined) return;
    const out: RowResult[] = [];
    if ((await feed(parser, undefined, out)) && failure !== undefined) out.push(describe(failure));
    if (out.length > 0) yield out;
  } finally {
    parser?.destroy();
  }
}

/** A record as an object keyed by column name (own properties even for a column named "__proto__"). */
function toObject(names: readonly string[], fields: readonly string[]): Record<string, string> {
  const obj: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name === "__proto__") Object.defineProperty(obj, name, { value: fields[i], enumerable: true, writable: true, configurable: true });
    else obj[name] = fields[i]!;
  }
  return obj;
}
