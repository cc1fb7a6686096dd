// `assort taxonomy show|validate`: summarize a category tree, and check a catalog's labels against it.
import { Option, type Command } from "commander";
import {
  InvalidInputError,
  loadTaxonomyFile,
  readCatalog,
  taxonomyFromLabels,
  TAXONOMY_FORMATS,
  validateLabels,
  type LabelFinding,
  type LabelOccurrence,
  type ReadOptions,
  type RowIssue,
  type Taxonomy,
  type TaxonomyParseResult,
} from "../../index.js";
import { UsageError } from "../errors.js";
import { inputSource, makeUi, reportSkipped, writeStdout, type Ui } from "../io.js";
import { intArg, listArg } from "../options.js";

const FORMATS_HELP = `
Taxonomy formats (--format; default auto: a .json file, or a first line starting with "[" or "{", is json;
a first line like "123 - …" is google; anything else is paths):
  google  Google's product taxonomy: one "ID - Level 1 > Level 2 > …" per line, "#" comments;
          every parent path needs a line of its own (taxonomy-with-ids.en-US.txt)
  paths   one category path per line ("Home & Garden > Kitchen"); parents are created, and a
          category's id is its path
  json    a list of {"id", "name", "parent"} (parent ids, any order), or nested
          {"name", "id"?, "children": [...]} nodes (a node without an id gets its path)
Blank lines are skipped and counted; spaces around names are trimmed with a warning. Levels are
separated by " > " unless --separator says otherwise. Problems (duplicate ids, cycles, missing
parents, bad separators, empty levels) are all listed with their file and line.`;

interface CommonFlags {
  taxonomy?: string;
  format: "auto" | "google" | "paths" | "json";
  separator?: string;
  data?: string;
  labelField?: string;
  textFields?: string[];
  dataFormat?: "auto" | "jsonl" | "csv";
  onBadRow: "fail" | "skip";
  json?: boolean;
  quiet?: boolean;
}

interface ShowFlags extends CommonFlags {
  depth: number;
}

/** The options both subcommands share: where the taxonomy and the catalog come from, output. */
function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--format <format>", "taxonomy file format").choices([...TAXONOMY_FORMATS]).default("auto"))
    .option("--separator <sep>", 'separator between levels in the taxonomy file (default: " > ")')
    .option("--label-field <name>", "catalog field holding the category path (default: category)")
    .option("--text-fields <names>", "catalog text fields; a row needs one of them (default: title,description)", listArg)
    .addOption(new Option("--data-format <format>", "catalog format (default: from the file extension)").choices(["auto", "jsonl", "csv"]))
    .addOption(new Option("--on-bad-row <mode>", "what to do with a bad catalog row: fail or skip (count and report)").choices(["fail", "skip"]).default("fail"))
    .option("--json", "print one JSON object on stdout")
    .option("-q, --quiet", "no notes or warnings on stderr");
}

