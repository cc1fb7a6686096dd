// Catalog input: streams Product rows from a JSONL or CSV file or stream, reporting bad rows by line.

import { extname } from "node:path";
import { CancelledError, InvalidInputError, throwIfAborted, type RowIssue } from "../core/errors.js";
import { DEFAULT_PATH_SEPARATOR, type Product } from "../core/product.js";
import type { Warning } from "../core/progress.js";
import { DuplicateIds, keepLastOfEachId, type DuplicateId } from "./duplicate-ids.js";
import type { RowMapping, RowResult } from "./map-row.js";
import type { CsvSettings } from "./read-csv.js";
import { jsonlBlockRows } from "./read-jsonl.js";
import { blockLines, MAX_LINE_BYTES, openInput, readLineBlocks, type LineBlock } from "./read-lines.js";

/** How to read a catalog and map its fields onto Products. */
export interface ReadOptions {
  /** "auto" (default): by extension (.jsonl .ndjson .json → jsonl, .csv → csv, .tsv → tab-separated csv); otherwise by the first non-blank byte ("{" or "[" → jsonl, else csv). */
  format?: "auto" | "jsonl" | "csv";
  /** Text fields in order; the first is the title. Default ["title", "description"]. */
  textFields?: readonly string[];
  /** Field holding the category path. Default "category". */
  labelField?: string;
  /** Field holding the product id. Default "id"; a row without one gets its line number. */
  idField?: string;
  /** Reject rows without a label (training, evaluation). Default false. */
  requireLabel?: boolean;
  /** Keep only the first N levels of the category path. */
  labelDepth?: number;
  /** Category path separator. Default " > " (its trimmed form ">" is accepted too); labels come out joined with " > ". */
  pathSeparator?: string;
  /** "fail" (default): throw InvalidInputError listing the bad rows; "skip": leave them out and report them. */
  onBadRow?: "fail" | "skip";
  /** Longest text field or label, in characters. Default 65536. */
  maxFieldChars?: number;
  /** How many issues to keep in detail. Default 20; all are counted. */
  maxIssues?: number;
  /** Stops reading with CancelledError: checked between chunks; firing it also destroys the source stream, so a read waiting on a quiet stdin ends too. */
  signal?: AbortSignal;
  /** Name of the input in messages. Default: the path, or "<stdin>" for a stream. */
  fileLabel?: string;
  /**
   * Report rows whose id an earlier row already had (default true). An id is one product: readCatalogFile
   * keeps the last row of each id, as the store does on import. Costs memory per distinct id: turn it off to
   * stream a catalog with more ids than fit in memory.
   */
  duplicateIds?: boolean;
  /**
   * Keep each row's fields on its product as `fields` (default true). Off, a product has its id, text, label and
   * line only, and the parsed rows are garbage at once: less memory and garbage collection for training on text.
   */
  fields?: boolean;
  /** Soft problems found while reading (code "DUPLICATE_IDS", with `count`), when the input has been read. */
  onWarning?(w: Warning): void;
}

/** What reading found so far; final once iteration ends. */
export interface ReadReport {
  /** Rows that passed validation (all yielded, unless reading failed). */
  rows: number;
  /** Bad rows (left out in "skip" mode; the cause of the error in "fail" mode). */
  skipped: number;
  /** The first `maxIssues` issues, in input order. */
  issues: RowIssue[];
  /** Every issue found, including those not kept in `issues`. */
  issueCount: number;
  /** Rows whose id an earlier row already had (0 when `duplicateIds` is off). */
  duplicateIds: number;
  /** The first few of them, with the line of the id's first row. */
  duplicates: DuplicateId[];
}

/** A one-pass stream of Products whose `report` fills in as it is read. */
export interface CatalogStream extends AsyncIterable<Product> {
  readonly report: ReadReport;
}

type Format = "jsonl" | "csv";

const DEFAULT_TEXT_FIELDS = ["title", "description"] as const;
/** Bytes read from a file at a time. */
export const CHUNK_BYTES = 256 * 1024;

