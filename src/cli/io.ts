// CLI I/O: input sources, atomic output directories, stdout, progress and warnings on stderr.
import { promises as fs, statSync } from "node:fs";
import path from "node:path";
import { ConfigError, InvalidInputError, replaceDirAtomic, type Warning } from "../entries/core.js";
import type { ReadReport } from "../entries/models.js";
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
export async function writeStdout(s: string | Uint8Array): Promise<void> {
  if (stdoutClosed) throw new OutputClosed("stdout was closed");
  if (!process.stdout.write(s)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off("drain", done);
        process.stdout.off("error", done);
        resolve();
      };
      process.stdout.once("drain", done);
      process.stdout.once("error", done);
    });
  }
  if (stdoutClosed) throw new OutputClosed("stdout was closed");
}

/** Percent with one decimal: 0.9915 → "99.2%". */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** A file-system error naming the path the user gave (reportError prints `cannot use "<path>": …`). */
function pathError(code: string, shown: string, cause?: unknown): Error {
  return Object.assign(new Error(`${code}: ${shown}`, cause === undefined ? undefined : { cause }), { code, path: shown });
}

/**
 * Checks before any long work that `out` (a file or directory the run will write through a temporary sibling)
 * can be written: its folder exists (with `mkdir`, the nearest existing ancestor, as the parents will be created)
 * and a probe directory can be made and removed there. A read-only or missing location so fails at once, naming
 * `out`, instead of after training and naming a temporary path. An existing directory at a file `out` is EISDIR.
 */
export async function checkWritable(out: string, o: { mkdir?: boolean; file?: boolean } = {}): Promise<void> {
  const target = path.resolve(out);
  let folder = path.dirname(target);
  if (o.mkdir) while (!statSync(folder, { throwIfNoEntry: false }) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  const st = statSync(folder, { throwIfNoEntry: false });
  if (!st) throw pathError("ENOENT", out);
  if (!st.isDirectory()) throw pathError("ENOTDIR", out);
  if (o.file && statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw pathError("EISDIR", out);
  // Named like the atomic writes' temporary siblings, so a probe left by a killed run is cleaned up by the next write.
  const probe = path.join(folder, `.${path.basename(target)}.tmp-${process.pid}-probe`);
  try {
    await fs.mkdir(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EACCES";
    throw pathError(code === "EEXIST" ? "EACCES" : code, out, e);
  }
  await fs.rmdir(probe).catch(() => undefined);
}

/**
 * Checks up front that a model directory can be written to `dir` (writable, and not a file or a directory of
 * other files: the refusals of the library's writeModelDir, which would come only once the model is trained).
 */
export async function checkModelDir(dir: string): Promise<void> {
  await checkWritable(dir, { mkdir: true });
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isDirectory()) throw new ConfigError(`Cannot write model to "${dir}": it exists and is not a directory`);
  const entries = await fs.readdir(dir);
  if (entries.length > 0 && !entries.includes("manifest.json")) throw new ConfigError(`Cannot write model to "${dir}": the directory is not empty and holds no model`);
}

/**
 * Checks up front that `dir` can become an output directory (see {@link writeOutputDir}), so a long run
 * does not end in a refusal: its parent is a writable directory, and an existing `dir` is a directory holding
 * only `replaceable` names. Returns whether it exists.
 */
export async function checkOutputDir(dir: string, replaceable: readonly string[]): Promise<boolean> {
  const target = path.resolve(dir);
  await checkWritable(dir);
  const existing = statSync(target, { throwIfNoEntry: false });
  if (existing && !existing.isDirectory()) throw new UsageError(`--out ${dir} is a file; give a directory`);
  if (existing) {
    const extra = (await fs.readdir(target)).filter((f) => !replaceable.includes(f));
    if (extra.length > 0) throw new UsageError(`--out ${dir} already holds other files (${extra.slice(0, 3).join(", ")}); choose a new or empty directory`);
  }
  return existing !== undefined;
}

/**
 * Writes a directory of files atomically (the library's {@link replaceDirAtomic}: a temporary sibling renamed into
 * place, a crashed earlier run's output restored first). An existing target is replaced only when it is empty or
 * holds nothing but names in `replaceable` (a previous run's output); anything else is refused, so a typo never
 * deletes a user's directory.
 */
export async function writeOutputDir(dir: string, files: Record<string, string>, replaceable: readonly string[]): Promise<void> {
  await replaceDirAtomic(
    dir,
    async (tmp) => {
      for (const [name, body] of Object.entries(files)) await fs.writeFile(path.join(tmp, name), body);
    },
    {
      check: async () => {
        await checkOutputDir(dir, replaceable);
      },
    },
  );
}
