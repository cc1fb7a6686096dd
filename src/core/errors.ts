// Domain errors with stable codes: the conditions callers branch on (see docs: "Errors").

/**
 * The stable codes of {@link AssortError}, one per class below: the closed set the edges map (the server to
 * an HTTP status, the CLI to an exit code). Adding one is a compile error until both map it.
 */
export const ERROR_CODES = [
  "INVALID_INPUT",
  "CONFIG",
  "MODEL_NOT_FOUND",
  "MODEL_FORMAT",
  "DEPENDENCY_MISSING",
  "CANCELLED",
  "NOT_FOUND",
  "CONFLICT",
  "LIMIT",
  "UNAVAILABLE",
] as const;

/** A stable code of {@link AssortError}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base class of every assort error a caller may branch on; `code` is stable across versions. */
export class AssortError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Where in an input file a problem was found (1-based line, as editors count). */
export interface InputLocation {
  file: string;
  line: number;
  field?: string;
}

/** One rejected input row: location plus the reason, in words. */
export interface RowIssue extends InputLocation {
  message: string;
}

/**
 * Input that cannot be used: names the file, line and field.
 * @example new InvalidInputError({ file: "a.csv", line: 3, field: "title", message: "is empty" })
 */
export class InvalidInputError extends AssortError {
  readonly issues: readonly RowIssue[];
  readonly total: number;
  constructor(issues: readonly RowIssue[], total = issues.length, summary?: string) {
    super("INVALID_INPUT", summary ?? InvalidInputError.describe(issues, total));
    this.issues = issues;
    this.total = total;
  }

  static format(issue: RowIssue): string {
    const field = issue.field !== undefined ? `, field "${issue.field}"` : "";
    return `${issue.file}:${issue.line}${field}: ${issue.message}`;
  }

  static describe(issues: readonly RowIssue[], total: number): string {
    if (issues.length === 1 && total === 1) return InvalidInputError.format(issues[0]!);
    const lines = issues.map((i) => `  ${InvalidInputError.format(i)}`);
    const more = total > issues.length ? `\n  … and ${total - issues.length} more` : "";
    return `Found ${total} bad row${total === 1 ? "" : "s"} (use --on-bad-row skip to skip them):\n${lines.join("\n")}${more}`;
  }
}

/** Parameters or options that do not validate; `details` lists each problem. */
export class ConfigError extends AssortError {
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[] = []) {
    super("CONFIG", details.length > 0 ? `${message}: ${details.join("; ")}` : message);
    this.details = details;
  }
}

/** A model directory that does not exist. */
export class ModelNotFoundError extends AssortError {
  constructor(path: string) {
    super("MODEL_NOT_FOUND", `Cannot load model "${path}": no such model directory`);
  }
}

/** A model that exists but cannot be read: corrupt, half-written, or of a newer format. */
export class ModelFormatError extends AssortError {
  constructor(path: string, detail: string) {
    super("MODEL_FORMAT", `Cannot load model "${path}": ${detail}`);
  }
}

/** An optional package that a feature needs is not installed. */
export class DependencyMissingError extends AssortError {
  constructor(pkg: string, feature: string) {
    super("DEPENDENCY_MISSING", `Install "${pkg}" to use ${feature}: npm install ${pkg}`);
  }
}

/** Work stopped because its AbortSignal fired. */
export class CancelledError extends AssortError {
  constructor(what = "Operation") {
    super("CANCELLED", `${what} was cancelled`);
  }
}

/** Throws CancelledError when the signal has fired. Call between chunks of long work. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}

/** A thing asked for by id (a product, a job, a model version in the registry) that does not exist. */
export class NotFoundError extends AssortError {
  readonly kind: string;
  readonly id: string;
  constructor(kind: string, id: string, detail?: string) {
    super("NOT_FOUND", `No ${kind} "${id}"${detail ? `: ${detail}` : ""}`);
    this.kind = kind;
    this.id = id;
  }
}

/** A request that conflicts with the current state (cancelling a finished job, rolling back with no history). */
export class ConflictError extends AssortError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

/** A request over a size limit (batch items, query length); `limit` is the largest allowed value. */
export class LimitError extends AssortError {
  readonly limit: number;
  readonly actual: number;
  constructor(what: string, actual: number, limit: number) {
    super("LIMIT", `Too many ${what}: ${actual}, the limit is ${limit}`);
    this.limit = limit;
    this.actual = actual;
  }
}

/** The service cannot answer right now (no active model, closing); retry later. */
export class UnavailableError extends AssortError {
  constructor(message: string) {
    super("UNAVAILABLE", message);
  }
}
