// The token bucket on a hand-driven clock: bursts, the steady rate, Retry-After, the headers' figures, and the
// bucket cap.
import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.js";

function limiter(max: number, windowMs: number, maxBuckets?: number) {
  const clock = { t: 1000 };
  return { clock, l: new RateLimiter(max, windowMs, maxBuckets, () => clock.t) };
}

describe("RateLimiter", () => {
  it("passes a burst of max, then one request per window/max, with Retry-After to the next free slot", () => {
    const { clock, l } = limiter(5, 60_000);
    const burst = Array.from({ length: 5 }, () => l.take("a"));
    expect(burst.map((d) => d.ok)).toEqual([true, true, true, true, true]);
    expect(burst.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    // After 5 at once the bucket is full again in 60 s; the next slot opens after one interval (12 s).
    expect(burst[4]!.resetS).toBe(60);
    const refused = l.take("a");
    expect(refused).toEqual({ ok: false, limit: 5, remaining: 0, resetS: 60, retryAfterS: 12 });
    clock.t += 11_000;
    expect(l.take("a").ok).toBe(false);
    expect(l.take("a").retryAfterS).toBe(1);
    clock.t += 1000;
    const again = l.take("a");
    expect(again.ok).toBe(true);
    expect(again.remaining).toBe(0);
    // A refusal consumes nothing: after 24 s two more pass.
    clock.t += 24_000;
    expect([l.take("a").ok, l.take("a").ok, l.take("a").ok]).toEqual([true, true, false]);
  });

  it("keeps keys apart and allows the steady rate indefinitely", () => {
    const { clock, l } = limiter(10, 1000);
    for (let i = 0; i < 10; i++) expect(l.take("a").ok).toBe(true);
    expect(l.take("a").ok).toBe(false);
    expect(l.take("b").ok).toBe(true);
    // 10/s paced exactly: every request passes; 20/s paced: half of them.
    let ok = 0;
    for (let i = 0; i < 100; i++) {
      clock.t += 100;
      if (l.take("a").ok) ok++;
    }
    expect(ok).toBe(100);
    ok = 0;
    for (let i = 0; i < 200; i++) {
      clock.t += 50;
      if (l.take("a").ok) ok++;
    }
    expect(ok).toBeGreaterThanOrEqual(99);
    expect(ok).toBeLessThanOrEqual(101);
  });

  it("holds at most maxBuckets (least recently used out) and drops refilled buckets once per window", () => {
    const { clock, l } = limiter(2, 1000, 3);
    for (const k of ["a", "b", "c"]) l.take(k);
    l.take("a"); // a is now the most recently used; b the least
    l.take("d");
    expect(l.size).toBe(3);
    // b was forgotten (a fresh, full bucket); a was kept (its second request in the window is refused after it).
    expect([l.take("b").ok, l.take("b").ok, l.take("b").ok]).toEqual([true, true, false]);
    expect(l.take("a").ok).toBe(false);
    clock.t += 5000;
    l.take("e");
    expect(l.size).toBe(1);
  });

  it("rejects nonsense settings", () => {
    expect(() => new RateLimiter(0, 1000)).toThrow(/≥ 1/);
    expect(() => new RateLimiter(5, 0)).toThrow(/positive/);
    expect(() => new RateLimiter(5, 1000, 0)).toThrow(/cap/);
  });
});
