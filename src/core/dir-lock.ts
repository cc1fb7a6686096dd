// One writer per data directory: a lock file (<dir>/assort.lock) created with O_EXCL that names the process
// holding it (pid, host, command, since when). A second process that would write there is refused with a
// ConflictError naming the first; a lock left behind by a process that is gone (kill -9, a crash, a reboot)
// on this host is taken over. Read-only users never take it: they may read while a writer runs.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { ConflictError } from "./errors.js";

/** The lock file inside a data directory. */
export const LOCK_FILE = "assort.lock";
/** Held for a few milliseconds while a stale lock is replaced (two processes must not both take it over). */
const GUARD_FILE = "assort.lock.takeover";
/** A lock file without readable content younger than this is being written; older, its writer died. */
const HALF_WRITTEN_MS = 10_000;

/** What a lock file says about the process holding it. */
export interface DirLockInfo {
  pid: number;
  hostname: string;
  /** The command line of the holder, e.g. "assort serve --data-dir ./data". */
  command: string;
  /** When it took the lock (ISO 8601). */
  since: string;
  /** The holder's start time as the kernel counts it (Linux), so that a reused PID is not taken for it. */
  processStart?: string;
  /** Tells this holding apart from every other (release removes only its own file). */
  token: string;
}

/** A held lock. `release()` is idempotent; the lock is also removed when the process exits normally. */
export interface DirLock {
  readonly dir: string;
  readonly file: string;
  readonly info: DirLockInfo;
  /** The stale lock this process took over, if it did (for a log line). */
  readonly tookOver: DirLockInfo | undefined;
  release(): void;
}

interface Held {
  info: DirLockInfo;
  file: string;
  refs: number;
  tookOver: DirLockInfo | undefined;
}

/** Locks this process holds, by resolved directory: opening the same directory twice in one process shares one. */
const held = new Map<string, Held>();
let exitHook = false;

function commandLine(): string {
  const [, script, ...rest] = process.argv;
  const name = script ? path.basename(script).replace(/\.(c|m)?js$/, "") : "node";
  return [name, ...rest].join(" ").slice(0, 500);
}

/** The kernel's start time of `pid` (field 22 of /proc/<pid>/stat), or undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields after the last ")" start at field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readInfo(file: string): { info?: DirLockInfo; ageMs: number } | undefined {
  let text: string;
  let ageMs: number;
  try {
    ageMs = Date.now() - statSync(file).mtimeMs;
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(text) as Partial<DirLockInfo>;
    if (typeof v.pid === "number" && typeof v.hostname === "string" && typeof v.token === "string") {
      return { info: { pid: v.pid, hostname: v.hostname, command: String(v.command ?? "?"), since: String(v.since ?? "?"), token: v.token, ...(typeof v.processStart === "string" ? { processStart: v.processStart } : {}) }, ageMs };
    }
  } catch {
    // half-written or not ours: judged by its age below
  }
  return { ageMs };
}

/**
 * Whether the holder of a lock is gone: on this host, its PID is not running, or runs another process (a
 * different start time, or this very process, which holds no such lock). A lock of another host is never
 * stale: this process cannot tell.
 */
function isStale(info: DirLockInfo): boolean {
  if (info.hostname !== hostname()) return false;
  if (info.pid === process.pid) return ![...held.values()].some((e) => e.info.token === info.token);
  if (!alive(info.pid)) return true;
  const start = processStart(info.pid);
  return info.processStart !== undefined && start !== undefined && start !== info.processStart;
}

/** Reads the lock of `dir` without taking it: who writes there now, or undefined (none, or a stale lock). */
export function readDirLock(dir: string): DirLockInfo | undefined {
  const r = readInfo(path.join(path.resolve(dir), LOCK_FILE));
  return r?.info && !isStale(r.info) ? r.info : undefined;
}

function describeHolder(info: DirLockInfo): string {
  const host = info.hostname === hostname() ? "" : ` on host "${info.hostname}"`;
  return `process ${info.pid}${host} ("${info.command}") has held it since ${info.since}`;
}

function refuse(dir: string, info: DirLockInfo | undefined): never {
  const who = info ? describeHolder(info) : "another process is taking it right now";
  throw new ConflictError(
    `Cannot write to the data directory "${dir}": ${who}. Only one process may write to a data directory: use the running server's API (POST /v1/products, /v1/jobs) instead, or stop that process first`,
  );
}

function tryCreate(file: string, info: DirLockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(info, null, 1) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Removes `file` if it still holds `token` (under the take-over guard, so no two processes replace it at once). */
function takeOver(dir: string, file: string, token: string | undefined): boolean {
  const guard = path.join(dir, GUARD_FILE);
  const guardAge = readInfo(guard)?.ageMs;
  if (guardAge !== undefined && guardAge > HALF_WRITTEN_MS) unlinkSync(guard); // its taker died
  let fd: number;
  try {
    fd = openSync(guard, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    const now = readInfo(file);
    if (now && now.info?.token === token) unlinkSync(file);
    return true;
  } finally {
    closeSync(fd);
    unlinkSync(guard);
  }
}

/**
 * Takes the write lock of data directory `dir` (created if missing). Another live process holding it →
 * ConflictError naming it (PID, host, command, since when). A stale lock (its process is gone) is taken over
 * and reported in `tookOver`. The same process may lock a directory more than once: the lock is released
 * when every holder has released it (or the process exits).
 * @example const lock = lockDir("./assort-data"); try { … } finally { lock.release(); }
 */
export function lockDir(dir: string, o: { command?: string } = {}): DirLock {
  const root = path.resolve(dir);
  mkdirSync(root, { recursive: true });
  const file = path.join(root, LOCK_FILE);
  let entry = held.get(root);
  if (!entry) {
    const info: DirLockInfo = {
      pid: process.pid,
      hostname: hostname(),
      command: o.command ?? commandLine(),
      since: new Date().toISOString(),
      ...(processStart(process.pid) !== undefined ? { processStart: processStart(process.pid)! } : {}),
      token: randomBytes(8).toString("hex"),
    };
    let tookOver: DirLockInfo | undefined;
    for (let attempt = 0; ; attempt++) {
      if (tryCreate(file, info)) break;
      const found = readInfo(file);
      if (!found) continue; // released meanwhile: try again
      const stale = found.info ? isStale(found.info) : found.ageMs > HALF_WRITTEN_MS;
      if (!stale || attempt >= 5) refuse(root, found.info);
      if (takeOver(root, file, found.info?.token)) tookOver = found.info ?? tookOver;
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // another process is replacing it
    }
    entry = { info, file, refs: 0, tookOver };
    held.set(root, entry);
    if (!exitHook) {
      exitHook = true;
      process.once("exit", releaseAll);
    }
  }
  entry.refs++;
  const e = entry;
  let released = false;
  return {
    dir: root,
    file,
    info: e.info,
    tookOver: e.tookOver,
    release: () => {
      if (released) return;
      released = true;
      if (--e.refs > 0) return;
      held.delete(root);
      removeIfOurs(e);
    },
  };
}

function removeIfOurs(e: Held): void {
  try {
    if (readInfo(e.file)?.info?.token === e.info.token) unlinkSync(e.file);
  } catch {
    // already gone, or the directory was removed: nothing to release
  }
}

function releaseAll(): void {
  for (const e of held.values()) removeIfOurs(e);
  held.clear();
}
