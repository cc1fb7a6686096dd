// Hardening, deep nesting: products and classify items may nest 32 levels (the item itself is level 1); one level
// more, or ten thousand, or half a million, is a 400 naming the field path, on every route that takes a body,
// never a 500 from a stack overflow; brackets inside strings are text; the server stays up.
import { rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectProblemAnswer, prepareCatalog, serveCatalog } from "./hardening-http-helpers.js";
import { ADMIN_KEY, tempDir, type Server } from "./server-helpers.js";

const tmp = tempDir("hardening-nesting");
let server: Server;

beforeAll(async () => {
  server = await serveCatalog(await prepareCatalog(tmp), ["--rate-limit", "off"]);
}, 60_000);
afterEach(async () => {
  expect((await server.call("/health")).status).toBe(200);
});
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  expect(server.stderr()).not.toMatch(/RangeError|Maximum call stack/);
  rmSync(tmp, { recursive: true, force: true });
});

type Shape = "object" | "array" | "mixed";

/** JSON text of a value `levels` objects/arrays deep (levels ≥ 1), built as text so any depth is cheap. */
function deepJson(levels: number, shape: Shape): string {
  const open = (i: number) => (shape === "object" || (shape === "mixed" && i % 2 === 0) ? '{"a":' : "[");
  const close = (i: number) => (shape === "object" || (shape === "mixed" && i % 2 === 0) ? "}" : "]");
  let head = "";
  let tail = "";
  for (let i = 0; i < levels; i++) {
    head += open(i);
    tail = close(i) + tail;
  }
  return `${head}1${tail}`;
}

/** An item whose own depth is `depth` (the item is level 1, `extra` level 2 …) as JSON text. */
const item = (id: string, depth: number, shape: Shape = "object") => `{"id":"${id}","title":"Tefal frying pan 28 cm"${depth > 1 ? `,"extra":${deepJson(depth - 1, shape)}` : ""}}`;
/** The path the server names for an item `depth` levels deep: down to its level-`depth` object. */
const path = (depth: number, shape: Shape) => ["body", "items", "0", "extra", ...Array.from({ length: depth - 2 }, (_, i) => (shape === "object" || (shape === "mixed" && i % 2 === 0) ? "a" : "0"))].join(".");

describe("deep nesting", () => {
  it("stores and classifies items up to 32 levels deep, and reads them back intact", async () => {
    for (const shape of ["object", "array", "mixed"] as const) {
      for (const depth of [1, 2, 10, 32]) {
        const id = `deep-${shape}-${depth}`;
        const put = await server.call("/v1/products", { method: "PUT", raw: `{"items":[${item(id, depth, shape)}]}`, key: ADMIN_KEY });
        expect(put.status, `${shape} ${depth}: ${put.text}`).toBe(200);
        const c = await server.call("/v1/classify", { raw: `{"items":[${item(id, depth, shape)}]}` });
        expect(c.status, `${shape} ${depth}: ${c.text}`).toBe(200);
        const got = await server.call(`/v1/products/${id}`);
        expect(got.status).toBe(200);
        if (depth > 1) expect(JSON.stringify(got.json.extra ?? got.json.fields?.extra)).toBe(deepJson(depth - 1, shape));
      }
    }
  });

  it("refuses 33, 100, 10,000 and 100,000 levels with a 400 naming the field path, for products and classify", async () => {
    for (const shape of ["object", "array", "mixed"] as const) {
      for (const depth of [33, 100, 10_000, 100_000]) {
        for (const [p, method] of [["/v1/products", "PUT"], ["/v1/products", "POST"], ["/v1/classify", "POST"]] as const) {
          const r = await server.call(p, { method, raw: `{"items":[${item("x", depth, shape)}]}`, key: ADMIN_KEY });
          expectProblemAnswer(r, 400, /nested deeper than 34 levels/);
          expect(r.json.errors[0].path, `${shape} ${depth} ${method} ${p}`).toBe(path(33, shape));
        }
      }
    }
    expect((await server.call("/v1/products/x")).status).toBe(404);
  }, 30_000);

  it("refuses absurd nesting on every body route (feedback, jobs, models) and a 500,000-level bare array", async () => {
    const deep = deepJson(10_000, "mixed");
    for (const [p, raw] of [
      ["/v1/feedback", `{"productId":"p0001","accept":true,"extra":${deep}}`],
      ["/v1/jobs", `{"kind":"cluster","params":{"k":${deep}}}`],
      ["/v1/models", `{"path":${deep}}`],
      ["/v1/models/rollback", deep],
      ["/v1/classify", "[".repeat(500_000) + "]".repeat(500_000)],
    ]) {
      expectProblemAnswer(await server.call(p!, { raw: raw!, key: ADMIN_KEY }), 400, /nested deeper than/);
    }
    // A feedback body with a shallow extra field: the field is ignored and the correction stored.
    expect((await server.call("/v1/feedback", { raw: `{"productId":"p0001","accept":true,"extra":${deepJson(10, "object")}}`, key: ADMIN_KEY })).status).toBe(200);
  });

  it("counts brackets inside strings as text", async () => {
    const title = "[{".repeat(5000) + "]}".repeat(5000) + ' \\" [[[';
    const r = await server.call("/v1/classify", { raw: `{"items":[{"id":"s","title":"${title}"}]}` });
    expect(r.status, r.text).toBe(200);
  });
});