export function taxonomyCommand(group: Command): Command {
  group
    .addHelpText("after", FORMATS_HELP);

  const show = group
    .command("show")
    .description("summarize a taxonomy: nodes, leaves, depth, counts per level, and its first levels as a tree")
    .option("--taxonomy <file>", "taxonomy file (google, paths or json format; see below)")
    .option("--data <file>", "without --taxonomy: derive the tree from this catalog's labels (JSONL or CSV, - for stdin)")
    .option("--depth <n>", "levels to print as a tree (0: none)", intArg("--depth", 0), 2);
  addCommonOptions(show).addHelpText("after", FORMATS_HELP);
  show.action(async (flags: ShowFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    let source: { taxonomy: Taxonomy; describe: string; json: Record<string, unknown> };
    if (flags.taxonomy !== undefined) {
      const r = await loadTaxonomy(flags, flags.taxonomy, ui);
      source = {
        taxonomy: r.taxonomy,
        describe: `${flags.taxonomy} (${r.report.format} format; ${r.report.blankLines} blank, ${r.report.commentLines} comment line${r.report.commentLines === 1 ? "" : "s"} skipped)`,
        json: { source: flags.taxonomy, format: r.report.format, blankLines: r.report.blankLines, commentLines: r.report.commentLines, warnings: r.report.warnings },
      };
    } else if (flags.data !== undefined) {
      const { occurrences } = await readLabels(flags, flags.data, ui, true);
      const taxonomy = taxonomyFromLabels(occurrences);
      source = { taxonomy, describe: `derived from the labels of ${flags.data} (${occurrences.length} labelled rows)`, json: { source: flags.data, format: "labels", rows: occurrences.length } };
    } else {
      throw new UsageError("give --taxonomy FILE, or --data CATALOG to derive the tree from its labels");
    }
    const t = source.taxonomy;
    const leaves = t.leaves().length;
    const levels = t.levelCounts();
    if (flags.json) {
      await writeStdout(JSON.stringify({ ...source.json, separator: t.separator, nodes: t.size, leaves, depth: t.depth, levels, tree: tree(t, null, flags.depth) }) + "\n");
      return;
    }
    const n = (x: number) => x.toLocaleString("en-US");
    const lines = [
      `taxonomy  ${source.describe}`,
      `nodes     ${n(t.size)} (${n(leaves)} leaves), depth ${t.depth}`,
      `levels    ${levels.map((c, i) => `${i + 1}: ${n(c)}`).join(" · ")}`,
    ];
    if (flags.depth > 0) {
      lines.push("");
      printTree(t, null, flags.depth, lines);
    }
    await writeStdout(lines.join("\n") + "\n");
  });

  const validate = group
    .command("validate")
    .description("check a catalog's category labels against a taxonomy: exit 0 when every row has a label and every label is a path of it, 1 when not")
    .requiredOption("--taxonomy <file>", "taxonomy file (google, paths or json format; see below)")
    .requiredOption("--data <file>", "catalog whose labels to check: JSONL or CSV (- for stdin)");
  addCommonOptions(validate).addHelpText("after", FORMATS_HELP);
  validate.action(async (flags: CommonFlags & { taxonomy: string; data: string }) => {
    const ui = makeUi(Boolean(flags.quiet));
    const { taxonomy } = await loadTaxonomy(flags, flags.taxonomy, ui);
    const { occurrences, unlabelled } = await readLabels(flags, flags.data, ui, false);
    const v = validateLabels(taxonomy, occurrences);
    const field = flags.labelField ?? "category";
    if (v.labels === 0) ui.warn(`no labels in field "${field}" of ${flags.data}`);
    const bad = v.findings.filter((f) => f.status !== "exact");
    // A row without a label is filed nowhere: a finding of the check (exit 1), or with --on-bad-row skip a warning.
    const missing = flags.onBadRow === "skip" ? [] : unlabelled.lines;
    const missingCount = flags.onBadRow === "skip" ? 0 : unlabelled.count;
    if (flags.onBadRow === "skip" && unlabelled.count > 0) ui.warn(`skipped ${unlabelled.count} row${unlabelled.count === 1 ? "" : "s"} without a label: ${whereUnlabelled(unlabelled)}`);
    if (flags.json) {
      await writeStdout(JSON.stringify({ taxonomy: flags.taxonomy, data: flags.data, ...v, valid: v.valid && missingCount === 0, unlabelled: { count: unlabelled.count, lines: unlabelled.lines.slice(0, 20) } }) + "\n");
    } else {
      const lines = [
        `Checked ${v.labels} label${v.labels === 1 ? "" : "s"} (${v.distinct} distinct) in ${flags.data} against ${flags.taxonomy} (${taxonomy.size} categories)`,
        `  ${v.counts.exact} exact · ${v.counts.normalized} normalizable · ${v.counts["too-deep"]} too deep · ${v.counts.unknown} unknown`,
      ];
      if (missingCount > 0) lines.push("", `no label     ${missingCount} row${missingCount === 1 ? "" : "s"}: ${whereUnlabelled(unlabelled)}`);
      const order = { normalized: 0, "too-deep": 1, unknown: 2, exact: 3 };
      for (const f of [...bad].sort((a, b) => order[a.status] - order[b.status])) lines.push("", ...describeFinding(f));
      await writeStdout(lines.join("\n") + "\n");
    }
    if (bad.length > 0 || missingCount > 0) {
      const issues: RowIssue[] = bad.map((f) => ({ file: f.occurrences[0]?.file ?? flags.data, line: f.occurrences[0]?.line ?? 1, field, message: problem(f) }));
      for (const line of missing) issues.push({ file: unlabelled.file, line, field, message: "no label" });
      const rows = bad.reduce((s, f) => s + f.count, 0);
      const parts = bad.length > 0 ? [`${bad.length} of ${v.distinct} distinct labels (${rows} row${rows === 1 ? "" : "s"}) are not paths of the taxonomy ${flags.taxonomy}`] : [];
      if (missingCount > 0) parts.push(`${missingCount} row${missingCount === 1 ? " has" : "s have"} no label (${whereUnlabelled(unlabelled)})`);
      throw new InvalidInputError(issues, issues.length, parts.join("; "));
    }
  });
  return group;
}

async function loadTaxonomy(flags: CommonFlags, file: string, ui: Ui): Promise<TaxonomyParseResult> {
  const r = await loadTaxonomyFile(file, { format: flags.format, ...(flags.separator !== undefined ? { separator: flags.separator } : {}) });
  const shown = r.report.warnings.slice(0, 10).map((w) => `  ${InvalidInputError.format(w)}`);
  const more = r.report.warnings.length > shown.length ? `\n  … and ${r.report.warnings.length - shown.length} more` : "";
  if (shown.length > 0) ui.warn(`${r.report.warnings.length} note${r.report.warnings.length === 1 ? "" : "s"} on ${file}:\n${shown.join("\n")}${more}`);
  return r;
}

/**
 * The catalog's labels with their lines. validate takes each label as written (the raw field, so case and
 * spacing slips show), and a row without a label is a bad row (a catalog checked against a taxonomy files
 * every product under one of its categories); show takes the reader's canonical label of the rows that have one.
 * Every row is checked on its own, so rows sharing an id are not merged (nor tracked).
 */
