// The rate limit: one bucket per valid key (or per client IP without a key), checked by the transport before any
// routing, so that a refusal costs about what a load-shedding 503 costs.

/** Most buckets kept at once; past it the least recently used one is forgotten (it starts full again). */
export const MAX_BUCKETS = 10_000;

/** The outcome of one {@link RateLimiter.take}. */
export interface RateDecision {
  ok: boolean;
  /** Requests a full bucket holds (the limit per window). */
  limit: number;
  /** Requests still allowed right now after this one. */
  remaining: number;
  /** Whole seconds until the bucket is full again. */
  resetS: number;
  /** On a refusal: whole seconds (≥ 1) until the next request is allowed. */
  retryAfterS: number;
}

/**
 * `max` requests per `windowMs` per key, as a token bucket that holds `max` requests and refills one every
 * `windowMs / max` (GCRA: each key stores one number, the time its bucket will be full again). A burst of `max`
 * passes; past it requests are allowed at the steady rate, so accepted load is smooth rather than a burst at the
 * start of each fixed window. A bucket that has refilled is the same as none, and is dropped once per window;
 * at most `maxBuckets` are kept (least recently used first out).
 */
export class RateLimiter {
  /** Key → the time (clock ms) at which its bucket is full again; Map order is least recently used first. */
  private readonly full = new Map<string, number>();
  private readonly interval: number;
  private nextSweep: number;

  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly maxBuckets = MAX_BUCKETS,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`The rate limit must be a whole number ≥ 1 of requests, got ${max}`);
    if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new RangeError(`The rate-limit window must be a positive number of milliseconds, got ${windowMs}`);
    if (!(Number.isInteger(maxBuckets) && maxBuckets >= 1)) throw new RangeError(`The bucket cap must be a whole number ≥ 1, got ${maxBuckets}`);
    this.interval = windowMs / max;
    this.nextSweep = clock() + windowMs;
  }

  /** Buckets held now. */
  get size(): number {
    return this.full.size;
  }

  /** Counts one request of `key`: allowed (`ok`) or not, with what the RateLimit headers report. */
  take(key: string): RateDecision {
    const now = this.clock();
    if (now >= this.nextSweep) this.sweep(now);
    const stored = this.full.get(key);
    const tat = stored === undefined || stored < now ? now : stored;
    const next = tat + this.interval;
    if (next - now > this.windowMs + 1e-9) {
      // Refused: nothing is consumed; the next request fits once one interval has drained.
      const wait = next - this.windowMs - now;
      return { ok: false, limit: this.max, remaining: 0, resetS: Math.ceil((tat - now) / 1000), retryAfterS: Math.max(1, Math.ceil(wait / 1000)) };
    }
    if (stored !== undefined) this.full.delete(key);
    else if (this.full.size >= this.maxBuckets) this.full.delete(this.full.keys().next().value!);
    this.full.set(key, next);
    const remaining = Math.floor((this.windowMs - (next - now)) / this.interval + 1e-9);
    return { ok: true, limit: this.max, remaining, resetS: Math.ceil((next - now) / 1000), retryAfterS: 0 };
  }

  /** Forgets buckets that have refilled (they mean the same as none). */
  private sweep(now: number): void {
    for (const [k, t] of this.full) if (t <= now) this.full.delete(k);
    this.nextSweep = now + this.windowMs;
  }
}
