// Field mapping for events: one parsed row's values (already picked in field order) → a ShopEvent, or why not.
import type { RowIssue } from "../core/errors.js";
import { EVENT_TYPE_ALIASES, type EventType, type ShopEvent } from "./event.js";
import { formatEventTime, parseEventTime, type TimeZoneKind } from "./time.js";

/** Which input field holds each part of an event. */
export interface EventFields {
  user: string;
  item: string;
  type: string;
  time: string;
  quantity: string;
  price: string;
  order: string;
  session: string;
  eventId: string;
}

/** The default field names: those of the uci-online-retail export (user_id, item_id, event, timestamp, invoice_no…). */
export const DEFAULT_EVENT_FIELDS: Readonly<EventFields> = {
  user: "user_id",
  item: "item_id",
  type: "event",
  time: "timestamp",
  quantity: "quantity",
  price: "price",
  order: "invoice_no",
  session: "session_id",
  eventId: "event_id",
};

/** The parts, in the order a reader passes their values to {@link mapEventRow}. */
export const FIELD_ORDER = ["user", "item", "type", "time", "quantity", "price", "order", "session", "eventId"] as const satisfies readonly (keyof EventFields)[];

/** Caveats of a kept row, counted and listed in the read report. */
export type EventNoteCode = "NEGATIVE_QUANTITY_PURCHASE" | "ZERO_PRICE" | "MISSING_PRICE" | "ZONELESS_TIME" | "UNKNOWN_ITEM";

/** Mapping settings, defaults applied. */
export interface EventMapping {
  file: string;
  fields: EventFields;
  /** The type of rows without a type field; undefined: the type field is required. */
  defaultType: EventType | undefined;
  maxFieldChars: number;
  /** Events later than this (ms since the epoch) are bad rows: they cannot have happened yet. */
  latestMs: number;
  /** The last time text parsed and its result (invoice lines share a time: parsing it once saves a third of the read). */
  timeCache?: { text: string; parsed: ReturnType<typeof parseEventTime> };
}

/** What mapping one row gives. */
export type EventRowResult =
  | { ok: true; event: ShopEvent; zone: TimeZoneKind; notes: EventNoteCode[] }
  | { ok: false; issue: RowIssue; fatal?: boolean };

const bad = (m: EventMapping, line: number, field: string | undefined, message: string): EventRowResult => ({
  ok: false,
  issue: field === undefined ? { file: m.file, line, message } : { file: m.file, line, field, message },
});

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** An id-like value as a string: strings and finite numbers; undefined/null/"" as ""; anything else undefined. */
function idText(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim();
  if (v === undefined || v === null) return "";
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "bigint") return String(v);
  return undefined;
}

/** A number from a number or numeric text; undefined for an empty value; NaN when it is not a number. */
function numberOf(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return Number.isFinite(v) ? v : Number.NaN;
  if (typeof v === "string") {
    const s = v.trim();
    if (s === "") return undefined;
    const x = Number(s);
    return Number.isFinite(x) ? x : Number.NaN;
  }
  return Number.NaN;
}

/** Canonical event type of a name ("Add to cart" → cart), or undefined. */
export function eventTypeOf(name: string): EventType | undefined {
  const key = name.trim().toLowerCase().replace(/[\s-]+/g, "_");
  return Object.hasOwn(EVENT_TYPE_ALIASES, key) ? EVENT_TYPE_ALIASES[key] : undefined;
}

/**
 * Maps one row: `values` are the row's values of {@link FIELD_ORDER} (undefined where the row has no such
 * field). Ids are strings or numbers, at most `maxFieldChars` long; the type a known name (or the default); the
 * time ISO 8601 and not in the future; quantity and price numbers when present, price not negative. A negative
 * quantity on a purchase makes it a return (noted); quantities are stored as magnitudes.
 */
