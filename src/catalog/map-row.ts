// Field mapping: turns one parsed row (a JSON object or a CSV record) into a validated Product, or says why not.

import type { RowIssue } from "../core/errors.js";
import { DEFAULT_PATH_SEPARATOR, MAX_PATH_LEVELS, splitPath, type Product } from "../core/product.js";

/** Field-mapping settings, with defaults applied (see ReadOptions in read-catalog.ts). */
export interface RowMapping {
  file: string;
  textFields: readonly string[];
  labelField: string;
  idField: string;
  requireLabel: boolean;
  labelDepth: number | undefined;
  pathSeparator: string;
  maxFieldChars: number;
  /** Which of the field names the caller set explicitly (a CSV header must then have them). */
  explicit: readonly string[];
  /** False: products leave out the row's `fields` (see ReadOptions.fields). */
  fields?: boolean;
}

/** What a format reader makes of one row: a product, or the reason it was rejected. */
export type RowResult =
  | { ok: true; product: Product }
  | { ok: false; issue: RowIssue; /** reading cannot go on after this one */ fatal?: boolean };

/** Builds a rejected-row result. */
export function badRow(file: string, line: number, message: string, field?: string): RowResult {
  const issue: RowIssue = field === undefined ? { file, line, message } : { file, line, field, message };
  return { ok: false, issue };
}

/** Longest parser message kept in an issue; V8 quotes the input, which can be a whole product. */
const MAX_REASON_CHARS = 120;

/** Message for a line that is not valid UTF-8. */
export const INVALID_UTF8 = "invalid UTF-8: save the file as UTF-8 (it may be Latin-1 or Windows-1252)";

/** Message for a line dropped by the line splitter because it passed the byte cap. */
export function lineTooLong(size: number, limit: number): string {
  return `line too long: ${size} bytes, more than the limit of ${limit} bytes`;
}

/** Shortens a parser message to one readable line. */
export function shorten(message: string, max = MAX_REASON_CHARS): string {
  const one = message.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** A short description of a value's type for messages: "an array", "an object", "a boolean". */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A scalar field as a string ("" when absent); `undefined` for arrays and objects. */
function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return undefined;
}

/**
 * Canonical form of a category path: split on the separator (or its trimmed form), trim each level,
 * drop empty levels, keep the first `depth` levels, and join with " > ".
 * @example canonicalLabel("A>B >  C", " > ") === "A > B > C"
 */
export function canonicalLabel(label: string, separator: string, depth?: number): string {
  const levels = splitPath(label, separator);
  return (depth === undefined ? levels : levels.slice(0, depth)).join(DEFAULT_PATH_SEPARATOR);
}

/**
 * A category path's levels, trimmed, or what is wrong with them: an empty level ("A >  > B", a leading or
 * trailing separator) would silently change the path if dropped, and more than {@link MAX_PATH_LEVELS}
 * levels is no taxonomy (and would cost memory quadratic in the depth downstream). One split, as
 * {@link canonicalLabel} does.
 */
function pathLevels(label: string, separator: string): string[] | string {
  const sep = separator.trim() === "" ? separator : separator.trim();
  // One level (most flat taxonomies): no split. The caller has checked that the label is not blank.
  if (!label.includes(sep)) return [label.trim()];
  const levels = label.split(sep);
  if (levels.length > MAX_PATH_LEVELS) return `category path has ${levels.length} levels, more than the limit of ${MAX_PATH_LEVELS}`;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!.trim();
    // JSON quoting keeps the spaces as written ("A >  > B"); shorten() would collapse them.
    if (level === "") return `empty level ${i + 1} of ${levels.length} in category path ${JSON.stringify(label.length > 120 ? `${label.slice(0, 119)}…` : label)}`;
    levels[i] = level;
  }
  return levels;
}

/**
 * Maps one parsed row to a Product: id (or the line number), the text fields in order, the canonical
 * label. A row is rejected when a field is an array or object, a text field or the label is longer than
 * `maxFieldChars`, every text field is empty, the label has an empty level ("A >  > B") or too many, or
 * the label is blank while `requireLabel` is set.
 */
export function mapRow(row: Readonly<Record<string, unknown>>, line: number, m: RowMapping): RowResult {
  const rawId = row[m.idField];
  let id = scalar(rawId);
  if (id === undefined) return badRow(m.file, line, `expected a string or number, got ${kindOf(rawId)}`, m.idField);
  if (id.trim() === "") id = String(line);

  const text: string[] = new Array<string>(m.textFields.length);
  let hasText = false;
  for (let i = 0; i < m.textFields.length; i++) {
    const name = m.textFields[i]!;
    const value = row[name];
    const s = scalar(value);
    if (s === undefined) return badRow(m.file, line, `expected text, got ${kindOf(value)}`, name);
    if (s.length > m.maxFieldChars) return tooLong(m, line, name, s.length);
    if (!hasText && s.trim() !== "") hasText = true;
    text[i] = s;
  }
  if (!hasText) {
    return badRow(m.file, line, `missing text: none of ${m.textFields.join(", ")} has text`);
  }

  const rawLabel = row[m.labelField];
  const labelText = scalar(rawLabel);
  if (labelText === undefined) {
    return badRow(m.file, line, `expected a category path, got ${kindOf(rawLabel)}`, m.labelField);
  }
  if (labelText.length > m.maxFieldChars) return tooLong(m, line, m.labelField, labelText.length);
  let label = "";
  if (labelText.trim() !== "") {
    const levels = pathLevels(labelText, m.pathSeparator);
    if (typeof levels === "string") return badRow(m.file, line, levels, m.labelField);
    label = (m.labelDepth === undefined ? levels : levels.slice(0, m.labelDepth)).join(DEFAULT_PATH_SEPARATOR);
  }
  if (label === "" && m.requireLabel) {
    const why = rawLabel === undefined || rawLabel === null ? "missing" : "blank";
    return badRow(m.file, line, `missing label: field "${m.labelField}" is ${why}`, m.labelField);
  }

  const product: Product =
    m.fields === false
      ? label === ""
        ? { id, text, line }
        : { id, text, label, line }
      : label === ""
        ? { id, text, fields: row, line }
        : { id, text, label, fields: row, line };
  return { ok: true, product };
}

function tooLong(m: RowMapping, line: number, field: string, length: number): RowResult {
  return badRow(
    m.file,
    line,
    `too long: ${length} characters, more than the limit of ${m.maxFieldChars} (maxFieldChars)`,
    field,
  );
}
