// The OpenAPI document passes the checks `redocly lint` (recommended rules) failed on, vendored here so CI needs
// no download: security on every operation (empty for open ones), servers, license, unique operationIds, a 2xx
// and a 4xx answer per operation, declared path parameters and tags, resolvable $refs, problem+json errors.
import { describe, expect, it } from "vitest";
import { KeyRing } from "./api-keys.js";
import { buildServer } from "./build-server.js";
import type { CatalogServicePort } from "./service-port.js";

type Json = Record<string, unknown>;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

async function documentOf(readAuth: boolean): Promise<Json> {
  const service = { activeModel: () => undefined, stats: () => ({ products: 0 }) } as unknown as CatalogServicePort;
  const app = await buildServer({ service, auth: { keys: new KeyRing(), readAuth } });
  const doc = (await app.inject({ url: "/openapi.json" })).json() as Json;
  await app.close();
  return doc;
}

/** Every problem the vendored rules find in `doc` (empty: it passes). */
function lint(doc: Json): string[] {
  const problems: string[] = [];
  const info = doc.info as Json;
  if (!info?.license) problems.push("info-license: no license");
  const servers = doc.servers as { url: string }[] | undefined;
  if (!servers?.length) problems.push("no-empty-servers: no servers");
  for (const s of servers ?? []) if (/example\.com/.test(s.url)) problems.push(`no-server-example.com: ${s.url}`);
  const tags = new Set(((doc.tags as { name: string }[] | undefined) ?? []).map((t) => t.name));
  const ids = new Map<string, string>();
  const resolve = (ref: string): unknown => ref.replace(/^#\//, "").split("/").reduce<unknown>((o, k) => (o as Json | undefined)?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${at}/${i}`));
    if (v === null || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v as Json)) {
      if (k === "$ref" && typeof x === "string" && resolve(x) === undefined) problems.push(`no-unresolved-refs: ${at}: ${x}`);
      walk(x, `${at}/${k}`);
    }
  };
  walk(doc, "#");
  for (const [p, item] of Object.entries(doc.paths as Record<string, Json>)) {
    const inPath = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const op = raw as Json;
      const where = `${method.toUpperCase()} ${p}`;
      if (!Array.isArray(op.security) && !Array.isArray(doc.security)) problems.push(`security-defined: ${where}`);
      const id = op.operationId as string | undefined;
      if (!id) problems.push(`operation-operationId: ${where}`);
      else if (ids.has(id)) problems.push(`operation-operationId-unique: ${where} and ${ids.get(id)}`);
      else ids.set(id, where);
      if (!op.summary) problems.push(`operation-summary: ${where}`);
      const responses = Object.keys((op.responses as Json | undefined) ?? {});
      if (!responses.some((s) => /^2/.test(s))) problems.push(`operation-2xx-response: ${where}`);
      if (!responses.some((s) => /^4/.test(s))) problems.push(`operation-4xx-response: ${where}`);
      const declared = ((op.parameters as { name: string; in: string }[] | undefined) ?? []).filter((x) => x.in === "path").map((x) => x.name).sort();
      if (JSON.stringify(declared) !== JSON.stringify(inPath)) problems.push(`path-parameters-defined: ${where}: ${declared} vs ${inPath}`);
      for (const t of (op.tags as string[] | undefined) ?? []) if (!tags.has(t)) problems.push(`operation-tag-defined: ${where}: ${t}`);
      for (const [status, r] of Object.entries((op.responses as Json | undefined) ?? {})) {
        const resp = ((r as Json).$ref ? resolve((r as Json).$ref as string) : r) as Json;
        if (!resp?.description) problems.push(`response-description: ${where} ${status}`);
        if (/^[45]/.test(status) && p.startsWith("/v1/") && !(resp.content as Json | undefined)?.["application/problem+json"]) problems.push(`problem+json: ${where} ${status}`);
      }
    }
  }
  return problems;
}

describe("the OpenAPI document", () => {
  it("passes the vendored lint rules, with open reads or with keyed reads", async () => {
    for (const readAuth of [false, true]) expect(lint(await documentOf(readAuth))).toEqual([]);
  });

  it("marks open operations with an empty security requirement and keyed ones with the bearer scheme", async () => {
    const open = await documentOf(false);
    const paths = open.paths as Record<string, Record<string, { security: unknown[] }>>;
    expect(paths["/v1/classify"]!.post!.security).toEqual([]);
    expect(paths["/v1/products"]!.put!.security).toEqual([{ bearer: [] }]);
    expect(paths["/health"]!.get!.security).toEqual([]);
    const keyed = (await documentOf(true)).paths as typeof paths;
    expect(keyed["/v1/classify"]!.post!.security).toEqual([{ bearer: [] }]);
  });

  it("the check finds what redocly found before: no servers, no security, no 4xx, no operationId", () => {
    const bad = { openapi: "3.1.0", info: { title: "x", version: "1" }, paths: { "/a/{id}": { get: { summary: "a", responses: { 200: { description: "ok" } } } } } };
    expect(lint(bad).map((p) => p.split(":")[0])).toEqual(["info-license", "no-empty-servers", "security-defined", "operation-operationId", "operation-4xx-response", "path-parameters-defined"]);
  });
});
