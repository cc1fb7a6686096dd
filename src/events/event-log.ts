// A columnar event log: interned shopper, item and basket ids plus typed-array columns, one entry per event.
import { EVENT_CODE, EVENT_TYPES, type EventType, type ShopEvent } from "./event.js";
import { formatEventTime } from "./time.js";

/** An id table: strings in first-seen order and their indices. */
export class IdTable {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  /** The index of `id`, added when new. */
  intern(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    return i;
  }

  /** The index of `id`, or -1. */
  get(id: string): number {
    return this.index.get(id) ?? -1;
  }

  get size(): number {
    return this.ids.length;
  }
}

/** A growable typed column. */
class Column<A extends Int32Array | Float64Array | Uint8Array> {
  data: A;
  constructor(private readonly make: (n: number) => A) {
    this.data = make(1024);
  }
  ensure(n: number, length: number): void {
    if (n <= this.data.length) return;
    const next = this.make(Math.max(n, this.data.length * 2));
    next.set(this.data.subarray(0, length) as never);
    this.data = next;
  }
}

/**
 * An event log on typed arrays: event e is shopper `users.ids[user[e]]`, item `items.ids[item[e]]`, type
 * `EVENT_TYPES[type[e]]` at `time[e]` (ms since the epoch, UTC). `quantity` and `price` are NaN where the event
 * had none; `basket[e]` is the order id, else the session, else the shopper's UTC day (`user@YYYY-MM-DD`):
 * lines of one basket were bought together. `line[e]` is the source line (0 when not read from a file).
 * Build one with {@link EventLogBuilder} or {@link EventLog.fromEvents}; {@link EventLog.filter} keeps the id tables.
 */
export class EventLog {
  constructor(
    readonly users: IdTable,
    readonly items: IdTable,
    readonly baskets: IdTable,
    readonly length: number,
    readonly user: Int32Array,
    readonly item: Int32Array,
    readonly type: Uint8Array,
    readonly time: Float64Array,
    readonly quantity: Float64Array,
    readonly price: Float64Array,
    readonly basket: Int32Array,
    readonly line: Int32Array,
  ) {}

  /** A log of the given events (validated shapes: see ShopEventSchema). */
  static fromEvents(events: Iterable<ShopEvent>): EventLog {
    const b = new EventLogBuilder();
    for (const e of events) b.add(e);
    return b.build();
  }

  /** Event e as an object. */
  event(e: number): ShopEvent {
    const out: ShopEvent = {
      userId: this.users.ids[this.user[e]!]!,
      itemId: this.items.ids[this.item[e]!]!,
      type: EVENT_TYPES[this.type[e]!]!,
      time: this.time[e]!,
    };
    if (!Number.isNaN(this.quantity[e]!)) out.quantity = this.quantity[e]!;
    if (!Number.isNaN(this.price[e]!)) out.price = this.price[e]!;
    out.orderId = this.baskets.ids[this.basket[e]!]!;
    if (this.line[e]! > 0) out.line = this.line[e]!;
    return out;
  }

  /** The events for which `keep(e)` holds, sharing this log's id tables (indices stay valid). */
  filter(keep: (e: number) => boolean): EventLog {
    const idx: number[] = [];
    for (let e = 0; e < this.length; e++) if (keep(e)) idx.push(e);
    const pick = <A extends Int32Array | Float64Array | Uint8Array>(a: A): A => {
      const out = new (a.constructor as new (n: number) => A)(idx.length);
      for (let t = 0; t < idx.length; t++) out[t] = a[idx[t]!]!;
      return out;
    };
    return new EventLog(
      this.users,
      this.items,
      this.baskets,
      idx.length,
      pick(this.user),
      pick(this.item),
      pick(this.type),
      pick(this.time),
      pick(this.quantity),
      pick(this.price),
      pick(this.basket),
      pick(this.line),
    );
  }

  /** Events per type. */
  countByType(): Record<EventType, number> {
    const c = new Int32Array(EVENT_TYPES.length);
    for (let e = 0; e < this.length; e++) c[this.type[e]!]!++;
    return Object.fromEntries(EVENT_TYPES.map((t, i) => [t, c[i]!])) as Record<EventType, number>;
  }

  /** The first and last event times (ISO 8601 UTC), or null for an empty log. */
  timeRange(): { first: string; last: string; firstMs: number; lastMs: number } | null {
    if (this.length === 0) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (let e = 0; e < this.length; e++) {
      const t = this.time[e]!;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    return { first: formatEventTime(lo), last: formatEventTime(hi), firstMs: lo, lastMs: hi };
  }
}

const DAY_MS = 86_400_000;

/** Appends events column by column (amortized O(1) each) and freezes them into an {@link EventLog}. */
export class EventLogBuilder {
  readonly users = new IdTable();
  readonly items = new IdTable();
  readonly baskets = new IdTable();
  private n = 0;
  private readonly user = new Column((k) => new Int32Array(k));
  private readonly item = new Column((k) => new Int32Array(k));
  private readonly type = new Column((k) => new Uint8Array(k));
  private readonly time = new Column((k) => new Float64Array(k));
  private readonly quantity = new Column((k) => new Float64Array(k));
  private readonly price = new Column((k) => new Float64Array(k));
  private readonly basket = new Column((k) => new Int32Array(k));
  private readonly line = new Column((k) => new Int32Array(k));

  get length(): number {
    return this.n;
  }

  /** Appends one event; an event without order id or session gets the basket "user@day". */
  add(e: ShopEvent): void {
    const n = this.n;
    if (n === this.user.data.length) {
      for (const c of [this.user, this.item, this.type, this.time, this.quantity, this.price, this.basket, this.line] as Column<Int32Array | Float64Array | Uint8Array>[]) {
        c.ensure(n + 1, n);
      }
    }
    this.user.data[n] = this.users.intern(e.userId);
    this.item.data[n] = this.items.intern(e.itemId);
    this.type.data[n] = EVENT_CODE[e.type];
    this.time.data[n] = e.time;
    this.quantity.data[n] = e.quantity ?? Number.NaN;
    this.price.data[n] = e.price ?? Number.NaN;
    const key = e.orderId ?? e.session ?? `${e.userId}@${new Date(Math.floor(e.time / DAY_MS) * DAY_MS).toISOString().slice(0, 10)}`;
    this.basket.data[n] = this.baskets.intern(key);
    this.line.data[n] = e.line ?? 0;
    this.n = n + 1;
  }

  build(): EventLog {
    const n = this.n;
    return new EventLog(
      this.users,
      this.items,
      this.baskets,
      n,
      this.user.data.slice(0, n),
      this.item.data.slice(0, n),
      this.type.data.slice(0, n),
      this.time.data.slice(0, n),
      this.quantity.data.slice(0, n),
      this.price.data.slice(0, n),
      this.basket.data.slice(0, n),
      this.line.data.slice(0, n),
    );
  }
}
