// The event reader on bad input: each case of the shoppers issue (times, quantities, prices, duplicates, unknown
// items, odd ids, huge fields, empty logs), plus field mapping, formats and the fail/skip modes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { ShopEventSchema } from "./event.js";
import { readEventLog, readEvents, type ReadEventsOptions } from "./read-events.js";
import { formatEventTime, parseEventTime } from "./time.js";

const dir = mkdtempSync(join(tmpdir(), "assort-events-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string, ext = ".csv"): string {
  const path = join(dir, `e${n++}${ext}`);
  writeFileSync(path, content);
  return path;
}
const HEADER = "user_id,item_id,event,timestamp,quantity,price,invoice_no,country\n";
const row = (u: string, i: string, t = "2011-01-01T10:00:00", q = "1", p = "2.5", inv = "500", type = "purchase"): string => `${u},${i},${type},${t},${q},${p},${inv},UK\n`;
const NOW = Date.UTC(2012, 0, 1);
const read = (src: string | NodeJS.ReadableStream, o: ReadEventsOptions = {}) => readEventLog(src, { latestMs: NOW, ...o });

async function failure(p: Promise<unknown>): Promise<InvalidInputError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InvalidInputError);
  return e as InvalidInputError;
}

describe("parseEventTime", () => {
  it("reads zone-less times as UTC and says so, and honours Z and offsets", () => {
    expect(parseEventTime("2011-10-01T08:26:00")).toEqual({ ok: true, ms: Date.UTC(2011, 9, 1, 8, 26), zone: "none" });
    expect(parseEventTime("2011-10-01 08:26")).toMatchObject({ ms: Date.UTC(2011, 9, 1, 8, 26), zone: "none" });
    expect(parseEventTime("2011-10-01T08:26:00Z")).toMatchObject({ ms: Date.UTC(2011, 9, 1, 8, 26), zone: "utc" });
    expect(parseEventTime("2011-10-01T10:26:00+02:00")).toMatchObject({ ms: Date.UTC(2011, 9, 1, 8, 26), zone: "offset" });
    expect(parseEventTime("2011-10-01T03:26:00.500-0500")).toMatchObject({ ms: Date.UTC(2011, 9, 1, 8, 26, 0, 500) });
    expect(parseEventTime("2011-10-01")).toMatchObject({ ms: Date.UTC(2011, 9, 1), zone: "none" });
    expect(formatEventTime(Date.UTC(2011, 9, 1, 8, 26))).toBe("2011-10-01T08:26:00Z");
  });

  it("refuses what is not a valid ISO 8601 time instead of rolling it over", () => {
    for (const t of ["yesterday", "01/10/2011 08:26", "2011-13-01", "2011-02-30T00:00:00", "2011-10-01T25:00:00", "2011-10-01T08:26:00+15:00", "1317457560"]) {
      expect(parseEventTime(t).ok, t).toBe(false);
    }
    expect(parseEventTime("2012-02-29").ok).toBe(true);
  });
});

