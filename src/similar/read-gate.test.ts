// The read gate: reads counted in shared memory, and the pacing of background slices by hand-made timelines
// (a read in flight holds a slice, the slice starts once it ends, the bound guarantees progress).
import { describe, expect, it } from "vitest";
import { DEFAULT_PACE, ReadGate, SlicePacer, sliceDelay, type PaceState } from "./read-gate.js";

const state = (s: Partial<PaceState>): PaceState => ({ inFlight: 0, sinceReadMs: Number.POSITIVE_INFINITY, lastSliceMs: 2, waitedMs: 0, ...s });

describe("sliceDelay", () => {
  const p = { recentMs: 50, maxWaitMs: 25, restRatio: 1 };
  it("waits out a read in flight, up to the bound", () => {
    expect(sliceDelay(state({ inFlight: 1, sinceReadMs: 0 }), p)).toBe(25);
    expect(sliceDelay(state({ inFlight: 3, sinceReadMs: 4, waitedMs: 20 }), p)).toBe(5);
  });
  it("rests as long as the last slice worked while reads are recent, never past the bound", () => {
    expect(sliceDelay(state({ sinceReadMs: 10, lastSliceMs: 2 }), p)).toBe(2);
    expect(sliceDelay(state({ sinceReadMs: 10, lastSliceMs: 2, waitedMs: 1.5 }), p)).toBe(0.5);
    expect(sliceDelay(state({ sinceReadMs: 10, lastSliceMs: 2, waitedMs: 3 }), p)).toBe(0);
    expect(sliceDelay(state({ sinceReadMs: 10, lastSliceMs: 40, waitedMs: 20 }), p)).toBe(5);
    expect(sliceDelay(state({ sinceReadMs: 10, lastSliceMs: 2 }), { ...p, restRatio: 3 })).toBe(6);
  });
  it("starts at once when no read came recently, and once the bound is spent whatever the reads do", () => {
    expect(sliceDelay(state({ sinceReadMs: 50 }), p)).toBe(0);
    expect(sliceDelay(state({}), p)).toBe(0);
    expect(sliceDelay(state({ inFlight: 5, sinceReadMs: 0, waitedMs: 25 }), p)).toBe(0);
    expect(sliceDelay(state({ inFlight: 5, sinceReadMs: 0, waitedMs: 30 }), p)).toBe(0);
  });
});

describe("ReadGate", () => {
  it("counts reads in flight, ends each once, and stamps the last read's start and end", () => {
    let now = 1_000_000;
    const gate = new ReadGate(undefined, () => now);
    expect(gate.inFlight).toBe(0);
    expect(gate.sinceReadMs()).toBe(Number.POSITIVE_INFINITY);
    const a = gate.begin();
    now += 7;
    const b = gate.begin();
    expect(gate.inFlight).toBe(2);
    now += 5;
    expect(gate.sinceReadMs()).toBe(5);
    a();
    a(); // a second end does nothing
    expect(gate.inFlight).toBe(1);
    now += 3;
    expect(gate.sinceReadMs()).toBe(3);
    b();
    expect(gate.inFlight).toBe(0);
    // Another thread's view of the same memory.
    const other = new ReadGate(gate.buffer, () => now + 4);
    expect(other.inFlight).toBe(0);
    expect(other.sinceReadMs()).toBe(4);
  });

  it("computes ages across the wrap of its 32-bit clock", () => {
    let now = 2 ** 32 - 3; // stamps wrap from 2^31 - 1 to -2^31 and at 2^32 to 0
    const gate = new ReadGate(undefined, () => now);
    gate.begin()();
    now += 10;
    expect(gate.sinceReadMs()).toBe(10);
    now = 2 ** 31 - 2;
    gate.begin()();
    now += 6;
    expect(gate.sinceReadMs()).toBe(6);
  });

  it("wakes a waiter when the last read ends, before its timeout", async () => {
    const gate = new ReadGate();
    const end = gate.begin();
    const t0 = performance.now();
    setTimeout(end, 20);
    await gate.changed(1, 5_000);
    expect(gate.inFlight).toBe(0);
    expect(performance.now() - t0).toBeLessThan(2_000);
    // Nothing to wait for: the count is already not what the caller saw.
    await gate.changed(1, 5_000);
  });
});