export function mapEventRow(values: readonly unknown[], line: number, m: EventMapping): EventRowResult {
  const f = m.fields;
  const ids: string[] = [];
  for (const [k, name] of [
    [0, f.user],
    [1, f.item],
  ] as const) {
    const s = idText(values[k]);
    if (s === undefined) return bad(m, line, name, `expected a string or number, got ${kindOf(values[k])}`);
    if (s === "") return bad(m, line, name, "is missing");
    if (s.length > m.maxFieldChars) return bad(m, line, name, `too long: ${s.length} characters, more than the limit of ${m.maxFieldChars}`);
    ids.push(s);
  }
  let type: EventType | undefined;
  const rawType = values[2];
  if (rawType === undefined || rawType === null || rawType === "") {
    type = m.defaultType;
    if (type === undefined) return bad(m, line, f.type, "is missing: expected view, click, cart, purchase or return");
  } else {
    if (typeof rawType !== "string") return bad(m, line, f.type, `expected an event type, got ${kindOf(rawType)}`);
    type = eventTypeOf(rawType);
    if (type === undefined) return bad(m, line, f.type, `unknown event type "${rawType.slice(0, 40)}": expected view, click, cart, purchase or return`);
  }
  const rawTime = values[3];
  if (rawTime === undefined || rawTime === null || rawTime === "") return bad(m, line, f.time, "is missing");
  if (typeof rawTime !== "string") return bad(m, line, f.time, `expected an ISO 8601 time such as 2011-10-01T08:26:00Z, got ${kindOf(rawTime)}`);
  let t = m.timeCache?.text === rawTime ? m.timeCache.parsed : undefined;
  if (t === undefined) {
    t = parseEventTime(rawTime);
    m.timeCache = { text: rawTime, parsed: t };
  }
  if (!t.ok) return bad(m, line, f.time, t.reason);
  if (t.ms > m.latestMs) return bad(m, line, f.time, `is in the future: ${formatEventTime(t.ms)} is after ${formatEventTime(m.latestMs)}`);

  const notes: EventNoteCode[] = [];
  if (t.zone === "none") notes.push("ZONELESS_TIME");
  let quantity = numberOf(values[4]);
  if (Number.isNaN(quantity)) return bad(m, line, f.quantity, `expected a number, got ${typeof values[4] === "string" ? `"${String(values[4]).slice(0, 40)}"` : kindOf(values[4])}`);
  if (quantity !== undefined && quantity < 0) {
    if (type === "purchase") {
      type = "return";
      notes.push("NEGATIVE_QUANTITY_PURCHASE");
    } else if (type !== "return") return bad(m, line, f.quantity, `is negative (${quantity}) on a ${type} event`);
    quantity = -quantity;
  }
  const price = numberOf(values[5]);
  if (Number.isNaN(price)) return bad(m, line, f.price, `expected a number, got ${typeof values[5] === "string" ? `"${String(values[5]).slice(0, 40)}"` : kindOf(values[5])}`);
  if (price !== undefined && price < 0) return bad(m, line, f.price, `is negative (${price})`);
  if (type === "purchase" || type === "return") {
    if (price === undefined) notes.push("MISSING_PRICE");
    else if (price === 0) notes.push("ZERO_PRICE");
  }
  const event: ShopEvent = { userId: ids[0]!, itemId: ids[1]!, type, time: t.ms, line };
  if (quantity !== undefined) event.quantity = quantity;
  if (price !== undefined) event.price = price;
  for (const [k, key, name] of [
    [6, "orderId", f.order],
    [7, "session", f.session],
    [8, "eventId", f.eventId],
  ] as const) {
    const s = idText(values[k]);
    if (s === undefined) return bad(m, line, name, `expected a string or number, got ${kindOf(values[k])}`);
    if (s.length > m.maxFieldChars) return bad(m, line, name, `too long: ${s.length} characters, more than the limit of ${m.maxFieldChars}`);
    if (s !== "") event[key] = s;
  }
  return { ok: true, event, zone: t.zone, notes };
}
