// Crash-safe writes, the one implementation: a file through a temporary sibling (fsync, rename), and a directory
// replaced so that a crash at any point leaves the old or the new one at the target, or the old one beside it,
// which the next write or read puts back.
import { randomBytes } from "node:crypto";
import { promises as fs, type Dirent } from "node:fs";
import path from "node:path";

/**
 * What {@link writeFileAtomic} writes: text, bytes, chunks of either (sync or async: a generator that yields
 * as it computes), or a function that writes the temporary path itself (for libraries that save only to a path).
 */
export type FileData =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>
  | ((tmpPath: string) => void | Promise<void>);

/** Options of {@link writeFileAtomic} and {@link replaceDirAtomic}. */
export interface AtomicWriteOptions {
  /** Create missing parent directories (default false: a missing parent is an ENOENT error naming the target). */
  mkdir?: boolean;
}

/** Text chunks are joined up to this many UTF-16 units per write (a .vec file is millions of short lines). */
const JOIN_CHARS = 1 << 20;

/** Tags of this process's writes in progress (their `.tmp-` and `.old-` siblings are not leftovers). */
const writing = new Set<string>();

/** A unique suffix: this process's id (so recovery can tell a crashed writer from a live one) and 32 random bits. */
function newTag(): string {
  return `${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** An fs-style error that names the user's path (the CLI prints `cannot use "<path>": …` from code and path). */
function fsError(code: string, message: string, target: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, path: target });
}

/** Points errors about the temporary path (or a file in it) at the target: messages name only paths the user chose. */
function nameTarget(e: unknown, tmp: string, target: string): unknown {
  const ne = e as NodeJS.ErrnoException | undefined;
  if (ne && typeof ne === "object" && typeof ne.path === "string") {
    if (ne.path === tmp) ne.path = target;
    else if (ne.path.startsWith(tmp + path.sep)) ne.path = path.join(target, ne.path.slice(tmp.length + 1));
  }
  return e;
}

/** Checks that `target` can be written: its parent is a directory (created with `mkdir`). */
async function prepareParent(target: string, shown: string, mkdir: boolean): Promise<void> {
  const parent = path.dirname(target);
  if (mkdir) await fs.mkdir(parent, { recursive: true });
  const st = await fs.stat(parent).catch(() => undefined);
  if (!st?.isDirectory()) throw fsError("ENOENT", `no directory for ${shown}`, shown);
}

/** fsync of a directory, so the renames in it survive a power cut. Best effort: some platforms cannot open one. */
async function syncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, "r");
    await fh.sync();
  } catch {
    /* not supported here (e.g. Windows): the rename is still atomic, only its durability is the OS's */
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Writes `data` (not a function) to an open, empty file: strings joined into large writes, bytes as they come. */
async function writeChunks(fh: fs.FileHandle, data: Exclude<FileData, (tmpPath: string) => unknown>): Promise<void> {
  if (typeof data === "string" || data instanceof Uint8Array) {
    await fh.writeFile(data);
    return;
  }
  let pending: string[] = [];
  let size = 0;
  const put = async (chunk: string | Uint8Array): Promise<void> => {
    if (typeof chunk === "string") {
      pending.push(chunk);
      size += chunk.length;
      if (size < JOIN_CHARS) return;
    }
    if (pending.length > 0) await fh.writeFile(pending.join(""));
    pending = [];
    size = 0;
    if (typeof chunk !== "string") await fh.writeFile(chunk);
  };
  // A sync iterable is read with for…of: for await would cost a promise per chunk.
  if (Symbol.asyncIterator in data) for await (const chunk of data) await put(chunk);
  else for (const chunk of data) await put(chunk);
  if (pending.length > 0) await fh.writeFile(pending.join(""));
}

/**
 * Writes a file atomically: into a temporary sibling (`.name.tmp-…`), fsync, then rename over `file`, so readers
 * and crashes see the old content or the new, never a part. On any failure (including one thrown by an async
 * iterable `data` while it is read) the temporary file is removed and the target is untouched; temporary files
 * of writers that were killed (kill -9, a crash) are removed by the next successful write. Errors name `file`,
 * never the temporary path: a missing parent is ENOENT, a directory at `file` EISDIR.
 * @example await writeFileAtomic("out/predictions.jsonl", (async function* () { yield '{"id":"a"}\n'; })());
 */
export async function writeFileAtomic(file: string, data: FileData, options: AtomicWriteOptions = {}): Promise<void> {
  const target = path.resolve(file);
  await prepareParent(target, file, options.mkdir === true);
  if ((await fs.stat(target).catch(() => undefined))?.isDirectory()) throw fsError("EISDIR", `${file} is a directory`, file);
  const tag = newTag();
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${tag}`);
  writing.add(tag);
  try {
    if (typeof data === "function") {
      await data(tmp);
      const fh = await fs.open(tmp, "r+");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } else {
      const fh = await fs.open(tmp, "wx");
      try {
        await writeChunks(fh, data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw nameTarget(e, tmp, file);
  } finally {
    writing.delete(tag);
  }
  await syncDir(path.dirname(target));
  await removeOrphans(target);
}

/** Removes the `.tmp-`/`.old-` siblings of `target` left by writers that are no longer running. */
async function removeOrphans(target: string): Promise<void> {
  for (const o of [...(await orphans(target, "tmp")), ...(await orphans(target, "old"))]) {
    await fs.rm(o.file, { recursive: true, force: true }).catch(() => undefined);
  }
}


/**
 * Whether the writer that made a `.tmp-`/`.old-` sibling with this tag may still be running: this process's
 * writes are known; another process is asked with signal 0 (a recycled pid only delays the clean-up).
 */
function writerAlive(tag: string): boolean {
  const pid = Number(tag.slice(0, tag.indexOf("-")));
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return writing.has(tag);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/** The `.name.<kind>-<tag>` siblings of `target` left by writers that are no longer running. */
async function orphans(target: string, kind: "tmp" | "old"): Promise<{ file: string; tag: string }[]> {
  const prefix = `.${path.basename(target)}.${kind}-`;
  const names = await fs.readdir(path.dirname(target)).catch(() => [] as string[]);
  return names
    .filter((f) => f.startsWith(prefix))
    .map((f) => ({ file: path.join(path.dirname(target), f), tag: f.slice(prefix.length) }))
    .filter((o) => !writerAlive(o.tag));
}

/**
 * Puts back a directory that {@link replaceDirAtomic} had moved aside when its writer died between moving the old
 * directory out and the new one in: if `dir` is missing and a crashed writer's `.name.old-…` sibling exists, it is
 * renamed back (the newest, if several) and the writer's unfinished new copy is removed. Returns whether it
 * restored one. Safe to call before every read: when `dir` exists it only checks that.
 */
export async function recoverDir(dir: string): Promise<boolean> {
  const target = path.resolve(dir);
  if (await fs.lstat(target).catch(() => undefined)) return false;
  const aside = await orphans(target, "old");
  if (aside.length === 0) return false;
  const stats = await Promise.all(aside.map((o) => fs.stat(o.file).then((s) => s.ctimeMs, () => -1)));
  const newest = aside[stats.indexOf(Math.max(...stats))]!;
  try {
    await fs.rename(newest.file, target);
  } catch {
    return false; // another process restored it first, or the parent is read-only
  }
  await syncDir(path.dirname(target));
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${newest.tag}`);
  await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  return true;
}

/** fsync of every file under `dir` and of the directories themselves. */
async function syncTree(dir: string): Promise<void> {
  const entries: Dirent[] = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await syncTree(p);
    else if (e.isFile()) {
      const fh = await fs.open(p, "r");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }
  await syncDir(dir);
}

/** Options of {@link replaceDirAtomic}. */
export interface ReplaceDirOptions extends AtomicWriteOptions {
  /**
   * Runs after a crashed earlier write was recovered and before anything is written: throw to refuse the target
   * (e.g. an existing directory that is not a previous output).
   */
  check?(): void | Promise<void>;
}

/**
 * Writes a directory atomically: `fill` writes the files into a new temporary sibling (`.name.tmp-…`), which is
 * fsynced and then takes the place of `dir`. An existing `dir` is first renamed aside (`.name.old-…`), the new one
 * renamed in, and only then the old one removed; if renaming in fails the old one goes back. So a crash leaves
 * `dir` holding the old or the new content, or, between the two renames, missing with the old copy beside it:
 * {@link recoverDir}, run by the next replaceDirAtomic (and by readers such as `readModelDir`), puts it back.
 * Leftovers of crashed writers are removed. Not for two writers of the same `dir` at once (the second fails).
 * @example await replaceDirAtomic("out/run1", async (tmp) => fs.writeFile(path.join(tmp, "a.json"), "{}"), { mkdir: true });
 */
export async function replaceDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>, options: ReplaceDirOptions = {}): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await prepareParent(target, dir, options.mkdir === true);
  await recoverDir(target);
  await options.check?.();
  const existing = await fs.lstat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw fsError("ENOTDIR", `${dir} exists and is not a directory`, dir);
  const tag = newTag();
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${tag}`);
  const old = path.join(parent, `.${path.basename(target)}.old-${tag}`);
  writing.add(tag);
  try {
    await fs.mkdir(tmp);
    try {
      await fill(tmp);
      await syncTree(tmp);
      if (existing) {
        await fs.rename(target, old);
        try {
          await fs.rename(tmp, target);
        } catch (e) {
          await fs.rename(old, target).catch(() => undefined);
          throw e;
        }
      } else {
        await fs.rename(tmp, target);
      }
      await syncDir(parent);
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw nameTarget(e, tmp, dir);
    }
  } finally {
    writing.delete(tag);
  }
  // The new directory is in place: removing the old one may fail (a file held open on Windows) without undoing that.
  if (existing) await fs.rm(old, { recursive: true, force: true }).catch(() => undefined);
  await removeOrphans(target);
}
