import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConflictError } from "./errors.js";
import { LOCK_FILE, lockDir, readDirLock } from "./dir-lock.js";

const root = mkdtempSync(path.join(tmpdir(), "assort-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string): string => path.join(root, name);
const lockFile = (d: string): string => path.join(d, LOCK_FILE);
const write = (d: string, info: Record<string, unknown>): void => {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  writeFileSync(lockFile(d), JSON.stringify(info));
};

describe("lockDir", () => {
  it("creates the lock naming this process, shares it within the process, and removes it on the last release", () => {
    const d = dir("own");
    const a = lockDir(d, { command: "assort serve --data-dir own" });
    const b = lockDir(d);
    expect(JSON.parse(readFileSync(lockFile(d), "utf8"))).toMatchObject({ pid: process.pid, hostname: hostname(), command: "assort serve --data-dir own" });
    expect(readDirLock(d)).toMatchObject({ pid: process.pid });
    a.release();
    a.release(); // idempotent
    expect(existsSync(lockFile(d))).toBe(true);
    b.release();
    expect(existsSync(lockFile(d))).toBe(false);
    expect(a.tookOver).toBeUndefined();
  });

  it("refuses while a live process on this host holds it, naming its PID, command and start", async () => {
    const d = dir("live");
    const child = spawn("sleep", ["30"]);
    try {
      write(d, { pid: child.pid, hostname: hostname(), command: "assort serve --data-dir live", since: "2026-12-06T10:00:00.000Z", token: "t1" });
      let err: unknown;
      try {
        lockDir(d);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as Error).message).toBe(
        `Cannot write to the data directory "${d}": process ${child.pid} ("assort serve --data-dir live") has held it since 2026-12-06T10:00:00.000Z. Only one process may write to a data directory: use the running server's API (POST /v1/products, /v1/jobs) instead, or stop that process first`,
      );
      expect(readDirLock(d)).toMatchObject({ pid: child.pid, command: "assort serve --data-dir live" });
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("takes over a lock whose process is gone, and says whose it was", () => {
    const d = dir("dead");
    const gone = spawnSync("true").pid;
    write(d, { pid: gone, hostname: hostname(), command: "assort import", since: "2026-12-06T10:00:00.000Z", token: "t2" });
    expect(readDirLock(d)).toBeUndefined();
    const lock = lockDir(d);
    expect(lock.tookOver).toMatchObject({ pid: gone, command: "assort import" });
    expect(JSON.parse(readFileSync(lockFile(d), "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock naming this PID from an earlier life (a restarted container), and one whose PID runs another process", () => {
    const d = dir("reused");
    write(d, { pid: process.pid, hostname: hostname(), command: "assort serve", since: "2026-12-01T00:00:00.000Z", token: "t3" });
    const a = lockDir(d);
    expect(a.tookOver?.pid).toBe(process.pid);
    a.release();
    if (existsSync("/proc/self/stat")) {
      write(d, { pid: process.ppid, hostname: hostname(), command: "assort serve", since: "2026-12-01T00:00:00.000Z", processStart: "1", token: "t4" });
      const b = lockDir(d);
      expect(b.tookOver?.pid).toBe(process.ppid);
      b.release();
    }
  });

  it("never takes over another host's lock; a half-written lock is young (refused) or abandoned (taken over)", () => {
    const other = dir("other-host");
    write(other, { pid: 1, hostname: "replica-2", command: "assort serve", since: "2026-12-01T00:00:00.000Z", token: "t5" });
    expect(() => lockDir(other)).toThrow(/process 1 on host "replica-2" \("assort serve"\) has held it since 2026-12-01T00:00:00.000Z/);
    const half = dir("half");
    write(half, {});
    writeFileSync(lockFile(half), "");
    expect(() => lockDir(half)).toThrow(/another process is taking it right now/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockFile(half), old, old);
    const lock = lockDir(half);
    expect(lock.tookOver).toBeUndefined();
    lock.release();
  });

  it("release leaves a lock that another holder wrote since alone", () => {
    const d = dir("replaced");
    const lock = lockDir(d);
    writeFileSync(lockFile(d), JSON.stringify({ pid: 1, hostname: "replica-2", command: "x", since: "now", token: "other" }));
    lock.release();
    expect(existsSync(lockFile(d))).toBe(true);
  });
});
