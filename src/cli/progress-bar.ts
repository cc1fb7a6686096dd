// Draws progress events as a throttled one-line bar on a terminal; silent when the stream is not a TTY.
import type { Progress } from "../entries/core.js";

/** The part of a `NodeJS.WriteStream` the reporter uses (so tests can pass a fake). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /** Draw at all; default: the stream is a TTY and `CI` is not set. */
  enabled?: boolean;
  /** Clock in milliseconds (tests); default `performance.now`. */
  now?: () => number;
  /** Least time between redraws of one stage (default 1000/15 ms, about 15 redraws per second). */
  minIntervalMs?: number;
}

/** Receives progress events (pass `onProgress` as a run's callback) and finishes the line on `done()`. */
export interface ProgressReporter {
  onProgress(e: Progress): void;
  done(): void;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR_TO_EOL = "\x1b[K";
const STAGE_WIDTH = 10;
const BAR_MAX = 24;
const BAR_MIN = 6;
let countFormat: Intl.NumberFormat | undefined;
/** 12,345 (the formatter is made on first use: making one costs ~10 ms of start-up, and quiet runs never draw). */
const count = (n: number): string => (countFormat ??= new Intl.NumberFormat("en-US")).format(n);

/** Elapsed time, short: "3.1s", "2m05s", "1h02m". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const total = Math.floor(s);
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, "0")}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor((total % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * The text of one progress line (no `\r`), fitted to `columns`:
 * `featurize  [██████░░░░░░]  52%  18,231/35,000  3.1s`, or, when `total` is 0 (unknown),
 * `featurize  ⠹  18,231  3.1s` with the given spinner frame.
 */
export function formatProgressLine(e: Progress, elapsedMs: number, columns = 80, frame = 0): string {
  const stage = e.stage.padEnd(STAGE_WIDTH);
  const time = formatElapsed(elapsedMs);
  if (!(e.total > 0)) return `${stage}  ${SPINNER[frame % SPINNER.length]}  ${count(e.done)}  ${time}`;
  const ratio = Math.min(1, Math.max(0, e.done / e.total));
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  const tail = `${pct}  ${count(e.done)}/${count(e.total)}  ${time}`;
  // Keep the line one column short of the width: writing the last column makes some terminals wrap,
  // and a wrapped line cannot be redrawn with \r.
  const room = columns - 1 - stage.length - tail.length - 6; // "  [" + "]  " around the bar
  const width = Math.min(BAR_MAX, room);
  if (width < BAR_MIN) return `${stage}  ${tail}`.slice(0, Math.max(0, columns - 1));
  const filled = Math.floor(ratio * width); // floor, like the percent: full only when done
  return `${stage}  [${"█".repeat(filled)}${"░".repeat(width - filled)}]  ${tail}`;
}

/**
 * A progress reporter for a terminal stream (usually `process.stderr`). When enabled it redraws a
 * single line in place with `\r`, at most ~15 times a second, always showing a stage's final count;
 * a new stage starts a new line, and `done()` ends the last one. When disabled (not a TTY, or `CI` is
 * set) it writes nothing, so piped output and logs stay clean.
 * @example
 * const progress = createProgressReporter(process.stderr);
 * await train(items, { onProgress: progress.onProgress });
 * progress.done();
 */
export function createProgressReporter(
  stream: ProgressStream,
  options: ProgressReporterOptions = {},
): ProgressReporter {
  const enabled = options.enabled ?? (stream.isTTY === true && !process.env.CI);
  if (!enabled) return { onProgress: () => {}, done: () => {} };
  const now = options.now ?? (() => performance.now());
  const minInterval = options.minIntervalMs ?? 1000 / 15;

  let stage: string | undefined; // stage of the current line; undefined = no line open
  let started = 0;
  let lastDraw = 0;
  let last: Progress | undefined; // latest event of the current stage
  let drawn = true; // whether `last` is what the line shows
  let frame = 0;

  const draw = (t: number): void => {
    if (!last) return;
    const line = formatProgressLine(last, t - started, stream.columns || 80, frame++); // 0 = width unknown
    stream.write(`\r${line}${CLEAR_TO_EOL}`);
    lastDraw = t;
    drawn = true;
  };

  /** Shows the stage's latest numbers and moves to a fresh line. */
  const finishLine = (t: number): void => {
    if (stage === undefined) return;
    if (!drawn) draw(t);
    stream.write("\n");
    stage = undefined;
    last = undefined;
  };

  return {
    onProgress(e: Progress): void {
      const t = now();
      if (e.stage !== stage) {
        finishLine(t);
        stage = e.stage;
        started = t;
        last = { stage: e.stage, done: e.done, total: e.total };
        draw(t);
        return;
      }
      last = { stage: e.stage, done: e.done, total: e.total };
      drawn = false;
      const complete = e.total > 0 && e.done >= e.total;
      if (complete || t - lastDraw >= minInterval) draw(t);
    },
    done(): void {
      finishLine(now());
    },
  };
}
