// Routes on shoppers: events in, profiles, erasure, segments, recommendations, bought together. Shopper data is
// personal: every /v1/users* and /v1/segments* operation needs a key, even when reads are open.
import { z } from "zod";
import { HttpProblem } from "../problem.js";
import { route, type RouteContext, type RouteSpec } from "../route-spec.js";
import { MAX_ID_CHARS, ProductParams } from "../schemas.js";
import type { ShopperServicePort } from "../service-port.js";

/** Most events in one POST /v1/events. */
export const MAX_EVENTS = 1000;

const queryInt = (min: number, max: number, dflt: number) => z.coerce.number().int().min(min).max(max).default(dflt);

/**
 * Body of POST /v1/events. Each event is checked on its own (ShopEventSchema: userId, itemId, type, timestamp,
 * quantity, price, orderId, session, eventId), so one bad event is refused with its index and the others stored.
 */
export const EventsBody = z.object({
  events: z
    .array(z.unknown())
    .max(MAX_EVENTS)
    .describe(
      `up to ${MAX_EVENTS} events, each {userId, itemId, type (view|click|cart|purchase|return), timestamp (ISO 8601; a zone-less time is read as UTC), quantity?, price?, orderId?, session?, eventId?}; an eventId sent again is stored once`,
    ),
});

const UserParams = z.object({ id: z.string().min(1).max(MAX_ID_CHARS).describe("shopper id") });
const SegmentParams = z.object({ id: z.coerce.number().int().min(-1).max(1_000_000).describe("segment id") });
const SegmentQuery = z.object({ limit: queryInt(1, 1000, 100), after: z.string().min(1).max(MAX_ID_CHARS).optional().describe("the last member id of the previous page") });
const RecommendQuery = z.object({
  limit: queryInt(1, 100, 10),
  mode: z.enum(["all", "new"]).default("all").describe("all: may repeat what the shopper bought; new: only items they never bought"),
  maxPerCategory: z.coerce.number().int().min(1).max(100).optional().describe("at most this many items of one category or item group"),
});
const TogetherQuery = z.object({ limit: queryInt(1, 100, 10) });

function shoppers(ctx: RouteContext): ShopperServicePort {
  const s = ctx.service.shoppers;
  if (!s) throw new HttpProblem(503, "This server does not serve shoppers");
  return s;
}

/** The shopper operations. */
export const shopperRoutes: RouteSpec[] = [
  route({
    method: "POST",
    url: "/v1/events",
    summary: "Store shopper events (batches, idempotent by eventId); bad events are refused one by one with their index and field",
    tag: "shoppers",
    role: "write",
    personal: true,
    body: EventsBody,
    handle: async ({ body }, ctx) => {
      const r = (await shoppers(ctx).addEvents(body.events)) as { received: number; errors: { index: number; field?: string; message: string }[] };
      // Nothing usable at all: the client's mistake, answered as such (some good rows: 200 with the per-row report).
      if (r.received > 0 && r.errors.length === r.received) {
        throw new HttpProblem(
          422,
          `None of the ${r.received} events can be stored: ${r.errors[0]!.message}`,
          r.errors.slice(0, 20).map((e) => ({ path: `body.events.${e.index}${e.field !== undefined ? `.${e.field}` : ""}`, message: e.message })),
        );
      }
      return r;
    },
  }),
  route({
    method: "GET",
    url: "/v1/users/:id",
    summary: "A shopper's profile from their stored events: recency, frequency, spend net of returns, return rate, basket size, category affinity, segment",
    tag: "shoppers",
    role: "read",
    personal: true,
    params: UserParams,
    handle: ({ params }, ctx) => shoppers(ctx).profile(params.id),
  }),
  route({
    method: "DELETE",
    url: "/v1/users/:id",
    summary: "Erase a shopper: their events, profile and segment membership; says what was erased",
    tag: "shoppers",
    role: "write",
    personal: true,
    params: UserParams,
    handle: ({ params }, ctx) => shoppers(ctx).eraseUser(params.id),
  }),
  route({
    method: "GET",
    url: "/v1/users/:id/recommendations",
    summary: "Items for a shopper, each with its reason (bought again, often bought with X, popular in your segment, similar to X)",
    tag: "shoppers",
    role: "read",
    personal: true,
    params: UserParams,
    query: RecommendQuery,
    handle: ({ params, query }, ctx) => shoppers(ctx).recommend(params.id, { mode: query.mode, limit: query.limit, ...(query.maxPerCategory ? { maxPerCategory: query.maxPerCategory } : {}) }),
  }),
  route({
    method: "GET",
    url: "/v1/segments",
    summary: "The shopper segments of the last recommender fit: names and sizes",
    tag: "shoppers",
    role: "read",
    personal: true,
    handle: (_input, ctx) => shoppers(ctx).segments(),
  }),
  route({
    method: "GET",
    url: "/v1/segments/:id",
    summary: "One segment: its members (paged by id) and favourite items",
    tag: "shoppers",
    role: "read",
    personal: true,
    params: SegmentParams,
    query: SegmentQuery,
    handle: ({ params, query }, ctx) => shoppers(ctx).segment(params.id, { limit: query.limit, ...(query.after !== undefined ? { afterId: query.after } : {}) }),
  }),
  route({
    method: "GET",
    url: "/v1/products/:id/bought-together",
    summary: "Items often bought with this one (co-purchases; content neighbours for an item without purchases), each with its reason",
    tag: "shoppers",
    role: "read",
    params: ProductParams,
    query: TogetherQuery,
    handle: ({ params, query }, ctx) => shoppers(ctx).boughtTogether(params.id, { limit: query.limit }),
  }),
];
