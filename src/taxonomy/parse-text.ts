// Taxonomies from text: Google's "ID - A > B > C" file, a plain list of paths, or the labels of a catalog.

import type { ErrorHint, RowIssue } from "../core/errors.js";
import { DEFAULT_PATH_SEPARATOR, MAX_PATH_LEVELS } from "../core/product.js";
import { checkEntries, separatorParts, type NodeEntry, type SeparatorParts } from "./build.js";
import { Taxonomy, taxonomyError } from "./taxonomy.js";

/** The file formats a taxonomy can be read from. */
export type TaxonomyFormat = "google" | "paths" | "json";

/** What reading a taxonomy found besides the tree: line counts and soft problems. */
export interface TaxonomyReport {
  file: string;
  format: TaxonomyFormat;
  /** Lines in the input. */
  lines: number;
  /** Empty or all-space lines: skipped, not errors. */
  blankLines: number;
  /** Lines starting with "#": skipped. */
  commentLines: number;
  /** Nodes in the taxonomy, including parents created for path lists. */
  nodes: number;
  /** Soft problems, fixed as described (names trimmed, names that differ only in case, parents created). */
  warnings: RowIssue[];
}

/** A taxonomy and the report of reading it. */
export interface TaxonomyParseResult {
  taxonomy: Taxonomy;
  report: TaxonomyReport;
}

/** Options of the text taxonomy readers. */
export interface TextTaxonomyOptions {
  /** Name of the input in messages. Default "<taxonomy>". */
  file?: string;
  /** Separator between levels. Default " > ". */
  separator?: string;
}

/** Options of {@link parseGoogleTaxonomy}. */
export interface GoogleTaxonomyOptions extends TextTaxonomyOptions {
  /**
   * Create a parent that has no line of its own (id = its path) and warn, instead of reporting
   * "missing parent". Default false.
   */
  createMissingParents?: boolean;
}

/** One line of input, with its 1-based number. */
interface Line {
  line: number;
  text: string;
}

/** Splits text into lines (LF or CRLF, BOM dropped); a final newline does not start another line. */
export function splitTextLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Content lines, with blank and "#" comment lines counted and left out. */
function contentLines(text: string, report: TaxonomyReport): Line[] {
  const out: Line[] = [];
  const lines = splitTextLines(text);
  report.lines = lines.length;
  lines.forEach((t, i) => {
    const trimmed = t.trim();
    if (trimmed === "") report.blankLines++;
    else if (trimmed.startsWith("#")) report.commentLines++;
    else out.push({ line: i + 1, text: t });
  });
  return out;
}

function newReport(file: string, format: TaxonomyFormat): TaxonomyReport {
  return { file, format, lines: 0, blankLines: 0, commentLines: 0, nodes: 0, warnings: [] };
}

/** Separators people use between category levels, checked when they are not the expected one. */
const ALTERNATIVES = [">>", ">", "»", "›", "→", "|", "/", "\\"];
/** Alternatives that also occur inside real names ("I/O Cards"): flagged unspaced only in a file without the expected separator. */
const WEAK = new Set(["/", "\\"]);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A path split into trimmed names, or the reasons it cannot be (a wrong separator with the one to read it with). */
interface ParsedPath {
  names: string[];
  errors: { message: string; hint?: ErrorHint }[];
  warnings: string[];
}

/**
 * Splits one path on the separator, checking the spacing around it, other separators ("/", "|", "»", …),
 * empty levels, and whitespace around names (trimmed with a warning). `strict`: flag an unspaced "/" too.
 */
export function parsePathText(raw: string, sep: SeparatorParts, strict = false): ParsedPath {
  const out: ParsedPath = { names: [], errors: [], warnings: [] };
  const shown = raw.trim();
  if (shown === "") {
    out.errors.push({ message: "empty path" });
    return out;
  }
  for (const alt of ALTERNATIVES) {
    if (alt === sep.core || (sep.core.includes(alt) && alt.length < sep.core.length)) continue;
    const spaced = new RegExp(`\\s${escapeRe(alt)}\\s`).test(raw);
    const bare = !spaced && (!WEAK.has(alt) || strict) && raw.includes(alt);
    if (!spaced && !bare) continue;
    const use = spaced ? ` ${alt} ` : alt;
    out.errors.push({
      message: `bad separator "${alt}" in "${shown}": expected "${sep.full}"; if the file separates levels with "${use}", read it with that separator`,
      hint: { kind: "separator", separator: use },
    });
    return out;
  }
  const parts = raw.split(sep.core);
  if (parts.length > MAX_PATH_LEVELS) {
    out.errors.push({ message: `path has ${parts.length} levels, more than the limit of ${MAX_PATH_LEVELS}` });
    return out;
  }
  const last = parts.length - 1;
  let spacingReported = false;
  for (let i = 0; i <= last; i++) {
    let seg = parts[i]!;
    const badBefore = i < last && sep.before !== "" && !seg.endsWith(sep.before);
    const badAfter = i > 0 && sep.after !== "" && !seg.startsWith(sep.after);
    if ((badBefore || badAfter) && !spacingReported) {
      spacingReported = true;
      out.errors.push({
        message:
          `bad separator "${sep.core}" without the spaces around it in "${shown}": expected "${sep.full}"; ` +
          `if the file separates levels with "${sep.core}", read it with that separator`,
        hint: { kind: "separator", separator: sep.core },
      });
    }
    if (i > 0 && sep.after !== "" && seg.startsWith(sep.after)) seg = seg.slice(sep.after.length);
    if (i < last && sep.before !== "" && seg.endsWith(sep.before)) seg = seg.slice(0, seg.length - sep.before.length);
    const name = seg.trim();
    if (name === "") {
      out.errors.push({ message: `empty level ${i + 1} in "${shown}"` });
      continue;
    }
    // With a padded separator (" > ") any extra space is a slip; with a bare one (">") only the path's ends count.
    const lead = seg !== seg.trimStart() && (sep.before + sep.after !== "" || i === 0);
    const trail = seg !== seg.trimEnd() && (sep.before + sep.after !== "" || i === last);
    if (lead || trail) {
      const where = lead && trail ? "leading and trailing" : lead ? "leading" : "trailing";
      out.warnings.push(`${where} whitespace around "${name}" (level ${i + 1}): trimmed`);
    }
    out.names.push(name);
  }
  return out;
}

