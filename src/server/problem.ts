// The server's one error mapping: typed errors → HTTP status + application/problem+json (RFC 9457).
import { AssortError, InvalidInputError, type ErrorCode } from "../index.js";
import type { ZodError } from "zod";

/** One field-level problem in a request. */
export interface ProblemField {
  path: string;
  message: string;
}

/** The body of every error answer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: ProblemField[];
}

/** An error raised by the HTTP layer itself (auth, limits, validation) with its status and headers. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: ProblemField[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpProblem";
  }
}

/** Turns zod issues into problem fields, prefixing the request part ("body", "query", "params"). */
export function zodProblem(where: string, e: ZodError): HttpProblem {
  const errors = e.issues.slice(0, 20).map((i) => ({
    path: [where, ...i.path.map(String)].join("."),
    message: i.message,
  }));
  const more = e.issues.length > errors.length ? ` (and ${e.issues.length - errors.length} more)` : "";
  const first = errors[0];
  return new HttpProblem(400, `Invalid request ${where}: ${first ? `${first.path}: ${first.message}` : "does not validate"}${more}`, errors);
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

/** HTTP status of each AssortError code (the set is closed: a new code does not compile until it is mapped here). */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_INPUT: 422,
  CONFIG: 400,
  MODEL_NOT_FOUND: 404,
  MODEL_FORMAT: 422,
  DEPENDENCY_MISSING: 501,
  CANCELLED: 409,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LIMIT: 413,
  UNAVAILABLE: 503,
};

/** The problem body of an error answer. */
export function problemOf(status: number, detail: string, instance: string, errors?: ProblemField[]): Problem {
  return {
    type: status >= 500 ? "about:blank" : `https://assort.dev/problems/${status}`,
    title: TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error"),
    status,
    detail,
    instance,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** A mapped error: what to send, and whether it is the server's fault (log it with its stack). */
export interface MappedError {
  problem: Problem;
  headers: Record<string, string>;
  internal: boolean;
}

/**
 * Maps any thrown value to a problem answer. Messages of typed errors go to the client; anything else
 * becomes a 500 whose detail names only the request id (the stack goes to the log, never to the client).
 */
export function toProblem(e: unknown, instance: string, requestId: string): MappedError {
  const make = (status: number, detail: string, errors?: ProblemField[], headers: Record<string, string> = {}): MappedError => ({
    problem: problemOf(status, detail, instance, errors),
    headers,
    internal: status >= 500 && status !== 503 && status !== 501,
  });
  if (e instanceof HttpProblem) return make(e.status, e.message, e.errors, e.headers);
  if (e instanceof InvalidInputError) {
    const errors = e.issues.slice(0, 20).map((i) => ({ path: `${i.file}[${i.line}]${i.field !== undefined ? `.${i.field}` : ""}`, message: i.message }));
    return make(STATUS_BY_CODE[e.code], e.message, errors);
  }
  if (e instanceof AssortError) return make(STATUS_BY_CODE[e.code], e.message);
  const fe = e as { statusCode?: unknown; code?: unknown; message?: unknown } | null;
  const status = typeof fe?.statusCode === "number" ? fe.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    // fastify's own client errors (bad JSON, 415, 413, rate limit): their messages are safe to show.
    const msg = typeof fe?.message === "string" && fe.message !== "" ? fe.message : (TITLES[status] ?? "Client error");
    return make(status, msg.replace(/^FST_\w+: /, ""));
  }
  return make(500, `Internal error; quote request id "${requestId}" when reporting it`);
}

/** Content type of every error answer. */
export const PROBLEM_TYPE = "application/problem+json; charset=utf-8";

/** The JSON text of a problem raised below the framework (transport limits, malformed HTTP). */
export function problemText(status: number, detail: string, instance: string): string {
  return JSON.stringify(problemOf(status, detail, instance));
}

/**
 * A whole HTTP/1.1 error answer as bytes for a raw socket (a request that never became a request object: a parse
 * error, a header overflow, a deadline). It always closes the connection.
 */
export function rawProblemResponse(status: number, detail: string, instance = "/", headers: Record<string, string> = {}): string {
  const body = problemText(status, detail, instance);
  const head = [`HTTP/1.1 ${status} ${TITLES[status] ?? "Error"}`, `content-type: ${PROBLEM_TYPE}`, `content-length: ${Buffer.byteLength(body)}`, "x-content-type-options: nosniff", "connection: close"];
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  return `${head.join("\r\n")}\r\n\r\n${body}`;
}
