// Checks the progress bar against a fake terminal stream and a fake clock.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgressReporter, formatElapsed, formatProgressLine } from "./progress-bar.js";

function fakeStream(isTTY = true, columns = 80) {
  const writes: string[] = [];
  return { writes, isTTY, columns, write: (s: string) => writes.push(s) > 0 };
}

/** A clock the test moves by hand. */
function fakeClock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** What a terminal would show: apply \r, the clear-to-end-of-line escape and \n to the writes. */
function screen(writes: string[]): string[] {
  const lines = [""];
  for (const ch of writes.join("").split("\x1b[K").join("")) {
    if (ch === "\r") lines[lines.length - 1] = "";
    else if (ch === "\n") lines.push("");
    else lines[lines.length - 1] += ch;
  }
  return lines;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("formatProgressLine", () => {
  it("draws stage, bar, percent, counts and time", () => {
    const line = formatProgressLine({ stage: "featurize", done: 18231, total: 35000 }, 3100);
    expect(line).toBe("featurize   [████████████░░░░░░░░░░░░]   52%  18,231/35,000  3.1s");
  });

  it("shows a spinner and a count when the total is unknown", () => {
    expect(formatProgressLine({ stage: "read", done: 1234, total: 0 }, 500, 80, 2)).toBe("read        ⠹  1,234  0.5s");
  });

  it("fits narrow terminals: a shorter bar, then none", () => {
    const e = { stage: "featurize", done: 1, total: 2 };
    const narrow = formatProgressLine(e, 0, 50);
    expect(narrow.length).toBeLessThanOrEqual(49);
    expect(narrow).toContain("[");
    const tiny = formatProgressLine(e, 0, 30);
    expect(tiny.length).toBeLessThanOrEqual(29);
    expect(tiny).not.toContain("[");
  });

  it("formats elapsed time compactly", () => {
    expect(formatElapsed(3149)).toBe("3.1s");
    expect(formatElapsed(125_000)).toBe("2m05s");
    expect(formatElapsed(3_720_000)).toBe("1h02m");
  });
});

describe("createProgressReporter", () => {
  it("redraws one line in place, throttled to ~15 per second, always showing the final count", () => {
    const s = fakeStream();
    const clock = fakeClock();
    const p = createProgressReporter(s, { enabled: true, now: clock.now });
    p.onProgress({ stage: "fit", done: 0, total: 100 }); // first event: drawn
    for (let i = 1; i < 100; i++) {
      clock.advance(10); // 100 events per second
      p.onProgress({ stage: "fit", done: i, total: 100 });
    }
    clock.advance(10);
    p.onProgress({ stage: "fit", done: 100, total: 100 }); // complete: drawn regardless of the throttle
    const redraws = s.writes.filter((w) => w.startsWith("\r")).length;
    expect(redraws).toBeGreaterThanOrEqual(14);
    expect(redraws).toBeLessThanOrEqual(17); // 1 s of events at most every 1000/15 ms, plus first and last
    p.done();
    expect(screen(s.writes)).toEqual(["fit         [████████████████████████]  100%  100/100  1.0s", ""]);
  });

  it("starts a new line when the stage changes, flushing the previous stage's last numbers", () => {
    const s = fakeStream();
    const clock = fakeClock();
    const p = createProgressReporter(s, { enabled: true, now: clock.now });
    p.onProgress({ stage: "read", done: 0, total: 0 });
    clock.advance(5);
    p.onProgress({ stage: "read", done: 500, total: 0 }); // throttled, but shown before the stage ends
    clock.advance(5);
    p.onProgress({ stage: "train", done: 1, total: 4 });
    p.done();
    p.done(); // idempotent
    const lines = screen(s.writes);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^read {8}⠙ {2}500 {2}0\.0s$/);
    expect(lines[1]).toBe("train       [██████░░░░░░░░░░░░░░░░░░]   25%  1/4  0.0s");
    expect(lines[2]).toBe("");
  });

  it("writes nothing when disabled, and is disabled by default off a TTY or under CI", () => {
    const events = (p: ReturnType<typeof createProgressReporter>): void => {
      p.onProgress({ stage: "x", done: 1, total: 2 });
      p.done();
    };
    const off = fakeStream(true);
    events(createProgressReporter(off, { enabled: false }));
    expect(off.writes).toEqual([]);

    const pipe = fakeStream(false);
    events(createProgressReporter(pipe));
    expect(pipe.writes).toEqual([]);

    vi.stubEnv("CI", "true");
    const ci = fakeStream(true);
    events(createProgressReporter(ci));
    expect(ci.writes).toEqual([]);

    vi.stubEnv("CI", "");
    const tty = fakeStream(true);
    events(createProgressReporter(tty));
    expect(tty.writes.length).toBeGreaterThan(0);
  });

  it("writes nothing on done() when no progress was reported", () => {
    const s = fakeStream();
    createProgressReporter(s, { enabled: true }).done();
    expect(s.writes).toEqual([]);
  });
});
