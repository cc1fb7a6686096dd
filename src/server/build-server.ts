// buildServer: the fastify app of the HTTP API. Routes only parse, check keys, call the service and format.
import { createHash } from "node:crypto";
import fastifyCors from "@fastify/cors";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { z } from "zod";
import { allows, KeyRing, type Role } from "./api-keys.js";
import { Metrics } from "./metrics.js";
import { DOCS_CSP, docsPage, openApiDocument, serializerSchemaOf } from "./openapi.js";
import { HttpProblem, toProblem, zodProblem } from "./problem.js";
import type { RouteContext, RouteSpec } from "./route-spec.js";
import { adminRoutes } from "./routes/admin-routes.js";
import { catalogRoutes } from "./routes/catalog-routes.js";
import type { CatalogServicePort } from "./service-port.js";

/** Limits that protect the server; every one has a safe default. */
export interface ServerLimits {
  /** Largest request body in bytes (default 2 MiB): larger → 413. */
  bodyLimit?: number;
  /** Most items in one classify or products request (default 1000): more → 413 naming the limit. */
  maxItems?: number;
  /** Requests answered at once; beyond this the server answers 503 at once instead of queueing (default 256). */
  maxInFlight?: number;
  /** Requests per key (or IP without a key) per window; false/0: no rate limit (default 60,000 per minute). */
  rateLimit?: { max: number; windowMs?: number } | false;
  /**
   * Event-loop delay (ms) past which new requests are answered 503 at once (default 1000; 0: off). A
   * single-threaded server that is past capacity queues work in socket buffers, which the in-flight count
   * cannot see; the loop's delay does.
   */
  maxEventLoopDelayMs?: number;
  /** Longest time to receive a whole request (default 30 s). */
  requestTimeoutMs?: number;
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
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Exempt from the in-flight limit and rate limit (health and metrics). */
    ops?: boolean;
  }
}

const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization;
  if (typeof h !== "string") return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : "";
};

function parse<T extends z.ZodType>(where: string, schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw zodProblem(where, r.error);
  return r.data;
}

/**
 * Builds the HTTP API over a catalog service (listening is the caller's: `await app.listen({ port })`).
 * @example const app = await buildServer({ service, auth: { keys: KeyRing.load({ envKey }) } });
 */
