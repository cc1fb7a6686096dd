// The JSON body parser: strict UTF-8 and bounded nesting before fastify's own parser (which refuses
// prototype poisoning), so a hostile body is a 400, never U+FFFD in the store or a stack overflow later.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { nestingPath } from "../index.js";
import { HttpProblem } from "./problem.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Whether JSON text opens more than `max` objects/arrays inside one another (a linear scan; strings skipped). */
export function jsonNestsDeeper(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip a string: to the next unescaped quote.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return false;
}

/** The problem for a body nested deeper than `max` levels, naming the path (JSON.parse is iterative in V8, so it is safe here). */
function tooDeep(text: string, max: number, hint: string): HttpProblem | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // malformed: fastify's parser words that error
  }
  const at = nestingPath(value, max);
  if (!at) return undefined;
  const where = ["body", ...at.map(String)].join(".");
  return new HttpProblem(400, `Invalid request body: ${where}: nested deeper than ${max} levels of objects and arrays${hint}`, [{ path: where, message: `nested deeper than ${max} levels` }]);
}

/**
 * Replaces fastify's application/json parser: the body must be valid UTF-8 (400 otherwise, instead of U+FFFD
 * replacing the bad bytes) and nest at most `maxDepth` levels (the body itself is level 1; `hint` explains the
 * limit in the answer); then fastify's default parser runs.
 */
export function useJsonBodyParser(app: FastifyInstance, maxDepth: number, hint = ""): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    let text: string;
    try {
      text = typeof body === "string" ? body : utf8.decode(body);
    } catch {
      return done(new HttpProblem(400, "Invalid request body: it is not valid UTF-8 (JSON must be UTF-8 encoded)"));
    }
    if (jsonNestsDeeper(text, maxDepth)) {
      const p = tooDeep(text, maxDepth, hint);
      if (p) return done(p);
    }
    parseJson(req, text, done);
  });
}