/** Throws a RangeError naming the first invalid option. */
export function checkOptions(o: ReadOptions): void {
  const positive = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) {
      throw new RangeError(`Invalid option ${name}: expected an integer of at least ${min}, got ${v}`);
    }
  };
  positive("labelDepth", o.labelDepth, 1);
  positive("maxFieldChars", o.maxFieldChars, 1);
  positive("maxIssues", o.maxIssues, 0);
  if (o.format !== undefined && !["auto", "jsonl", "csv"].includes(o.format)) {
    throw new RangeError(`Invalid option format: expected "auto", "jsonl" or "csv", got "${o.format}"`);
  }
  if (o.onBadRow !== undefined && o.onBadRow !== "fail" && o.onBadRow !== "skip") {
    throw new RangeError(`Invalid option onBadRow: expected "fail" or "skip", got "${o.onBadRow}"`);
  }
  if (o.textFields !== undefined && o.textFields.length === 0) {
    throw new RangeError("Invalid option textFields: name at least one field");
  }
  if (o.pathSeparator === "") throw new RangeError("Invalid option pathSeparator: must not be empty");
}

/** The field mapping of reading `file` with these options (defaults applied). */
export function mappingOf(o: ReadOptions, file: string): RowMapping {
  const explicit: string[] = [...(o.textFields ?? [])];
  if (o.labelField !== undefined) explicit.push(o.labelField);
  if (o.idField !== undefined) explicit.push(o.idField);
  return {
    file,
    textFields: o.textFields ?? DEFAULT_TEXT_FIELDS,
    labelField: o.labelField ?? "category",
    idField: o.idField ?? "id",
    requireLabel: o.requireLabel === true,
    labelDepth: o.labelDepth,
    pathSeparator: o.pathSeparator ?? DEFAULT_PATH_SEPARATOR,
    maxFieldChars: o.maxFieldChars ?? 65536,
    explicit,
    ...(o.fields === false ? { fields: false } : {}),
  };
}

/** The format an extension implies, or undefined when it says nothing. */
export function formatOfPath(path: string): { format: Format; delimiter?: string } | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return { format: "jsonl" };
  if (ext === ".csv") return { format: "csv", delimiter: "," };
  if (ext === ".tsv") return { format: "csv", delimiter: "\t" };
  return undefined;
}

function firstNonBlank(bytes: Buffer): number | undefined {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return b;
  return undefined;
}

/**
 * Looks at the first non-blank line to pick a format, and hands back all blocks of lines, the peeked ones first.
 * Returns format undefined when the input has no non-blank line.
 */
async function sniff(
  blocks: AsyncGenerator<LineBlock>,
  maxLineBytes: number,
): Promise<{ format: Format | undefined; blocks: AsyncGenerator<LineBlock> }> {
  const peeked: LineBlock[] = [];
  let format: Format | undefined;
  while (format === undefined) {
    const next = await blocks.next();
    if (next.done === true) break;
    peeked.push(next.value);
    for (const l of blockLines(next.value, maxLineBytes)) {
      const first = l.bytes === undefined ? 0x3f : firstNonBlank(l.bytes);
      if (first !== undefined) {
        format = first === 0x7b || first === 0x5b ? "jsonl" : "csv"; // "{" or "["
        break;
      }
    }
  }
  async function* replay(): AsyncGenerator<LineBlock> {
    try {
      yield* peeked;
      yield* blocks;
    } finally {
      await blocks.return(undefined);
    }
  }
  return { format, blocks: replay() };
}

/** The rows of JSONL blocks, one batch per block (each decoded at once: jsonlBlockRows). */
async function* jsonlBatches(blocks: AsyncIterable<LineBlock>, mapping: RowMapping, maxLineBytes: number): AsyncGenerator<RowResult[]> {
  for await (const block of blocks) yield jsonlBlockRows(block, mapping, maxLineBytes);
}

