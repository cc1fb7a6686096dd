// Shared helpers of the end-to-end tests: run the compiled CLI (bin/assort.js → dist/) as a child process.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../bin/assort.js", import.meta.url));
export const CATALOG = fileURLToPath(new URL("../../examples/catalog/", import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/assort.js ...args`; `input` is piped to stdin (stdin is closed either way). */
export function assort(args: string[], opts: { cwd?: string; input?: string | Buffer } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.on("error", () => undefined); // the CLI may exit before reading all of stdin
    child.stdin.end(opts.input ?? "");
  });
}

/** Parses JSON Lines output. */
export function jsonLines(s: string): unknown[] {
  return s
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);
}

/** A failed run as a person should see it: the exit code, "error: …" first, no stack trace, the given words. */
export function expectError(r: RunResult, code: 1 | 2, ...mentions: (string | RegExp)[]): void {
  expect(r.code, `stderr: ${r.stderr}`).toBe(code);
  expect(r.stderr.startsWith("error:"), `stderr: ${r.stderr}`).toBe(true);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  for (const m of mentions) {
    if (typeof m === "string") expect(r.stderr).toContain(m);
    else expect(r.stderr).toMatch(m);
  }
}

/** Entries of `dir` left by an atomic write of `name` (".name.tmp-…" or ".name.old-…"). */
export function leftovers(dir: string, name: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith(`.${name}.`));
}
