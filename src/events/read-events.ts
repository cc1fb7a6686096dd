// Event input: streams shopper events from a CSV or JSONL file or stream, with a field mapping and a per-row report.
import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { extname } from "node:path";
import { CsvError, parse } from "csv-parse";
import { CancelledError, InvalidInputError, throwIfAborted, type RowIssue } from "../core/errors.js";
import { EVENT_TYPES, type EventType, type ShopEvent } from "./event.js";
import type { EventLog} from "./event-log.js";
import { EventLogBuilder } from "./event-log.js";
import { DEFAULT_EVENT_FIELDS, FIELD_ORDER, mapEventRow, type EventFields, type EventMapping, type EventNoteCode, type EventRowResult } from "./map-event.js";
import type { TimeZoneKind } from "./time.js";

/** How to read an event file. */
export interface ReadEventsOptions {
  /** "auto" (default): by extension (.jsonl/.ndjson/.json, .csv, .tsv), else by the first byte ("{" → JSONL). */
  format?: "auto" | "jsonl" | "csv";
  /** Field names (defaults: {@link DEFAULT_EVENT_FIELDS}). Fields named here must be columns of a CSV header. */
  fields?: Partial<EventFields>;
  /** The type of rows without a type field (then the type column may be absent). */
  defaultType?: EventType;
  /** "fail" (default): throw InvalidInputError listing the bad rows after reading everything; "skip": leave them out and report them. */
  onBadRow?: "fail" | "skip";
  /** Longest id field, in characters. Default 65536. */
  maxFieldChars?: number;
  /** Issues and examples kept in detail. Default 20; all are counted. */
  maxIssues?: number;
  /** The catalogue's item ids: events for other items are kept and counted ("unknown items"). */
  knownItems?: ReadonlySet<string>;
  /** "Now" in ms since the epoch: later events are bad rows. Default: the clock plus one day (for clock skew). */
  latestMs?: number;
  signal?: AbortSignal;
  /** Name of the input in messages. Default: the path, or "<stdin>". */
  fileLabel?: string;
}

/** A caveat of kept rows: how many rows have it, and the first few. */
export interface EventNote {
  code: EventNoteCode | "MIXED_TIME_ZONES";
  message: string;
  count: number;
  examples: RowIssue[];
}

/** What reading found; final once iteration ends. */
export interface EventReadReport {
  /** Events kept (every row read, minus bad rows and replayed event ids). */
  rows: number;
  /** Bad rows (left out with onBadRow "skip"; the cause of the error with "fail"). */
  skipped: number;
  issues: RowIssue[];
  issueCount: number;
  /** Rows identical to an earlier row and without an event id: real repeats (a shopper bought the line twice), kept. */
  identicalRows: number;
  /** Rows whose event id was seen before: the same event sent again, left out (idempotent by id). */
  replayedEventIds: number;
  /** Events for items outside `knownItems` (kept), and how many such items. */
  unknownItemEvents: number;
  unknownItems: number;
  /** How the times named their zone. */
  zones: Record<TimeZoneKind, number>;
  /** Caveats of kept rows (negative purchase quantities read as returns, zero or missing prices, zone-less times…). */
  notes: EventNote[];
}

/** A one-pass stream of events whose `report` fills in as it is read. */
export interface EventStream extends AsyncIterable<ShopEvent> {
  readonly report: EventReadReport;
}

const NOTE_TEXT: Record<EventNote["code"], string> = {
  NEGATIVE_QUANTITY_PURCHASE: "purchases with a negative quantity, read as returns",
  ZERO_PRICE: "purchases or returns with price 0 (kept; they add nothing to spend)",
  MISSING_PRICE: "purchases or returns without a price (kept; they add nothing to spend)",
  ZONELESS_TIME: "times without a time zone, read as UTC",
  UNKNOWN_ITEM: "events for items that are not in the catalogue (kept)",
  MIXED_TIME_ZONES: "times both with and without a zone: the zone-less ones were read as UTC, check that they are",
};

