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

/** Builds the OpenAPI document of `routes`; `readAuth` marks reads as keyed too. */
export function openApiDocument(routes: readonly RouteSpec[], o: { readAuth: boolean }): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const p = r.url.replace(/:(\w+)/g, "{$1}");
    const keyed = r.role !== "read" || o.readAuth;
    const ok = String(r.status ?? 200);
    const op: Json = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${p.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      "x-role": r.role,
      parameters: [...parameters("path", r.params), ...parameters("query", r.query)],
      ...(r.body && !r.body.safeParse(undefined).success ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(r.body) } } } } : {}),
      ...(keyed ? { security: [{ bearer: [] }] } : {}),
      responses: {
        [ok]: { description: ok === "204" ? "Done, no content" : "Success", ...(ok === "204" ? {} : { content: { "application/json": { schema: r.response ? schemaOf(r.response, "output") : {} } } }) },
        default: { description: "An error, as application/problem+json", content: problemRef },
      },
    };
    paths[p] = { ...(paths[p] ?? {}), [r.method.toLowerCase()]: op };
  }
  paths["/health"] = { get: { summary: "Liveness and readiness (DB open, model loaded); ?probe=live for liveness only", tags: ["ops"], responses: { 200: { description: "Ready" }, 503: { description: "Not ready" } } } };
  paths["/metrics"] = { get: { summary: "Prometheus metrics (text format 0.0.4)", tags: ["ops"], responses: { 200: { description: "Metrics", content: { "text/plain": { schema: { type: "string" } } } } } } };
  return {
    openapi: "3.1.0",
    info: { title: "assort", version: LIBRARY_VERSION, description: "Categorize, search and correct a product catalog." },
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API key: ASSORT_API_KEY or a keys file entry" } },
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
