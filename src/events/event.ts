// The shopper event: one zod schema for what a purchase, return, view, click or cart event holds.
import { z } from "zod";

/** Event types, in the order of their codes in an {@link EventLog} (`type` column). */
export const EVENT_TYPES = ["view", "click", "cart", "purchase", "return"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Type codes of the `type` column. */
export const EVENT_CODE = { view: 0, click: 1, cart: 2, purchase: 3, return: 4 } as const satisfies Record<EventType, number>;

/**
 * Names an event type may have in an input file (lower-cased, spaces and dashes as underscores), beside the
 * canonical ones: what common shop exports and analytics tools call them.
 */
export const EVENT_TYPE_ALIASES: Readonly<Record<string, EventType>> = {
  view: "view",
  page_view: "view",
  pageview: "view",
  view_item: "view",
  detail: "view",
  click: "click",
  select_item: "click",
  cart: "cart",
  add_to_cart: "cart",
  addtocart: "cart",
  add: "cart",
  purchase: "purchase",
  buy: "purchase",
  order: "purchase",
  transaction: "purchase",
  sale: "purchase",
  return: "return",
  refund: "return",
  cancel: "return",
  cancellation: "return",
};

/**
 * One shopper event as the library's API takes it (the HTTP API and the store later share it). Times are ISO
 * 8601 strings: with a zone ("Z", "+02:00") or without one, which is read as UTC (and reported).
 */
export const ShopEventSchema = z.object({
  userId: z.string().min(1).describe("the shopper"),
  itemId: z.string().min(1).describe("the product"),
  type: z.enum(EVENT_TYPES).describe("view, click, cart, purchase or return"),
  timestamp: z.string().min(1).describe("ISO 8601, e.g. 2011-10-01T08:26:00Z; a time without a zone is read as UTC"),
  quantity: z.number().finite().optional().describe("units; a negative quantity on a purchase is read as a return"),
  price: z.number().finite().optional().describe("unit price"),
  orderId: z.string().optional().describe("the order (basket) the line belongs to"),
  session: z.string().optional().describe("the browsing session, when there is no order id"),
  eventId: z.string().optional().describe("a unique id: an event sent twice with the same id is stored once"),
});
export type ShopEventInput = z.infer<typeof ShopEventSchema>;

/** An event after reading: the time as milliseconds since the epoch (UTC), the source line when read from a file. */
export interface ShopEvent {
  userId: string;
  itemId: string;
  type: EventType;
  /** Milliseconds since 1970-01-01T00:00:00Z. */
  time: number;
  /** Units, as a magnitude (a return of 3 units has quantity 3). */
  quantity?: number;
  price?: number;
  orderId?: string;
  session?: string;
  eventId?: string;
  /** 1-based line in the source file. */
  line?: number;
}
