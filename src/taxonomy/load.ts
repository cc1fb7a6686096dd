// Taxonomy files: read one from disk, telling its format from the extension or the first line.

import { promises as fs } from "node:fs";
import { extname } from "node:path";
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
 * parseGoogleTaxonomy, parsePathList and parseTaxonomyJson. File errors (ENOENT…) pass through;
 * bad content throws InvalidInputError listing every problem with its line.
 * @example
 * const { taxonomy, report } = await loadTaxonomyFile("taxonomy-with-ids.en-US.txt");
 * console.log(taxonomy.size, taxonomy.leaves().length, report.warnings.length);
 */
export async function loadTaxonomyFile(path: string, options: LoadTaxonomyOptions = {}): Promise<TaxonomyParseResult> {
  const file = options.fileLabel ?? path;
  const bytes = await fs.readFile(path);
  const text = decodeUtf8(bytes, file);
  const format = options.format === undefined || options.format === "auto" ? sniffTaxonomyFormat(text, path) : options.format;
  return parseTaxonomyText(text, { ...options, format, file });
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
