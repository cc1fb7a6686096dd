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

/**
 * A way out that depends on how the failing call was made, in machine-readable form: messages stay neutral
 * (what is wrong, and the fix in words), and each edge phrases the hint in its own terms (the CLI names its
 * flag). Adding a kind is a compile error until the CLI phrases it.
 * - `skip-bad-rows`: the call was told to fail on bad rows; it can skip them instead (`onBadRow` or `onBadImage: "skip"`).
 * - `separator`: the taxonomy file seems to separate levels with `separator`; read it with that separator.
 * - `train-with-taxonomy`: the model needs training against a taxonomy (`taxonomy` option of train).
 * - `validate-labels`: validateLabels lists every label that is not a path of the taxonomy.
 * - `mini-batch-kmeans`: too many rows for agglomerative clustering; kmeans with `batchSize` scales.
 */
export type ErrorHint =
  | { kind: "skip-bad-rows" }
  | { kind: "separator"; separator: string }
  | { kind: "train-with-taxonomy" }
  | { kind: "validate-labels" }
  | { kind: "mini-batch-kmeans" };

/** Options of every AssortError: the cause, and a hint for the edges. */
export interface AssortErrorOptions {
  cause?: unknown;
  hint?: ErrorHint;
}

/** Base class of every assort error a caller may branch on; `code` is stable across versions. */
export class AssortError extends Error {
  readonly code: ErrorCode;
  /** A caller-specific way out, for the edges to phrase (see {@link ErrorHint}). */
  readonly hint: ErrorHint | undefined;
  constructor(code: ErrorCode, message: string, options: AssortErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** Where in an input file a problem was found (1-based line, as editors count). */
export interface InputLocation {
  file: string;
  line: number;
  field?: string;
}

/** One rejected input row: location plus the reason, in words (and a hint for the edges, if any). */
export interface RowIssue extends InputLocation {
  message: string;
  hint?: ErrorHint;
}

/**
 * Input that cannot be used: names the file, line and field.
 * @example new InvalidInputError({ file: "a.csv", line: 3, field: "title", message: "is empty" })
 */
export class InvalidInputError extends AssortError {
  readonly issues: readonly RowIssue[];
  readonly total: number;
  constructor(issues: readonly RowIssue[], total = issues.length, summary?: string, options: AssortErrorOptions = {}) {
    super("INVALID_INPUT", summary ?? InvalidInputError.describe(issues, total, options.hint), options);
    this.issues = issues;
    this.total = total;
  }

  static format(issue: RowIssue): string {
    const field = issue.field !== undefined ? `, field "${issue.field}"` : "";
    return `${issue.file}:${issue.line}${field}: ${issue.message}`;
  }

  /** One line for a single issue; else "Found N bad rows:" and a line per issue (saying they can be skipped when `hint` says so). */
  static describe(issues: readonly RowIssue[], total: number, hint?: ErrorHint): string {
    if (issues.length === 1 && total === 1) return InvalidInputError.format(issues[0]!);
    const lines = issues.map((i) => `  ${InvalidInputError.format(i)}`);
    const more = total > issues.length ? `\n  … and ${total - issues.length} more` : "";
    const skip = hint?.kind === "skip-bad-rows" ? " (fix them, or skip bad rows to go on without them)" : "";
    return `Found ${total} bad row${total === 1 ? "" : "s"}${skip}:\n${lines.join("\n")}${more}`;
  }
}

/** Parameters or options that do not validate; `details` lists each problem. */
export class ConfigError extends AssortError {
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[] = [], options: AssortErrorOptions = {}) {
    super("CONFIG", details.length > 0 ? `${message}: ${details.join("; ")}` : message, options);
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