describe("readEvents: bad input", () => {
  it("reports unparsable and future timestamps with file, line and field", async () => {
    const path = file(HEADER + row("1", "A") + row("1", "B", "next tuesday") + row("2", "A", "2031-01-01T00:00:00Z"));
    const e = await failure(read(path));
    expect(e.issues.map((i) => [i.line, i.field])).toEqual([
      [3, "timestamp"],
      [4, "timestamp"],
    ]);
    expect(e.issues[0]!.message).toMatch(/ISO 8601/);
    expect(e.issues[1]!.message).toMatch(/in the future/);
    expect(e.hint).toEqual({ kind: "skip-bad-rows" });
    const { log, report } = await read(path, { onBadRow: "skip" });
    expect(log.length).toBe(1);
    expect(report).toMatchObject({ rows: 1, skipped: 2, issueCount: 2 });
  });

  it("converts mixed time zones to UTC and reports the mix", async () => {
    const { log, report } = await read(file(HEADER + row("1", "A", "2011-01-01T10:00:00") + row("1", "B", "2011-01-01T10:00:00Z") + row("1", "C", "2011-01-01T12:00:00+02:00")));
    expect(Array.from(log.time)).toEqual([Date.UTC(2011, 0, 1, 10), Date.UTC(2011, 0, 1, 10), Date.UTC(2011, 0, 1, 10)]);
    expect(report.zones).toEqual({ utc: 1, offset: 1, none: 1 });
    expect(report.notes.map((x) => [x.code, x.count])).toEqual([
      ["ZONELESS_TIME", 1],
      ["MIXED_TIME_ZONES", 1],
    ]);
  });

  it("reads a negative quantity on a purchase as a return and reports it", async () => {
    const { log, report } = await read(file(HEADER + row("1", "A", undefined, "3") + row("1", "A", undefined, "-2") + row("1", "A", undefined, "-1", "2.5", "C501", "return")));
    expect(log.countByType()).toMatchObject({ purchase: 1, return: 2 });
    expect(Array.from(log.quantity)).toEqual([3, 2, 1]);
    const note = report.notes.find((x) => x.code === "NEGATIVE_QUANTITY_PURCHASE")!;
    expect(note.count).toBe(1);
    expect(note.examples[0]).toMatchObject({ line: 3 });
  });

  it("keeps purchases with price 0 or no price, and counts them", async () => {
    const { log, report } = await read(file(HEADER + row("1", "A", undefined, "1", "0") + row("1", "B", undefined, "1", "") + row("1", "C")));
    expect(log.length).toBe(3);
    expect(Number.isNaN(log.price[1]!)).toBe(true);
    expect(Object.fromEntries(report.notes.map((x) => [x.code, x.count]))).toMatchObject({ ZERO_PRICE: 1, MISSING_PRICE: 1 });
  });

  it("stores an event sent twice with the same event id once, and keeps identical rows without one as real repeats", async () => {
    const jsonl = [
      { user_id: "1", item_id: "A", event: "purchase", timestamp: "2011-01-01T10:00:00Z", event_id: "e1" },
      { user_id: "1", item_id: "A", event: "purchase", timestamp: "2011-01-01T10:00:00Z", event_id: "e1" },
      { user_id: "1", item_id: "B", event: "purchase", timestamp: "2011-01-01T10:00:00Z" },
      { user_id: "1", item_id: "B", event: "purchase", timestamp: "2011-01-01T10:00:00Z" },
    ];
    const { log, report } = await read(file(jsonl.map((o) => JSON.stringify(o)).join("\n"), ".jsonl"));
    expect(log.length).toBe(3);
    expect(report).toMatchObject({ rows: 3, replayedEventIds: 1, identicalRows: 1 });
    const csv = await read(file(HEADER + row("1", "A") + row("1", "A") + row("1", "A")));
    expect(csv.log.length).toBe(3);
    expect(csv.report.identicalRows).toBe(2);
  });

  it("keeps events for items outside the catalogue and for shoppers never seen before, and counts the unknown items", async () => {
    const { log, report } = await read(file(HEADER + row("1", "A") + row("2", "ZZ") + row("3", "ZZ")), { knownItems: new Set(["A"]) });
    expect(log.length).toBe(3);
    expect(log.users.ids).toEqual(["1", "2", "3"]);
    expect(report).toMatchObject({ unknownItemEvents: 2, unknownItems: 1 });
    expect(report.notes.find((x) => x.code === "UNKNOWN_ITEM")!.examples[0]).toMatchObject({ line: 3, field: "item_id" });
  });

  it("reads a shopper with a single event", async () => {
    const { log } = await read(file(HEADER + row("solo", "A")));
    expect(log.length).toBe(1);
    expect(log.event(0)).toMatchObject({ userId: "solo", itemId: "A", type: "purchase", quantity: 1, price: 2.5, orderId: "500", line: 2 });
  });

  it("refuses an empty event log clearly (no rows, or a header only)", async () => {
    for (const content of ["", HEADER, "\n\n"]) {
      const e = await failure(read(file(content)));
      expect(e.message).toMatch(/no events/);
    }
    const e = await failure(read(file("", ".jsonl")));
    expect(e.message).toMatch(/no events/);
  });

  it("refuses a shopper id that is an object or an array (JSONL), naming the field", async () => {
    const lines = [
      JSON.stringify({ user_id: { id: 1 }, item_id: "A", event: "purchase", timestamp: "2011-01-01T10:00:00Z" }),
      JSON.stringify({ user_id: 7, item_id: "A", event: "purchase", timestamp: "2011-01-01T10:00:00Z" }),
      JSON.stringify({ user_id: ["x"], item_id: "A", event: "purchase", timestamp: "2011-01-01T10:00:00Z" }),
      "not json",
      "[1,2]",
    ];
    const e = await failure(read(file(lines.join("\n"), ".jsonl")));
    expect(e.issues.map((i) => [i.line, i.field ?? null, i.message.slice(0, 20)])).toEqual([
      [1, "user_id", "expected a string or"],
      [3, "user_id", "expected a string or"],
      [4, null, "invalid JSON: Unexpe"],
      [5, null, "expected a JSON obje"],
    ]);
    expect(e.issues[0]!.message).toMatch(/got an object/);
    const ok = await read(file(lines.join("\n"), ".jsonl"), { onBadRow: "skip" });
    expect(ok.log.users.ids).toEqual(["7"]);
  });

  it("refuses 1 MB id fields but reads 1 MB fields it does not use", async () => {
    const big = "x".repeat(1 << 20);
    const e = await failure(read(file(HEADER + row(big, "A") + row("1", big))));
    expect(e.issues.map((i) => [i.line, i.field])).toEqual([
      [2, "user_id"],
      [3, "item_id"],
    ]);
    expect(e.issues[0]!.message).toMatch(/too long: 1048576 characters/);
    const { log } = await read(file(`${HEADER}1,A,purchase,2011-01-01T10:00:00,1,2,500,"${big}"\n`));
    expect(log.length).toBe(1);
  });

  it("rejects unknown event types, bad numbers, negative prices and wrong column counts; skips broken rows only", async () => {
    const path = file(HEADER + row("1", "A", undefined, "1", "1", "5", "like") + row("1", "A", undefined, "two") + row("1", "A", undefined, "1", "-3") + "1,A,purchase\n" + row("1", "B"));
    const e = await failure(read(path));
    expect(e.issues.map((i) => [i.line, i.field ?? null])).toEqual([
      [2, "event"],
      [3, "quantity"],
      [4, "price"],
      [5, null],
    ]);
    expect(e.issues[0]!.message).toMatch(/unknown event type "like"/);
    expect(e.issues[3]!.message).toMatch(/has 3 columns, the header has 8/);
  });

  it("stops at a header without a needed column, naming it", async () => {
    const e = await failure(read(file("customer,sku,event,timestamp\n1,A,purchase,2011-01-01\n")));
    expect(e.issues[0]).toMatchObject({ line: 1, field: "user_id" });
    expect(e.message).toMatch(/no column "user_id"/);
  });
});