/** A gate whose reads follow a timeline [start, end) on a fake clock that waiting advances. */
function timeline(reads: [number, number][]): { clock: { t: number }; gate: ConstructorParameters<typeof SlicePacer>[0] } {
  const clock = { t: 0 };
  const count = (t: number): number => reads.filter(([s, e]) => s <= t && t < e).length;
  const gate = {
    get inFlight() {
      return count(clock.t);
    },
    sinceReadMs() {
      if (count(clock.t) > 0) return clock.t - Math.max(...reads.filter(([s, e]) => s <= clock.t && clock.t < e).map(([s]) => s));
      const past = reads.flatMap(([s, e]) => [s, e]).filter((x) => x <= clock.t);
      return past.length === 0 ? Number.POSITIVE_INFINITY : clock.t - Math.max(...past);
    },
    changed(seen: number, ms: number): Promise<void> {
      // Up to `ms` later, or to the first read boundary where the count is no longer `seen`.
      const until = clock.t + ms;
      const next = reads.flatMap(([s, e]) => [s, e]).filter((x) => x > clock.t && x < until && count(x) !== seen);
      clock.t = next.length > 0 ? Math.min(...next) : until;
      return Promise.resolve();
    },
  };
  return { clock, gate };
}

describe("SlicePacer on a hand-made timeline", () => {
  it("holds a slice while a read is in flight, starts it when the read ends, then rests as long as it worked", async () => {
    const { clock, gate } = timeline([[0, 10]]);
    const pacer = new SlicePacer(gate, { clock: () => clock.t });
    clock.t = 5;
    await pacer.before();
    expect(clock.t).toBe(10); // the read ended at 10: not before, and not after
    clock.t = 12; // the slice worked 2 ms
    pacer.after(10);
    await pacer.before();
    expect(clock.t).toBe(14); // a read ended 2 ms ago: rest 2 ms
    clock.t = 15;
    pacer.after(10);
    clock.t = 200; // no read for long: at once
    await pacer.before();
    expect(clock.t).toBe(200);
    expect(pacer.stats).toMatchObject({ slices: 2, waited: 2, waitedMs: 7, workedMs: 3 });
  });

  it("a read beginning during a rest is waited out", async () => {
    const { clock, gate } = timeline([[0, 1], [3, 8]]);
    const pacer = new SlicePacer(gate, { clock: () => clock.t });
    clock.t = 1;
    await pacer.before();
    clock.t = 2;
    pacer.after(1); // worked 1 ms; a read ended 1 ms ago
    await pacer.before();
    // The rest (1 ms, until 3) ended as the second read began; the slice waited for its end.
    expect(clock.t).toBe(8);
  });

  it("always progresses: with reads in flight without a pause, each slice waits the bound and starts", async () => {
    const { clock, gate } = timeline([[0, 10_000]]);
    const pacer = new SlicePacer(gate, { clock: () => clock.t });
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pacer.before();
      starts.push(clock.t);
      clock.t += 1.5;
      pacer.after(30);
    }
    const w = DEFAULT_PACE.maxWaitMs;
    expect(starts).toEqual([w, 2 * w + 1.5, 3 * w + 3, 4 * w + 4.5]);
  });

  it("sizes slices by the measured cost per item, within bounds", () => {
    const clock = { t: 0 };
    const { gate } = timeline([]);
    const pacer = new SlicePacer(gate, { clock: () => clock.t, sliceMs: 1.5, firstItemMs: 0.05, minItems: 8, maxItems: 256 });
    expect(pacer.size()).toBe(30);
    for (let i = 0; i < 30; i++) {
      void pacer.before();
      clock.t += 3; // 0.1 ms per item over 30 items
      pacer.after(30);
    }
    expect(pacer.size()).toBe(15);
    for (let i = 0; i < 30; i++) {
      void pacer.before();
      clock.t += 300; // 10 ms per item
      pacer.after(30);
    }
    expect(pacer.size()).toBe(8);
  });
});
