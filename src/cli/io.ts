// CLI I/O: input sources, atomic output files, progress and warnings on stderr.
import { randomBytes } from "node:crypto";
import { createWriteStream, promises as fs, statSync, type WriteStream } from "node:fs";
import path from "node:path";
import { InvalidInputError, type ReadReport, type Warning } from "../index.js";
import { UsageError, warningHint } from "./errors.js";
import { createProgressReporter, type ProgressReporter } from "./progress-bar.js";

/** The file to read: "-" means standard input. */
export function inputSource(file: string): string | NodeJS.ReadableStream {
  return file === "-" ? process.stdin : file;
}

/** What a verb prints besides its result: progress bars and warnings on stderr. */
export interface Ui {
  progress: ProgressReporter;
  warn(w: Warning | string): void;
  info(s: string): void;
}

export function makeUi(quiet: boolean): Ui {
  const progress = createProgressReporter(process.stderr, quiet ? { enabled: false } : {});
  return {
    progress,
    warn(w) {
      progress.done();
      const hint = typeof w === "string" ? undefined : warningHint(w.code);
      process.stderr.write(`warning: ${typeof w === "string" ? w : w.message}\n${hint !== undefined ? `hint: ${hint}\n` : ""}`);
    },
    info(s) {
      if (!quiet) process.stderr.write(`${s}\n`);
    },
  };
}

/** Tells the user about rows left out with --on-bad-row skip (never silently). */
export function reportSkipped(report: ReadReport, ui: Ui): void {
  if (report.skipped === 0) return;
  const lines = report.issues.slice(0, 5).map((i) => `  ${InvalidInputError.format(i)}`);
  const more = report.issueCount > lines.length ? `\n  … and ${report.issueCount - lines.length} more` : "";
  ui.warn(`skipped ${report.skipped} bad row${report.skipped === 1 ? "" : "s"} (read ${report.rows}):\n${lines.join("\n")}${more}`);
}

/** An output file written under a temporary name and renamed into place only on success. */
export class AtomicFile {
  readonly target: string;
  private readonly tmp: string;
  private readonly stream: WriteStream;
  private closed = false;
  private error: Error | undefined;

  /** Checks the target first, so errors name the user's path rather than the temporary file. */
  constructor(target: string) {
    this.target = path.resolve(target);
    const parent = statSync(path.dirname(this.target), { throwIfNoEntry: false });
    if (!parent?.isDirectory()) throw Object.assign(new Error(`no directory for ${target}`), { code: "ENOENT", path: target });
    if (statSync(this.target, { throwIfNoEntry: false })?.isDirectory()) {
      throw Object.assign(new Error(`${target} is a directory`), { code: "EISDIR", path: target });
    }
    this.tmp = path.join(path.dirname(this.target), `.${path.basename(this.target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    this.stream = createWriteStream(this.tmp);
    this.stream.on("error", (e: Error) => {
      this.error = Object.assign(e, { path: target });
    });
  }

  /** Writes, waiting for the stream to drain when its buffer is full. */
  async write(s: string): Promise<void> {
    if (this.error) throw this.error;
    if (!this.stream.write(s)) {
      await new Promise<void>((resolve) => {
        this.stream.once("drain", resolve);
        this.stream.once("error", () => resolve());
      });
    }
    if (this.error) throw this.error;
  }

  async commit(): Promise<void> {
    await this.close();
    if (this.error) throw this.error;
    await fs.rename(this.tmp, this.target);
  }

  async abort(): Promise<void> {
    await this.close().catch(() => undefined);
    await fs.rm(this.tmp, { force: true });
  }

  private close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve, reject) => this.stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}

/** Set when stdout's reader went away (e.g. `| head`): output stops, the run ends quietly. */
export class OutputClosed extends Error {
  override name = "OutputClosed";
}

let stdoutClosed = false;
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") stdoutClosed = true;
  else throw e;
});

/** Writes to stdout, waiting for drain (so piping a large result stays within memory). */
export async function writeStdout(s: string): Promise<void> {
  if (stdoutClosed) throw new OutputClosed("stdout was closed");
  if (!process.stdout.write(s)) {
    await new Promise<void>((resolve) => {
      process.stdout.once("drain", resolve);
      process.stdout.once("error", () => resolve());
    });
  }
  if (stdoutClosed) throw new OutputClosed("stdout was closed");
}

/** Percent with one decimal: 0.9915 → "99.2%". */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/**
 * Checks up front that `dir` can become an output directory (see {@link writeOutputDir}), so a long run
 * does not end in a refusal. Returns whether it exists.
 */
export async function checkOutputDir(dir: string, replaceable: readonly string[]): Promise<boolean> {
  const target = path.resolve(dir);
  if (!statSync(path.dirname(target), { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error(`no directory for ${dir}`), { code: "ENOENT", path: dir });
  const existing = statSync(target, { throwIfNoEntry: false });
  if (existing && !existing.isDirectory()) throw new UsageError(`--out ${dir} is a file; give a directory`);
  if (existing) {
    const extra = (await fs.readdir(target)).filter((f) => !replaceable.includes(f));
    if (extra.length > 0) throw new UsageError(`--out ${dir} already holds other files (${extra.slice(0, 3).join(", ")}); choose a new or empty directory`);
  }
  return existing !== undefined;
}

/**
 * Writes a directory of files atomically: into a temporary sibling, then renamed into place. An existing
 * target is replaced only when it is empty or holds nothing but names in `replaceable` (a previous run's
 * output); anything else is refused, so a typo never deletes a user's directory.
 */
export async function writeOutputDir(dir: string, files: Record<string, string>, replaceable: readonly string[]): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const existing = await checkOutputDir(dir, replaceable);
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const old = `${tmp}-old`;
  await fs.mkdir(tmp);
  try {
    for (const [name, body] of Object.entries(files)) await fs.writeFile(path.join(tmp, name), body);
    if (existing) {
      await fs.rename(target, old);
      await fs.rename(tmp, target);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(tmp, target);
    }
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    // Put the previous output back if it was moved aside and the new one never arrived.
    if (existing && statSync(old, { throwIfNoEntry: false }) && !statSync(target, { throwIfNoEntry: false })) await fs.rename(old, target);
    throw e;
  }
}
