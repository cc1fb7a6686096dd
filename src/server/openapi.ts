// The OpenAPI 3.1 document, built from the route specs and their zod schemas, and the /docs page.
import { z } from "zod";
import { escapeHtml, LIBRARY_VERSION } from "../index.js";
import type { RouteSpec } from "./route-spec.js";

type Json = Record<string, unknown>;

/** JSON Schema of a request schema as the client sends it (or of an answer, `io` "output") (no `$schema` key: OpenAPI 3.1 dialect). */
export function schemaOf(s: z.ZodType, io: "input" | "output" = "input"): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Json;
  return rest;
}

/**
 * The answer schema relaxed for fastify's compiled serializer: the same property types (so it stays fast), but no
 * property required and none dropped, so the server never refuses or strips a field the service computed; the
 * documented schema ({@link schemaOf}) states the contract.
 */
export function serializerSchemaOf(s: z.ZodType): Json {
  const relax = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(relax);
    if (v === null || typeof v !== "object") return v;
    const out: Json = {};
    for (const [k, x] of Object.entries(v as Json)) if (k !== "required" && k !== "additionalProperties") out[k] = relax(x);
    if ((v as Json)["type"] === "object") out["additionalProperties"] = true;
    return out;
  };
  return relax(schemaOf(s, "output")) as Json;
}

function parameters(where: "path" | "query", s: z.ZodType | undefined): Json[] {
  if (!s || !(s instanceof z.ZodObject)) return [];
  return Object.entries(s.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name,
    in: where,
    required: where === "path" || !field.safeParse(undefined).success,
    schema: schemaOf(field),
    ...(field.description ? { description: field.description } : {}),
  }));
}

const problemRef = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };
const ref = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

/** The error answers every operation may give, each application/problem+json. */
const ERROR_RESPONSES: Record<string, { status: string; description: string }> = {
  BadRequest: { status: "400", description: "Invalid request: a field, parameter or the body (JSON, UTF-8, nesting) does not validate; each field is named in `errors`" },
  Unauthorized: { status: "401", description: "No API key, or a key that is not valid (a key that is sent must be valid, even on open operations)" },
  Forbidden: { status: "403", description: "The key's role does not allow this operation" },
  NotFound: { status: "404", description: "No such product, model version or job" },
  Conflict: { status: "409", description: "Conflicts with the current state (e.g. cancelling a finished job)" },
  TooLarge: { status: "413", description: "The body is over the size limit, or holds more items than allowed" },
  TooLong: { status: "414", description: "A path segment is longer than any id can be" },
  UnsupportedType: { status: "415", description: "The body is not application/json" },
  Unprocessable: { status: "422", description: "Valid JSON that the service cannot use (e.g. an invalid model directory)" },
  TooManyRequests: { status: "429", description: "Over the rate limit; see Retry-After" },
  ClientError: { status: "4XX", description: "Malformed HTTP, a header or body deadline (408) or headers too large (431), answered before routing" },
  Unavailable: { status: "503", description: "Overloaded (requests in progress, event-loop delay, queueing), over the connection limit, shutting down, or no model live; see Retry-After" },
};

/** Error responses of one operation, by what it takes and who may call it. */
function errorResponses(r: RouteSpec, keyed: boolean): Json {
  const names = ["BadRequest", ...(keyed ? ["Unauthorized", "Forbidden"] : ["Unauthorized"])];
  if (r.params) names.push("NotFound", "TooLong");
  if (r.method === "POST" && r.url.endsWith("/cancel")) names.push("Conflict");
  if (r.body) names.push("TooLarge", "UnsupportedType");
  if (r.url === "/v1/models" && r.method === "POST") names.push("NotFound", "Unprocessable");
  names.push("TooManyRequests", "ClientError", "Unavailable");
  return Object.fromEntries([...new Set(names)].map((n) => [ERROR_RESPONSES[n]!.status, ref(n)]));
}

/** The operations routes (no key, no rate limit), as the document lists them. */
function opsPaths(): Record<string, Json> {
  const op = (operationId: string, summary: string, ok: Json, extra: Json = {}): Json => ({
    get: { operationId, summary, tags: ["ops"], security: [], ...extra, responses: { ...ok, "4XX": ref("ClientError") } },
  });
  const text = (d: string): Json => ({ description: d, content: { "text/plain": { schema: { type: "string" } } } });
  const health: Json = {
    type: "object",
    properties: {
      status: { type: "string", enum: ["ok", "degraded", "unavailable"] },
      live: { type: "boolean" },
      ready: { type: "boolean", description: "the database is open and a model is live" },
      degraded: { type: "boolean", description: "load pressure: see `pressure.reasons`" },
      db: { type: "string", enum: ["open", "unavailable"] },
      model: { type: ["string", "null"] },
      products: { type: ["integer", "null"] },
      inFlight: { type: "integer" },
      pressure: {
        type: "object",
        description: "connections, request bodies arriving (and those over a second), requests in progress, event-loop delay, recent refusals for load",
        properties: {
          ...Object.fromEntries(["connections", "maxConnections", "uploads", "slowUploads", "inFlight", "maxInFlight", "eventLoopLagMs", "recentlyShed"].map((k) => [k, { type: "integer" }])),
          degraded: { type: "boolean" },
          reasons: { type: "array", items: { type: "string" } },
        },
      },
    },
  };
  return {
    "/health": op("getHealth", "Liveness, readiness (DB open, model loaded) and load pressure; ?probe=live for liveness only", {
      200: { description: "Ready (possibly degraded by load: see `degraded`)", content: { "application/json": { schema: health } } },
      503: { description: "Not ready", content: { "application/json": { schema: health } } },
    }, { parameters: [{ name: "probe", in: "query", required: false, schema: { type: "string", enum: ["live"] }, description: "liveness only" }] }),
    "/metrics": op("getMetrics", "Prometheus metrics (text format 0.0.4)", { 200: text("Metrics") }),
    "/openapi.json": op("getOpenApi", "This document", { 200: { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } } }),
    "/docs": op("getDocs", "The operations as an HTML page (no scripts, no outside assets)", { 200: { description: "HTML", content: { "text/html": { schema: { type: "string" } } } } }),
  };
}

