// The queueing budget on a simulated event loop: paced arrivals, each turn reads what arrived, answers or refuses
// each request in order. Light load and single slow requests are never refused; past capacity the accepted
// requests wait about one budget and the refusals drain the queue.
import { describe, expect, it } from "vitest";
import { FREE_PER_TURN, QueueShedder } from "./queue-shedder.js";

interface Run {
  accepted: number;
  shed: number;
  /** Waits (ms from arrival to the start of work) of accepted requests, in arrival order. */
  waits: number[];
  /** Indexes of the refused requests. */
  refused: number[];
}

/**
 * Simulates `ms` of paced arrivals (`perMs` requests per ms) at a server whose answers cost `costMs` and refusals
 * `shedMs`; `costOf(i)` overrides the cost of request i.
 */
function simulate(o: { budgetMs: number; perMs: number; ms: number; costMs: number; shedMs?: number; costOf?: (i: number) => number; arrivalOf?: (i: number) => number; arrivals?: number[]; gapMs?: number }): Run {
  let t = 0;
  let idle = 0;
  let pending: (() => void) | undefined;
  const s = new QueueShedder(
    o.budgetMs,
    (f) => (pending = f),
    () => t,
    () => idle,
  );
  const arrivals = o.arrivals ?? Array.from({ length: Math.round(o.perMs * o.ms) }, (_, i) => o.arrivalOf?.(i) ?? i / o.perMs);
  const run: Run = { accepted: 0, shed: 0, waits: [], refused: [] };
  let next = 0;
  while (next < arrivals.length) {
    if (arrivals[next]! > t) {
      idle += arrivals[next]! - t; // the loop waits for the next request
      t = arrivals[next]! + 0.05; // plus the poll's wake-up
    }
    let end = next;
    while (end < arrivals.length && arrivals[end]! <= t) end++;
    for (let i = next; i < end; i++) {
      if (s.shed()) {
        run.shed++;
        run.refused.push(i);
        t += o.shedMs ?? 0.03;
      } else {
        run.accepted++;
        run.waits.push(t - arrivals[i]!);
        t += o.costOf?.(i) ?? o.costMs;
      }
    }
    next = end;
    pending?.();
    pending = undefined;
    t += o.gapMs ?? 0.05; // timers and the poll's own work between turns (or the process descheduled)
  }
  return run;
}

const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1]!;

describe("QueueShedder", () => {
  it("refuses nothing below capacity, even near it", () => {
    for (const perMs of [0.5, 2, 4.5]) {
      const r = simulate({ budgetMs: 20, perMs, ms: 2000, costMs: 0.2 });
      expect(r.shed, `${perMs}/ms`).toBe(0);
    }
  });

  it("refuses nothing for one slow request, nor for a few heavy requests at once", () => {
    const one = simulate({ budgetMs: 20, perMs: 1, ms: 2000, costMs: 0.2, costOf: (i) => (i === 500 ? 300 : 0.2) });
    expect(one.shed).toBe(0);
    // A burst of 1000 requests at once (200 ms of work) at 20% load.
    const burst = [...Array.from({ length: 2000 }, (_, i) => i), ...Array.from({ length: 1000 }, () => 1000.5)].sort((a, b) => a - b);
    expect(simulate({ budgetMs: 20, perMs: 0, ms: 0, costMs: 0.2, arrivals: burst }).shed).toBe(0);
    // FREE_PER_TURN clients each sending 60 ms batches back to back: turns are long, but nobody is refused.
    const round = FREE_PER_TURN * 60;
    const heavy = simulate({ budgetMs: 20, perMs: FREE_PER_TURN / round, ms: 10 * round, costMs: 60, arrivalOf: (i) => Math.floor(i / FREE_PER_TURN) * round });
    expect(heavy.shed).toBe(0);
  });

  it("at twice capacity accepts about half, with waits near the budget, and recovers when load drops", () => {
    const over = simulate({ budgetMs: 20, perMs: 10, ms: 5000, costMs: 0.2 });
    expect(over.shed).toBeGreaterThan(over.accepted * 0.5);
    expect(over.accepted).toBeGreaterThan(5000 * 5 * 0.5);
    // After the first turns (the standing queue must show first), accepted requests wait about one budget.
    const settled = over.waits.slice(200);
    expect(p99(settled)).toBeLessThan(20 + 5);
    expect(Math.max(...settled)).toBeLessThan(2 * 20 + 5);
    // Load back below capacity after 2 s at twice capacity: refusals stop once the queue has drained.
    const arrivals = [...Array.from({ length: 20_000 }, (_, i) => i / 10), ...Array.from({ length: 6000 }, (_, i) => 2000 + i / 3)];
    const phases = simulate({ budgetMs: 20, perMs: 0, ms: 0, costMs: 0.2, arrivals });
    expect(phases.shed).toBeGreaterThan(5000);
    // Every request of the calm phase after its first 100 ms is accepted.
    expect(phases.refused.filter((i) => i >= 20_000 + 300)).toEqual([]);
  });

  it("sees the queue when the process is descheduled between turns (a busy machine)", () => {
    const r = simulate({ budgetMs: 20, perMs: 10, ms: 3000, costMs: 0.2, gapMs: 3 });
    expect(r.shed).toBeGreaterThan(r.accepted * 0.5);
    // The first FREE_PER_TURN of each turn are taken whatever their wait, which the stalls lengthen.
    expect(p99(r.waits.slice(200))).toBeLessThan(20 + 10);
  });

  it("keeps waits bounded at ten times capacity, where refusals dominate", () => {
    const r = simulate({ budgetMs: 10, perMs: 50, ms: 2000, costMs: 0.2, shedMs: 0.01 });
    expect(r.accepted).toBeGreaterThan(1000);
    expect(p99(r.waits.slice(200))).toBeLessThan(10 + 5);
  });
});
