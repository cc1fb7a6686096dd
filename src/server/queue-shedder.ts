// The queueing budget: past capacity a single-threaded server queues requests in socket buffers, where the
// in-flight count cannot see them. Each event-loop turn reads the requests that arrived during the previous one;
// how long the turns take says how long those requests waited. This sheds the ones that waited too long.

/** Requests each turn always takes, whatever the budget: progress, and a few concurrent heavy requests never shed. */
export const FREE_PER_TURN = 16;
/** Shedding stays on until this many budgets pass without a refusal. */
export const STAY_BUDGETS = 5;
/** Waits must have stood over the budget this many budgets in a row before anything is refused: bursts pass. */
export const STANDING_BUDGETS = 2.5;
/** Turns ran back to back when the loop spent less than this (ms) waiting for I/O between them. */
const BACK_TO_BACK_IDLE_MS = 0.05;
/** A turn over the budget, back to back with the previous one and at least this share of it: the work is not shrinking. */
const GROWING = 0.75;

/** Milliseconds the event loop has spent waiting for I/O since the process started (libuv's idle time). */
const loopIdleMs = (): number => performance.eventLoopUtilization().idle;

/**
 * Decides, for each request read from a socket, whether it waited longer than `budgetMs` behind other work. A turn
 * starts with its first request and ends in the check phase (`schedule`, setImmediate). Turns between which the
 * loop did not wait for I/O (libuv's idle time did not grow) ran back to back: the later one's requests waited
 * since the earlier one began, at most.
 *
 * Load is over capacity when a turn over the budget runs back to back with the previous one and takes at least 3/4
 * of it (the work is not shrinking: after one slow request at moderate load the next turns shrink by the load
 * factor, and nothing is refused), and waits have stood over the budget for {@link STANDING_BUDGETS} budgets (a
 * burst passes). Then, and while refusals keep coming, a request is refused when it is not among the first
 * {@link FREE_PER_TURN} of its turn and its wait (the time its turn has run, plus the time since the previous turn
 * began when the two ran back to back) exceeds the budget. Refusing is far cheaper than answering, so the refusals
 * drain the queue: turns shrink below the budget and accepted requests wait about one budget at most.
 */
export class QueueShedder {
  private open = false;
  private start = 0;
  private index = 0;
  private carry = 0;
  private lastStart = Number.NEGATIVE_INFINITY;
  private lastMs = 0;
  private idleAtEnd = Number.NEGATIVE_INFINITY;
  /** The last turn was over the budget and its work was not shrinking. */
  private growing = false;
  /** Start of the first of the back-to-back turns whose waits have all run over the budget (0: the last did not). */
  private overSince = 0;
  private lastShed = Number.NEGATIVE_INFINITY;

  constructor(
    readonly budgetMs: number,
    private readonly schedule: (f: () => void) => void = setImmediate,
    private readonly clock: () => number = () => performance.now(),
    private readonly idleClock: () => number = loopIdleMs,
  ) {}

  /** Whether the request read now must be refused (503). */
  shed(): boolean {
    const now = this.clock();
    if (!this.open) {
      this.open = true;
      this.start = now;
      this.index = 0;
      this.carry = this.idleClock() - this.idleAtEnd < BACK_TO_BACK_IDLE_MS ? now - this.lastStart : 0;
      this.schedule(this.end);
    }
    this.index++;
    if (this.index <= FREE_PER_TURN) return false;
    const elapsed = now - this.start;
    if (elapsed + this.carry <= this.budgetMs) return false;
    const recent = now - this.lastShed < STAY_BUDGETS * this.budgetMs;
    if (!recent) {
      // Over capacity: the waits have stood over the budget for a while, and the work is not shrinking (the last
      // turn grew, or this one already has: back to back, at least 3/4 of the last).
      const since = this.overSince > 0 ? this.overSince : this.start;
      if (now - since < STANDING_BUDGETS * this.budgetMs) return false;
      if (!this.growing && !(this.carry > 0 && elapsed >= GROWING * this.lastMs)) return false;
    }
    this.lastShed = now;
    return true;
  }

  /** Whether requests were refused in the last few budgets. */
  get shedding(): boolean {
    return this.clock() - this.lastShed < STAY_BUDGETS * this.budgetMs;
  }

  private readonly end = (): void => {
    const now = this.clock();
    this.open = false;
    const ms = now - this.start;
    this.growing = ms > this.budgetMs && this.carry > 0 && ms >= GROWING * this.lastMs;
    // A run of over-budget waits continues through back-to-back turns, and ends with a turn within the budget.
    if (ms + this.carry <= this.budgetMs) this.overSince = 0;
    else if (this.overSince === 0 || this.carry === 0) this.overSince = this.start;
    this.lastStart = this.start;
    this.lastMs = ms;
    this.idleAtEnd = this.idleClock();
  };
}