const CHUNK_BYTES = 256 * 1024;
const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Streams shopper events (CSV or JSONL; a path or a readable stream) as validated {@link ShopEvent}s in input
 * order. Bad rows (unparsable or future times, unknown types, ids that are objects, fields over the limit…)
 * are reported with file, line and field, and skipped or fatal after the whole input was read (`onBadRow`).
 * Identical rows are kept and counted; a repeated `eventId` is left out and counted. An input without any
 * data row throws InvalidInputError "…: no events". Iterate once.
 * @example
 * const events = readEvents("events.csv", { onBadRow: "skip" });
 * for await (const e of events) …; console.log(events.report.identicalRows);
 */
export function readEvents(source: string | NodeJS.ReadableStream, options: ReadEventsOptions = {}): EventStream {
  const report: EventReadReport = {
    rows: 0,
    skipped: 0,
    issues: [],
    issueCount: 0,
    identicalRows: 0,
    replayedEventIds: 0,
    unknownItemEvents: 0,
    unknownItems: 0,
    zones: { utc: 0, offset: 0, none: 0 },
    notes: [],
  };
  if (options.onBadRow !== undefined && options.onBadRow !== "fail" && options.onBadRow !== "skip") {
    throw new RangeError(`Invalid option onBadRow: expected "fail" or "skip", got "${String(options.onBadRow)}"`);
  }
  if (options.defaultType !== undefined && !EVENT_TYPES.includes(options.defaultType)) {
    throw new RangeError(`Invalid option defaultType: expected one of ${EVENT_TYPES.join(", ")}, got "${String(options.defaultType)}"`);
  }
  let started = false;
  return {
    report,
    [Symbol.asyncIterator](): AsyncIterator<ShopEvent> {
      if (started) throw new TypeError("An event stream can be iterated only once: call readEvents again");
      started = true;
      return iterate(source, options, report);
    },
  };
}

/**
 * Reads a whole event file into a columnar {@link EventLog} ({@link readEvents}, collected).
 * @example const { log, report } = await readEventLog("events.csv");
 */
export async function readEventLog(source: string | NodeJS.ReadableStream, options: ReadEventsOptions = {}): Promise<{ log: EventLog; report: EventReadReport }> {
  const stream = readEvents(source, options);
  const b = new EventLogBuilder();
  for await (const e of stream) b.add(e);
  return { log: b.build(), report: stream.report };
}

/** Two 32-bit FNV-1a lanes over a row's fields: identical rows collide, different ones practically never (2⁻⁶⁴). */
function rowHash(parts: readonly string[], out: Int32Array): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let p = 0; p < parts.length; p++) {
    const s = parts[p]!;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h1 = Math.imul(h1 ^ 0x1f, 0x01000193); // field separator
    h2 = Math.imul(h2 ^ 0x1f, 0x5bd1e995);
  }
  out[0] = h1;
  out[1] = h2 | 1; // never 0: 0 marks an empty slot
}

/** A set of 64-bit row hashes: open addressing on one Int32Array (8 bytes a row, no per-entry objects). */
class RowHashSet {
  private slots = new Int32Array(1 << 16);
  private size = 0;
  /** Adds the hash; false when it was there already. */
  add(h1: number, h2: number): boolean {
    if (2 * (this.size + 1) > this.slots.length / 2) this.grow();
    const mask = this.slots.length / 2 - 1;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const b = this.slots[2 * i + 1]!;
      if (b === 0) {
        this.slots[2 * i] = h1;
        this.slots[2 * i + 1] = h2;
        this.size++;
        return true;
      }
      if (b === h2 && this.slots[2 * i] === h1) return false;
    }
  }
  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.add(old[i]!, old[i + 1]!);
  }
}

const HASH = new Int32Array(2);
const hashOf = (parts: readonly string[]): { h1: number; h2: number } => {
  rowHash(parts, HASH);
  return { h1: HASH[0]!, h2: HASH[1]! };
};

type Format = "csv" | "jsonl";

function formatOf(source: string | NodeJS.ReadableStream, option: ReadEventsOptions["format"]): { format: Format | undefined; delimiter: string } {
  if (option === "csv" || option === "jsonl") return { format: option, delimiter: "," };
  if (typeof source !== "string") return { format: undefined, delimiter: "," };
  const ext = extname(source).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return { format: "jsonl", delimiter: "," };
  if (ext === ".tsv") return { format: "csv", delimiter: "\t" };
  if (ext === ".csv") return { format: "csv", delimiter: "," };
  return { format: undefined, delimiter: "," };
}

