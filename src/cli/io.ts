// CLI I/O: input sources, atomic output files, progress and warnings on stderr.
import { randomBytes } from "node:crypto";
import { createWriteStream, promises as fs, type WriteStream } from "node:fs";
import path from "node:path";
import { InvalidInputError, type ReadReport, type Warning } from "../index.js";
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
      process.stderr.write(`warning: ${typeof w === "string" ? w : w.message}\n`);
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

  constructor(target: string) {
    this.target = path.resolve(target);
    this.tmp = path.join(path.dirname(this.target), `.${path.basename(this.target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    this.stream = createWriteStream(this.tmp);
  }

  /** Writes, waiting for the stream to drain when its buffer is full. */
  async write(s: string): Promise<void> {
    if (!this.stream.write(s)) await new Promise<void>((resolve) => this.stream.once("drain", resolve));
  }

  async commit(): Promise<void> {
    await this.close();
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

/** Writes to stdout, waiting for drain (so piping a large result stays within memory). */
export async function writeStdout(s: string): Promise<void> {
  if (!process.stdout.write(s)) await new Promise<void>((resolve) => process.stdout.once("drain", resolve));
}

/** Percent with one decimal: 0.9915 → "99.2%". */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