async function readLabels(flags: CommonFlags, file: string, ui: Ui, canonical: boolean): Promise<{ occurrences: LabelOccurrence[]; unlabelled: Unlabelled }> {
  const fileLabel = file === "-" ? "<stdin>" : file;
  const options: ReadOptions = { requireLabel: false, onBadRow: flags.onBadRow, fileLabel, duplicateIds: false };
  if (flags.labelField !== undefined) options.labelField = flags.labelField;
  if (flags.textFields !== undefined) options.textFields = flags.textFields;
  if (flags.dataFormat !== undefined) options.format = flags.dataFormat;
  if (canonical && flags.separator !== undefined) options.pathSeparator = flags.separator;
  const field = flags.labelField ?? "category";
  const catalog = readCatalog(inputSource(file), options);
  const out: LabelOccurrence[] = [];
  const unlabelled: Unlabelled = { file: fileLabel, count: 0, lines: [] };
  for await (const p of catalog) {
    const raw = p.fields?.[field];
    const label = canonical ? p.label : typeof raw === "string" ? raw : typeof raw === "number" ? String(raw) : p.label;
    if (label !== undefined && label.trim() !== "") out.push(p.line === undefined ? { label, file: fileLabel } : { label, file: fileLabel, line: p.line });
    else if (unlabelled.count++ < MAX_UNLABELLED_LINES) unlabelled.lines.push(p.line ?? 0);
  }
  reportSkipped(catalog.report, ui);
  return { occurrences: out, unlabelled };
}

/** Rows of the catalog without a label: how many, and the first lines. */
interface Unlabelled {
  file: string;
  count: number;
  lines: number[];
}

const MAX_UNLABELLED_LINES = 20;

/** "file:7, file:9, …" for the first unlabelled rows. */
function whereUnlabelled(u: Unlabelled): string {
  const shown = u.lines.slice(0, 5).map((l) => `${u.file}:${l}`);
  return `${shown.join(", ")}${u.count > shown.length ? ", …" : ""}`;
}

interface TreeJson {
  id: string;
  name: string;
  children?: TreeJson[];
  below?: number;
}

function tree(t: Taxonomy, parent: string | null, depth: number): TreeJson[] {
  if (depth <= 0) return [];
  return t.children(parent).map((c) => {
    if (t.isLeaf(c.id)) return { id: c.id, name: c.name };
    return depth > 1 ? { id: c.id, name: c.name, children: tree(t, c.id, depth - 1) } : { id: c.id, name: c.name, below: t.descendantCount(c.id) };
  });
}

function printTree(t: Taxonomy, parent: string | null, depth: number, lines: string[]): void {
  for (const c of t.children(parent)) {
    const id = c.id === t.path(c.id) ? "" : `  [${c.id}]`;
    const hidden = depth === 1 && !t.isLeaf(c.id) ? `  (+${t.descendantCount(c.id)} below)` : "";
    lines.push(`${"  ".repeat(c.depth - 1)}${c.name}${id}${hidden}`);
    if (depth > 1) printTree(t, c.id, depth - 1, lines);
  }
}

function where(f: LabelFinding): string {
  const at = f.occurrences.map((o) => (o.line === undefined ? (o.file ?? "") : `${o.file ?? ""}:${o.line}`)).join(", ");
  return `${f.count} row${f.count === 1 ? "" : "s"}${at === "" ? "" : `: ${at}${f.count > f.occurrences.length ? ", …" : ""}`}`;
}

/** A finding for a person: the label as written (quoted, so stray spaces show), where, and the way to fix it. */
function describeFinding(f: LabelFinding): string[] {
  const head = (kind: string) => `${kind.padEnd(13)}${JSON.stringify(f.label)}  (${where(f)})`;
  switch (f.status) {
    case "normalized":
      return [head("normalizable"), `             → "${f.path}"  (fix: ${(f.fixes ?? []).join(", ")})`];
    case "too-deep":
      return [head("too deep"), `             → deepest category: "${f.ancestor?.path}"; extra level${(f.extra ?? []).length === 1 ? "" : "s"}: ${(f.extra ?? []).join(", ")}`];
    default: {
      const s = f.suggestions ?? [];
      const lines = [head("unknown")];
      if (f.ancestor) lines.push(`             under "${f.ancestor.path}"`);
      lines.push(s.length === 0 ? "             → no similar category" : `             → did you mean: ${s.map((x) => `"${x.path}" (${x.score.toFixed(2)})`).join(" | ")}`);
      return lines;
    }
  }
}

/** One line per bad label, for the error's issues. */
function problem(f: LabelFinding): string {
  switch (f.status) {
    case "normalized":
      return `label "${f.label}" matches "${f.path}" only after fixing ${(f.fixes ?? []).join(", ")}`;
    case "too-deep":
      return `label "${f.label}" is deeper than the taxonomy: "${f.ancestor?.path}" has no children`;
    default:
      return `label "${f.label}" is not in the taxonomy${f.suggestions?.[0] ? `; closest: "${f.suggestions[0].path}"` : ""}`;
  }
}