/** A row as the readers hand it over: the values of FIELD_ORDER, a hash of its raw text (identical rows) and line. */
interface RawRow {
  values: unknown[];
  h1: number;
  h2: number;
  line: number;
}
type RowOrIssue = RawRow | { issue: RowIssue; fatal?: boolean };

async function* iterate(source: string | NodeJS.ReadableStream, options: ReadEventsOptions, report: EventReadReport): AsyncGenerator<ShopEvent> {
  const { signal } = options;
  throwIfAborted(signal, "Reading the events");
  const file = options.fileLabel ?? (typeof source === "string" ? source : "<stdin>");
  const fields: EventFields = { ...DEFAULT_EVENT_FIELDS, ...(options.fields ?? {}) };
  const mapping: EventMapping = {
    file,
    fields,
    defaultType: options.defaultType,
    maxFieldChars: options.maxFieldChars ?? 65536,
    latestMs: options.latestMs ?? Date.now() + 86_400_000,
  };
  const maxIssues = options.maxIssues ?? 20;
  const skip = options.onBadRow === "skip";
  const stream = typeof source === "string" ? createReadStream(source, { highWaterMark: CHUNK_BYTES }) : source;
  const onAbort = () => (stream as { destroy?(e: Error): void }).destroy?.(new CancelledError("Reading the events"));
  signal?.addEventListener("abort", onAbort, { once: true });
  const notes = new Map<EventNote["code"], EventNote>();
  const note = (code: EventNote["code"], line: number, field?: string, message = NOTE_TEXT[code]): void => {
    let n = notes.get(code);
    if (!n) notes.set(code, (n = { code, message: NOTE_TEXT[code], count: 0, examples: [] }));
    n.count++;
    if (n.examples.length < Math.min(5, maxIssues)) n.examples.push(field === undefined ? { file, line, message } : { file, line, field, message });
  };
  const seenRows = new RowHashSet();
  const seenIds = new Set<string>();
  const unknown = new Set<string>();
  let failing = false;
  let fatal: RowIssue | undefined;
  const explicit = new Set(Object.keys(options.fields ?? {}));
  try {
    const { format: fixed, delimiter } = formatOf(source, options.format);
    const rows = fixed === "csv" ? csvRows(stream, mapping, explicit, delimiter) : fixed === "jsonl" ? jsonlRows(stream, mapping) : sniffRows(stream, mapping, explicit);
    for await (const batch of rows) {
      throwIfAborted(signal, "Reading the events");
      for (const r of batch) {
        let res: EventRowResult;
        if ("issue" in r) res = { ok: false, issue: r.issue, ...(r.fatal ? { fatal: true } : {}) };
        else res = mapEventRow(r.values, r.line, mapping);
        if (!res.ok) {
          if (report.issues.length < maxIssues) report.issues.push(res.issue);
          report.issueCount++;
          if (res.fatal === true) fatal = res.issue;
          else {
            report.skipped++;
            if (!skip) failing = true;
          }
          continue;
        }
        const e = res.event;
        if (e.eventId !== undefined) {
          if (seenIds.has(e.eventId)) {
            report.replayedEventIds++;
            continue;
          }
          seenIds.add(e.eventId);
        } else if (!("issue" in r)) {
          if (!seenRows.add(r.h1, r.h2)) report.identicalRows++;
        }
        report.rows++;
        report.zones[res.zone]++;
        for (let c = 0; c < res.notes.length; c++) note(res.notes[c]!, e.line ?? 0);
        if (options.knownItems && !options.knownItems.has(e.itemId)) {
          report.unknownItemEvents++;
          unknown.add(e.itemId);
          note("UNKNOWN_ITEM", e.line ?? 0, fields.item, `unknown item "${e.itemId.slice(0, 40)}"`);
        }
        if (!failing) yield e;
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (typeof source === "string") (stream as ReturnType<typeof createReadStream>).destroy();
  }
  throwIfAborted(signal, "Reading the events");
  report.unknownItems = unknown.size;
  if (report.zones.none > 0 && report.zones.utc + report.zones.offset > 0) {
    const ex = notes.get("ZONELESS_TIME")?.examples ?? [];
    notes.set("MIXED_TIME_ZONES", { code: "MIXED_TIME_ZONES", message: NOTE_TEXT.MIXED_TIME_ZONES, count: report.zones.none, examples: ex });
  }
  report.notes = [...notes.values()];
  if (fatal !== undefined && (skip || report.issueCount === 1)) throw new InvalidInputError([fatal], 1);
  if (failing || fatal !== undefined) {
    const issues = fatal === undefined || report.issues.includes(fatal) ? report.issues : [...report.issues, fatal];
    throw new InvalidInputError(issues, report.issueCount, undefined, fatal === undefined ? { hint: { kind: "skip-bad-rows" } } : {});
  }
  if (report.rows + report.skipped + report.replayedEventIds === 0) {
    throw new InvalidInputError([{ file, line: 1, message: "no events" }], 1, `${file}: no events`);
  }
}

/** Sniffs the format from the first non-blank byte, then reads with the right parser. */
async function* sniffRows(stream: NodeJS.ReadableStream, m: EventMapping, explicit: ReadonlySet<string>): AsyncGenerator<RowOrIssue[]> {
  const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let format: Format | undefined;
  while (format === undefined) {
    const next = await it.next();
    if (next.done === true) break;
    const buf = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
    head.push(buf);
    for (const b of buf) {
      if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a || b === 0xef || b === 0xbb || b === 0xbf) continue;
      format = b === 0x7b ? "jsonl" : "csv";
      break;
    }
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    for (let next = await it.next(); next.done !== true; next = await it.next()) yield typeof next.value === "string" ? Buffer.from(next.value) : next.value;
  }
  if (format === undefined) return;
  yield* format === "jsonl" ? jsonlRows(replay(), m) : csvRows(replay(), m, explicit, ",");
}

/** JSONL: one object per line; bad UTF-8, bad JSON and non-objects are bad rows. */
async function* jsonlRows(source: AsyncIterable<Buffer | string>, m: EventMapping): AsyncGenerator<RowOrIssue[]> {
  const names = FIELD_ORDER.map((k) => m.fields[k]);
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let lineNo = 0;
  const one = (bytes: Buffer, out: RowOrIssue[]): void => {
    lineNo++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    let start = 0;
    if (lineNo === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    const b = bytes.subarray(start, end);
    if (b.length === 0 || (b[0]! <= 0x20 && b.toString("latin1").trim() === "")) return;
    if (b.length > MAX_LINE_BYTES) {
      out.push({ issue: { file: m.file, line: lineNo, message: `line too long: ${b.length} bytes, more than the limit of ${MAX_LINE_BYTES} bytes` } });
      return;
    }
    if (!isUtf8(b)) {
      out.push({ issue: { file: m.file, line: lineNo, message: "invalid UTF-8: save the file as UTF-8 (it may be Latin-1 or Windows-1252)" } });
      return;
    }
    const raw = b.toString("utf8");
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      out.push({ issue: { file: m.file, line: lineNo, message: `invalid JSON: ${(err as Error).message.slice(0, 120)}` } });
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
      out.push({ issue: { file: m.file, line: lineNo, message: `expected a JSON object (one event per line), got ${got}` } });
      return;
    }
    const row = value as Record<string, unknown>;
    out.push({ values: names.map((n) => (Object.hasOwn(row, n) ? row[n] : undefined)), ...hashOf([raw]), line: lineNo });
  };
  for await (const chunk of source) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    const out: RowOrIssue[] = [];
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      const part = buf.subarray(start, nl);
      one(pending.length > 0 ? Buffer.concat([...pending, part], pendingSize + part.length) : part, out);
      pending = [];
      pendingSize = 0;
      start = nl + 1;
    }
    if (start < buf.length) {
      pending.push(buf.subarray(start));
      pendingSize += buf.length - start;
    }
    if (out.length > 0) yield out;
  }
  if (pendingSize > 0) {
    const out: RowOrIssue[] = [];
    one(Buffer.concat(pending, pendingSize), out);
    if (out.length > 0) yield out;
  }
}