/** True when no content line holds the expected separator: then an unspaced "/" is taken as a separator too. */
function lacksSeparator(lines: readonly Line[], sep: SeparatorParts): boolean {
  return !lines.some((l) => l.text.includes(sep.core));
}

const GOOGLE_LINE = /^\s*(\S+)\s+-\s(.*)$/;

/**
 * Reads Google's product taxonomy format: one `ID - Level 1 > Level 2 > …` per line, `#` comments and
 * blank lines skipped. Every parent path must have its own line (anywhere in the file); a missing one is
 * reported with the line that needs it, unless `createMissingParents` is set. Throws InvalidInputError
 * listing every problem with its line: lines not in the format, duplicate ids (naming both lines),
 * duplicate paths, bad separators, empty levels. Names with surrounding spaces are trimmed with a warning.
 * @example const { taxonomy } = parseGoogleTaxonomy("1 - Animals\n3 - Animals > Pets\n", { file: "t.txt" });
 */
export function parseGoogleTaxonomy(text: string, options: GoogleTaxonomyOptions = {}): TaxonomyParseResult {
  const file = options.file ?? "<taxonomy>";
  const separator = options.separator ?? DEFAULT_PATH_SEPARATOR;
  const sep = separatorParts(separator);
  const report = newReport(file, "google");
  const issues: RowIssue[] = [];
  const lines = contentLines(text, report);
  const rows: { line: number; id: string; names: string[] }[] = [];
  const rejected = new Set<string>(); // loose paths of rejected lines: their children are not reported again
  const heads = lines.map((l) => ({ l, m: GOOGLE_LINE.exec(l.text) }));
  const strict = lacksSeparator(heads.map(({ l, m }) => ({ line: l.line, text: m?.[2] ?? "" })), sep);

  for (const { l, m } of heads) {
    if (m === null) {
      const hint = l.text.includes(sep.core) ? ' (a line without an id? use the "paths" format for plain paths)' : "";
      issues.push({ file, line: l.line, message: `expected "ID - Level 1${sep.full}Level 2…", got "${shorten(l.text)}"${hint}` });
      continue;
    }
    const parsed = parsePathText(m[2]!, sep, strict);
    for (const w of parsed.warnings) report.warnings.push({ file, line: l.line, field: "path", message: w });
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors) issues.push({ file, line: l.line, field: "path", ...e });
      rejected.add(loosePath(m[2]!, sep));
      continue;
    }
    rows.push({ line: l.line, id: m[1]!, names: parsed.names });
  }

  const byPath = new Map<string, string>(); // path → id of its first line
  for (const r of rows) if (!byPath.has(r.names.join(sep.full))) byPath.set(r.names.join(sep.full), r.id);
  const fields = { id: "id", name: "path", parent: "path" };
  const entries: NodeEntry[] = [];
  for (const r of rows) {
    let parent: string | null = null;
    if (r.names.length > 1) {
      const parentNames = r.names.slice(0, -1);
      const parentPath = parentNames.join(sep.full);
      parent = byPath.get(parentPath) ?? null;
      if (parent === null && options.createMissingParents === true) {
        for (let d = 1; d <= parentNames.length; d++) {
          const p = parentNames.slice(0, d).join(sep.full);
          if (byPath.has(p)) continue;
          const up = d === 1 ? null : byPath.get(parentNames.slice(0, d - 1).join(sep.full))!;
          entries.push({ id: p, name: parentNames[d - 1]!, parent: up, line: r.line, fields });
          byPath.set(p, p);
          report.warnings.push({ file, line: r.line, field: "path", message: `created missing parent "${p}" (id "${p}")` });
        }
        parent = byPath.get(parentPath)!;
      } else if (parent === null) {
        if (!rejected.has(parentNames.join("\u0000"))) {
          issues.push({ file, line: r.line, field: "path", message: `missing parent "${parentPath}": no line of the file has this path` });
        }
        continue;
      }
    }
    entries.push({ id: r.id, name: r.names[r.names.length - 1]!, parent, line: r.line, fields });
  }
  return finish(entries, issues, report, separator);
}