/** Builds the OpenAPI document of `routes`; `readAuth` marks reads as keyed too. */
export function openApiDocument(routes: readonly RouteSpec[], o: { readAuth: boolean }): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const p = r.url.replace(/:(\w+)/g, "{$1}");
    const keyed = r.role !== "read" || o.readAuth || r.personal === true;
    const ok = String(r.status ?? 200);
    const op: Json = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${p.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      "x-role": r.role,
      parameters: [...parameters("path", r.params), ...parameters("query", r.query)],
      ...(r.body && !r.body.safeParse(undefined).success ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(r.body) } } } } : {}),
      // Open operations say so (an empty requirement): a key that is sent must still be valid.
      security: keyed ? [{ bearer: [] }] : [],
      responses: {
        [ok]: { description: ok === "204" ? "Done, no content" : "Success", ...(ok === "204" ? {} : { content: { "application/json": { schema: r.response ? schemaOf(r.response, "output") : {} } } }) },
        ...errorResponses(r, keyed),
      },
    };
    paths[p] = { ...(paths[p] ?? {}), [r.method.toLowerCase()]: op };
  }
  Object.assign(paths, opsPaths());
  const tags = [...new Set(routes.map((r) => r.tag)), "ops"];
  return {
    openapi: "3.1.0",
    info: { title: "assort", version: LIBRARY_VERSION, description: "Categorize, search and correct a product catalog.", license: { name: "MIT", identifier: "MIT" } },
    servers: [{ url: "/", description: "The server that serves this document" }],
    tags: tags.map((name) => ({ name, description: TAGS[name] ?? name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API key: ASSORT_API_KEY or a keys file entry" } },
      responses: Object.fromEntries(Object.entries(ERROR_RESPONSES).map(([n, r]) => [n, { description: r.description, content: problemRef }])),
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail", "instance"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            instance: { type: "string" },
            errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
          },
        },
      },
    },
  };
}

const TAGS: Record<string, string> = {
  products: "Stored products",
  classify: "Categories for products (nothing stored)",
  search: "Full-text search and similar products",
  feedback: "Corrections and acceptances of categories",
  models: "Model versions",
  jobs: "Background jobs",
  shoppers: "Shopper events, profiles, segments and recommendations (personal data: every operation needs a key)",
  ops: "Health, metrics and this document (no key, no rate limit)",
  monitoring: "Drift of the served categories against the training mix, and coverage at each precision (from the log of served predictions)",
};

/** Content-Security-Policy of the docs page: no scripts, no outside assets. */
export const DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A self-contained HTML page listing the operations of an OpenAPI document (no scripts, no CDN). */
export function docsPage(doc: Json): string {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const rows: string[] = [];
  for (const [p, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = ((op.parameters as Json[] | undefined) ?? []).map((x) => `${String(x.name)}${x.required ? "" : "?"}`).join(", ");
      const body = op.requestBody ? `<pre>${escapeHtml(JSON.stringify((op.requestBody as { content: { "application/json": { schema: Json } } }).content["application/json"].schema, null, 1))}</pre>` : "";
      rows.push(
        `<tr><td class="m ${method}">${method.toUpperCase()}</td><td><code>${escapeHtml(p)}</code></td><td>${escapeHtml(String(op.summary ?? ""))}${params ? `<div class="p">parameters: ${escapeHtml(params)}</div>` : ""}${body ? `<details><summary>body</summary>${body}</details>` : ""}</td><td>${op.security ? escapeHtml(String(op["x-role"] ?? "key")) : "open"}</td></tr>`,
      );
    }
  }
  const info = doc.info as { title: string; version: string; description: string };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)} API</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4em;vertical-align:top;text-align:left}
.m{font-weight:bold;font-family:monospace}.get{color:#06c}.post{color:#080}.put{color:#a60}.delete{color:#c00}.p{color:#666;font-size:90%}pre{font-size:85%;background:#f6f6f6;padding:.5em;overflow:auto}
</style></head><body><h1>${escapeHtml(info.title)} ${escapeHtml(info.version)}</h1><p>${escapeHtml(info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a>. Keys go in <code>Authorization: Bearer &lt;key&gt;</code>; errors are <code>application/problem+json</code>.</p>
<table><thead><tr><th>method</th><th>path</th><th>what it does</th><th>key</th></tr></thead><tbody>${rows.join("")}</tbody></table></body></html>`;
}
