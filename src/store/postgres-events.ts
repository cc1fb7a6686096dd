// The shopper half of the PostgreSQL store: events (batches sent as arrays, ON CONFLICT DO NOTHING against the
// unique event-id and source-line indexes), the segment set and its memberships, erasing a shopper.
// Schema: the last migration in postgres-schema.ts.
import type { EventInsertResult, EventPage, EventWrite, SegmentRecord, SegmentSet, SegmentSetWrite, ShopperStore, StoredEvent } from "../index.js";
import type { PgPool } from "./pg-pool.js";
import { toEvent, type EventRow } from "./sql-rows.js";

const COLUMNS = "seq, user_id, item_id, type, time, quantity, price, order_id, session, event_id, source, line";

/** Rows per INSERT statement (arrays of this many values per column). */
const CHUNK = 5000;

export class PgShopperData implements ShopperStore {
  constructor(private readonly db: PgPool) {}

  async insertEvents(rows: readonly EventWrite[]): Promise<EventInsertResult> {
    if (rows.length === 0) return { inserted: 0, duplicates: 0 };
    const inserted = await this.db.tx(async (c) => {
      let n = 0;
      for (let at = 0; at < rows.length; at += CHUNK) {
        const part = rows.slice(at, at + CHUNK);
        const col = <T>(f: (r: EventWrite) => T): T[] => part.map(f);
        const r = await c.query(
          `INSERT INTO events (user_id, item_id, type, time, quantity, price, order_id, session, event_id, source, line)
           SELECT u, i, t, tm, q, p, o, s, e, src, l FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[])
             WITH ORDINALITY AS x(u, i, t, tm, q, p, o, s, e, src, l, ord) ORDER BY ord
           ON CONFLICT DO NOTHING`,
          [
            col((r) => r.userId),
            col((r) => r.itemId),
            col((r) => r.type),
            col((r) => r.time),
            col((r) => r.quantity ?? null),
            col((r) => r.price ?? null),
            col((r) => r.orderId ?? null),
            col((r) => r.session ?? null),
            col((r) => r.eventId ?? null),
            col((r) => r.source ?? null),
            col((r) => r.line ?? null),
          ],
        );
        n += r.rowCount ?? 0;
      }
      return n;
    });
    return { inserted, duplicates: rows.length - inserted };
  }

  async scanEvents(o: EventPage): Promise<StoredEvent[]> {
    return (await this.db.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, [o.afterSeq ?? 0, o.limit])).map(toEvent);
  }

  async userEvents(userId: string, o: Partial<EventPage> = {}): Promise<StoredEvent[]> {
    return (await this.db.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [userId, o.afterSeq ?? 0, o.limit ?? 10000])).map(toEvent);
  }

  async userEventCounts(o: { afterId?: string; limit: number }): Promise<{ userId: string; events: number }[]> {
    const rows = await this.db.query<{ user_id: string; n: string }>("SELECT user_id, count(*) AS n FROM events WHERE user_id > $1 GROUP BY user_id ORDER BY user_id LIMIT $2", [o.afterId ?? "", o.limit]);
    return rows.map((r) => ({ userId: r.user_id, events: Number(r.n) }));
  }

  async eventCounts(): Promise<{ events: number; users: number; items: number }> {
    const [r] = await this.db.query<{ events: string; users: string; items: string }>("SELECT count(*) AS events, count(DISTINCT user_id) AS users, count(DISTINCT item_id) AS items FROM events");
    return { events: Number(r?.events ?? 0), users: Number(r?.users ?? 0), items: Number(r?.items ?? 0) };
  }

  async saveSegments(set: SegmentSetWrite): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query("DELETE FROM segment_members");
      await c.query(
        "INSERT INTO segment_sets (one, version, created_at, segments) VALUES (1, $1, $2, $3) ON CONFLICT (one) DO UPDATE SET version = excluded.version, created_at = excluded.created_at, segments = excluded.segments",
        [set.version, new Date().toISOString(), JSON.stringify(set.segments)],
      );
      for (let at = 0; at < set.members.length; at += CHUNK) {
        const part = set.members.slice(at, at + CHUNK);
        await c.query("INSERT INTO segment_members (user_id, segment) SELECT * FROM unnest($1::text[], $2::int[]) ON CONFLICT (user_id) DO UPDATE SET segment = excluded.segment", [part.map((m) => m.userId), part.map((m) => m.segment)]);
      }
    });
  }

  async getSegments(): Promise<SegmentSet | undefined> {
    const [r] = await this.db.query<{ version: string; created_at: string; segments: string }>("SELECT version, created_at, segments FROM segment_sets WHERE one = 1");
    if (!r) return undefined;
    const sizes = new Map((await this.db.query<{ segment: number; n: string }>("SELECT segment, count(*) AS n FROM segment_members GROUP BY segment")).map((x) => [x.segment, Number(x.n)]));
    const segs = JSON.parse(r.segments) as Omit<SegmentRecord, "size">[];
    return {
      version: r.version,
      createdAt: r.created_at,
      segments: segs.sort((a, b) => a.id - b.id).map((s) => ({ id: s.id, name: s.name, size: sizes.get(s.id) ?? 0, ...(s.details !== undefined ? { details: s.details } : {}) })),
    };
  }

  async segmentMembers(segment: number, o: { afterId?: string; limit: number }): Promise<string[]> {
    return (await this.db.query<{ user_id: string }>("SELECT user_id FROM segment_members WHERE segment = $1 AND user_id > $2 ORDER BY user_id LIMIT $3", [segment, o.afterId ?? "", o.limit])).map((r) => r.user_id);
  }

  async userSegment(userId: string): Promise<number | undefined> {
    const [r] = await this.db.query<{ segment: number }>("SELECT segment FROM segment_members WHERE user_id = $1", [userId]);
    return r?.segment;
  }

  eraseUser(userId: string): Promise<{ events: number; memberships: number }> {
    return this.db.tx(async (c) => {
      const events = (await c.query("DELETE FROM events WHERE user_id = $1", [userId])).rowCount ?? 0;
      const memberships = (await c.query("DELETE FROM segment_members WHERE user_id = $1", [userId])).rowCount ?? 0;
      return { events, memberships };
    });
  }
}
