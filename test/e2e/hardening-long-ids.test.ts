// Hardening, long ids: every id the API stores can be reached on every id route (read, similar, delete, feedback),
// whatever its characters (ASCII, accents, CJK, emoji, reserved URL characters) up to 256 characters; one
// character more is a 400 naming the field; a path segment past what any id can encode is a 414; all as problems.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblemAnswer, prepareCatalog, serveCatalog } from "./hardening-http-helpers.js";
import { ADMIN_KEY, tempDir, type Server } from "./server-helpers.js";

const tmp = tempDir("hardening-ids");
let server: Server;

beforeAll(async () => {
  server = await serveCatalog(await prepareCatalog(tmp), ["--rate-limit", "off"]);
}, 60_000);
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  rmSync(tmp, { recursive: true, force: true });
});

/** An id of exactly `n` characters (code points): `unit` repeated, then `tag`. */
function idOf(n: number, unit: string, tag: string): string {
  return [...unit.repeat(n)].slice(0, n - tag.length).join("") + tag;
}
const chars = (s: string): number => [...s].length;

const UNITS: [string, string][] = [
  ["ascii", "a"],
  ["accents", "é"],
  ["cjk", "鞋"],
  ["emoji", "👟"],
  ["mixed", "a鞋é👟"],
  ["reserved", "/?#%&+ "],
];
const enc = encodeURIComponent;

describe("long ids", () => {
  it("stores, reads, finds similar, corrects and deletes ids of 1, 100, 101, 255 and 256 characters of any kind", async () => {
    for (const [kind, unit] of UNITS) {
      for (const n of [1, 100, 101, 255, 256]) {
        const id = idOf(n, unit, n > 1 ? String(n % 10) : "");
        expect(chars(id)).toBe(n);
        const what = `${kind} ${n}`;
        const put = await server.call("/v1/products", { method: "PUT", body: { items: [{ id, title: "Tefal frying pan 28 cm" }] }, key: ADMIN_KEY });
        expect(put.status, `${what}: ${put.text}`).toBe(200);
        const get = await server.call(`/v1/products/${enc(id)}`);
        expect(get.status, `${what}: ${get.text}`).toBe(200);
        expect(get.json.id).toBe(id);
        const similar = await server.call(`/v1/products/${enc(id)}/similar?limit=3`);
        expect([200, 404], `${what}: ${similar.text}`).toContain(similar.status);
        if (similar.status === 404) expectProblemAnswer(similar, 404, /product/);
        const fb = await server.call("/v1/feedback", { body: { productId: id, category: "Home & Kitchen > Cookware" }, key: ADMIN_KEY });
        expect(fb.status, `${what}: ${fb.text}`).toBe(200);
        const del = await server.call(`/v1/products/${enc(id)}`, { method: "DELETE", key: ADMIN_KEY });
        expect(del.status, `${what}: ${del.text}`).toBe(204);
        expectProblemAnswer(await server.call(`/v1/products/${enc(id)}`), 404);
      }
    }
  }, 60_000);

  it("answers 400 naming the field for 257 characters on every id route, and 414 for a segment no id can encode", async () => {
    for (const [kind, unit] of UNITS) {
      const id = idOf(257, unit, "7");
      const what = `${kind} 257`;
      const put = await server.call("/v1/products", { method: "PUT", body: { items: [{ id, title: "Pan" }] }, key: ADMIN_KEY });
      expect(put.status, `${what}: ${put.text}`).toBe(400);
      expectProblemAnswer(put, 400);
      expect(put.json.errors.map((e: { path: string }) => e.path), what).toContain("body.items.0.id");
      for (const [p, method] of [[`/v1/products/${enc(id)}`, "GET"], [`/v1/products/${enc(id)}/similar`, "GET"], [`/v1/products/${enc(id)}`, "DELETE"]] as const) {
        const r = await server.call(p, { method, key: ADMIN_KEY });
        expectProblemAnswer(r, 400, /params\.id/);
      }
      const fb = await server.call("/v1/feedback", { body: { productId: id, accept: true }, key: ADMIN_KEY });
      expectProblemAnswer(fb, 400, /productId/);
      expect((await server.call("/v1/classify", { body: { items: [{ id, title: "Pan" }] } })).status, what).toBe(400);
    }
    // Past 256 characters × 12 URL characters each (4 UTF-8 bytes, percent-encoded) no id fits: 414, as a problem.
    for (const p of [`/v1/products/${"a".repeat(3073)}`, `/v1/products/${"a".repeat(5000)}/similar`, `/v1/jobs/${"j".repeat(3100)}`, `/v1/models/${"v".repeat(3100)}/activate`]) {
      const r = await server.call(p, { method: p.endsWith("activate") ? "POST" : "GET", key: ADMIN_KEY });
      expectProblemAnswer(r, 414, /longer than 3072 characters/);
    }
    const maxEncoded = await server.call(`/v1/products/${enc(idOf(256, "👟", "6"))}`);
    expectProblemAnswer(maxEncoded, 404);
  });

  it("job ids and model versions: 128 characters are looked up, 129 are a 400 naming the parameter", async () => {
    expectProblemAnswer(await server.call(`/v1/jobs/${"j".repeat(128)}`), 404);
    expectProblemAnswer(await server.call(`/v1/jobs/${"j".repeat(129)}`), 400, /params\.id/);
    expectProblemAnswer(await server.call(`/v1/jobs/${"j".repeat(129)}/cancel`, { method: "POST", key: ADMIN_KEY }), 400, /params\.id/);
    expectProblemAnswer(await server.call(`/v1/models/${"v".repeat(128)}/activate`, { method: "POST", key: ADMIN_KEY }), 404);
    expectProblemAnswer(await server.call(`/v1/models/${"v".repeat(129)}/activate`, { method: "POST", key: ADMIN_KEY }), 400, /params\.version/);
  });
});
