// The CLI's one error mapping: user mistakes → "error: …" and exit 1; usage → exit 2; bugs → exit 1 with a hint.
// Library messages are neutral; the CLI's advice (which flag to pass) is added here, from each error's hint.
import { AssortError, InvalidInputError, type ErrorCode, type ErrorHint } from "../entries/core.js";

export const EXIT_OK = 0;
export const EXIT_USER = 1;
export const EXIT_USAGE = 2;

/** A usage mistake found after parsing (conflicting or out-of-range options). */
export class UsageError extends Error {}

/** Exit code of each AssortError code: all are the user's to fix (input, model, options, environment). */
export const EXIT_BY_CODE: Record<ErrorCode, number> = {
  INVALID_INPUT: EXIT_USER,
  CONFIG: EXIT_USER,
  MODEL_NOT_FOUND: EXIT_USER,
  MODEL_FORMAT: EXIT_USER,
  DEPENDENCY_MISSING: EXIT_USER,
  CANCELLED: EXIT_USER,
  NOT_FOUND: EXIT_USER,
  CONFLICT: EXIT_USER,
  LIMIT: EXIT_USER,
  UNAVAILABLE: EXIT_USER,
};

/** The CLI's phrasing of a library hint: the flags that apply the fix. */
export function cliHint(hint: ErrorHint): string {
  switch (hint.kind) {
    case "skip-bad-rows":
      return "use --on-bad-row skip to skip bad rows (each is reported)";
    case "separator":
      return `if the file separates levels with "${hint.separator}", pass --separator "${hint.separator}"`;
    case "train-with-taxonomy":
      return "train the model with --taxonomy FILE";
    case "validate-labels":
      return 'run "assort taxonomy validate --taxonomy FILE --data FILE" for the full list';
    case "mini-batch-kmeans":
      return "use --algorithm kmeans --param batchSize=1024 for large catalogs";
    default: {
      const unknown: never = hint;
      throw new TypeError(`Unhandled error hint ${JSON.stringify(unknown)}`);
    }
  }
}

/** Most hint lines printed for one error (issues of one file tend to repeat the same advice). */
const MAX_HINTS = 5;

/** The CLI hints of an error: its own, then its issues' (distinct, in order). */
export function cliHints(e: AssortError): string[] {
  const hints = [e.hint, ...(e instanceof InvalidInputError ? e.issues.map((i) => i.hint) : [])];
  const lines = new Set<string>();
  for (const h of hints) if (h !== undefined && lines.size < MAX_HINTS) lines.add(cliHint(h));
  return [...lines];
}

/** CLI advice for a library warning code (warnings are open-ended; most need none). */
export function warningHint(code: string): string | undefined {
  return code === "NO_GROUPS" ? "pass the merchant field with --group-field FIELD" : undefined;
}

interface NodeError extends Error {
  code?: string;
  path?: string;
}

/** Formats an error for a person; returns the exit code. The stack is shown only with --debug. */
export function reportError(e: unknown, debug: boolean, write: (s: string) => void): number {
  if (e instanceof Error && e.name === "OutputClosed") return EXIT_OK;
  if (e instanceof UsageError) {
    write(`error: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof AssortError) {
    write(`error: ${e.message}\n`);
    if (e instanceof InvalidInputError && e.total > e.issues.length && e.issues.length === 1) write(`  … and ${e.total - 1} more\n`);
    for (const h of cliHints(e)) write(`hint: ${h}\n`);
    if (debug && e.stack) write(`${e.stack}\n`);
    return EXIT_BY_CODE[e.code];
  }
  const ne = e as NodeError;
  if (ne && typeof ne.code === "string" && ne.path) {
    const what: Record<string, string> = {
      ENOENT: "no such file or directory",
      EACCES: "permission denied",
      EISDIR: "is a directory, expected a file",
      ENOTDIR: "a parent is not a directory",
      ENOSPC: "no space left on the device",
      EROFS: "the file system is read-only",
      EPERM: "operation not permitted",
      EEXIST: "it already exists",
    };
    if (what[ne.code]) {
      write(`error: cannot use "${ne.path}": ${what[ne.code]}\n`);
      if (debug && ne.stack) write(`${ne.stack}\n`);
      return EXIT_USER;
    }
  }
  if (ne && ne.code === "EPIPE") return EXIT_OK;
  write(`error: internal error: ${ne?.message ?? String(e)} (this is a bug; run with --debug for details and report it)\n`);
  if (debug && ne?.stack) write(`${ne.stack}\n`);
  return EXIT_USER;
}
