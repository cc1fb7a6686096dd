// The shopper half of MemoryStore (events and segment memberships), the reference implementation of
// ShopperStore: synchronous bodies, so each call is one transaction.
import { compareIds } from "./memory-search.js";
import type { EventInsertResult, EventPage, EventWrite, SegmentSet, SegmentSetWrite, ShopperStore, StoredEvent } from "./shopper-store.js";

/** The dedup keys of a row: its event id, and its source and line; none for a row that is never a duplicate. */
export function eventKeys(r: EventWrite): string[] {
  const out: string[] = [];
  if (r.eventId !== undefined) out.push(`i\u0000${r.eventId}`);
  if (r.source !== undefined && r.line !== undefined) out.push(`l\u0000${r.source}\u0000${r.line}`);
  return out;
}

function copy(e: StoredEvent): StoredEvent {
  const out: StoredEvent = { seq: e.seq, userId: e.userId, itemId: e.itemId, type: e.type, time: e.time };
  for (const k of ["quantity", "price", "orderId", "session", "eventId", "source", "line"] as const) if (e[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = e[k];
  return out;
}

export class MemoryShopperData implements ShopperStore {
  private events: StoredEvent[] = [];
  private seq = 0;
  private readonly keys = new Set<string>();
  private readonly byUser = new Map<string, StoredEvent[]>();
  private segments: { version: string; createdAt: string; segments: { id: number; name: string; details?: Record<string, unknown> }[] } | undefined;
  private members = new Map<string, number>();

  async insertEvents(rows: readonly EventWrite[]): Promise<EventInsertResult> {
    let inserted = 0;
    let duplicates = 0;
    for (const r of rows) {
      const keys = eventKeys(r);
      if (keys.some((k) => this.keys.has(k))) {
        duplicates++;
        continue;
      }
      for (const k of keys) this.keys.add(k);
      const e = copy({ ...r, seq: ++this.seq });
      this.events.push(e);
      let list = this.byUser.get(e.userId);
      if (!list) this.byUser.set(e.userId, (list = []));
      list.push(e);
      inserted++;
    }
    return { inserted, duplicates };
  }

  async scanEvents(o: EventPage): Promise<StoredEvent[]> {
    return after(this.events, o.afterSeq ?? 0, o.limit);
  }

  async userEvents(userId: string, o: Partial<EventPage> = {}): Promise<StoredEvent[]> {
    return after(this.byUser.get(userId) ?? [], o.afterSeq ?? 0, o.limit ?? 10000);
  }

  async userEventCounts(o: { afterId?: string; limit: number }): Promise<{ userId: string; events: number }[]> {
    return [...this.byUser.keys()]
      .filter((u) => o.afterId === undefined || compareIds(u, o.afterId) > 0)
      .sort(compareIds)
      .slice(0, o.limit)
      .map((u) => ({ userId: u, events: this.byUser.get(u)!.length }));
  }

  async eventCounts(): Promise<{ events: number; users: number; items: number }> {
    return { events: this.events.length, users: this.byUser.size, items: new Set(this.events.map((e) => e.itemId)).size };
  }

  async saveSegments(set: SegmentSetWrite): Promise<void> {
    this.segments = { version: set.version, createdAt: new Date().toISOString(), segments: JSON.parse(JSON.stringify(set.segments)) as { id: number; name: string; details?: Record<string, unknown> }[] };
    this.members = new Map(set.members.map((m) => [m.userId, m.segment]));
  }

  async getSegments(): Promise<SegmentSet | undefined> {
    if (!this.segments) return undefined;
    const sizes = new Map<number, number>();
    for (const s of this.members.values()) sizes.set(s, (sizes.get(s) ?? 0) + 1);
    return {
      version: this.segments.version,
      createdAt: this.segments.createdAt,
      segments: [...this.segments.segments].sort((a, b) => a.id - b.id).map((s) => ({ id: s.id, name: s.name, size: sizes.get(s.id) ?? 0, ...(s.details !== undefined ? { details: JSON.parse(JSON.stringify(s.details)) as Record<string, unknown> } : {}) })),
    };
  }

  async segmentMembers(segment: number, o: { afterId?: string; limit: number }): Promise<string[]> {
    const out: string[] = [];
    for (const [u, s] of this.members) if (s === segment && (o.afterId === undefined || compareIds(u, o.afterId) > 0)) out.push(u);
    return out.sort(compareIds).slice(0, o.limit);
  }

  async userSegment(userId: string): Promise<number | undefined> {
    return this.members.get(userId);
  }

  async eraseUser(userId: string): Promise<{ events: number; memberships: number }> {
    const list = this.byUser.get(userId) ?? [];
    if (list.length > 0) {
      this.byUser.delete(userId);
      this.events = this.events.filter((e) => e.userId !== userId);
      // Their ids may be sent again later: the shopper is gone, so a replay is new data.
      for (const e of list) for (const k of eventKeys(e)) this.keys.delete(k);
    }
    const memberships = this.members.delete(userId) ? 1 : 0;
    return { events: list.length, memberships };
  }
}

/** Events with seq > afterSeq (events are in seq order), at most limit. */
function after(list: readonly StoredEvent[], afterSeq: number, limit: number): StoredEvent[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.seq <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  return list.slice(lo, lo + limit).map(copy);
}
