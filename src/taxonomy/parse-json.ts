// Taxonomies from JSON: a flat list of { id, name, parent } or nested { name, id?, children } nodes.

import { InvalidInputError, type RowIssue } from "../core/errors.js";
import { DEFAULT_PATH_SEPARATOR, MAX_PATH_LEVELS } from "../core/product.js";
import type { NodeEntry } from "./build.js";
import { finish, splitTextLines, type TaxonomyParseResult, type TaxonomyReport } from "./parse-text.js";

/** Options of {@link parseTaxonomyJson}. */
export interface JsonTaxonomyOptions {
  /** Name of the input in messages. Default "<json>". */
  file?: string;
  /** Separator of the taxonomy's paths. Default: the value's own "separator", else " > ". */
  separator?: string;
}

/**
 * Reads a taxonomy from JSON text or an already parsed value. Accepted shapes:
 * - a flat list `[{ "id": "1", "name": "Home", "parent": null }, { "id": "2", "name": "Kitchen", "parent": "1" }]`
 *   (parents in any order);
 * - nested nodes `{ "name": "Home", "id"?: "1", "children": [ … ] }`, or a list of them (the top object is a
 *   node itself); a node without an id gets its path as id ("Home > Kitchen");
 * - what Taxonomy.toJSON writes: `{ "separator": " > ", "nodes": [ …flat list… ] }`.
 * Numbers are accepted as ids. Throws InvalidInputError listing every problem with its line (when given
 * text) and field as a JSON path (`[3].parent`): invalid JSON, missing or non-string names, duplicate ids
 * (naming both lines), unknown parents, cycles (naming the ids in the cycle), duplicate sibling names,
 * nesting deeper than {@link MAX_PATH_LEVELS} (reported, never a stack overflow).
 * Names with surrounding spaces are trimmed with a warning.
 * @example const { taxonomy } = parseTaxonomyJson('[{"id":"1","name":"Home"}]', { file: "t.json" });
 */