describe("readEvents: mapping and formats", () => {
  it("maps other column names, event type aliases and a default type", async () => {
    const csv = "customer;sku;when;what;qty\nc1;s1;2011-05-01T10:00:00Z;Add to cart;2\nc1;s1;2011-05-01T10:05:00Z;;1\n".replace(/;/g, ",");
    const { log } = await read(file(csv), { fields: { user: "customer", item: "sku", time: "when", type: "what", quantity: "qty" }, defaultType: "purchase" });
    expect([log.event(0).type, log.event(1).type]).toEqual(["cart", "purchase"]);
    expect(log.baskets.ids).toEqual(["c1@2011-05-01"]); // no order or session: the shopper's day
    const noType = await read(file("customer,sku,when\nc1,s1,2011-05-01\n"), { fields: { user: "customer", item: "sku", time: "when" }, defaultType: "view" });
    expect(noType.log.event(0).type).toBe("view");
  });

  it("sniffs JSONL and CSV from a stream, and its events validate against ShopEventSchema", async () => {
    const jsonl = `\n{"user_id":"u","item_id":"i","event":"purchase","timestamp":"2011-01-01T00:00:00Z","quantity":2,"price":1.5,"invoice_no":"9"}\n`;
    const events = [];
    for await (const e of readEvents(Readable.from([Buffer.from(jsonl.slice(0, 20)), Buffer.from(jsonl.slice(20))]), { latestMs: NOW })) events.push(e);
    expect(events).toEqual([{ userId: "u", itemId: "i", type: "purchase", time: Date.UTC(2011, 0, 1), quantity: 2, price: 1.5, orderId: "9", line: 2 }]);
    const e = events[0]!;
    expect(ShopEventSchema.safeParse({ ...e, timestamp: formatEventTime(e.time) }).success).toBe(true);
    const { log } = await read(Readable.from([Buffer.from(HEADER + row("1", "A"))]));
    expect(log.length).toBe(1);
  });

  it("reports a broken quote as fatal, after the rows before it", async () => {
    const e = await failure(read(file(HEADER + row("1", "A") + '1,"A,purchase,2011-01-01,1,1,1,UK\n')));
    expect(e.message).toMatch(/unclosed quote/);
  });
});
