// The CLI's error mapping: every AssortError code has an exit code, and the CLI (only it) phrases each
// library hint as the flags that apply it.
import { describe, expect, it } from "vitest";
import { ConfigError, ERROR_CODES, InvalidInputError, ModelNotFoundError, type ErrorHint } from "../index.js";
import { EXIT_BY_CODE, EXIT_USAGE, EXIT_USER, UsageError, cliHint, reportError, warningHint } from "./errors.js";

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

describe("CLI hints", () => {
  /** One hint of each kind and the flag the CLI must name for it. */
  const HINTS: [ErrorHint, string][] = [
    [{ kind: "skip-bad-rows" }, "--on-bad-row skip"],
    [{ kind: "separator", separator: " | " }, '--separator " | "'],
    [{ kind: "train-with-taxonomy" }, "--taxonomy"],
    [{ kind: "validate-labels" }, "assort taxonomy validate"],
    [{ kind: "mini-batch-kmeans" }, "--algorithm kmeans"],
  ];

  it.each(HINTS)("%j names %s", (hint, flag) => {
    expect(cliHint(hint)).toContain(flag);
  });

  it("bad rows of a file read: the neutral library message, then the --on-bad-row hint", () => {
    const issues = [
      { file: "a.jsonl", line: 3, field: "title", message: "is empty" },
      { file: "a.jsonl", line: 10, message: "not JSON" },
    ];
    const e = new InvalidInputError(issues, 2, undefined, { hint: { kind: "skip-bad-rows" } });
    expect(e.message).not.toContain("--");
    const { code, out } = report(e);
    expect(code).toBe(EXIT_USER);
    expect(out).toBe(
      [
        "error: Found 2 bad rows (fix them, or skip bad rows to go on without them):",
        '  a.jsonl:3, field "title": is empty',
        "  a.jsonl:10: not JSON",
        "hint: use --on-bad-row skip to skip bad rows (each is reported)",
        "",
      ].join("\n"),
    );
  });

  it("bad rows that cannot be skipped (no hint): no skip advice in the message nor from the CLI", () => {
    const e = new InvalidInputError([{ file: "a.jsonl", line: 3, message: "x" }, { file: "a.jsonl", line: 4, message: "y" }], 2);
    expect(e.message.split("\n")[0]).toBe("Found 2 bad rows:");
    expect(report(e).out).not.toContain("hint:");
  });

  it("issue hints print once each, after the message", () => {
    const sep = { kind: "separator", separator: ">" } as const;
    const issues = [1, 2, 3].map((line) => ({ file: "t.txt", line, field: "path", message: "bad separator", hint: sep }));
    const { out } = report(new InvalidInputError(issues, 3));
    expect(out.match(/^hint: /gm)).toHaveLength(1);
    expect(out).toContain('hint: if the file separates levels with ">", pass --separator ">"');
  });

  it("an error without a hint prints one line", () => {
    expect(report(new ModelNotFoundError("models/x")).out).toBe('error: Cannot load model "models/x": no such model directory\n');
    expect(report(new ConfigError("Invalid k", ["must be ≥ 1"])).out).toBe("error: Invalid k: must be ≥ 1\n");
  });

  it("phrases the group-field warning of match clustering", () => {
    expect(warningHint("NO_GROUPS")).toContain("--group-field");
    expect(warningHint("SMALL_CLASS")).toBeUndefined();
  });
});
