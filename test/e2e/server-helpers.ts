// Helpers of the server end-to-end tests: start the real `assort serve` on a random port, call it, stop it.
// ASSORT_BIN points the tests at another build of the CLI (default bin/assort.js → dist/).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BIN, CATALOG, ROOT, type RunResult } from "./helpers.js";

export const CLI = process.env.ASSORT_BIN ? path.resolve(process.env.ASSORT_BIN) : BIN;
export const ADMIN_KEY = "e2e-admin-key-0123456789abcdef";
export const TRAIN = path.join(CATALOG, "train.jsonl");
export const TEST = path.join(CATALOG, "test.jsonl");

/** Runs the CLI under test to completion. */
export function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A temporary folder for one test file. */
export function tempDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `assort-e2e-${name}-`));
}

/** Trains a model on the example catalog into `dir` (no calibration: fast). */
export async function trainExampleModel(dir: string, seed = 42): Promise<string> {
  const r = await cli(["train", "--data", TRAIN, "--out", dir, "--seed", String(seed), "--calibration", "none"]);
  if (r.code !== 0) throw new Error(`assort train failed: ${r.stderr}`);
  return dir;
}

/** A parsed JSON answer: tests read its fields freely and assert their values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Answer = { status: number; headers: Headers; json: any; text: string };

/** A running server. */
export interface Server {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** Sends `signal` and resolves to the exit code (SIGTERM: graceful). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** fetch against the server; `key` sends Authorization: Bearer. */
  call(p: string, o?: { method?: string; body?: unknown; raw?: string; type?: string; key?: string }): Promise<Answer>;
}

/** Starts `assort serve --port 0 …args` and waits for its "listening on URL" line. */
export function startServer(args: string[], env: Record<string, string> = { ASSORT_API_KEY: ADMIN_KEY }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--log-level", "warn", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start in 30 s: ${err}`));
    }, 30_000);
    child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (!out.includes("\n")) reject(new Error(`server exited with ${code}: ${err}`));
    });
    child.stdout.on("data", (b: Buffer) => {
      const had = out.includes("\n");
      out += b.toString("utf8");
      if (had || !out.includes("\n")) return;
      clearTimeout(timer);
      const m = /^listening on (http:\/\/\S+)\n/.exec(out);
      if (!m) return reject(new Error(`unexpected first line: ${out}`));
      const url = m[1]!;
      resolve({
        url,
        child,
        stderr: () => err,
        stop: (signal = "SIGTERM") => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
        call: async (p, o = {}) => {
          const headers: Record<string, string> = {};
          if (o.key) headers.authorization = `Bearer ${o.key}`;
          let body: string | undefined;
          if (o.raw !== undefined || o.body !== undefined) {
            body = o.raw ?? JSON.stringify(o.body);
            headers["content-type"] = o.type ?? "application/json";
          }
          const res = await fetch(url + p, { method: o.method ?? (body === undefined ? "GET" : "POST"), headers, ...(body !== undefined ? { body } : {}) });
          const text = await res.text();
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          return { status: res.status, headers: res.headers, json, text };
        },
      });
    });
  });
}