export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const limits = o.limits ?? {};
  const maxItems = limits.maxItems ?? 1000;
  const maxInFlight = limits.maxInFlight ?? 256;
  const keys = o.auth?.keys ?? new KeyRing();
  const readAuth = o.auth?.readAuth ?? false;
  const metrics = new Metrics();
  const app = Fastify({
    ...(o.logger ? { loggerInstance: o.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: o.requestLogging === false }),
    bodyLimit: limits.bodyLimit ?? 2 * 1024 * 1024,
    requestTimeout: limits.requestTimeoutMs ?? 30_000,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  }) as unknown as FastifyInstance;
  // JSON only: a text/plain body is answered 415, not parsed as a string.
  app.removeContentTypeParser("text/plain");

  let inFlight = 0;
  const maxLag = limits.maxEventLoopDelayMs ?? 1000;
  let lag = 0;
  if (maxLag > 0) {
    const every = 50;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      lag = Math.max(0, now - last - every);
      last = now;
    }, every);
    timer.unref();
    app.addHook("onClose", async () => clearInterval(timer));
  }
  // Callback-style hooks (no promise per request): these run on every call of the hot routes.
  app.addHook("onRequest", (req, reply, done) => {
    if (req.routeOptions.config?.ops) return done();
    if (inFlight >= maxInFlight || (maxLag > 0 && lag > maxLag)) {
      metrics.addRejected("overload");
      const why = inFlight >= maxInFlight ? `${maxInFlight} requests in progress` : `event loop ${Math.round(lag)} ms behind`;
      return done(new HttpProblem(503, `Server busy: ${why}; retry shortly`, undefined, { "retry-after": "1" }));
    }
    inFlight++;
    reply.raw.once("close", () => inFlight--);
    done();
  });
  app.addHook("onResponse", (req, reply, done) => {
    metrics.observe(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.addHook("onSend", (_req, reply, payload, done) => {
    reply.header("x-content-type-options", "nosniff");
    done(null, payload);
  });
  app.setErrorHandler((err, req, reply) => {
    const m = toProblem(err, req.url.split("?")[0]!, String(req.id));
    if (m.internal) req.log.error({ err }, "request failed");
    else if (m.problem.status === 429) metrics.addRejected("rate-limit");
    return reply.code(m.problem.status).headers(m.headers).type("application/problem+json").send(JSON.stringify(m.problem));
  });
  app.setNotFoundHandler((req, reply) => {
    const p = toProblem(new HttpProblem(404, `No route ${req.method} ${req.url.split("?")[0]}`), req.url.split("?")[0]!, String(req.id));
    return reply.code(404).type("application/problem+json").send(JSON.stringify(p.problem));
  });

  const rl = limits.rateLimit ?? { max: 60_000, windowMs: 60_000 };
  if (rl && rl.max > 0) {
    await app.register(fastifyRateLimit, {
      max: rl.max,
      timeWindow: rl.windowMs ?? 60_000,
      allowList: (req) => Boolean(req.routeOptions.config?.ops),
      keyGenerator: (req) => {
        const k = bearer(req);
        return k ? `key:${createHash("sha256").update(k).digest("base64url").slice(0, 22)}` : `ip:${req.ip}`;
      },
      errorResponseBuilder: (_req, ctx) =>
        new HttpProblem(429, `Rate limit reached: ${ctx.max} requests per ${ctx.after} window; retry in ${Math.ceil(ctx.ttl / 1000)} s`, undefined, {
          "retry-after": String(Math.max(1, Math.ceil(ctx.ttl / 1000))),
        }),
    });
  }
  if (o.cors) {
    await app.register(fastifyCors, { origin: o.cors.origin, methods: ["GET", "POST", "PUT", "DELETE"], allowedHeaders: ["authorization", "content-type"], maxAge: 600 });
  }

  const guard = (need: Role) => async (req: FastifyRequest): Promise<void> => {
    if (need === "read" && !readAuth) return;
    const key = bearer(req);
    if (key === undefined || key === "") {
      throw new HttpProblem(401, "Send an API key: Authorization: Bearer <key>", undefined, { "www-authenticate": 'Bearer realm="assort"' });
    }
    const role = keys.roleOf(key);
    if (role === undefined) throw new HttpProblem(401, "The API key is not valid", undefined, { "www-authenticate": 'Bearer realm="assort", error="invalid_token"' });
    if (!allows(role, need)) throw new HttpProblem(403, `This operation needs a ${need} key; the key sent is a ${role} key`);
  };

  const routes = [...catalogRoutes, ...adminRoutes];
  // Open reads get no auth hook at all.
  for (const spec of routes) registerRoute(app, spec, spec.role === "read" && !readAuth ? undefined : guard(spec.role), (req, reply) => ({ service: o.service, metrics, request: req, reply, maxItems, modelRoots: o.modelRoots ?? [] }));

  const doc = openApiDocument(routes, { readAuth });
  const docJson = JSON.stringify(doc);
  const html = docsPage(doc);
  app.get("/openapi.json", { config: { ops: true } }, (_req, reply) => reply.type("application/json; charset=utf-8").send(docJson));
  app.get("/docs", { config: { ops: true } }, (_req, reply) => reply.header("content-security-policy", DOCS_CSP).type("text/html; charset=utf-8").send(html));
  app.get("/health", { config: { ops: true } }, async (req, reply) => {
    if ((req.query as { probe?: string }).probe === "live") return reply.send({ status: "ok", live: true });
    let db = false;
    let products: number | undefined;
    try {
      products = (await o.service.stats()).products;
      db = true;
    } catch {
      db = false;
    }
    const model = o.service.activeModel()?.version ?? null;
    const ready = db && model !== null;
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ok" : "unavailable", live: true, ready, db: db ? "open" : "unavailable", model, products: products ?? null, inFlight });
  });
  app.get("/metrics", { config: { ops: true } }, async (_req, reply) => {
    let products: number | undefined;
    try {
      products = (await o.service.stats()).products;
    } catch {
      products = undefined;
    }
    const version = o.service.activeModel()?.version;
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(metrics.render({ inFlight, ...(products !== undefined ? { products } : {}), ...(version !== undefined ? { modelVersion: version } : {}) }));
  });
  return app;
}

function registerRoute(
  app: FastifyInstance,
  spec: RouteSpec,
  guard: ((req: FastifyRequest) => Promise<void>) | undefined,
  ctx: (req: FastifyRequest, reply: FastifyReply) => RouteContext,
): void {
  app.route({
    method: spec.method,
    url: spec.url,
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
