// The CLI's error mapping: every AssortError code has an exit code.
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../index.js";
import { EXIT_BY_CODE, EXIT_USAGE, EXIT_USER, UsageError, reportError } from "./errors.js";

function report(e: unknown): { code: number; out: string } {
  let out = "";
  const code = reportError(e, false, (s) => (out += s));
  return { code, out };
}

describe("CLI exit code of each error code", () => {
  it.each([...ERROR_CODES])("%s exits non-zero, and not with the usage code", (code) => {
    expect(EXIT_BY_CODE[code]).toBe(EXIT_USER);
  });

  it("a usage mistake exits 2", () => {
    expect(report(new UsageError("--k must be at least 1")).code).toBe(EXIT_USAGE);
  });
});
