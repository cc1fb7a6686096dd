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
 * Whole lines of input as raw bytes, as {@link readLineBlocks} cuts them: one block per input chunk (lines
 * that span chunks complete the block they end in), so a block can be handed to another thread as it is.
 */
export interface LineBlock {
  /**
   * The lines' bytes, each line but the input's last ending in "\n", undecoded. A Uint8Array of its own
   * (offset 0, nothing else in its buffer), so it can be transferred. Empty for a dropped line.
   */
  bytes: Uint8Array;
  /** 1-based number of the block's first line. */
  firstLine: number;
  /** Lines in the block. */
  lines: number;
  /** Set for a block that is one line longer than `maxLineBytes`, dropped unread: its length in bytes. */
  dropped?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Cuts a byte stream into blocks of whole lines without decoding (see {@link LineBlock}); {@link blockLines}
 * splits a block into its lines. Memory: one chunk plus the longest line (capped at `maxLineBytes`). Strings
 * in the stream are taken as UTF-8.
 *
 * Input that is not text stops the read at once with an InvalidInputError naming the file and line: a
 * UTF-16 or UTF-32 byte order mark, a NUL byte (binary data, /dev/zero, UTF-16 without a mark), or no line
 * break within `maxSkipBytes`. So an endless device or a binary file fails fast instead of being read forever.
 */
export async function* readLineBlocks(
  source: AsyncIterable<Buffer | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineBlock> {
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

  for await (const chunk of source) {
    throwIfAborted(options.signal, "Reading the catalog");
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (position === 0) {
      const bom = byteOrderMark(buf);
      if (bom !== undefined) throw stop(1, byteOrderMarkMessage(bom));
    }
    const nul = buf.indexOf(0);
    if (nul !== -1) throw stop(lineNo + countNewlines(buf, 0, nul), nulByteMessage(buf, nul, position + nul));
    position += buf.length;
    let start = 0;
    if (dropping) {
      const nl = buf.indexOf(NL);
      if (nl !== -1) {
        yield { bytes: EMPTY, firstLine: lineNo++, lines: 1, dropped: pendingSize + nl };
        dropping = false;
        pendingSize = 0;
        start = nl + 1;
      }
    }
    const last = dropping ? -1 : buf.lastIndexOf(NL);
    if (last >= start) {
      const bytes = new Uint8Array(pendingSize + last + 1 - start);
      let at = 0;
      for (const piece of pending) {
        bytes.set(piece, at);
        at += piece.length;
      }
      bytes.set(buf.subarray(start, last + 1), at);
      const lines = countNewlines(buf, start, last + 1);
      yield { bytes, firstLine: lineNo, lines };
      lineNo += lines;
      pending = [];
      pendingSize = 0;
      start = last + 1;
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
  }
  throwIfAborted(options.signal, "Reading the catalog");
  if (dropping) yield { bytes: EMPTY, firstLine: lineNo, lines: 1, dropped: pendingSize };
  else if (pendingSize > 0) yield { bytes: new Uint8Array(Buffer.concat(pending, pendingSize)), firstLine: lineNo, lines: 1 };
}

/**
 * The lines of a block from {@link readLineBlocks}: views into its bytes, without terminators ("\n" or
 * "\r\n") and, on line 1, without a UTF-8 BOM; a line longer than `maxLineBytes` comes with its size only.
 */
export function blockLines(block: LineBlock, maxLineBytes: number = MAX_LINE_BYTES): RawLine[] {
  if (block.dropped !== undefined) return [{ line: block.firstLine, bytes: undefined, size: block.dropped }];
  const buf = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
  const out: RawLine[] = [];
  let line = block.firstLine;
  for (let start = 0; start < buf.length; line++) {
    const nl = buf.indexOf(NL, start);
    const end = nl === -1 ? buf.length : nl;
    if (end - start > maxLineBytes) out.push({ line, bytes: undefined, size: end - start });
    else {
      const bytes = clean(buf.subarray(start, end), line);
      out.push({ line, bytes, size: bytes.length });
    }
    start = end + 1;
  }
  return out;
}

/**
 * Splits a byte stream into lines, yielding them in batches (one batch per block of {@link readLineBlocks},
 * so the per-line cost stays in native `indexOf` and `subarray`). Lines are views into their block.
 * Memory: one chunk plus the longest line (capped at `maxLineBytes`). Strings in the stream are taken as
 * UTF-8; input that is not text stops the read as {@link readLineBlocks} says.
 * @example for await (const batch of readLines(createReadStream("a.jsonl"))) for (const l of batch) …
 */
export async function* readLines(
  source: AsyncIterable<Buffer | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<RawLine[]> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  for await (const block of readLineBlocks(source, options)) yield blockLines(block, maxLineBytes);
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

/** Line breaks in `buf[start, end)`. */
function countNewlines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(NL, start); i !== -1 && i < end; i = buf.indexOf(NL, i + 1)) n++;
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