/** CSV/TSV via csv-parse: a header row names the columns; wrong column counts are bad rows, broken quotes fatal. */
async function* csvRows(source: AsyncIterable<Buffer | string> | NodeJS.ReadableStream, m: EventMapping, explicit: ReadonlySet<string>, delimiter: string): AsyncGenerator<RowOrIssue[]> {
  const parser = parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: false, max_record_size: MAX_LINE_BYTES });
  let failure: unknown;
  parser.on("error", (e: unknown) => (failure ??= e));
  const feeding = (async () => {
    try {
      for await (const chunk of source as AsyncIterable<Buffer | string>) {
        if (failure !== undefined || parser.destroyed) break;
        if (!parser.write(chunk)) {
          await new Promise<void>((r) => {
            const done = (): void => {
              parser.off("drain", done).off("close", done).off("error", done);
              r();
            };
            parser.on("drain", done).on("close", done).on("error", done);
          });
        }
      }
    } catch (e) {
      failure ??= e;
    }
    if (!parser.destroyed) parser.end();
  })();
  let header: string[] | undefined;
  let index: number[] = [];
  let batch: RowOrIssue[] = [];
  let completed = false;
  const fatal = (line: number, message: string, field?: string): RowOrIssue => ({ issue: field === undefined ? { file: m.file, line, message } : { file: m.file, line, field, message }, fatal: true });
  try {
    // Records come in order and blank lines as [""], so each record starts where the previous one ended + 1
    // (cheaper than csv-parse's per-record info objects).
    let next = 1;
    for await (const fields of parser as AsyncIterable<string[]>) {
      const line = next;
      next++;
      for (const f of fields) for (let i = f.indexOf("\n"); i !== -1; i = f.indexOf("\n", i + 1)) next++;
      if (fields.length === 1 && fields[0]!.trim() === "") continue;
      if (header === undefined) {
        header = fields.map((f) => f.trim());
        const missing = checkHeader(header, m, explicit);
        if (missing !== undefined) {
          yield [fatal(line, `no column "${missing}" in header: ${header.join(", ").slice(0, 200)}`, missing)];
          return;
        }
        index = FIELD_ORDER.map((k) => header!.indexOf(m.fields[k]));
        continue;
      }
      if (fields.length !== header.length) {
        batch.push({ issue: { file: m.file, line, message: `has ${fields.length} columns, the header has ${header.length}` } });
      } else {
        let replaced = false;
        for (const f of fields) if (f.includes("\ufffd")) replaced = true;
        if (replaced) batch.push({ issue: { file: m.file, line, message: "invalid UTF-8: save the file as UTF-8 (it may be Latin-1 or Windows-1252)" } });
        else batch.push({ values: index.map((c) => (c < 0 ? undefined : fields[c])), ...hashOf(fields), line });
      }
      if (batch.length >= 4096) {
        yield batch;
        batch = [];
      }
    }
    completed = true;
  } catch (e) {
    failure ??= e;
    completed = true;
  } finally {
    if (!completed || failure !== undefined) parser.destroy();
  }
  await feeding;
  if (failure !== undefined) {
    if (!(failure instanceof CsvError)) throw failure;
    const at = typeof failure.lines === "number" ? failure.lines : 0;
    const why = failure.code === "CSV_QUOTE_NOT_CLOSED" ? "unclosed quote: a quoted field never ends" : failure.message.slice(0, 120);
    batch.push(fatal(at, `${why}; cannot continue reading past line ${at}`));
  }
  if (batch.length > 0) yield batch;
}

/** The first required or explicitly named field that the header lacks. */
function checkHeader(header: readonly string[], m: EventMapping, explicit: ReadonlySet<string>): string | undefined {
  const has = new Set(header);
  const required: (keyof EventFields)[] = ["user", "item", "time", ...(m.defaultType === undefined ? (["type"] as const) : [])];
  for (const k of required) if (!has.has(m.fields[k])) return m.fields[k];
  for (const k of FIELD_ORDER) if (explicit.has(k) && !has.has(m.fields[k])) return m.fields[k];
  return undefined;
}
