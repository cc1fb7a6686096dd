// Byte-level line splitter: cuts a byte stream into lines without decoding, so bad UTF-8 can be reported by line.

import { promises as fs } from "node:fs";
import { byteOrderMark, byteOrderMarkMessage, nulByteMessage } from "../core/encoding.js";
import { InvalidInputError, throwIfAborted } from "../core/errors.js";

/** One line of input as raw bytes, before any decoding. */
export interface RawLine {
  /** 1-based line number, as editors count. */
  line: number;
  /**
   * The line's bytes without its terminator ("\n" or "\r\n") and, on line 1, without a UTF-8 BOM.
   * `undefined` when the line was longer than `maxLineBytes`: its bytes were dropped unread.
   */
  bytes: Buffer | undefined;
  /** Length of the line in bytes (without terminator); the only trace of a dropped line. */
  size: number;
}

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Checked between chunks; a fired signal throws CancelledError. */
  signal?: AbortSignal;
  /** Longest line kept in memory; longer lines are reported by size only. Default {@link MAX_LINE_BYTES}. */
  maxLineBytes?: number;
  /**
   * Longest line skipped over before reading stops: input with no line break for this long is not line-based
   * text (a device such as /dev/urandom, a huge binary file). Default 4 × `maxLineBytes`.
   */
  maxSkipBytes?: number;
  /** Name of the input in errors. Default "<input>". */
  file?: string;
}

/** Default cap on one line's bytes (64 MiB): keeps memory bounded on a file with no newlines. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

const NL = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines, yielding them in batches (one batch per input chunk, so the per-line
 * cost stays in native `indexOf` and `subarray`). Lines are views into the chunk, not copies, except a
 * line that spans chunks. Memory: one chunk plus the longest line (capped at `maxLineBytes`).
 * Strings in the stream are taken as UTF-8.
 *
 * Input that is not text stops the read at once with an InvalidInputError naming the file and line: a
 * UTF-16 or UTF-32 byte order mark, a NUL byte (binary data, /dev/zero, UTF-16 without a mark), or no line
 * break within `maxSkipBytes`. So an endless device or a binary file fails fast instead of being read forever.
 * @example for await (const batch of readLines(createReadStream("a.jsonl"))) for (const l of batch) …
 */
export async function* readLines(
  source: AsyncIterable<Buffer | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<RawLine[]> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const maxSkipBytes = options.maxSkipBytes ?? 4 * maxLineBytes;
  const file = options.file ?? "<input>";
  let pending: Buffer[] = []; // pieces of a line that started in an earlier chunk
  let pendingSize = 0;
  let dropping = false; // the current line passed maxLineBytes: count its bytes, keep none
  let lineNo = 1;
  let position = 0; // bytes before the current chunk
  const stop = (line: number, message: string): InvalidInputError => {
    const issue = { file, line, message };
    return new InvalidInputError([issue], 1, `Cannot read ${InvalidInputError.format(issue)}`);
  };

  const finish = (tail: Buffer | undefined, tailSize: number): RawLine => {
    const size = pendingSize + tailSize;
    let bytes: Buffer | undefined;
    if (dropping || size > maxLineBytes) bytes = undefined;
    else if (pending.length === 0) bytes = tail ?? Buffer.alloc(0);
    else bytes = Buffer.concat(tail === undefined ? pending : [...pending, tail], size);
    pending = [];
    pendingSize = 0;
    dropping = false;
    const line = lineNo++;
    let length = size;
    if (bytes !== undefined) {
      bytes = clean(bytes, line);
      length = bytes.length;
    }
    return { line, bytes, size: length };
  };

  for await (const chunk of source) {
    throwIfAborted(options.signal, "Reading the catalog");
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (position === 0) {
      const bom = byteOrderMark(buf);
      if (bom !== undefined) throw stop(1, byteOrderMarkMessage(bom));
    }
    const nul = buf.indexOf(0);
    if (nul !== -1) throw stop(lineNo + countNewlines(buf, nul), nulByteMessage(buf, nul, position + nul));
    position += buf.length;
    const batch: RawLine[] = [];
    let start = 0;
    for (let nl = buf.indexOf(NL, start); nl !== -1; nl = buf.indexOf(NL, start)) {
      batch.push(finish(dropping ? undefined : buf.subarray(start, nl), nl - start));
      start = nl + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      pendingSize += rest.length;
      if (!dropping && pendingSize > maxLineBytes) {
        dropping = true;
        pending = [];
      }
      if (pendingSize > maxSkipBytes) {
        throw stop(lineNo, `no line break in ${pendingSize} bytes (more than ${maxSkipBytes}): this is not line-based text`);
      }
      if (!dropping) pending.push(rest);
    }
    if (batch.length > 0) yield batch;
  }
  throwIfAborted(options.signal, "Reading the catalog");
  if (pendingSize > 0 || dropping) yield [finish(undefined, 0)];
}

/**
 * Opens a file to stream its bytes. A directory is refused with an EISDIR error naming it (reading one fails
 * later with no path); devices and FIFOs stream like files, and {@link readLines} bounds what it reads.
 */
export async function openInput(path: string, highWaterMark?: number): Promise<NodeJS.ReadableStream & { destroy(): void }> {
  const handle = await fs.open(path, "r");
  try {
    if ((await handle.stat()).isDirectory()) {
      throw Object.assign(new Error(`EISDIR: "${path}" is a directory, expected a file`), { code: "EISDIR", path });
    }
  } catch (e) {
    await handle.close();
    throw e;
  }
  return handle.createReadStream(highWaterMark === undefined ? {} : { highWaterMark });
}

/** Line breaks in `buf` before `end`. */
function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(NL); i !== -1 && i < end; i = buf.indexOf(NL, i + 1)) n++;
  return n;
}

/** Drops a trailing "\r" (CRLF files) and, on line 1, a UTF-8 byte order mark. */
function clean(bytes: Buffer, line: number): Buffer {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === CR) end--;
  const begin = line === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return begin === 0 && end === bytes.length ? bytes : bytes.subarray(begin, end);
}

/** True when the bytes hold only spaces, tabs and other ASCII whitespace (or nothing). */
export function isBlank(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== CR && b !== 0x0b && b !== 0x0c) return false;
  }
  return true;
}