/** CSV rows by read-csv.ts, loaded when a CSV catalog comes (csv-parse is ~10 modules that a JSONL read need not load). */
async function* csvRows(lines: AsyncIterable<ReturnType<typeof blockLines>>, mapping: RowMapping, csv: CsvSettings): AsyncGenerator<RowResult[]> {
  const { readCsvRows } = await import("./read-csv.js");
  yield* readCsvRows(lines, mapping, csv);
}

/** The lines of each block, for the CSV reader. */
async function* linesOf(blocks: AsyncIterable<LineBlock>, maxLineBytes: number): AsyncGenerator<ReturnType<typeof blockLines>> {
  for await (const block of blocks) yield blockLines(block, maxLineBytes);
}

/**
 * Streams a product catalog (JSONL or CSV; a path or a readable stream such as `process.stdin`) as
 * validated Products, in input order, with bounded memory. Bad rows are skipped and reported, or make
 * iteration throw InvalidInputError after the whole input was scanned for issues (`onBadRow`).
 * An input without any data row throws InvalidInputError "…: no rows". Iterate once.
 * @example
 * const catalog = readCatalog("products.csv", { requireLabel: true, onBadRow: "skip" });
 * for await (const p of catalog) console.log(p.id, p.label);
 * console.log(`${catalog.report.skipped} rows skipped`);
 */
export function readCatalog(source: string | NodeJS.ReadableStream, options: ReadOptions = {}): CatalogStream {
  checkOptions(options);
  const report: ReadReport = { rows: 0, skipped: 0, issues: [], issueCount: 0, duplicateIds: 0, duplicates: [] };
  let started = false;
  return {
    report,
    [Symbol.asyncIterator](): AsyncIterator<Product> {
      if (started) throw new TypeError("A catalog stream can be iterated only once: call readCatalog again");
      started = true;
      return iterate(source, options, report);
    },
  };
}

async function* iterate(
  source: string | NodeJS.ReadableStream,
  options: ReadOptions,
  report: ReadReport,
): AsyncGenerator<Product> {
  for await (const batch of iterateBatches(source, options, report)) yield* batch;
}

