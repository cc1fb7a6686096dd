// What an event log holds, in counts: events by type, shoppers, items, orders, repeats, bad rows, time range.
import type { EventType } from "../events/event.js";
import type { EventLog } from "../events/event-log.js";
import type { EventReadReport } from "../events/read-events.js";

/** The counts of `assort events stats` and the service's event summary. */
export interface EventSummary {
  events: number;
  byType: Record<EventType, number>;
  shoppers: number;
  items: number;
  /** Orders (order ids, else sessions, else shopper-days) with at least one event. */
  orders: number;
  /** Rows identical to an earlier row (kept: real repeats), and rows left out as a repeated event id. */
  identicalRows: number;
  replayedEventIds: number;
  badRows: number;
  /** With a catalogue: events for items outside it, and how many such items. */
  unknownItemEvents: number | null;
  unknownItems: number | null;
  timeRange: { first: string; last: string } | null;
  zones: EventReadReport["zones"];
  notes: { code: string; message: string; count: number }[];
  /** Shoppers with a single event, and the median events per shopper. */
  singleEventShoppers: number;
  medianEventsPerShopper: number;
}

/**
 * Summarizes a log and the report of its reading.
 * @example summarizeEvents(log, report).byType.purchase
 */
export function summarizeEvents(log: EventLog, report: EventReadReport, withCatalogue = false): EventSummary {
  const perUser = new Int32Array(log.users.size);
  for (let e = 0; e < log.length; e++) perUser[log.user[e]!]!++;
  const used = Array.from(perUser).filter((c) => c > 0).sort((a, b) => a - b);
  const items = new Set<number>();
  const orders = new Set<number>();
  for (let e = 0; e < log.length; e++) {
    items.add(log.item[e]!);
    orders.add(log.basket[e]!);
  }
  const mid = used.length >> 1;
  const range = log.timeRange();
  return {
    events: log.length,
    byType: log.countByType(),
    shoppers: used.length,
    items: items.size,
    orders: orders.size,
    identicalRows: report.identicalRows,
    replayedEventIds: report.replayedEventIds,
    badRows: report.issueCount,
    unknownItemEvents: withCatalogue ? report.unknownItemEvents : null,
    unknownItems: withCatalogue ? report.unknownItems : null,
    timeRange: range ? { first: range.first, last: range.last } : null,
    zones: report.zones,
    notes: report.notes.map((n) => ({ code: n.code, message: n.message, count: n.count })),
    singleEventShoppers: used.filter((c) => c === 1).length,
    medianEventsPerShopper: used.length === 0 ? 0 : used.length % 2 ? used[mid]! : (used[mid - 1]! + used[mid]!) / 2,
  };
}
