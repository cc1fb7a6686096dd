// The operations routes: /health (readiness and load pressure), /metrics, /openapi.json and /docs. They are exempt
// from keys, the rate limit, load shedding and the connection cap, so they answer when the API is under pressure.
import type { FastifyInstance } from "fastify";
import type { Metrics } from "../metrics.js";
import { DOCS_CSP, docsPage } from "../openapi.js";
import type { CatalogServicePort } from "../service-port.js";
import type { Transport } from "../transport.js";

/** Registers the operations routes. */
export function registerOpsRoutes(app: FastifyInstance, o: { service: CatalogServicePort; metrics: Metrics; transport: Transport; doc: Record<string, unknown> }): void {
  const { service, metrics, transport } = o;
  const docJson = JSON.stringify(o.doc);
  const html = docsPage(o.doc);
  const stats = async (): Promise<{ products: number; annBacklog?: number } | undefined> => {
    try {
      return await service.stats();
    } catch {
      return undefined;
    }
  };
  const products = async (): Promise<number | undefined> => (await stats())?.products;
  app.get("/openapi.json", { config: { ops: true } }, (_req, reply) => reply.type("application/json; charset=utf-8").send(docJson));
  app.get("/docs", { config: { ops: true } }, (_req, reply) => reply.header("content-security-policy", DOCS_CSP).type("text/html; charset=utf-8").send(html));
  app.get("/health", { config: { ops: true } }, async (req, reply) => {
    if ((req.query as { probe?: string }).probe === "live") return reply.send({ status: "ok", live: true });
    const n = await products();
    const db = n !== undefined;
    const model = service.activeModel()?.version ?? null;
    const ready = db && model !== null;
    const pressure = transport.pressure();
    const status = !ready ? "unavailable" : pressure.degraded ? "degraded" : "ok";
    return reply.code(ready ? 200 : 503).send({ status, live: true, ready, degraded: pressure.degraded, db: db ? "open" : "unavailable", model, products: n ?? null, inFlight: pressure.inFlight, pressure });
  });
  app.get("/metrics", { config: { ops: true } }, async (_req, reply) => {
    const st = await stats();
    const n = st?.products;
    const version = service.activeModel()?.version;
    const drift = await service.monitoringGauges?.().catch(() => undefined);
    const text = metrics.render({ inFlight: transport.inFlight, pressure: transport.pressure(), ...(n !== undefined ? { products: n } : {}), ...(st?.annBacklog !== undefined ? { annBacklog: st.annBacklog } : {}), ...(version !== undefined ? { modelVersion: version } : {}), ...(drift ? { drift } : {}) });
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(text);
  });
}