/** {@link readCatalog}'s products, a batch per block of input read (the per-product steps of an async iterator cost more than the rest of reading a short row). */
async function* iterateBatches(
  source: string | NodeJS.ReadableStream,
  options: ReadOptions,
  report: ReadReport,
): AsyncGenerator<Product[]> {
  const { signal } = options;
  throwIfAborted(signal, "Reading the catalog");
  const file = options.fileLabel ?? (typeof source === "string" ? source : "<stdin>");
  const mapping = mappingOf(options, file);
  const maxIssues = options.maxIssues ?? 20;
  const skip = options.onBadRow === "skip";
  const stream = typeof source === "string" ? await openInput(source, CHUNK_BYTES) : source;
  // Abort a read that is waiting on a quiet stream (stdin), not only between chunks.
  const onAbort = () => (stream as { destroy?(e: Error): void }).destroy?.(new CancelledError("Reading the catalog"));
  signal?.addEventListener("abort", onAbort, { once: true });

  const byPath = typeof source === "string" ? formatOfPath(source) : undefined;
  const fixed = options.format === "jsonl" || options.format === "csv" ? options.format : byPath?.format;
  const maxLineBytes = MAX_LINE_BYTES;
  let blocks = readLineBlocks(stream, { signal, maxLineBytes, file });
  const ids = options.duplicateIds === false ? undefined : new DuplicateIds();
  let failing = false;
  let fatal: RowIssue | undefined;
  try {
    let format = fixed;
    if (format === undefined) ({ format, blocks } = await sniff(blocks, maxLineBytes));
    const csv: CsvSettings = { maxLineBytes, delimiter: byPath?.delimiter, relaxQuotes: byPath?.delimiter === "\t" };
    const results: AsyncGenerator<RowResult[]> =
      format === "csv" ? csvRows(linesOf(blocks, maxLineBytes), mapping, csv) : jsonlBatches(blocks, mapping, maxLineBytes);
    for await (const batch of results) {
      throwIfAborted(signal, "Reading the catalog");
      const out: Product[] = [];
      for (const r of batch) {
        if (r.ok) {
          report.rows++;
          ids?.see(r.product.id, r.product.line ?? report.rows);
          if (!failing) out.push(r.product);
          continue;
        }
        if (tallyIssue(report, r, maxIssues)) fatal = r.issue;
        else if (!skip) failing = true;
      }
      if (out.length > 0) yield out;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await blocks.return(undefined);
    if (typeof source === "string") (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
  throwIfAborted(signal, "Reading the catalog");
  checkEndOfInput(report, file, { failing, fatal, skip });
  if (ids !== undefined && ids.count > 0) {
    report.duplicateIds = ids.count;
    report.duplicates = ids.examples;
    options.onWarning?.(ids.warning(file));
  }
}

/**
 * Counts a rejected row in `report` (its issue kept while fewer than `maxIssues` are); returns whether it
 * is fatal (reading cannot go on), else it counts as skipped.
 */
export function tallyIssue(report: ReadReport, r: { issue: RowIssue; fatal?: boolean }, maxIssues: number): boolean {
  if (report.issues.length < maxIssues) report.issues.push(r.issue);
  report.issueCount++;
  if (r.fatal === true) return true;
  report.skipped++;
  return false;
}

/**
 * What a read that reached the end of its input throws: the bad rows when there were some and `skip` is
 * off (`failing`) or one was fatal, "no rows" when the input had none.
 */
export function checkEndOfInput(report: ReadReport, file: string, state: { failing: boolean; fatal?: RowIssue | undefined; skip: boolean }): void {
  const { failing, fatal, skip } = state;
  if (fatal !== undefined && (skip || report.issueCount === 1)) throw new InvalidInputError([fatal], 1);
  if (failing || fatal !== undefined) {
    const issues = fatal === undefined || report.issues.includes(fatal) ? report.issues : [...report.issues, fatal];
    // Skipping helps only when no issue is fatal (one that stops the read either way).
    throw new InvalidInputError(issues, report.issueCount, undefined, fatal === undefined ? { hint: { kind: "skip-bad-rows" } } : {});
  }
  if (report.rows + report.skipped === 0) {
    throw new InvalidInputError([{ file, line: 1, message: "no rows" }], 1, `${file}: no rows`);
  }
}

/**
 * Reads a whole catalog into memory: {@link readCatalog}, collected, one product per id: of rows that share an
 * id the last one is kept (`report.duplicateIds` counts the others, and `onWarning` says which). For inputs
 * that fit in memory (training sets); stream with readCatalog otherwise.
 * @example const { products, report } = await readCatalogFile("train.jsonl", { requireLabel: true });
 */
export async function readCatalogFile(
  source: string | NodeJS.ReadableStream,
  options: ReadOptions = {},
): Promise<{ products: Product[]; report: ReadReport }> {
  return readCatalogBatches(source, options);
}

/**
 * {@link readCatalogFile}, handing each batch of products to `onBatch` as it is read (before duplicate ids are
 * resolved: the batches are the rows in input order, and `products` may then leave some out).
 */
export async function readCatalogBatches(
  source: string | NodeJS.ReadableStream,
  options: ReadOptions = {},
  onBatch?: (batch: readonly Product[]) => void,
): Promise<{ products: Product[]; report: ReadReport }> {
  checkOptions(options);
  const report: ReadReport = { rows: 0, skipped: 0, issues: [], issueCount: 0, duplicateIds: 0, duplicates: [] };
  const products: Product[] = [];
  for await (const batch of iterateBatches(source, options, report)) {
    onBatch?.(batch);
    for (const p of batch) products.push(p);
  }
  return { products: report.duplicateIds > 0 ? keepLastOfEachId(products) : products, report };
}
