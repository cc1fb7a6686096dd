// Reads first: a gate in shared memory through which the serving thread tells background threads that
// latency-sensitive reads (classify, search, similar items…) are being answered, and a pacer with which a
// background thread (the ANN index's inserts) keeps off the CPU meanwhile.
//
// Why: on a machine with few cores, a read that arrives while a background thread holds the core the serving
// thread needs waits for it (a lowered priority does not prevent that: the scheduler lets the running thread
// finish its slice). HNSW inserts in bulk writes took a core for seconds at a time and made the tail of
// classify latency (p99 17-28 ms against 10 ms with the ANN index off). With the gate, an insert slice (about
// 1.5 ms) starts only when no read is in flight, and while reads keep arriving the inserts rest at least as
// long as they work (the ANN thread: 3×, ann-host.ts); a bounded wait guarantees progress (the backlog always
// drains, more slowly under reads). The gate cannot shorten the wait of a read that arrives while every core
// is busy (nothing knows of it until the serving thread runs): it lowers the odds, by leaving cores idle.
//
// Layout (Int32Array over a SharedArrayBuffer): [0] reads in flight (notified when it drops to 0); [1] the
// time of the last read's start or end, in milliseconds of the shared clock below, kept modulo 2^32 (ages are
// computed with wrapping arithmetic and trusted up to 24 days; an older or negative age counts as "long ago").
const IN_FLIGHT = 0;
const LAST_READ = 1;
const SLOTS = 2;
/** An age this large means "no read for a long time" (also the initial state). */
const LONG_AGO_MS = 2 ** 30;

