// The shopper half of the SQLite store: event inserts (INSERT OR IGNORE against the unique event-id and
// source-line indexes; one transaction per batch, in the writer thread), segment sets, erasing a shopper,
// and the reads (keyset pages on seq and on user id). Schema: migration 3 in sqlite-schema.ts.
import type Database from "better-sqlite3";
import type { EventInsertResult, EventPage, EventWrite, SegmentRecord, SegmentSet, SegmentSetWrite, StoredEvent } from "../index.js";
import { toEvent, type EventRow } from "./sql-rows.js";

const EVENT_SELECT = "SELECT e.seq, e.user_id, e.item_id, e.type, e.time, e.quantity, e.price, e.order_id, e.session, e.event_id, s.name AS source, e.line FROM events e LEFT JOIN event_sources s ON s.id = e.source_id";

/** The event and segment writes, on the writer's connection. */
export class SqliteEventWrites {
  private readonly s;
  private readonly sourceIds = new Map<string, number>();

  constructor(private readonly db: Database.Database) {
    // Bulk event inserts touch the shopper index at random: a 64 MiB page cache (default 2 MiB) keeps it in memory.
    db.pragma("cache_size = -65536");
    this.s = {
      insert: db.prepare("INSERT OR IGNORE INTO events (user_id, item_id, type, time, quantity, price, order_id, session, event_id, source_id, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      sourceId: db.prepare<[string], number>("SELECT id FROM event_sources WHERE name = ?").pluck(),
      addSource: db.prepare("INSERT INTO event_sources (name) VALUES (?)"),
      deleteUserEvents: db.prepare("DELETE FROM events WHERE user_id = ?"),
      deleteMember: db.prepare("DELETE FROM segment_members WHERE user_id = ?"),
      clearMembers: db.prepare("DELETE FROM segment_members"),
      putSet: db.prepare("INSERT OR REPLACE INTO segment_sets (one, version, created_at, segments) VALUES (1, ?, ?, ?)"),
      putMember: db.prepare("INSERT OR REPLACE INTO segment_members (user_id, segment) VALUES (?, ?)"),
    };
  }

  private source(name: string): number {
    let id = this.sourceIds.get(name);
    if (id === undefined) {
      id = this.s.sourceId.get(name) ?? Number(this.s.addSource.run(name).lastInsertRowid);
      this.sourceIds.set(name, id);
    }
    return id;
  }

  insertEvents(rows: readonly EventWrite[]): EventInsertResult {
    const ins = this.s.insert;
    return this.db
      .transaction((): EventInsertResult => {
        let inserted = 0;
        for (const r of rows) {
          inserted += ins.run(r.userId, r.itemId, r.type, r.time, r.quantity ?? null, r.price ?? null, r.orderId ?? null, r.session ?? null, r.eventId ?? null, r.source !== undefined ? this.source(r.source) : null, r.line ?? null).changes;
        }
        return { inserted, duplicates: rows.length - inserted };
      })
      .immediate();
  }

  saveSegments(set: SegmentSetWrite): void {
    this.db
      .transaction(() => {
        this.s.clearMembers.run();
        this.s.putSet.run(set.version, new Date().toISOString(), JSON.stringify(set.segments));
        for (const m of set.members) this.s.putMember.run(m.userId, m.segment);
      })
      .immediate();
  }

  eraseUser(userId: string): { events: number; memberships: number } {
    return this.db
      .transaction(() => ({ events: this.s.deleteUserEvents.run(userId).changes, memberships: this.s.deleteMember.run(userId).changes }))
      .immediate();
  }
}

/** The event and segment reads, on the reading connection. */
export class SqliteEventReads {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      scan: db.prepare<[number, number], EventRow>(`${EVENT_SELECT} WHERE e.seq > ? ORDER BY e.seq LIMIT ?`),
      byUser: db.prepare<[string, number, number], EventRow>(`${EVENT_SELECT} WHERE e.user_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`),
      userCounts: db.prepare<[string, number], { user_id: string; n: number }>("SELECT user_id, count(*) AS n FROM events WHERE user_id > ? GROUP BY user_id ORDER BY user_id LIMIT ?"),
      counts: db.prepare<[], { events: number; users: number; items: number }>("SELECT count(*) AS events, count(DISTINCT user_id) AS users, count(DISTINCT item_id) AS items FROM events"),
      set: db.prepare<[], { version: string; created_at: string; segments: string }>("SELECT version, created_at, segments FROM segment_sets WHERE one = 1"),
      sizes: db.prepare<[], { segment: number; n: number }>("SELECT segment, count(*) AS n FROM segment_members GROUP BY segment"),
      members: db.prepare<[number, string, number], string>("SELECT user_id FROM segment_members WHERE segment = ? AND user_id > ? ORDER BY user_id LIMIT ?").pluck(),
      userSegment: db.prepare<[string], number>("SELECT segment FROM segment_members WHERE user_id = ?").pluck(),
    };
  }

  scanEvents(o: EventPage): StoredEvent[] {
    return this.s.scan.all(o.afterSeq ?? 0, o.limit).map(toEvent);
  }

  userEvents(userId: string, o: Partial<EventPage> = {}): StoredEvent[] {
    return this.s.byUser.all(userId, o.afterSeq ?? 0, o.limit ?? 10000).map(toEvent);
  }

  userEventCounts(o: { afterId?: string; limit: number }): { userId: string; events: number }[] {
    return this.s.userCounts.all(o.afterId ?? "", o.limit).map((r) => ({ userId: r.user_id, events: r.n }));
  }

  eventCounts(): { events: number; users: number; items: number } {
    return this.s.counts.get()!;
  }

  getSegments(): SegmentSet | undefined {
    const r = this.s.set.get();
    if (!r) return undefined;
    const sizes = new Map(this.s.sizes.all().map((x) => [x.segment, x.n]));
    const segs = JSON.parse(r.segments) as Omit<SegmentRecord, "size">[];
    return {
      version: r.version,
      createdAt: r.created_at,
      segments: segs.sort((a, b) => a.id - b.id).map((s) => ({ id: s.id, name: s.name, size: sizes.get(s.id) ?? 0, ...(s.details !== undefined ? { details: s.details } : {}) })),
    };
  }

  segmentMembers(segment: number, o: { afterId?: string; limit: number }): string[] {
    return this.s.members.all(segment, o.afterId ?? "", o.limit);
  }

  userSegment(userId: string): number | undefined {
    return this.s.userSegment.get(userId);
  }
}
