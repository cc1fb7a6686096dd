// Shared option parsers and option groups of the CLI verbs (parsing only: values go to the library).
import { InvalidArgumentError, Option, type Command } from "commander";
import type { Warning } from "../entries/core.js";
import type { ReadOptions } from "../entries/models.js";

/** Parses a whole number with bounds, for commander. */
export function intArg(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}, got "${v}"`);
    }
    return n;
  };
}

/** Splits "a,b,c" into trimmed, non-empty names. */
export function listArg(v: string): string[] {
  const parts = v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of field names, got "${v}"`);
  return parts;
}

/** Collects repeated "--param key=value" into an object, parsing values as JSON when they parse. */
export function paramArg(v: string, acc: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = v.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${v}"`);
  const key = v.slice(0, eq).trim();
  const raw = v.slice(eq + 1).trim();
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    /* a bare string */
  }
  return { ...acc, [key]: value };
}

/** Field-mapping and bad-row options shared by the verbs that read a catalog. */
export function addInputOptions(cmd: Command, defaults: { labelField?: boolean; fromModel?: boolean } = {}): Command {
  const dflt = (plain: string): string => (defaults.fromModel ? "the model's" : plain);
  cmd
    .option("--text-fields <names>", `text fields, title first (default: ${dflt("title,description")})`, listArg)
    .option("--id-field <name>", `field holding the product id (default: ${dflt("id")})`)
    .addOption(new Option("--format <format>", "input format (default: from the file extension)").choices(["auto", "jsonl", "csv"]))
    .addOption(new Option("--on-bad-row <mode>", "what to do with a bad row: fail (list the first errors) or skip (count and report)").choices(["fail", "skip"]).default("fail"))
    .option("--max-field-chars <n>", "longest accepted text field or label", intArg("--max-field-chars", 1), 65536);
  if (defaults.labelField !== false) {
    cmd
      .option("--label-field <name>", `field holding the category path (default: ${dflt("category")})`)
      .option("--path-separator <sep>", 'category path separator (default: " > ")')
      .option("--label-depth <n>", "keep only the first N levels of each category path", intArg("--label-depth", 1));
  }
  return cmd;
}

export interface InputFlags {
  textFields?: string[];
  idField?: string;
  labelField?: string;
  pathSeparator?: string;
  labelDepth?: number;
  format?: "auto" | "jsonl" | "csv";
  onBadRow: "fail" | "skip";
  maxFieldChars: number;
}

/**
 * Reader options from parsed flags (undefined fields fall back to the reader's defaults); the reader's
 * warnings (rows sharing an id) go to `ui`.
 */
export function readOptions(flags: InputFlags, file: string, requireLabel: boolean, ui?: { warn(w: Warning): void }): ReadOptions {
  const o: ReadOptions = { requireLabel, onBadRow: flags.onBadRow, maxFieldChars: flags.maxFieldChars, fileLabel: file === "-" ? "<stdin>" : file };
  if (ui) o.onWarning = (w) => ui.warn(w);
  if (flags.textFields) o.textFields = flags.textFields;
  if (flags.idField) o.idField = flags.idField;
  if (flags.labelField) o.labelField = flags.labelField;
  if (flags.pathSeparator) o.pathSeparator = flags.pathSeparator;
  if (flags.labelDepth !== undefined) o.labelDepth = flags.labelDepth;
  if (flags.format) o.format = flags.format;
  return o;
}

/**
 * Parses a number from 0 to 1 (a similarity, a weight), for commander; with `aboveZero`, a probability-like
 * threshold in (0, 1] (0 would accept everything).
 */
export function fractionArg(name: string, options: { aboveZero?: boolean } = {}): (v: string) => number {
  const aboveZero = options.aboveZero === true;
  return (v) => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x) || x < 0 || x > 1 || (aboveZero && x === 0)) {
      throw new InvalidArgumentError(`${name} must be a number ${aboveZero ? "above 0 and at most 1" : "from 0 to 1"}, got "${v}"`);
    }
    return x;
  };
}
