// An acknowledged write survives kill -9: a child process (the compiled store, writing in its writer thread)
// writes batches and acknowledges each on stdout; it is killed mid-stream; every acknowledged batch must be in
// the reopened store.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "./sqlite-store.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "assort-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SqliteStore durability", () => {
  it("keeps every acknowledged batch after SIGKILL", async () => {
    const child = spawn(process.execPath, [path.join(ROOT, "src/store/durability-child.mjs"), dir], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let lastAck = -1;
    let buffered = "";
    let ready = "";
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the child did not acknowledge 30 batches in 80 s: ${ready || "never ready"}, last ack ${lastAck}`));
      }, 80_000);
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`the child exited early with code ${code}`)));
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const l of lines) {
          if (l.startsWith("ack ")) lastAck = Number(l.slice(4));
          if (l.startsWith("ready ")) ready = `${l} after ${Date.now() - started} ms`;
        }
        if (lastAck >= 30) {
          clearTimeout(timer);
          child.removeAllListeners("exit");
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    expect(ready).toMatch(/^ready thread /);
    await new Promise((r) => child.once("exit", r));
    expect(child.signalCode).toBe("SIGKILL");
    const store = SqliteStore.open(dir);
    try {
      const n = (await store.counts()).products;
      expect(n).toBeGreaterThanOrEqual((lastAck + 1) * 50);
      expect(n % 50).toBe(0); // a batch is all or nothing
      for (let b = 0; b <= lastAck; b++) {
        const got = await store.getProducts([`b${b}-0`, `b${b}-49`]);
        expect(got.map((p) => p.id)).toEqual([`b${b}-0`, `b${b}-49`]);
      }
      expect(store.db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      await store.close();
    }
  }, 90_000);
});