/** Atomics.waitAsync (Node ≥ 16; not in the TypeScript lib this project targets). */
type WaitAsync = (a: Int32Array, index: number, value: number, timeoutMs: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Milliseconds on a clock every thread of the process shares (each thread's `performance.now()` has its own origin). */
export function sharedNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The serving side's half: counts reads in flight and stamps the time of the last one. Any thread holding the
 * same {@link buffer} sees them (pass it to a worker and wrap it with `new ReadGate(buffer)`).
 * @example
 * const gate = new ReadGate();
 * const end = gate.begin(); try { await answer(); } finally { end(); }
 */
export class ReadGate {
  readonly buffer: SharedArrayBuffer;
  private readonly a: Int32Array;

  constructor(buffer?: SharedArrayBuffer, private readonly clock: () => number = sharedNowMs) {
    this.buffer = buffer ?? new SharedArrayBuffer(SLOTS * 4);
    if (this.buffer.byteLength < SLOTS * 4) throw new RangeError(`A read gate needs ${SLOTS * 4} bytes of shared memory, got ${this.buffer.byteLength}`);
    this.a = new Int32Array(this.buffer, 0, SLOTS);
    if (!buffer) Atomics.store(this.a, LAST_READ, this.stamp() - LONG_AGO_MS);
  }

  private stamp(): number {
    return Math.floor(this.clock()) | 0;
  }

  /** A read started: returns the function that ends it (idempotent: a second call does nothing). */
  begin(): () => void {
    Atomics.add(this.a, IN_FLIGHT, 1);
    Atomics.store(this.a, LAST_READ, this.stamp());
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      Atomics.store(this.a, LAST_READ, this.stamp());
      if (Atomics.sub(this.a, IN_FLIGHT, 1) === 1) Atomics.notify(this.a, IN_FLIGHT);
    };
  }

  /** Reads being answered now. */
  get inFlight(): number {
    return Atomics.load(this.a, IN_FLIGHT);
  }

  /** Milliseconds since the last read started or ended (a read in flight: since it started). */
  sinceReadMs(): number {
    const age = (this.stamp() - Atomics.load(this.a, LAST_READ)) | 0;
    return age < 0 || age >= LONG_AGO_MS ? Number.POSITIVE_INFINITY : age;
  }

  /**
   * Resolves when the count of reads in flight is no longer `seen` (a read ended or began) or after `ms`,
   * without blocking the thread's event loop (its other messages, e.g. searches, are answered meanwhile).
   */
  async changed(seen: number, ms: number): Promise<void> {
    if (ms <= 0) return;
    const w = waitAsync(this.a, IN_FLIGHT, seen, ms);
    if (w.async) await w.value;
  }
}

/** How a background thread yields to reads (times in milliseconds). */
export interface PacePolicy {
  /** Reads within this long count as "arriving": the inserts then work at most half the time. */
  recentMs: number;
  /** The longest wait before a slice, whatever the reads do: the bound that guarantees progress. */
  maxWaitMs: number;
  /** While reads arrive, rest this many times as long as the last slice worked (1: at most half the CPU). */
  restRatio: number;
}

export const DEFAULT_PACE: Readonly<PacePolicy> = Object.freeze({ recentMs: 50, maxWaitMs: 25, restRatio: 1 });

/** What {@link sliceDelay} decides from. */
export interface PaceState {
  /** Reads in flight now. */
  inFlight: number;
  /** Since the last read started or ended (Infinity: none for long). */
  sinceReadMs: number;
  /** How long the previous slice worked. */
  lastSliceMs: number;
  /** How long this slice has waited so far. */
  waitedMs: number;
}

/**
 * How much longer the next slice should wait (0: start now): while a read is in flight, until it ends; while
 * reads arrived in the last `recentMs`, until it has rested `restRatio` × the last slice's work; never more
 * than `maxWaitMs` in all.
 */
export function sliceDelay(s: PaceState, p: PacePolicy = DEFAULT_PACE): number {
  const left = p.maxWaitMs - s.waitedMs;
  if (left <= 0) return 0;
  if (s.inFlight > 0) return left;
  if (s.sinceReadMs < p.recentMs) return Math.max(0, Math.min(left, s.lastSliceMs * p.restRatio - s.waitedMs));
  return 0;
}

/** What a pacer did, for reports: slices run, how many waited, and the time they waited. */
export interface PaceStats {
  slices: number;
  waited: number;
  waitedMs: number;
  workedMs: number;
}

/**
 * Paces the slices of a background loop by a {@link ReadGate}: `await pacer.before()` ahead of each slice,
 * `pacer.after()` when it is done. Also sizes the slices: {@link size} gives how many items fit in `sliceMs`
 * at the cost per item measured so far.
 * @example
 * for (let s = 0; s < n; s += k) { await pacer.before(); k = pacer.size(); work(s, k); pacer.after(k); }
 */
export class SlicePacer {
  private lastSliceMs = 0;
  private started = 0;
  private perItemMs: number;
  readonly stats: PaceStats = { slices: 0, waited: 0, waitedMs: 0, workedMs: 0 };

  constructor(
    private readonly gate: Pick<ReadGate, "inFlight" | "sinceReadMs" | "changed">,
    private readonly o: { policy?: PacePolicy; sliceMs?: number; minItems?: number; maxItems?: number; firstItemMs?: number; clock?: () => number } = {},
  ) {
    this.perItemMs = o.firstItemMs ?? 0.05;
  }

  private now(): number {
    return (this.o.clock ?? sharedNowMs)();
  }

  /** Items for the next slice: as many as fit in `sliceMs` (default 1.5 ms) at the cost measured so far. */
  size(): number {
    const { sliceMs = 1.5, minItems = 8, maxItems = 256 } = this.o;
    return Math.max(minItems, Math.min(maxItems, Math.round(sliceMs / Math.max(1e-4, this.perItemMs))));
  }

  /**
   * Waits as {@link sliceDelay} decides: a wait for reads in flight ends early when their count drops to 0 (the
   * gate notifies it); a rest is re-checked when it ends (a read that began meanwhile is waited for then).
   */
  async before(): Promise<void> {
    const p = this.o.policy ?? DEFAULT_PACE;
    const t0 = this.now();
    let waited = 0;
    for (;;) {
      const inFlight = this.gate.inFlight;
      const ms = sliceDelay({ inFlight, sinceReadMs: this.gate.sinceReadMs(), lastSliceMs: this.lastSliceMs, waitedMs: waited }, p);
      if (ms <= 0) break;
      await this.gate.changed(inFlight, ms);
      waited = this.now() - t0;
    }
    if (waited > 0) {
      this.stats.waited++;
      this.stats.waitedMs += waited;
    }
    this.started = this.now();
  }

  /** The slice of `items` items ended: its time sets the next rest and the cost per item. */
  after(items: number): void {
    const ms = Math.max(0, this.now() - this.started);
    this.lastSliceMs = ms;
    this.stats.slices++;
    this.stats.workedMs += ms;
    // A moving average of the cost per item (the graph's inserts get dearer as it grows).
    if (items > 0) this.perItemMs = 0.7 * this.perItemMs + 0.3 * (ms / items);
  }
}
