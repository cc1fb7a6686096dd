// `assort events import` end to end (the compiled CLI as a child process, SQLite data directories): the sample shop
// with its items, idempotent re-imports, identical rows kept, and the issue's bad-input list with file/line/field
// errors and no stack traces.
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { CATALOG, ROOT, assort, expectError } from "./helpers.js";

const EVENTS = join(ROOT, "examples/shop/events.csv");
const HEAD = "user_id,item_id,event,timestamp,quantity,price,invoice_no\n";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-events-import-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Summary {
  read: number;
  inserted: number;
  duplicates: number;
  identicalRows: number;
  skipped: number;
  unknownItemEvents: number;
  unknownItems: number;
  productsAdded: number;
  issues: { line: number; field?: string; message: string }[];
  notes: { code: string; count: number }[];
}

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const run = async (args: string[]): Promise<Summary> => {
  const r = await assort(["events", "import", ...args, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Summary;
};
const stored = async (data: string) => {
  const s = SqliteStore.open(data, { readOnly: true });
  try {
    return { counts: await s.eventCounts(), events: await s.scanEvents({ limit: 100 }), products: (await s.counts()).products };
  } finally {
    await s.close();
  }
};

describe("assort events import", () => {
  it("imports the sample shop with its items; a second import of the same file stores nothing", async () => {
    const data = join(dir, "shop");
    const a = await run(["--events", EVENTS, "--items", join(CATALOG, "train.jsonl"), "--data-dir", data]);
    // 4,385 events (examples/shop/README.md); train.jsonl has 358 products; 49 events name the new products n01–n08;
    // the events name 363 items: 355 of the catalogue's and the 8 new ones
    expect(a).toMatchObject({ read: 4385, inserted: 4385, duplicates: 0, skipped: 0, productsAdded: 358, unknownItemEvents: 49, unknownItems: 8 });
    const b = await run(["--events", EVENTS, "--data-dir", data]);
    expect(b).toMatchObject({ read: 4385, inserted: 0, duplicates: 4385, productsAdded: 0 });
    expect((await stored(data)).counts).toEqual({ events: 4385, users: 300, items: 363 });
    const human = await assort(["events", "import", "--events", EVENTS, "--data-dir", data]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/already stored \(same event id or file line\)\s+4385/);
  });

  it("keeps identical rows as repeats, stores a repeated event id once, and reads negative purchases as returns", async () => {
    const data = join(dir, "repeats");
    const rows = [
      "u1,p1,purchase,2025-01-01T10:00:00Z,1,2.5,o1",
      "u1,p1,purchase,2025-01-01T10:00:00Z,1,2.5,o1", // identical: a second unit bought, kept
      "u1,p2,purchase,2025-01-02T10:00:00Z,-2,4,o2", // negative purchase → a return of 2
      "u2,p1,purchase,2025-01-03T10:00:00,1,0,o3", // zone-less, price 0
      "u3,p9,purchase,2025-01-03T10:00:00+01:00,1,,o4", // an unknown item, no price, another zone
    ];
    const s = await run(["--events", file("repeats.csv", HEAD + rows.join("\n") + "\n"), "--data-dir", data]);
    expect(s).toMatchObject({ read: 5, inserted: 5, identicalRows: 1, skipped: 0 });
    const notes = Object.fromEntries(s.notes.map((n) => [n.code, n.count]));
    expect(notes).toMatchObject({ NEGATIVE_QUANTITY_PURCHASE: 1, ZERO_PRICE: 1, MISSING_PRICE: 1, MIXED_TIME_ZONES: 1 });
    const { events } = await stored(data);
    expect(events.map((e) => [e.userId, e.itemId, e.type, e.quantity ?? null])).toEqual([
      ["u1", "p1", "purchase", 1],
      ["u1", "p1", "purchase", 1],
      ["u1", "p2", "return", 2],
      ["u2", "p1", "purchase", 1],
      ["u3", "p9", "purchase", 1],
    ]);
    expect(events[4]!.time).toBe(Date.UTC(2025, 0, 3, 9, 0, 0));
    // event ids: the second line repeats e1 (left out), and a re-import with other line numbers adds nothing
    const ids = "event_id,user_id,item_id,event,timestamp,quantity,price,invoice_no\ne1,u9,p1,purchase,2025-02-01T00:00:00Z,1,1,o9\ne1,u9,p1,purchase,2025-02-01T00:00:00Z,1,1,o9\n";
    expect(await run(["--events", file("ids.csv", ids), "--event-id-field", "event_id", "--data-dir", data])).toMatchObject({ read: 1, inserted: 1 });
    expect(await run(["--events", file("ids2.csv", ids), "--event-id-field", "event_id", "--data-dir", data])).toMatchObject({ read: 1, inserted: 0, duplicates: 1 });
  });

  it("names file, line and field of bad rows, and skips them with --on-bad-row skip", async () => {
    const data = join(dir, "bad");
    const rows = [
      "u1,p1,purchase,2025-01-01T10:00:00Z,1,2.5,o1",
      "u1,p1,purchase,not a time,1,2.5,o1",
      "u2,p1,purchase,2999-01-01T00:00:00Z,1,2.5,o2",
      `u3,p1,purchase,2025-01-01T10:00:00Z,1,${"9".repeat(10)},o3`,
      `${"x".repeat(1_000_000)},p1,purchase,2025-01-01T10:00:00Z,1,1,o4`,
    ];
    const f = file("bad.csv", HEAD + rows.join("\n") + "\n");
    const r = await assort(["events", "import", "--events", f, "--data-dir", data]);
    expectError(r, 1, "bad.csv:3", '"timestamp"', "bad.csv:4", "bad.csv:6", "the good rows were stored");
    const s = await run(["--events", f, "--data-dir", data, "--on-bad-row", "skip"]);
    expect(s).toMatchObject({ read: 2, skipped: 3 });
    expect(s.issues.map((i) => [i.line, i.field])).toEqual([
      [3, "timestamp"],
      [4, "timestamp"],
      [6, "user_id"],
    ]);
  });

  it("refuses an empty event log, a shopper id that is an object, and bad flags, with one clear message", async () => {
    const data = join(dir, "empty");
    expectError(await assort(["events", "import", "--events", file("empty.csv", HEAD), "--data-dir", data]), 1, "no events");
    const jsonl = file("obj.jsonl", JSON.stringify({ user_id: { id: 1 }, item_id: "p1", event: "purchase", timestamp: "2025-01-01T00:00:00Z" }) + "\n" + JSON.stringify({ user_id: "ok", item_id: "p1", event: "purchase", timestamp: "2025-01-01T00:00:00Z" }) + "\n");
    expectError(await assort(["events", "import", "--events", jsonl, "--data-dir", data]), 1, "obj.jsonl:1", '"user_id"');
    expect(await run(["--events", jsonl, "--data-dir", data, "--on-bad-row", "skip"])).toMatchObject({ read: 1, inserted: 1, skipped: 1 });
    // a one-event shopper is stored like any other
    expect((await stored(data)).counts).toEqual({ events: 1, users: 1, items: 1 });
    // stdin: without --source every import adds its rows; with one, a second import of the same lines adds nothing
    const line = HEAD + "s1,p1,purchase,2025-01-01T00:00:00Z,1,1,o1\n";
    const piped = async (extra: string[]) => JSON.parse((await assort(["events", "import", "--events", "-", "--data-dir", data, "--json", ...extra], { input: line })).stdout) as Summary;
    expect(await piped([])).toMatchObject({ inserted: 1 });
    expect(await piped([])).toMatchObject({ inserted: 1 });
    expect(await piped(["--source", "feed-1"])).toMatchObject({ inserted: 1 });
    expect(await piped(["--source", "feed-1"])).toMatchObject({ inserted: 0, duplicates: 1 });
    expectError(await assort(["events", "import", "--events", EVENTS, "--data-dir", data, "--batch-size", "0"]), 2, "--batch-size");
    expectError(await assort(["events", "import", "--data-dir", data]), 2, "--events");
  });

  it("--help names the options and the examples", async () => {
    const r = await assort(["events", "import", "--help"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Usage: assort events import");
    for (const o of ["--events", "--items", "--data-dir", "--store", "--source", "--on-bad-row", "--user-field", "--json"]) expect(r.stdout).toContain(o);
    expect((await assort(["events", "--help"])).stdout).toMatch(/import\s/);
  });
});
