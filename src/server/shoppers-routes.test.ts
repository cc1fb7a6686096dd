// The shopper routes over a real CatalogService on a MemoryStore (app.inject, no sockets): keys on personal data,
// events in with a per-row report (the bad-input list: 4xx or a row error, never 500), profiles counted by
// hand, erasure, segments, recommendations with reasons, bought together and personalized search.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, MemoryStore, readCatalogFile } from "../index.js";
import { KeyRing } from "./api-keys.js";
import { buildServer } from "./build-server.js";

const WRITER = "write-key-0123456789abcdef";
const READER = "read-key-0123456789abcdefg";
const keys = new KeyRing().add(WRITER, "write").add(READER, "read");
const auth = (k: string) => ({ authorization: `Bearer ${k}` });
const ROOT = path.resolve(import.meta.dirname, "../..");

let dir: string;
let service: CatalogService;
let app: Awaited<ReturnType<typeof buildServer>>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "assort-shopper-routes-"));
  service = await CatalogService.open({ store: new MemoryStore(), dataDir: dir });
  app = await buildServer({ service, auth: { keys } });
});
afterAll(async () => {
  await app.close();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (events: unknown, key = WRITER) => app.inject({ method: "POST", url: "/v1/events", headers: auth(key), payload: { events } });

describe("shopper routes: events in and profiles", () => {
  it("needs a key on every personal route even though reads are open", async () => {
    for (const url of ["/v1/users/a", "/v1/users/a/recommendations", "/v1/segments", "/v1/segments/0"]) {
      const r = await app.inject({ method: "GET", url });
      expect(r.statusCode, url).toBe(401);
      expect(r.headers["content-type"]).toContain("application/problem+json");
    }
    expect((await app.inject({ method: "DELETE", url: "/v1/users/a", headers: auth(READER) })).statusCode).toBe(403);
    expect((await app.inject({ method: "POST", url: "/v1/events", payload: { events: [] } })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/v1/search?q=pan&userId=a" })).statusCode).toBe(401);
    // the search itself stays open
    expect((await app.inject({ method: "GET", url: "/v1/search?q=pan" })).statusCode).toBe(200);
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as { paths: Record<string, Record<string, { security: unknown[] }>> };
    expect(doc.paths["/v1/users/{id}"]!["get"]!.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/v1/segments"]!["get"]!.security).toEqual([{ bearer: [] }]);
  });

  it("stores a batch, reports bad rows one by one, and computes the profile by hand", async () => {
    const r = await post([
      // shopper a: order o1 = 2 × p1 at 10 + 1 × p2 at 5; order o2 = 1 × p1 at 10; then p2 returned (1 × 5)
      { userId: "a", itemId: "p1", type: "purchase", timestamp: "2025-01-01T10:00:00Z", quantity: 2, price: 10, orderId: "o1", eventId: "e1" },
      { userId: "a", itemId: "p2", type: "purchase", timestamp: "2025-01-01T10:00:00Z", quantity: 1, price: 5, orderId: "o1", eventId: "e2" },
      { userId: "a", itemId: "p1", type: "purchase", timestamp: "2025-02-01T10:00:00Z", quantity: 1, price: 10, orderId: "o2", eventId: "e3" },
      { userId: "a", itemId: "p2", type: "return", timestamp: "2025-02-02T10:00:00Z", quantity: 1, price: 5, orderId: "r1", eventId: "e4" },
      // bad: unparsable time, a time in the future, a shopper id that is an object, no item
      { userId: "b", itemId: "p1", type: "purchase", timestamp: "yesterday", quantity: 1, price: 1 },
      { userId: "b", itemId: "p1", type: "purchase", timestamp: "2999-01-01T00:00:00Z", quantity: 1, price: 1 },
      { userId: { id: "b" }, itemId: "p1", type: "purchase", timestamp: "2025-01-01T00:00:00Z" },
      { userId: "b", type: "purchase", timestamp: "2025-01-01T00:00:00Z" },
    ]);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as { received: number; inserted: number; duplicates: number; errors: { index: number; field?: string; message: string }[]; unknownItemEvents: number };
    expect(body).toMatchObject({ received: 8, inserted: 4, duplicates: 0, unknownItemEvents: 4 });
    expect(body.errors.map((e) => [e.index, e.field])).toEqual([
      [4, "timestamp"],
      [5, "timestamp"],
      [6, "userId"],
      [7, "itemId"],
    ]);
    const p = await app.inject({ method: "GET", url: "/v1/users/a", headers: auth(READER) });
    expect(p.statusCode, p.body).toBe(200);
    // gross 2×10 + 5 + 10 = 35; net 35 − 5 = 30; returned 5 / 35 = 0.143; 2 orders; (2 + 1) / 2 = 1.5 items per order
    expect(p.json()).toMatchObject({ userId: "a", frequency: 2, grossSpend: 35, monetary: 30, returnRate: 0.143, basketSize: 1.5, items: 2, firstSeen: "2025-01-01T10:00:00Z", lastSeen: "2025-02-02T10:00:00Z" });
    expect((await app.inject({ method: "GET", url: "/v1/users/nobody", headers: auth(READER) })).statusCode).toBe(404);
  });

  it("is idempotent by eventId and keeps identical rows without one", async () => {
    const row = { userId: "c", itemId: "p9", type: "purchase", timestamp: "2025-03-01T09:00:00Z", quantity: 1, price: 3 };
    expect((await post([{ ...row, eventId: "c1" }, { ...row, eventId: "c1" }])).json()).toMatchObject({ received: 2, inserted: 1, duplicates: 1 });
    expect((await post([{ ...row, eventId: "c1" }])).json()).toMatchObject({ inserted: 0, duplicates: 1 });
    expect((await post([row, row])).json()).toMatchObject({ inserted: 2, duplicates: 0 });
    expect((await service.store.userEvents("c")).length).toBe(3);
  });

  it("reads a negative purchase quantity as a return, keeps price 0 or missing and mixed zones, each with a note", async () => {
    const r = await post([
      { userId: "d", itemId: "p1", type: "purchase", timestamp: "2025-03-01T09:00:00Z", quantity: 2, price: 0 },
      { userId: "d", itemId: "p1", type: "purchase", timestamp: "2025-03-01T09:00:00", quantity: 1 },
      { userId: "d", itemId: "p1", type: "purchase", timestamp: "2025-03-02T09:00:00+02:00", quantity: -1, price: 4 },
    ]);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as { inserted: number; notes: { code: string; count: number }[] };
    expect(body.inserted).toBe(3);
    const notes = Object.fromEntries(body.notes.map((n) => [n.code, n.count]));
    expect(notes).toMatchObject({ ZERO_PRICE: 1, MISSING_PRICE: 1, NEGATIVE_QUANTITY_PURCHASE: 1, MIXED_TIME_ZONES: 1 });
    const stored = await service.store.userEvents("d");
    expect(stored.map((e) => [e.type, e.quantity])).toEqual([
      ["purchase", 2],
      ["purchase", 1],
      ["return", 1],
    ]);
    // +02:00 → 07:00 UTC; the zone-less time read as UTC
    expect(stored[2]!.time).toBe(Date.UTC(2025, 2, 2, 7, 0, 0));
    expect(stored[1]!.time).toBe(Date.UTC(2025, 2, 1, 9, 0, 0));
  });

  it("answers 4xx, never 500, to batches that cannot be used", async () => {
    // every row bad → 422 naming each row
    const bad = await post([{ userId: ["x"], itemId: "p1", type: "purchase", timestamp: "2025-01-01T00:00:00Z" }]);
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ errors: [{ path: "body.events.0.userId" }] });
    // not an array, no body, an unknown type, over the batch limit, a 1 MB field (over the body limit once encoded twice? no: 1 MB fits; the field limit refuses it)
    expect((await post({ not: "a list" })).statusCode).toBe(400);
    expect((await app.inject({ method: "POST", url: "/v1/events", headers: { ...auth(WRITER), "content-type": "application/json" }, payload: "{" })).statusCode).toBe(400);
    expect((await post([{ userId: "x", itemId: "p1", type: "teleport", timestamp: "2025-01-01T00:00:00Z" }])).statusCode).toBe(422);
    expect((await post(Array.from({ length: 1001 }, () => ({})))).statusCode).toBe(400);
    const huge = await post([{ userId: "x".repeat(1_000_000), itemId: "p1", type: "purchase", timestamp: "2025-01-01T00:00:00Z" }]);
    expect(huge.statusCode).toBe(422);
    expect(huge.json()).toMatchObject({ errors: [{ path: "body.events.0.userId" }] });
    const over = await post([{ userId: "x", itemId: "p1", type: "purchase", timestamp: "2025-01-01T00:00:00Z", note: "y".repeat(3_000_000) }]);
    expect(over.statusCode).toBe(413);
    // events that are not objects, or hold the wrong shapes, are refused row by row (never a 500)
    for (const odd of [[null], [1], ["x"], [[]], [{ userId: 5, itemId: {}, type: 3, timestamp: [] }], [{ userId: "x", itemId: "p1", type: "purchase", timestamp: "2025-01-01T00:00:00Z", quantity: "many" }]]) {
      const r = await post(odd);
      expect(r.statusCode, JSON.stringify(odd)).toBe(422);
      expect(r.headers["content-type"]).toContain("application/problem+json");
    }
    // an empty log stores nothing and says so
    expect((await post([])).json()).toMatchObject({ received: 0, inserted: 0 });
    // a one-event shopper has a profile
    await post([{ userId: "one", itemId: "p1", type: "view", timestamp: "2025-01-01T00:00:00Z" }]);
    expect((await app.inject({ method: "GET", url: "/v1/users/one", headers: auth(READER) })).json()).toMatchObject({ userId: "one", frequency: 0, views: 1, recencyDays: null });
  });
});

describe("shopper routes: fitted recommender, segments, erasure, personalized search", () => {
  beforeAll(async () => {
    const { products } = await readCatalogFile(path.join(ROOT, "examples/catalog/train.jsonl"), {});
    await service.shoppers.importFile(path.join(ROOT, "examples/shop/events.csv"), { items: products });
    const r = await app.inject({ method: "POST", url: "/v1/jobs", headers: auth(WRITER), payload: { kind: "recommender" } });
    expect(r.statusCode, r.body).toBe(202);
    const id = (r.json() as { id: string }).id;
    for (let i = 0; i < 600; i++) {
      const j = (await app.inject({ method: "GET", url: `/v1/jobs/${id}` })).json() as { state: string; error?: string };
      if (j.state === "done") return;
      if (j.state === "failed") throw new Error(j.error);
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error("the recommender job did not finish");
  }, 120_000);

  it("lists named segments and pages a segment's members", async () => {
    const r = await app.inject({ method: "GET", url: "/v1/segments", headers: auth(READER) });
    expect(r.statusCode).toBe(200);
    const segs = (r.json() as { segments: { id: number; name: string; size: number }[] }).segments;
    expect(segs.length).toBeGreaterThanOrEqual(2);
    for (const s of segs) expect(s.name).toMatch(/[a-z]/);
    const first = segs[0]!;
    const page = (await app.inject({ method: "GET", url: `/v1/segments/${first.id}?limit=2`, headers: auth(READER) })).json() as { members: string[]; nextAfter?: string; details: { topItems: string[] } };
    expect(page.members).toHaveLength(2);
    expect(page.nextAfter).toBe(page.members[1]);
    expect(page.details.topItems.length).toBeGreaterThan(0);
    const next = (await app.inject({ method: "GET", url: `/v1/segments/${first.id}?limit=1000&after=${page.nextAfter}`, headers: auth(READER) })).json() as { members: string[] };
    expect(2 + next.members.length).toBe(first.size);
    expect((await app.inject({ method: "GET", url: "/v1/segments/999", headers: auth(READER) })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/v1/segments/abc", headers: auth(READER) })).statusCode).toBe(400);
  });

  it("recommends with reasons (all and new) and lists what is bought together", async () => {
    // c1280 bought p0187 (tent), p0205 and p0196 (boots) in one order: "all" repeats them, "new" leaves them out
    const all = (await app.inject({ method: "GET", url: "/v1/users/c1280/recommendations?limit=5", headers: auth(READER) })).json() as { knownShopper: boolean; items: { itemId: string; reason: { kind: string; text: string } }[] };
    expect(all.knownShopper).toBe(true);
    expect(all.items).toHaveLength(5);
    expect(all.items.some((i) => i.reason.kind === "bought-again")).toBe(true);
    const fresh = (await app.inject({ method: "GET", url: "/v1/users/c1280/recommendations?limit=5&mode=new", headers: auth(READER) })).json() as { items: { itemId: string; reason: { text: string } }[] };
    expect(fresh.items.map((i) => i.itemId)).not.toContain("p0187");
    expect(fresh.items.map((i) => i.itemId)).not.toContain("p0205");
    for (const i of fresh.items) expect(i.reason.text.length).toBeGreaterThan(0);
    const unknown = (await app.inject({ method: "GET", url: "/v1/users/stranger/recommendations", headers: auth(READER) })).json() as { knownShopper: boolean; items: unknown[] };
    expect(unknown.knownShopper).toBe(false);
    expect(unknown.items.length).toBeGreaterThan(0);
    const together = await app.inject({ method: "GET", url: "/v1/products/p0187/bought-together?limit=3" });
    expect(together.statusCode).toBe(200);
    expect((together.json() as { items: { reason: { kind: string } }[] }).items[0]!.reason.kind).toBe("bought-with");
    expect((await app.inject({ method: "GET", url: "/v1/products/nope/bought-together" })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/v1/users/c1280/recommendations?mode=old", headers: auth(READER) })).statusCode).toBe(400);
  });

  it("personalized search: a camper's affinity puts hiking boots first for the ambiguous query 'shoes', and says so", async () => {
    const plain = (await app.inject({ method: "GET", url: "/v1/search?q=shoes&limit=3" })).json() as { hits: { category: string }[]; boost?: unknown };
    expect(plain.boost).toBeUndefined();
    expect(plain.hits[0]!.category).toBe("Clothing & Shoes > Shoes > Running Shoes");
    // c1280 spent 57% on tents and 43% on hiking boots: tents do not match "shoes", hiking boots do
    const mine = (await app.inject({ method: "GET", url: "/v1/search?q=shoes&limit=3&userId=c1280", headers: auth(READER) })).json() as { hits: { category: string }[]; boost: { source: string; category: string; factor: number } };
    expect(mine.boost).toEqual({ source: "shopper", category: "Clothing & Shoes > Shoes > Hiking Boots", factor: 1.171 });
    expect(mine.hits.map((h) => h.category)).toEqual(Array(3).fill("Clothing & Shoes > Shoes > Hiking Boots"));
    const nobody = (await app.inject({ method: "GET", url: "/v1/search?q=shoes&limit=3&userId=nobody", headers: auth(READER) })).json() as { boost: { source: string } };
    expect(nobody.boost).toEqual({ source: "none" });
  });

  it("erases a shopper: events, profile and membership, and says what it erased", async () => {
    const before = (await service.store.userEvents("c1280")).length;
    expect(before).toBe(3);
    const r = await app.inject({ method: "DELETE", url: "/v1/users/c1280", headers: auth(WRITER) });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ userId: "c1280", erased: { events: 3, memberships: 1, profile: true } });
    expect((await app.inject({ method: "GET", url: "/v1/users/c1280", headers: auth(READER) })).statusCode).toBe(404);
    const recs = (await app.inject({ method: "GET", url: "/v1/users/c1280/recommendations", headers: auth(READER) })).json() as { knownShopper: boolean };
    expect(recs.knownShopper).toBe(false);
    expect((await app.inject({ method: "DELETE", url: "/v1/users/c1280", headers: auth(WRITER) })).json()).toMatchObject({ erased: { events: 0, memberships: 0, profile: false } });
  });
});
