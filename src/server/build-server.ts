// buildServer: the fastify app of the HTTP API. Routes only parse, check keys, call the service and format.
import fastifyCors from "@fastify/cors";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type onRequestHookHandler } from "fastify";
import type { z } from "zod";
import { ConfigError, MAX_FIELD_DEPTH } from "../index.js";
import { allows, KeyRing, type Role } from "./api-keys.js";
import { useJsonBodyParser } from "./json-body.js";
import { Metrics } from "./metrics.js";
import { openApiDocument, serializerSchemaOf } from "./openapi.js";
import { HttpProblem, PROBLEM_TYPE, problemText, toProblem, zodProblem, type MappedError } from "./problem.js";
import { RateLimiter } from "./rate-limiter.js";
import { RequestGate } from "./request-gate.js";
import type { RouteContext, RouteSpec } from "./route-spec.js";
import { adminRoutes } from "./routes/admin-routes.js";
import { catalogRoutes } from "./routes/catalog-routes.js";
import { shopperRoutes } from "./routes/shoppers.js";
import { registerOpsRoutes } from "./routes/ops-routes.js";
import { reviewRoutes } from "./routes/review.js";
import { monitoringRoutes } from "./routes/monitoring.js";
import type { ReviewPort } from "./review-port.js";
import { MAX_ID_CHARS, MAX_PARAM_CHARS } from "./schemas.js";
import { registerConsole } from "./static.js";
import type { CatalogServicePort } from "./service-port.js";
import { Transport, type TransportLimits } from "./transport.js";

/** Limits that protect the server; every one has a safe default (the transport's are in {@link TransportLimits}). */
export interface ServerLimits extends Partial<TransportLimits> {
  /** Largest request body in bytes (default 2 MiB): larger → 413. */
  bodyLimit?: number;
  /** Most items in one classify or products request (default 1000): more → 413 naming the limit. */
  maxItems?: number;
  /**
   * Requests per valid key (or per IP without one) per window, as a token bucket holding `max` (a burst of `max`,
   * then `max` per window); false/0: no rate limit (default 60,000 per minute). Checked before routing.
   */
  rateLimit?: { max: number; windowMs?: number } | false;
}

/** Options of {@link buildServer}. */
export interface ServerOptions {
  service: CatalogServicePort;
  /** API keys; without any, every write answers 401. `readAuth`: reads need a key too. */
  auth?: { keys: KeyRing; readAuth?: boolean };
  limits?: ServerLimits;
  /** Allowed browser origins; CORS is off when absent. */
  cors?: { origin: string | string[] };
  /** A pino logger (redact the authorization header!) or false for none. */
  logger?: FastifyBaseLogger | false;
  /** Log every request (default true; the benchmark turns it off). */
  requestLogging?: boolean;
  /** Folders under which POST /v1/models may register model directories (default none: route disabled). */
  modelRoots?: string[];
  /** The review console: its built folder (dist/console/), served at `/`; none when absent. */
  console?: { dir: string };
  /** What the review console's API needs (review queue, batch decisions, undo, taxonomy search); 503 when absent. */
  review?: ReviewPort;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Exempt from keys, the in-flight limit and the rate limit (health, metrics, docs). */
    ops?: boolean;
    /** A read (role "read": classify, search, similar items…): reported to the service while it is answered. */
    read?: boolean;
  }
  interface FastifyRequest {
    /** The caller's valid API key (role and non-secret id), or null when none was sent. */
    apiKey: { role: Role; id: string } | null;
  }
}

const pathOf = (url: string): string => url.split("?")[0]!;

function parse<T extends z.ZodType>(where: string, schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw zodProblem(where, r.error);
  return r.data;
}

const sendKeyProblem = (detail: string, error?: string): HttpProblem =>
  new HttpProblem(401, detail, undefined, { "www-authenticate": `Bearer realm="assort"${error ? `, error="${error}"` : ""}` });

/**
 * Builds the HTTP API over a catalog service (listening is the caller's: `await app.listen({ port })`).
 * @example const app = await buildServer({ service, auth: { keys: KeyRing.load({ envKey }) } });
 */