export function parseTaxonomyJson(input: unknown, options: JsonTaxonomyOptions = {}): TaxonomyParseResult {
  const file = options.file ?? "<json>";
  const report: TaxonomyReport = { file, format: "json", lines: 1, blankLines: 0, commentLines: 0, nodes: 0, warnings: [] };
  let value = input;
  let lineOf: (o: object) => number = () => 1;
  if (typeof input === "string") {
    report.lines = splitTextLines(input).length;
    try {
      value = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
    } catch (e) {
      const issue: RowIssue = { file, line: syntaxErrorLine(input, (e as Error).message), message: `invalid JSON: ${(e as Error).message}` };
      throw new InvalidInputError([issue], 1, `Cannot read taxonomy ${InvalidInputError.format(issue)}`);
    }
    lineOf = objectLines(input, value);
  }

  const issues: RowIssue[] = [];
  const entries: NodeEntry[] = [];
  let separator = options.separator;
  let list: unknown[];
  let prefix = "";
  if (Array.isArray(value)) list = value;
  else if (isObject(value) && Array.isArray(value.nodes) && value.name === undefined) {
    list = value.nodes;
    prefix = "nodes";
    if (separator === undefined && typeof value.separator === "string" && value.separator !== "") separator = value.separator;
  } else if (isObject(value) && value.name !== undefined) list = [value];
  else {
    const issue: RowIssue = { file, line: 1, message: 'expected a list of nodes [{ "id", "name", "parent" }] or a node { "name", "children": [...] }' };
    throw new InvalidInputError([issue], 1, `Cannot read taxonomy ${InvalidInputError.format(issue)}`);
  }
  separator ??= DEFAULT_PATH_SEPARATOR;

  /**
   * Reads one node; `nest` is the enclosing node for children, undefined at the top of the list. Recursion
   * stops at MAX_PATH_LEVELS (its depth is the nesting's), so a hostile file cannot overflow the stack.
   */
  const visit = (v: unknown, at: string, nest: { id: string; path: string | undefined } | undefined, depth = 1): void => {
    if (depth > MAX_PATH_LEVELS) {
      const field = at.length > 60 ? `${at.slice(0, 48)}…` : at;
      issues.push({ file, line: lineOf(isObject(v) ? v : {}), field, message: `nested more than ${MAX_PATH_LEVELS} levels deep` });
      return;
    }
    if (!isObject(v)) {
      issues.push({ file, line: 1, field: at, message: `expected a node object, got ${kindOf(v)}` });
      return;
    }
    const line = lineOf(v);
    const bad = (key: string, message: string) => issues.push({ file, line, field: `${at}.${key}`, message });
    const fields = { id: `${at}.id`, name: `${at}.name`, parent: `${at}.parent` };

    let name: string | undefined;
    if (typeof v.name === "string" || typeof v.name === "number") {
      const raw = String(v.name);
      name = raw.trim();
      if (name !== raw && name !== "") report.warnings.push({ file, line, field: `${at}.name`, message: `whitespace around "${name}": trimmed` });
    } else bad("name", v.name === undefined ? "missing name" : `expected a string, got ${kindOf(v.name)}`);

    let parent: string | null = nest?.id ?? null;
    if (v.parent !== undefined) {
      const p = v.parent === null || v.parent === "" ? null : typeof v.parent === "string" || typeof v.parent === "number" ? String(v.parent) : undefined;
      if (p === undefined) bad("parent", `expected a parent id (string, number or null), got ${kindOf(v.parent)}`);
      else if (nest !== undefined && p !== nest.id) bad("parent", `parent "${p ?? "null"}" contradicts the enclosing node "${nest.id}"`);
      else parent = p;
    }

    const path = name === undefined ? undefined : nest === undefined ? (parent === null ? name : undefined) : nest.path === undefined ? undefined : `${nest.path}${separator}${name}`;
    let id: string | undefined;
    if (typeof v.id === "string" || typeof v.id === "number") id = String(v.id);
    else if (v.id !== undefined && v.id !== null) bad("id", `expected a string or number, got ${kindOf(v.id)}`);
    else if (path !== undefined) id = path;
    else if (name !== undefined) bad("id", "missing id (needed for a node with a parent id or under one)");

    if (id !== undefined && name !== undefined) entries.push({ id, name, parent, line, fields });
    if (v.children !== undefined && v.children !== null) {
      if (!Array.isArray(v.children)) bad("children", `expected a list, got ${kindOf(v.children)}`);
      else if (id !== undefined) v.children.forEach((c, i) => visit(c, `${at}.children[${i}]`, { id: id!, path }, depth + 1));
    }
  };
  list.forEach((v, i) => visit(v, `${prefix}[${i}]`, undefined));
  return finish(entries, issues, report, separator);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * Maps each object of a parsed JSON value to the line of its "{". Objects are visited in document order
 * (the order of their "{" in the text); if the counts disagree (duplicate keys), every object gets line 1.
 */
function objectLines(text: string, value: unknown): (o: object) => number {
  const starts: number[] = [];
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) starts.push(line);
    if (c === 0x0a) line++;
  }
  // Objects in document order: a depth-first walk with an explicit stack (JSON nested thousands of levels
  // deep would overflow the call stack of a recursive one), children pushed last-first.
  const objects: object[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== "object") continue;
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
    if (!Array.isArray(v)) objects.push(v);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  if (objects.length !== starts.length) return () => 1;
  const lines = new Map<object, number>(objects.map((o, i) => [o, starts[i]!]));
  return (o) => lines.get(o) ?? 1;
}

/** The line of a JSON.parse error, from "position N" (Node 20) or "line N column M" (Node 22+). */
function syntaxErrorLine(text: string, message: string): number {
  const lc = /line (\d+) column/.exec(message);
  if (lc) return Number(lc[1]);
  const pos = /position (\d+)/.exec(message);
  if (!pos) return 1;
  let line = 1;
  const end = Math.min(Number(pos[1]), text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}
