// End-to-end tests of the shopper verbs on the sample shop (examples/shop/events.csv), each a real child process of
// the compiled CLI: the evaluate-recs --json key contract, segment --out with report.html, recommend with reasons,
// profile, events stats, and bad input with one clear message.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, ROOT, assort, expectError, jsonLines } from "./helpers.js";

const EVENTS = join(ROOT, "examples/shop/events.csv");
const ITEMS = ["--items", join(CATALOG, "train.jsonl"), "--items", join(CATALOG, "new-products.jsonl")];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-shoppers-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("assort evaluate-recs", () => {
  it("prints one JSON object with the contract's keys for every task and the baseline", async () => {
    const r = await assort(["evaluate-recs", "--events", EVENTS, "--split-at", "2025-10-01", "--k", "10", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout) as Record<string, Record<string, Record<string, number>>>[];
    expect(lines).toHaveLength(1);
    const out = lines[0]!;
    expect(Object.keys(out)).toEqual(["all", "new", "boughtTogether", "baseline"]);
    expect(Object.keys(out["baseline"]!)).toEqual(["all", "new", "boughtTogether"]);
    for (const task of [out["all"]!, out["new"]!, out["boughtTogether"]!, ...Object.values(out["baseline"]!)]) {
      for (const key of ["ndcgAt10", "hitRateAt10", "recallAt10", "precisionAt10", "coverageAt10"]) {
        expect(typeof task[key], key).toBe("number");
        expect(task[key]).toBeGreaterThanOrEqual(0);
        expect(task[key]).toBeLessThanOrEqual(1);
      }
    }
    expect(out["all"]!["ndcgAt10"]).toBeGreaterThan(out["baseline"]!["all"]!["ndcgAt10"] as unknown as number);
  });

  it("names the keys after --k and refuses a split with no test purchases", async () => {
    const r = await assort(["evaluate-recs", "--events", EVENTS, "--split-at", "2025-10-01", "--k", "5", "--json", "-q"]);
    expect(Object.keys((JSON.parse(r.stdout) as Record<string, object>)["all"]!)).toContain("ndcgAt5");
    expectError(await assort(["evaluate-recs", "--events", EVENTS, "--split-at", "2030-01-01"]), 1, "No purchases from the split");
    expectError(await assort(["evaluate-recs", "--events", EVENTS, "--split-at", "soon"]), 1, "ISO 8601");
  });
});

describe("assort segment", () => {
  it("writes assignments.jsonl, segments.json and a self-contained report.html, and keeps ids with --previous", async () => {
    const out = join(dir, "seg");
    const r = await assort(["segment", "--events", EVENTS, ...ITEMS, "--k", "4", "--out", out, "--json", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { k: number; segments: { id: number; name: string; size: number }[]; metrics: { silhouette: number } };
    expect(summary.k).toBe(4);
    expect(summary.segments.every((s) => s.name.length > 0)).toBe(true);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    for (const s of summary.segments) expect(html).toContain(s.name.replace(/&/g, "&amp;"));
    const rows = jsonLines(readFileSync(join(out, "assignments.jsonl"), "utf8")) as { id: string; cluster: number }[];
    expect(rows.length).toBe(summary.segments.reduce((a, s) => a + s.size, 0));
    const again = await assort(["segment", "--events", EVENTS, ...ITEMS, "--k", "4", "--seed", "5", "--previous", out, "--out", join(dir, "seg2"), "--json", "-q"]);
    const s2 = JSON.parse(again.stdout) as { stability: { kept: number; new: number } };
    expect(s2.stability.kept).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(dir, "seg2", "report.html"))).toBe(true);
  });

  it("prints the k curve with --k auto", async () => {
    const r = await assort(["segment", "--events", EVENTS, "--k", "auto", "--k-range", "3..5", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/k chosen by silhouette: \d \(3:[\d.]+ 4:[\d.]+ 5:[\d.]+\)/);
    expect(r.stdout).toMatch(/buyers|spenders/);
  });
});

describe("assort recommend, profile and events stats", () => {
  it("recommends with reasons, for a shopper and for an item, and saves a recommender that answers the same", async () => {
    const model = join(dir, "recs");
    const r = await assort(["recommend", "--events", EVENTS, ...ITEMS, "--user", "c1001", "--limit", "5", "--json", "--save", model, "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout) as { items: { itemId: string; reason: { kind: string; text: string } }[] };
    expect(a.items).toHaveLength(5);
    expect(a.items[0]!.reason.text).toBe("bought again");
    // The saved recommender answers alone: no event file needed.
    const b = JSON.parse((await assort(["recommend", "--model", model, "--user", "c1001", "--limit", "5", "--json", "-q"])).stdout) as typeof a;
    expect(b.items).toEqual(a.items);
    expectError(await assort(["recommend", "--user", "c1001"]), 2, "--events FILE");
    const t = await assort(["recommend", "--events", EVENTS, ...ITEMS, "--item", "n03", "--limit", "3", "-q"]);
    expect(t.stdout).toMatch(/similar to "adidas Terrex/);
    expectError(await assort(["recommend", "--events", EVENTS]), 2, "--user");
  });

  it("shows a profile and the event counts", async () => {
    const p = JSON.parse((await assort(["profile", "--events", EVENTS, ...ITEMS, "--user", "c1001", "--json", "-q"])).stdout) as { frequency: number; affinity: { group: string }[] };
    expect(p.frequency).toBeGreaterThan(3);
    expect(p.affinity[0]!.group).toMatch(/Beauty/);
    expectError(await assort(["profile", "--events", EVENTS, "--user", "nobody"]), 1, 'No shopper "nobody"');
    const s = JSON.parse((await assort(["events", "stats", "--events", EVENTS, "--items", join(CATALOG, "train.jsonl"), "--json"])).stdout) as { events: number; byType: Record<string, number>; unknownItems: number };
    expect(s.events).toBeGreaterThan(4000);
    expect(s.byType["purchase"]).toBeGreaterThan(2000);
    expect(s.unknownItems).toBe(8); // the new products, viewed but not in train.jsonl
  });

  it("reports bad rows with file, line and field, and skips them on request", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "user_id,item_id,event,timestamp,quantity,price,invoice_no\nu1,p0001,purchase,2025-01-01T10:00:00Z,1,5,1\nu1,p0002,purchase,not a time,1,5,1\n");
    const r = await assort(["events", "stats", "--events", bad]);
    expectError(r, 1, `${bad}:3, field "timestamp"`, "--on-bad-row skip");
    const ok = await assort(["events", "stats", "--events", bad, "--on-bad-row", "skip", "--json"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/skipped 1 bad row/);
    expect((JSON.parse(ok.stdout) as { events: number; badRows: number }).badRows).toBe(1);
  });
});