/**
 * Reads a list of category paths, one per line (`Level 1 > Level 2 > …`), `#` comments and blank lines
 * skipped. Parents without their own line are created. A node's id is its full path as first read,
 * names joined with the separator (e.g. "Home > Kitchen"); ids stay when a node is renamed later.
 * Throws InvalidInputError listing every problem with its line: duplicate paths (naming both lines), bad
 * separators, empty levels. Names with surrounding spaces are trimmed with a warning.
 * @example const { taxonomy } = parsePathList("Home > Kitchen\nHome > Garden\n", { file: "paths.txt" });
 */
export function parsePathList(text: string, options: TextTaxonomyOptions = {}): TaxonomyParseResult {
  const file = options.file ?? "<taxonomy>";
  const separator = options.separator ?? DEFAULT_PATH_SEPARATOR;
  const sep = separatorParts(separator);
  const report = newReport(file, "paths");
  const issues: RowIssue[] = [];
  const lines = contentLines(text, report);
  const strict = lacksSeparator(lines, sep);
  const explicit = new Map<string, number>(); // path → line that listed it
  const entries: NodeEntry[] = [];
  const known = new Set<string>();
  const fields = { id: "path", name: "path", parent: "path" };
  for (const l of lines) {
    const parsed = parsePathText(l.text, sep, strict);
    for (const w of parsed.warnings) report.warnings.push({ file, line: l.line, field: "path", message: w });
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors) issues.push({ file, line: l.line, field: "path", ...e });
      continue;
    }
    const path = parsed.names.join(sep.full);
    const first = explicit.get(path);
    if (first !== undefined) {
      issues.push({ file, line: l.line, field: "path", message: `duplicate path "${path}": also on line ${first}` });
      continue;
    }
    explicit.set(path, l.line);
    for (let d = 1; d <= parsed.names.length; d++) {
      const id = parsed.names.slice(0, d).join(sep.full);
      if (known.has(id)) continue;
      known.add(id);
      const parent = d === 1 ? null : parsed.names.slice(0, d - 1).join(sep.full);
      entries.push({ id, name: parsed.names[d - 1]!, parent, line: l.line, fields });
    }
  }
  return finish(entries, issues, report, separator);
}

/**
 * Derives a taxonomy from category labels (e.g. the `label`s of a training catalog): every path and
 * each of its parents becomes a node whose id is its path. Labels are split leniently (levels trimmed,
 * empty levels dropped, as the catalog readers do); blank labels are ignored.
 * @example taxonomyFromLabels(products.map((p) => p.label ?? "")).leaves().length
 */
export function taxonomyFromLabels(
  labels: Iterable<string | { label?: string | undefined }>,
  options: { separator?: string } = {},
): Taxonomy {
  const separator = options.separator ?? DEFAULT_PATH_SEPARATOR;
  const sep = separatorParts(separator);
  const nodes: { id: string; name: string; parent: string | null }[] = [];
  const known = new Set<string>();
  for (const item of labels) {
    const label = typeof item === "string" ? item : item.label;
    if (label === undefined) continue;
    const names = label.split(sep.core).map((s) => s.trim()).filter((s) => s !== "");
    let parent: string | null = null;
    for (let d = 1; d <= names.length; d++) {
      const id = names.slice(0, d).join(separator);
      if (!known.has(id)) {
        known.add(id);
        nodes.push({ id, name: names[d - 1]!, parent });
      }
      parent = id;
    }
  }
  return new Taxonomy(nodes, { separator, file: "<labels>" });
}

/** Builds the taxonomy when nothing is wrong; otherwise throws every problem found, in line order. */
export function finish(entries: NodeEntry[], issues: RowIssue[], report: TaxonomyReport, separator: string): TaxonomyParseResult {
  const checked = checkEntries(entries, report.file, separator);
  report.warnings.push(...checked.warnings);
  report.warnings.sort((a, b) => a.line - b.line);
  const all = [...issues, ...checked.issues].sort((a, b) => a.line - b.line);
  if (all.length === 0 && entries.length === 0) all.push({ file: report.file, line: Math.max(report.lines, 1), message: "no categories" });
  if (all.length > 0) throw taxonomyError(report.file, all);
  const taxonomy = new Taxonomy(
    checked.nodes.map((n) => ({ id: n.id, name: n.name, parent: n.parent })),
    { separator, file: report.file },
  );
  report.nodes = taxonomy.size;
  return { taxonomy, report };
}

/** A rejected line's path, split leniently: its children are not reported as orphans too. */
function loosePath(raw: string, sep: SeparatorParts): string {
  return raw.split(sep.core).map((s) => s.trim()).filter((s) => s !== "").join("\u0000");
}

function shorten(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
