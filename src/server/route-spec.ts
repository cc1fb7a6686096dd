// One HTTP operation described as data: method, path, zod schemas, role, handler. The server registers
// these and builds /openapi.json from the same objects, so validation and documentation cannot drift.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Role } from "./api-keys.js";
import type { Metrics } from "./metrics.js";
import type { ReviewPort } from "./review-port.js";
import type { CatalogServicePort } from "./service-port.js";

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What a handler may use besides its validated input. */
export interface RouteContext {
  service: CatalogServicePort;
  metrics: Metrics;
  request: FastifyRequest;
  reply: FastifyReply;
  /** Most items in one products/classify request. */
  maxItems: number;
  /** Folders under which POST /v1/models may register model directories (empty: disabled). */
  modelRoots: readonly string[];
  /** Role of the caller's API key; undefined when no key was sent. */
  role: Role | undefined;
  /** The review console's operations, when the server has them. */
  review?: ReviewPort | undefined;
  /** Whether reads need a key too. */
  readAuth?: boolean;
}

/** An operation of the API. `role` "read" is open unless the server requires keys for reads. */
export interface RouteSpec<B extends z.ZodType | undefined = z.ZodType | undefined, Q extends z.ZodType | undefined = z.ZodType | undefined, P extends z.ZodType | undefined = z.ZodType | undefined> {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  summary: string;
  tag: string;
  role: Role;
  /** Personal data (shoppers): a key is required even when reads are open. */
  personal?: boolean;
  body?: B;
  query?: Q;
  params?: P;
  /** Schema of the success answer: documented, and compiled into a fast serializer for hot routes. */
  response?: z.ZodType;
  /** Success status (default 200; 204 sends no body). */
  status?: number;
  /** The body holds `items` whose count is checked against the limit before validation (413). */
  itemsLimited?: boolean;
  handle(input: { body: Out<B>; query: Out<Q>; params: Out<P> }, ctx: RouteContext): unknown;
}

/** Declares a route with its input types inferred from the schemas. */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<B, Q, P>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}