export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const { bodyLimit = 2 * 1024 * 1024, maxItems = 1000, rateLimit, ...transportLimits } = o.limits ?? {};
  const keys = o.auth?.keys ?? new KeyRing();
  const readAuth = o.auth?.readAuth ?? false;
  const metrics = new Metrics();
  const rl = rateLimit ?? { max: 60_000, windowMs: 60_000 };
  let transport: Transport;
  let gate: RequestGate;
  try {
    gate = new RequestGate(keys, rl && rl.max > 0 ? new RateLimiter(rl.max, rl.windowMs ?? 60_000) : undefined);
    transport = new Transport(transportLimits, metrics, (req, res) => gate.check(req, res));
  } catch (e) {
    const m = (e as Error).message;
    throw new ConfigError(`Invalid server limits: ${m.charAt(0).toLowerCase()}${m.slice(1)}`);
  }
  const app = Fastify({
    ...(o.logger ? { loggerInstance: o.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: o.requestLogging === false }),
    bodyLimit,
    // Draining answers (503 problem+json with Retry-After) come from the transport.
    return503OnClosing: false,
    forceCloseConnections: "idle",
    serverFactory: (handler) => transport.createServer(handler),
    clientErrorHandler: (err, socket) => transport.onClientError(err, socket),
    frameworkErrors: (err, req, reply) => {
      const tooLong = err.code === "FST_ERR_MAX_PARAM_LENGTH";
      const p = tooLong
        ? new HttpProblem(414, `A path segment is longer than ${MAX_PARAM_CHARS} characters: ids have at most ${MAX_ID_CHARS}`)
        : err.code === "FST_ERR_BAD_URL"
          ? new HttpProblem(400, "The URL is not valid: a percent-encoded part is not UTF-8")
          : err;
      return sendProblem(reply, toProblem(p, pathOf(req.url), String(req.id)));
    },
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
  }) as unknown as FastifyInstance;
  // A product nests MAX_FIELD_DEPTH levels; the body object and its items array are the two above it.
  useJsonBodyParser(app, MAX_FIELD_DEPTH + 2, ` (a product or classify item may nest ${MAX_FIELD_DEPTH})`);
  // JSON only: a text/plain body is answered 415, not parsed as a string.
  app.removeContentTypeParser("text/plain");
  app.decorateRequest("apiKey", null);
  app.addHook("onClose", async () => transport.close());
  app.addHook("preClose", (done) => {
    transport.drain();
    done();
  });

  // Callback-style hooks (no promise per request): these run on every call of the hot routes.
  // 1. Keys and the rate limit ran in the transport, before routing (RequestGate); requests that bypassed it
  //    (inject) pass the same gate here. Then a query that is not UTF-8 → 400.
  app.addHook("onRequest", (req, reply, done) => {
    if (req.routeOptions.config?.ops) return done();
    if (!RequestGate.passed(req.raw)) {
      const refused = gate.check(req.raw, reply.raw);
      if (refused) {
        metrics.addRejected(refused.reason);
        return done(new HttpProblem(refused.status, refused.detail, undefined, refused.headers));
      }
    }
    req.apiKey = RequestGate.callerOf(req.raw) ?? null;
    const q = req.url.indexOf("?");
    if (q >= 0 && req.url.includes("%", q)) {
      try {
        decodeURIComponent(req.url.slice(q + 1));
      } catch {
        return done(new HttpProblem(400, "Invalid request query: it is not valid percent-encoded UTF-8"));
      }
    }
    done();
  });
  // 2. Requests in progress are those whose body has arrived: slow uploads cannot fill the in-flight budget.
  //    A read admitted is reported to the service until its response ends or its connection closes (background
  //    work yields to it: src/similar/read-gate.ts).
  const beginRead = o.service.beginRead?.bind(o.service);
  app.addHook("preValidation", (req, reply, done) => {
    const config = req.routeOptions.config;
    if (config?.ops) return done();
    const refused = transport.admit(req.raw, reply.raw);
    if (!refused && config?.read && beginRead) reply.raw.once("close", beginRead());
    done(refused);
  });
  app.addHook("onResponse", (req, reply, done) => {
    metrics.observe(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // Every error answer is problem+json, including the ones plugins and fastify word themselves.
  app.addHook("onSend", (req, reply, payload, done) => {
    reply.header("x-content-type-options", "nosniff");
    if (transport.draining) reply.header("connection", "close");
    if (reply.statusCode >= 400 && !String(reply.getHeader("content-type") ?? "").startsWith("application/problem+json")) {
      const text = typeof payload === "string" ? payload.trim() : "";
      const detail = text !== "" && text.length <= 200 && !/[{<]/.test(text[0]!) ? text : `The request failed with status ${reply.statusCode}`;
      reply.type(PROBLEM_TYPE);
      return done(null, problemText(reply.statusCode, detail, pathOf(req.url)));
    }
    done(null, payload);
  });
  app.setErrorHandler((err, req, reply) => {
    const m = toProblem(err, pathOf(req.url), String(req.id));
    if (m.internal) req.log.error({ err }, "request failed");
    return sendProblem(reply, m);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, toProblem(new HttpProblem(404, `No route ${req.method} ${pathOf(req.url)}`), pathOf(req.url), String(req.id))));

  if (o.cors) {
    await app.register(fastifyCors, { origin: o.cors.origin, methods: ["GET", "POST", "PUT", "DELETE"], allowedHeaders: ["authorization", "content-type"], maxAge: 600 });
  }

  const guard = (need: Role, personal = false) => (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    if (need === "read" && !readAuth && !personal) return done();
    const key = req.apiKey;
    if (!key) return done(sendKeyProblem("Send an API key: Authorization: Bearer <key>"));
    if (!allows(key.role, need)) return done(new HttpProblem(403, `This operation needs a ${need} key; the key sent is a ${key.role} key`));
    done();
  };

  const routes = [...catalogRoutes, ...adminRoutes, ...shopperRoutes, ...reviewRoutes, ...monitoringRoutes];
  // Open reads get no auth hook at all.
  for (const spec of routes) {
    registerRoute(app, spec, spec.role === "read" && !readAuth && !spec.personal ? undefined : guard(spec.role, spec.personal === true), (req, reply) => ({ service: o.service, metrics, request: req, reply, maxItems, modelRoots: o.modelRoots ?? [], role: req.apiKey?.role, review: o.review, readAuth }));
  }
  registerOpsRoutes(app, { service: o.service, metrics, transport, doc: openApiDocument(routes, { readAuth }) });
  if (o.console && !registerConsole(app, o.console.dir)) throw new ConfigError(`No built console in "${o.console.dir}" (npm run build writes it)`);
  return app;
}

/** Sends a mapped error as application/problem+json. */
function sendProblem(reply: FastifyReply, m: MappedError): FastifyReply {
  return reply.code(m.problem.status).headers(m.headers).header("x-content-type-options", "nosniff").type(PROBLEM_TYPE).send(JSON.stringify(m.problem));
}

function registerRoute(
  app: FastifyInstance,
  spec: RouteSpec,
  guard: onRequestHookHandler | undefined,
  ctx: (req: FastifyRequest, reply: FastifyReply) => RouteContext,
): void {
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.role === "read" ? { config: { read: true } } : {}),
    ...(guard ? { onRequest: guard } : {}),
    // A response schema lets fastify compile a serializer for the answer (fast-json-stringify).
    ...(spec.response ? { schema: { response: { [spec.status ?? 200]: serializerSchemaOf(spec.response) } } } : {}),
    handler: async (req, reply) => {
      const c = ctx(req, reply);
      if (spec.itemsLimited) {
        const items = (req.body as { items?: unknown } | undefined)?.items;
        if (Array.isArray(items) && items.length > c.maxItems) {
          throw new HttpProblem(413, `Too many items: ${items.length} in one request; the limit is ${c.maxItems} (send them in batches)`, [{ path: "body.items", message: `at most ${c.maxItems} items` }]);
        }
      }
      const input = {
        body: spec.body ? parse("body", spec.body, req.body) : undefined,
        query: spec.query ? parse("query", spec.query, req.query) : undefined,
        params: spec.params ? parse("params", spec.params, req.params) : undefined,
      };
      const out = await spec.handle(input as never, c);
      const status = spec.status ?? 200;
      if (status === 204) return reply.code(204).send();
      return reply.code(status).send(out);
    },
  });
}
