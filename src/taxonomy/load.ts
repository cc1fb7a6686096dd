// Taxonomy files: read one from disk, telling its format from the extension or the first line.

import { promises as fs } from "node:fs";
import { extname } from "node:path";
import { byteOrderMark, byteOrderMarkMessage, nulByteMessage } from "../core/encoding.js";
import { InvalidInputError, type RowIssue } from "../core/errors.js";
import { parseTaxonomyJson } from "./parse-json.js";
import {
  parseGoogleTaxonomy,
  parsePathList,
  splitTextLines,
  type TaxonomyFormat,
  type TaxonomyParseResult,
} from "./parse-text.js";

/** The formats {@link loadTaxonomyFile} reads, and "auto" to tell them apart. */
export const TAXONOMY_FORMATS = ["auto", "google", "paths", "json"] as const;

/** Options of {@link loadTaxonomyFile} and {@link parseTaxonomyText}. */
export interface LoadTaxonomyOptions {
  /** "auto" (default): see {@link sniffTaxonomyFormat}. */
  format?: TaxonomyFormat | "auto";
  /** Separator between levels in paths. Default " > " (a JSON file may name its own). */
  separator?: string;
  /** Google format: create parents that have no line of their own, with a warning. Default false. */
  createMissingParents?: boolean;
  /** Name of the input in messages. Default: the path. */
  fileLabel?: string;
}

const GOOGLE_HEAD = /^\s*\d+\s+-\s/;

/** Largest taxonomy file read (Google's full taxonomy is 0.7 MB): a device or a wrong file must not fill memory. */
export const MAX_TAXONOMY_BYTES = 64 * 1024 * 1024;

/**
 * Tells a taxonomy's format: a ".json" extension, or a first content line (not blank, not "#") starting
 * with "[" or "{", is JSON; a first content line like "123 - …" is Google's format; anything else is a
 * list of paths.
 */
export function sniffTaxonomyFormat(text: string, path?: string): TaxonomyFormat {
  if (path !== undefined && extname(path).toLowerCase() === ".json") return "json";
  for (const l of splitTextLines(text)) {
    const t = l.trim();
    if (t === "" || t.startsWith("#")) continue;
    if (t.startsWith("[") || t.startsWith("{")) return "json";
    return GOOGLE_HEAD.test(l) ? "google" : "paths";
  }
  return "paths";
}

/** Parses taxonomy text in the given (or sniffed) format. */
export function parseTaxonomyText(text: string, options: LoadTaxonomyOptions & { file?: string } = {}): TaxonomyParseResult {
  const file = options.file ?? options.fileLabel ?? "<taxonomy>";
  const format = options.format === undefined || options.format === "auto" ? sniffTaxonomyFormat(text) : options.format;
  const sep = options.separator !== undefined ? { separator: options.separator } : {};
  switch (format) {
    case "google":
      return parseGoogleTaxonomy(text, { file, ...sep, createMissingParents: options.createMissingParents === true });
    case "paths":
      return parsePathList(text, { file, ...sep });
    case "json":
      return parseTaxonomyJson(text, { file, ...sep });
    default:
      throw new RangeError(`Invalid taxonomy format "${String(format)}": expected one of ${TAXONOMY_FORMATS.join(", ")}`);
  }
}

/**
 * Reads a taxonomy file (UTF-8) in Google's format, as a list of paths, or as JSON; see
 * parseGoogleTaxonomy, parsePathList and parseTaxonomyJson. File errors (ENOENT…) pass through, a directory
 * is an EISDIR error naming it; bad content throws InvalidInputError listing every problem with its line,
 * and so does a file that is not UTF-8 text (UTF-16, binary) or is larger than {@link MAX_TAXONOMY_BYTES}.
 * @example
 * const { taxonomy, report } = await loadTaxonomyFile("taxonomy-with-ids.en-US.txt");
 * console.log(taxonomy.size, taxonomy.leaves().length, report.warnings.length);
 */
export async function loadTaxonomyFile(path: string, options: LoadTaxonomyOptions = {}): Promise<TaxonomyParseResult> {
  const file = options.fileLabel ?? path;
  const bytes = await readBounded(path, file);
  const text = decodeUtf8(bytes, file);
  const format = options.format === undefined || options.format === "auto" ? sniffTaxonomyFormat(text, path) : options.format;
  return parseTaxonomyText(text, { ...options, format, file });
}

function refuse(file: string, line: number, message: string): InvalidInputError {
  const issue: RowIssue = { file, line, message };
  return new InvalidInputError([issue], 1, `Cannot read taxonomy ${InvalidInputError.format(issue)}`);
}

/**
 * Reads a file of at most MAX_TAXONOMY_BYTES, chunk by chunk so that a device (/dev/zero) or a FIFO is
 * bounded too; a UTF-16/UTF-32 byte order mark or a NUL byte (binary data) stops it at once.
 */
async function readBounded(path: string, file: string): Promise<Buffer> {
  const handle = await fs.open(path, "r");
  try {
    if ((await handle.stat()).isDirectory()) {
      throw Object.assign(new Error(`EISDIR: "${path}" is a directory, expected a file`), { code: "EISDIR", path });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let lines = 1;
    for (;;) {
      const chunk = Buffer.alloc(1 << 20);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      const got = chunk.subarray(0, bytesRead);
      const bom = size === 0 ? byteOrderMark(got) : undefined;
      if (bom !== undefined) throw refuse(file, 1, byteOrderMarkMessage(bom));
      const nul = got.indexOf(0);
      if (nul !== -1) {
        for (let i = got.indexOf(0x0a); i !== -1 && i < nul; i = got.indexOf(0x0a, i + 1)) lines++;
        throw refuse(file, lines, nulByteMessage(got, nul, size + nul));
      }
      for (let i = got.indexOf(0x0a); i !== -1; i = got.indexOf(0x0a, i + 1)) lines++;
      size += bytesRead;
      if (size > MAX_TAXONOMY_BYTES) throw refuse(file, lines, `the file is larger than ${MAX_TAXONOMY_BYTES} bytes: not a taxonomy`);
      chunks.push(got);
    }
    return Buffer.concat(chunks, size);
  } finally {
    await handle.close();
  }
}

/** Decodes UTF-8, naming the first line that is not valid UTF-8. */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    const decoder = new TextDecoder("utf-8", { fatal: true });
    for (let nl = bytes.indexOf(0x0a); ; nl = bytes.indexOf(0x0a, start)) {
      const end = nl === -1 ? bytes.length : nl;
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        break;
      }
      if (nl === -1) break;
      start = nl + 1;
      line++;
    }
    const issue: RowIssue = { file, line, message: "invalid UTF-8: save the file as UTF-8 (it may be Latin-1 or Windows-1252)" };
    throw new InvalidInputError([issue], 1, `Cannot read taxonomy ${InvalidInputError.format(issue)}`);
  }
}
