// Helpers of the adversarial (hardening) suite: raw TCP clients that send exactly the bytes a hostile or careless
// client would (slowly, malformed, half-finished), parse what comes back, and time it.
import net from "node:net";
import path from "node:path";
import { expect } from "vitest";
import { cli, startServer, trainExampleModel, TRAIN, type Answer, type Server } from "./server-helpers.js";

/** One answer read from a raw socket: status, lower-case headers, body, and when it came. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting until the answer was complete (or the socket closed). */
  ms: number;
  /** The socket was closed by the server (after the answer, or without one: status 0). */
  closed: boolean;
}

/** Host and port of a server URL. */
export function addressOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/** Parses the first HTTP/1.1 answer in `raw` (content-length bodies only), or undefined while incomplete. */
export function parseAnswer(raw: Buffer): { status: number; headers: Record<string, string>; body: string } | undefined {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [line, ...rest] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(line ?? "")?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const h of rest) {
    const i = h.indexOf(":");
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const len = Number(headers["content-length"] ?? 0);
  if (raw.length < end + 4 + len) return undefined;
  return { status, headers, body: raw.subarray(end + 4, end + 4 + len).toString("utf8") };
}

/**
 * Connects to `url` and sends `parts` one after another, `everyMs` apart (a string is one part; a Buffer is sent
 * as is). Resolves with the first answer, or with status 0 when the server closes without one, or after `waitMs`.
 */
export function rawSend(url: string, parts: (string | Buffer)[] | string, o: { everyMs?: number; waitMs?: number } = {}): Promise<RawAnswer> {
  const { host, port } = addressOf(url);
  const list = typeof parts === "string" ? [parts] : parts;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = net.connect(port, host);
    let got = Buffer.alloc(0);
    let done = false;
    let answeredAt = 0;
    const timers: NodeJS.Timeout[] = [];
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      const a = parseAnswer(got);
      resolve({ status: a?.status ?? 0, headers: a?.headers ?? {}, body: a?.body ?? "", ms: (answeredAt || performance.now()) - t0, closed });
      socket.destroy();
    };
    socket.on("data", (b: Buffer) => {
      got = Buffer.concat([got, b]);
      if (answeredAt === 0 && parseAnswer(got)) {
        answeredAt = performance.now();
        // Wait a little for the server to close the connection (a deadline answer always does); then let one more
        // poll phase run, so a close that arrived while this process was descheduled is seen before the verdict.
        timers.push(setTimeout(() => setImmediate(() => finish(false)), 300));
      }
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    socket.on("connect", () => {
      list.forEach((p, i) => {
        const send = (): void => {
          if (!socket.destroyed && socket.writable) socket.write(p);
        };
        if (i === 0) send();
        else timers.push(setTimeout(send, i * (o.everyMs ?? 0)));
      });
    });
    timers.push(setTimeout(() => finish(false), o.waitMs ?? 10_000));
  });
}

/** A string cut into one-character parts (to send a byte at a time). */
export const bytes = (s: string): string[] => [...s];

/** An answer (from fetch or a raw socket) is application/problem+json with a consistent body and no stack trace. */
export function expectProblemAnswer(a: Answer | RawAnswer, status: number, mention?: RegExp): void {
  const type = "headers" in a && a.headers instanceof Headers ? a.headers.get("content-type") : (a.headers as Record<string, string>)["content-type"];
  const text = "text" in a ? a.text : a.body;
  expect(a.status, text).toBe(status);
  expect(type, text).toMatch(/^application\/problem\+json/);
  const p = JSON.parse(text) as { status: number; title: string; detail: string; instance: string; type: string };
  expect(p).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), instance: expect.any(String), type: expect.any(String) });
  expect(text).not.toMatch(/\bat .*\.js:\d+/);
  if (mention) expect(p.detail).toMatch(mention);
}

/** Trains the example model and imports the example catalog into `dir`/data: what every hardening file serves. */
export async function prepareCatalog(dir: string): Promise<{ model: string; dataDir: string }> {
  const model = await trainExampleModel(path.join(dir, "models", "m"));
  const dataDir = path.join(dir, "data");
  const imp = await cli(["import", "--data", TRAIN, "--data-dir", dataDir, "--model", model, "--json"]);
  expect(imp.code, imp.stderr).toBe(0);
  return { model, dataDir };
}

/** Starts a server over a prepared catalog with extra flags. */
export function serveCatalog(c: { model: string; dataDir: string }, flags: string[] = []): Promise<Server> {
  return startServer(["--data-dir", c.dataDir, "--model", c.model, ...flags]);
}

/** The p-th percentile (0..100) of `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
