// The shopper half of the CatalogStore contract (events, segment sets, erasing a shopper), run inside
// catalogStoreContract against every store. Expectations are counted by hand from the rows written here.
import { describe, expect, it } from "vitest";
import type { CatalogStore, EventWrite, StoredEvent } from "../../src/index.js";

const T0 = Date.UTC(2011, 0, 1, 9, 0, 0);
const ev = (userId: string, itemId: string, extra: Partial<EventWrite> = {}): EventWrite => ({ userId, itemId, type: "purchase", time: T0, ...extra });
/** What a test compares: the stored event without its seq. */
const strip = (e: StoredEvent): EventWrite => {
  const { seq: _seq, ...rest } = e;
  return rest;
};

export function shopperStoreCases(current: () => CatalogStore): void {
  describe("shopper events and segments", () => {
    it("stores events with every field and reads them back in insertion order", async () => {
      const store = current();
      const full: EventWrite = { userId: "u1", itemId: "i1", type: "purchase", time: T0 + 1500, quantity: 3, price: 2.55, orderId: "o1", session: "s1", eventId: "e1", source: "events.csv", line: 2 };
      const bare: EventWrite = { userId: "u2", itemId: "i2", type: "view", time: T0 };
      const ret: EventWrite = { userId: "u1", itemId: "i1", type: "return", time: T0 + 60_000, quantity: 1, price: 2.55 };
      expect(await store.insertEvents([full, bare, ret])).toEqual({ inserted: 3, duplicates: 0 });
      const all = await store.scanEvents({ limit: 10 });
      expect(all.map(strip)).toEqual([full, bare, ret]);
      expect(all[0]!.seq).toBeLessThan(all[1]!.seq);
      expect(all[1]!.seq).toBeLessThan(all[2]!.seq);
      expect((await store.userEvents("u1")).map(strip)).toEqual([full, ret]);
      expect(await store.userEvents("nobody")).toEqual([]);
      expect(await store.insertEvents([])).toEqual({ inserted: 0, duplicates: 0 });
    });

    it("is idempotent by event id and by source and line; identical rows without either are kept", async () => {
      const store = current();
      // a: id e1; b: the same id again in the same batch (duplicate); c, d: identical rows without ids (two real purchases)
      const r1 = await store.insertEvents([ev("u1", "i1", { eventId: "e1" }), ev("u1", "i9", { eventId: "e1" }), ev("u1", "i2"), ev("u1", "i2")]);
      expect(r1).toEqual({ inserted: 3, duplicates: 1 });
      // a replayed batch: e1 is stored, the two id-less rows are new repeats again
      expect(await store.insertEvents([ev("u1", "i1", { eventId: "e1" }), ev("u1", "i2")])).toEqual({ inserted: 1, duplicates: 1 });
      // file lines: the same file re-imported adds nothing; another file's line 2 is another event
      const file = [ev("u2", "i1", { source: "a.csv", line: 2 }), ev("u2", "i1", { source: "a.csv", line: 3 })];
      expect(await store.insertEvents(file)).toEqual({ inserted: 2, duplicates: 0 });
      expect(await store.insertEvents(file)).toEqual({ inserted: 0, duplicates: 2 });
      expect(await store.insertEvents([ev("u2", "i1", { source: "b.csv", line: 2 })])).toEqual({ inserted: 1, duplicates: 0 });
      // 3 + 1 + 2 + 1 = 7 events, shoppers u1 u2, items i1 i2 (i9 was the dropped duplicate)
      expect(await store.eventCounts()).toEqual({ events: 7, users: 2, items: 2 });
      expect((await store.userEvents("u1")).map((e) => e.itemId)).toEqual(["i1", "i2", "i2", "i2"]);
    });

    it("pages the whole log by seq and one shopper's events, and counts events per shopper in id order", async () => {
      const store = current();
      const rows: EventWrite[] = [];
      for (let i = 0; i < 25; i++) rows.push(ev(`u${i % 3}`, `i${String(i).padStart(2, "0")}`, { time: T0 + i }));
      await store.insertEvents(rows.slice(0, 10));
      await store.insertEvents(rows.slice(10));
      const seen: StoredEvent[] = [];
      let afterSeq: number | undefined;
      for (;;) {
        const page = await store.scanEvents(afterSeq === undefined ? { limit: 7 } : { afterSeq, limit: 7 });
        expect(page.length).toBeLessThanOrEqual(7);
        seen.push(...page);
        if (page.length < 7) break;
        afterSeq = page[page.length - 1]!.seq;
      }
      expect(seen.map((e) => e.itemId)).toEqual(rows.map((r) => r.itemId));
      // u1 holds events 1, 4, 7, …, 22: 8 of them; a page of 3 after the third
      const u1 = await store.userEvents("u1");
      expect(u1.map((e) => e.time - T0)).toEqual([1, 4, 7, 10, 13, 16, 19, 22]);
      expect((await store.userEvents("u1", { afterSeq: u1[2]!.seq, limit: 3 })).map((e) => e.time - T0)).toEqual([10, 13, 16]);
      // u0: 0, 3, …, 24 → 9; u1: 8; u2: 8
      expect(await store.userEventCounts({ limit: 10 })).toEqual([
        { userId: "u0", events: 9 },
        { userId: "u1", events: 8 },
        { userId: "u2", events: 8 },
      ]);
      expect(await store.userEventCounts({ afterId: "u0", limit: 1 })).toEqual([{ userId: "u1", events: 8 }]);
    });

    it("saves a segment set (replacing the previous one), pages members, and erases a shopper's events and membership", async () => {
      const store = current();
      expect(await store.getSegments()).toBeUndefined();
      await store.saveSegments({ version: "old", segments: [{ id: 0, name: "old" }], members: [{ userId: "gone", segment: 0 }] });
      await store.saveSegments({
        version: "s1",
        segments: [
          { id: 1, name: "frequent big spenders", details: { topItems: ["i1"] } },
          { id: 0, name: "lapsed one-time buyers" },
        ],
        members: [
          { userId: "u3", segment: 1 },
          { userId: "u1", segment: 1 },
          { userId: "u2", segment: 0 },
          { userId: "u4", segment: 1 },
        ],
      });
      const set = (await store.getSegments())!;
      expect(set.version).toBe("s1");
      expect(Number.isNaN(Date.parse(set.createdAt))).toBe(false);
      expect(set.segments).toEqual([
        { id: 0, name: "lapsed one-time buyers", size: 1 },
        { id: 1, name: "frequent big spenders", size: 3, details: { topItems: ["i1"] } },
      ]);
      expect(await store.segmentMembers(1, { limit: 2 })).toEqual(["u1", "u3"]);
      expect(await store.segmentMembers(1, { afterId: "u3", limit: 2 })).toEqual(["u4"]);
      expect(await store.userSegment("u2")).toBe(0);
      expect(await store.userSegment("gone")).toBeUndefined();

      await store.insertEvents([ev("u1", "i1", { eventId: "x1" }), ev("u1", "i2"), ev("u2", "i1")]);
      expect(await store.eraseUser("u1")).toEqual({ events: 2, memberships: 1 });
      expect(await store.userEvents("u1")).toEqual([]);
      expect(await store.userSegment("u1")).toBeUndefined();
      expect((await store.getSegments())!.segments.find((s) => s.id === 1)!.size).toBe(2);
      expect(await store.eventCounts()).toEqual({ events: 1, users: 1, items: 1 });
      // nothing left to erase; the erased shopper's event id may be sent again (it is new data now)
      expect(await store.eraseUser("u1")).toEqual({ events: 0, memberships: 0 });
      expect(await store.insertEvents([ev("u1", "i1", { eventId: "x1" })])).toEqual({ inserted: 1, duplicates: 0 });
    });

    it("keeps concurrent event batches whole", async () => {
      const store = current();
      const batches = Array.from({ length: 6 }, (_, b) => Array.from({ length: 50 }, (_, i) => ev(`u${b}`, `i${i}`, { eventId: `b${b}-${i % 40}` })));
      const results = await Promise.all(batches.map((rows) => store.insertEvents(rows)));
      for (const r of results) expect(r).toEqual({ inserted: 40, duplicates: 10 });
      expect((await store.eventCounts()).events).toBe(240);
    });
  });
}
