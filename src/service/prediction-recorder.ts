// Records served predictions in the store's prediction log without holding up the request that served them:
// entries are buffered and appended in batches (one store transaction each; SQLite's run in its writer
// thread), at most `flushMs` after they were served or as soon as `batch` are waiting. Old entries are
// pruned every `pruneEveryMs` in bounded slices, so retention never costs one long transaction.
import type { PredictionLogStore, PredictionLogWrite } from "./prediction-log.js";
import type { ServiceLogger } from "./logger.js";
import { ConfigError } from "../core/errors.js";

const DAY_MS = 86_400_000;
/** Entries deleted per prune transaction. */
const PRUNE_SLICE = 10_000;

export interface PredictionRecorderOptions {
  /** Keep entries this many days (0: record nothing). */
  retentionDays: number;
  logger: ServiceLogger;
  /** Longest wait before buffered entries are written (default 1000 ms). */
  flushMs?: number;
  /** Write at once when this many wait (default 1000). */
  batch?: number;
  /** Entries kept while the store cannot take them; beyond, the oldest are dropped (default 100_000). */
  maxBuffered?: number;
  /** Prune interval (default one hour; the first prune runs at start). */
  pruneEveryMs?: number;
  now?: () => number;
}

/** Checks a retention: a whole number of days, 0 (off) to 3650. */
export function checkRetentionDays(days: number): number {
  if (!Number.isInteger(days) || days < 0 || days > 3650) throw new ConfigError(`Invalid prediction log retention ${days}: use a whole number of days from 0 (off) to 3650`);
  return days;
}

/** One item's answer as the recorder takes it. */
export interface ServedPrediction {
  id?: unknown;
  categories: readonly { category: string; score: number }[];
}

export class PredictionRecorder {
  readonly retentionDays: number;
  private buffer: PredictionLogWrite[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private pruning: Promise<unknown> = Promise.resolve();
  private dropped = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly store: PredictionLogStore,
    private readonly o: PredictionRecorderOptions,
  ) {
    this.retentionDays = checkRetentionDays(o.retentionDays);
    this.now = o.now ?? Date.now;
  }

  /** Whether predictions are recorded (retention above 0). */
  get enabled(): boolean {
    return this.retentionDays > 0;
  }

  /** Starts pruning: once now, then every `pruneEveryMs`. */
  start(): void {
    if (!this.enabled || this.pruner) return;
    this.pruning = this.prune();
    this.pruner = setInterval(() => {
      this.pruning = this.pruning.then(() => this.prune());
    }, this.o.pruneEveryMs ?? 3_600_000);
    this.pruner.unref();
  }

  /** Buffers the answers of one call (answers without a category, and corrections, are not model predictions). */
  record(model: string, source: string, answers: readonly ServedPrediction[]): void {
    if (!this.enabled || this.closed) return;
    const at = this.now();
    for (const a of answers) {
      if (a.categories.length === 0 || (a as { corrected?: unknown }).corrected === true) continue;
      this.buffer.push({
        at,
        model,
        source,
        ...(typeof a.id === "string" && a.id !== "" ? { productId: a.id } : typeof a.id === "number" ? { productId: String(a.id) } : {}),
        categories: a.categories.map((c) => ({ category: c.category, score: c.score })),
      });
    }
    const max = this.o.maxBuffered ?? 100_000;
    if (this.buffer.length > max) {
      this.dropped += this.buffer.length - max;
      this.buffer.splice(0, this.buffer.length - max);
    }
    if (this.buffer.length >= (this.o.batch ?? 1000)) void this.flush();
    else if (this.buffer.length > 0 && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.o.flushMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Writes what is buffered (after the writes before it); resolves once it is in the store, or failed and logged. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    if (rows.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        await this.store.appendPredictions(rows);
      } catch (e) {
        this.o.logger.warn({ err: (e as Error).message, predictions: rows.length }, "cannot record served predictions in the prediction log");
      }
      if (this.dropped > 0) {
        this.o.logger.warn({ dropped: this.dropped }, "dropped served predictions the store could not take in time");
        this.dropped = 0;
      }
    });
    return this.writing;
  }

  /** Deletes entries older than the retention, a slice per transaction; how many went. */
  async prune(): Promise<number> {
    if (!this.enabled) return 0;
    const before = this.now() - this.retentionDays * DAY_MS;
    let total = 0;
    try {
      for (;;) {
        const n = await this.store.prunePredictions(before, PRUNE_SLICE);
        total += n;
        if (n < PRUNE_SLICE || this.closed) break;
      }
    } catch (e) {
      this.o.logger.warn({ err: (e as Error).message }, "cannot prune the prediction log");
    }
    return total;
  }

  /** Stops pruning and writes what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pruner) clearInterval(this.pruner);
    await this.flush();
    await this.pruning.catch(() => undefined);
  }
}
