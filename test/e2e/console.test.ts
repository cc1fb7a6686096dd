// The review console end to end in headless Chromium: a real `assort serve` on a random port over a seeded
// SQLite store, driven by keyboard like a reviewer. Checks the corrections rows in the database, undo, bulk
// accept, the type-ahead picker over Google's 5,595 paths, a read-only key, and an XSS catalog.
// Screenshots go to test-results/ (ignored by git).
import Database from "better-sqlite3";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, noBrowser } from "../fixtures/browser.js";
import { ROOT } from "./helpers.js";
import { ADMIN_KEY, cli, startServer, tempDir, TEST, type Server } from "./server-helpers.js";

const READ_KEY = "e2e-read-key-0123456789abcdef";
const TAXONOMY = path.join(ROOT, "test/fixtures/taxonomy/google-taxonomy-with-ids.en-US.txt.gz");
const DEEP = "Sporting Goods > Outdoor Recreation > Fishing > Fishing Reel Accessories > Fishing Reel Lubricants";
const SHOTS = path.join(ROOT, "test-results");

/** Titles that would run code if the page ever rendered product text as HTML. */
const XSS = [
  { id: "x1", title: `<script>window.__xss = "script"</script>zqxv wlorp`, description: "<b>bold?</b>" },
  { id: "x2", title: `<img src=x onerror="window.__xss='img'">zqxv gnarf`, image: "javascript:window.__xss='src'" },
  { id: "x3", title: `"><svg onload="window.__xss='svg'"> zqxv blemp`, description: `<iframe src="javascript:window.__xss='iframe'"></iframe>` },
];

/** Labelled products whose label is wrong: the audit should suggest the right category. */
const MISLABELLED = [
  { id: "bad1", title: "Tefal Ingenio frying pan 28cm non-stick, induction", description: "Non-stick frying pan.", category: "Clothing & Shoes > Shoes > Running Shoes" },
  { id: "bad2", title: "Nike Pegasus 40 men's running shoe, EU 44", description: "Responsive foam road running shoe.", category: "Home & Kitchen > Cookware > Frying Pans" },
];

interface CorrectionRow {
  id: number;
  product_id: string;
  category: string;
  accepted: number;
}

describe.skipIf(noBrowser())("review console in Chromium", () => {
  let dir: string;
  let server: Server;
  let browser: Browser;
  let db: Database.Database;
  const corrections = (): CorrectionRow[] => db.prepare<[], CorrectionRow>("SELECT id, product_id, category, accepted FROM corrections ORDER BY id").all();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = tempDir("console");
    const model = path.join(dir, "model");
    const trained = await cli(["train", "--data", path.join(ROOT, "examples/catalog/train.jsonl"), "--out", model, "--seed", "1"]);
    if (trained.code !== 0) throw new Error(trained.stderr);
    // The test split without its categories (so the model predicts them), plus the XSS catalog.
    const { readFileSync } = await import("node:fs");
    const rows = readFileSync(TEST, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        const { category: _c, ...p } = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify(p);
      });
    const file = path.join(dir, "unlabelled.jsonl");
    // Labelled products for the audit: the training split and two mislabelled ones.
    const labelled = readFileSync(path.join(ROOT, "examples/catalog/train.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    writeFileSync(file, [...rows, ...XSS.map((x) => JSON.stringify(x)), ...labelled, ...MISLABELLED.map((x) => JSON.stringify(x))].join("\n") + "\n");
    const data = path.join(dir, "data");
    const imported = await cli(["import", "--data", file, "--data-dir", data, "--model", model, "--quiet"]);
    if (imported.code !== 0) throw new Error(imported.stderr);
    const keys = path.join(dir, "keys.txt");
    writeFileSync(keys, `${READ_KEY} read\n`, { mode: 0o600 });
    server = await startServer(["--data-dir", data, "--keys-file", keys, "--taxonomy", TAXONOMY, "--min-precision", "0.95"]);
    db = new Database(path.join(data, "catalog.db"), { readonly: true, fileMustExist: true });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    db?.close();
    await server?.stop();
  });

  /** A fresh tab (its own sessionStorage) signed in with `key`. */
  async function signIn(key: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    page.on("dialog", (d) => {
      throw new Error(`unexpected dialog: ${d.message()}`);
    });
    await page.goto(server.url + "/");
    await page.fill("#api-key", key);
    await page.click("button[type=submit]");
    await page.locator("[data-testid=role]").waitFor();
    return page;
  }

  const activeId = (page: Page): Promise<string | null> => page.locator(".card.active").getAttribute("data-id");

  it("asks for the key once, shows its role, and reviews five products by keyboard; the rows are in the database", async () => {
    const page = await signIn(ADMIN_KEY);
    expect(await page.textContent("[data-testid=role]")).toBe("admin");
    await page.locator(".card.active").waitFor();
    // the key stays in the tab: a reload does not ask again
    await page.reload();
    await page.locator(".card.active").waitFor();
    expect(await page.locator("#api-key").count()).toBe(0);
    expect(page.url()).not.toContain(ADMIN_KEY);
    expect(await page.evaluate(() => JSON.stringify((globalThis as unknown as { sessionStorage: object }).sessionStorage))).toContain(ADMIN_KEY);
    await page.screenshot({ path: path.join(SHOTS, "console-queue.png"), fullPage: false });

    const before = corrections().length;
    const decided: { id: string; category?: string }[] = [];
    // j moves down, k back up
    const first = await activeId(page);
    await page.keyboard.press("j");
    expect(await activeId(page)).not.toBe(first);
    await page.keyboard.press("k");
    expect(await activeId(page)).toBe(first);
    for (let i = 0; i < 5; i++) {
      const id = (await activeId(page))!;
      if (i === 2) {
        // c opens the picker over the whole taxonomy; a deep path is found by two word prefixes
        await page.keyboard.press("c");
        await page.locator(".picker-input").waitFor();
        await page.keyboard.type("reel lubric");
        await page.locator(".picker-list li.active", { hasText: "Fishing Reel Lubricants" }).waitFor();
        expect(await page.textContent(".picker-list li.active")).toBe(DEEP);
        await page.screenshot({ path: path.join(SHOTS, "console-picker.png") });
        await page.keyboard.press("Enter");
        decided.push({ id, category: DEEP });
      } else {
        await page.keyboard.press("a");
        decided.push({ id });
      }
      await page.locator(`.card[data-id="${id}"]`).waitFor({ state: "detached" });
      // auto-advance: another card is active
      await page.locator(".card.active").waitFor();
    }
    const rows = corrections().slice(before);
    expect(rows.map((r) => r.product_id)).toEqual(decided.map((d) => d.id));
    rows.forEach((r, i) => {
      if (decided[i]!.category) expect(r).toMatchObject({ category: DEEP, accepted: 0 });
      else expect(r.accepted).toBe(1);
    });
    expect(await page.locator("[data-testid=history]").count()).toBe(5);

    // u undoes the last decision: its row is gone and its card is back, active
    await page.keyboard.press("u");
    const last = decided[4]!.id;
    await page.locator(`.card.active[data-id="${last}"]`).waitFor();
    expect(corrections().map((r) => r.product_id)).not.toContain(last);
    expect(corrections().length).toBe(before + 4);
    const p = await server.call(`/v1/products/${encodeURIComponent(last)}`);
    expect(p.json.correctedCategory).toBeUndefined();
    await page.screenshot({ path: path.join(SHOTS, "console-after-undo.png") });
    await page.context().close();
  });

  it("accepts all N products of a filter after a confirmation naming N", async () => {
    const page = await signIn(ADMIN_KEY);
    await page.locator(".card.active").waitFor();
    // the predicted category with the most products in the queue
    const queue = (await server.call("/v1/review?limit=200&details=false")).json.items as { id: string; predicted: { category: string } }[];
    const counts = new Map<string, string[]>();
    for (const q of queue) counts.set(q.predicted.category, [...(counts.get(q.predicted.category) ?? []), q.id]);
    const [category, ids] = [...counts.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    const n = ids.length;
    expect(n).toBeGreaterThanOrEqual(2);
    await page.fill("input[aria-label='Predicted category']", category);
    await page.locator("[data-testid=total]", { hasText: new RegExp(`^${n} to review$`) }).waitFor();
    const before = corrections().length;
    await page.click("button.bulk");
    expect(await page.textContent("[data-testid=confirm-text]")).toContain(`all ${n} products`);
    await page.screenshot({ path: path.join(SHOTS, "console-bulk-confirm.png") });
    await page.click("[data-testid=confirm]");
    await page.locator("[data-testid=status]", { hasText: `Accepted ${n} products` }).waitFor();
    await page.locator("[data-testid=total]", { hasText: /^0 to review$/ }).waitFor();
    const rows = corrections().slice(before);
    expect(rows.map((r) => r.product_id).sort()).toEqual([...ids].sort());
    for (const r of rows) expect(r).toMatchObject({ accepted: 1, category });
    await page.context().close();
  });

  it("changes a recent decision from the list of the last ten, and shows the decisions on the dashboard", async () => {
    const page = await signIn(ADMIN_KEY);
    await page.locator(".card.active").waitFor();
    // "/" opens the picker too; Escape closes it without deciding
    const n0 = corrections().length;
    await page.keyboard.press("/");
    await page.locator(".picker-input").waitFor();
    await page.keyboard.press("Escape");
    await page.locator(".picker-input").waitFor({ state: "detached" });
    expect(corrections().length).toBe(n0);
    const id = (await activeId(page))!;
    await page.keyboard.press("a");
    await page.locator(`.card[data-id="${id}"]`).waitFor({ state: "detached" });
    const accepted = corrections().at(-1)!;
    expect(accepted).toMatchObject({ product_id: id, accepted: 1 });
    // "change": undo, then pick another category for the same product
    await page.locator("[data-testid=history] button", { hasText: "change" }).first().click();
    await page.locator(".picker-input").waitFor();
    expect(await activeId(page)).toBe(id);
    await page.keyboard.type("horse fly");
    await page.locator(".picker-list li.active", { hasText: "Horse Fly Masks" }).waitFor();
    await page.keyboard.press("Enter");
    await page.locator(`.card[data-id="${id}"]`).waitFor({ state: "detached" });
    const rows = corrections();
    expect(rows.map((r) => r.id)).not.toContain(accepted.id);
    expect(rows.at(-1)).toMatchObject({ product_id: id, accepted: 0, category: "Sporting Goods > Outdoor Recreation > Equestrian > Horse Care > Horse Fly Masks" });

    await page.click("nav a[href='#/dashboard']");
    const n = corrections().length;
    await page.locator("[data-testid=acceptance]", { hasText: `${n} decisions` }).waitFor();
    expect(await page.textContent("[data-testid=live-model]")).toBe((await server.call("/v1/models")).json.active);
    await page.screenshot({ path: path.join(SHOTS, "console-dashboard.png"), fullPage: true });
    await page.context().close();
  });

  it("runs an audit from the page and takes or dismisses its suggestions by keyboard", async () => {
    const page = await signIn(ADMIN_KEY);
    await page.click("nav a[href='#/audit']");
    await page.click("text=Run an audit");
    await page.locator("[data-testid=audit-summary]").waitFor({ timeout: 90_000 });
    const bad1 = page.locator("[data-testid=issue][data-id=bad1]");
    await bad1.waitFor();
    expect(await bad1.textContent()).toContain("suggested Home & Kitchen > Cookware > Frying Pans");
    await page.screenshot({ path: path.join(SHOTS, "console-audit.png"), fullPage: true });
    const before = corrections().length;
    await bad1.click();
    await page.keyboard.press("t");
    await bad1.waitFor({ state: "detached" });
    const bad2 = page.locator("[data-testid=issue][data-id=bad2]");
    await bad2.click();
    await page.keyboard.press("d");
    await bad2.waitFor({ state: "detached" });
    expect(corrections().slice(before)).toMatchObject([
      { product_id: "bad1", category: "Home & Kitchen > Cookware > Frying Pans", accepted: 0 },
      { product_id: "bad2", category: "Home & Kitchen > Cookware > Frying Pans", accepted: 1 },
    ]);
    await page.context().close();
  });

  it("runs clustering from the page and lists the named clusters with examples", async () => {
    const page = await signIn(ADMIN_KEY);
    await page.click("nav a[href='#/clusters']");
    await page.locator("[data-testid=clusters-state]", { hasText: "No clustering run yet." }).waitFor();
    await page.click("text=Run clustering");
    await page.locator("[data-testid=cluster]").first().waitFor({ timeout: 90_000 });
    const api = (await server.call("/v1/clusters")).json;
    expect(await page.locator("[data-testid=cluster]").count()).toBe(api.clusters.length);
    expect(api.clusters.length).toBeGreaterThanOrEqual(2);
    expect(await page.locator("[data-testid=cluster] h3").first().textContent()).toContain(api.clusters[0].name);
    expect(await page.evaluate(() => (globalThis as { __xss?: string }).__xss)).toBeUndefined();
    // rename the first cluster: the name is stored with the run
    await page.locator("[data-testid=cluster] button", { hasText: "rename" }).first().click();
    await page.fill("input[aria-label='Cluster name']", "Pans <b>& pots</b>");
    await page.keyboard.press("Enter");
    await page.locator("[data-testid=cluster] h3", { hasText: "Pans <b>& pots</b>" }).waitFor();
    expect((await server.call("/v1/clusters")).json.clusters[0].name).toBe("Pans <b>& pots</b>");
    // merge the second cluster into the first
    const [first, second] = (await server.call("/v1/clusters")).json.clusters as { cluster: number; name: string; size: number }[];
    await page.locator("[data-testid=cluster]").nth(1).locator("select").selectOption(String(first!.cluster));
    await page.locator("[data-testid=cluster]").nth(1).locator("button", { hasText: "Merge" }).click();
    await page.locator("[data-testid=clusters-state]", { hasText: "Merged" }).waitFor();
    const after = (await server.call("/v1/clusters")).json.clusters as { cluster: number; size: number }[];
    expect(after).toHaveLength(api.clusters.length - 1);
    expect(after.find((c) => c.cluster === first!.cluster)!.size).toBe(first!.size + second!.size);
    await page.locator("[data-testid=cluster]").nth(after.length - 1).waitFor();
    expect(await page.locator("[data-testid=cluster]").count()).toBe(after.length);
    await page.screenshot({ path: path.join(SHOTS, "console-clusters.png") });
    await page.context().close();
  });

  it("hides writes from a read-only key, and the server refuses them", async () => {
    const page = await signIn(READ_KEY);
    expect(await page.textContent("[data-testid=role]")).toBe("read");
    await page.locator(".card.active").waitFor();
    expect(await page.locator("button.bulk").count()).toBe(0);
    expect(await page.locator(".actions").count()).toBe(0);
    expect(await page.locator(".history").count()).toBe(0);
    const before = corrections().length;
    await page.keyboard.press("a");
    await page.keyboard.press("c");
    expect(await page.locator(".picker-input").count()).toBe(0);
    const status = await page.evaluate(async (key) => {
      const r = await fetch("/v1/feedback/batch", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ items: [{ productId: "t0001", accept: true }] }) });
      return r.status;
    }, READ_KEY);
    expect(status).toBe(403);
    expect(corrections().length).toBe(before);
    await page.screenshot({ path: path.join(SHOTS, "console-read-only.png") });
    await page.context().close();
  });

  it("renders an XSS catalog as text: nothing runs", async () => {
    // Undo any decision on the XSS products (the keyboard test may have taken them: they are the most uncertain).
    for (const r of corrections().filter((c) => c.product_id.startsWith("x"))) {
      expect((await server.call(`/v1/feedback/${r.id}`, { method: "DELETE", key: ADMIN_KEY })).status).toBe(200);
    }
    const page = await signIn(ADMIN_KEY);
    const violations: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") violations.push(m.text());
    });
    await page.fill("input[aria-label='Title contains']", "zqxv");
    await page.locator("[data-testid=total]", { hasText: /^3 to review$/ }).waitFor();
    const titles = await page.locator(".card .title").allTextContents();
    expect(titles.sort()).toEqual(XSS.map((x) => x.title).sort());
    // select each card so its explanation renders too
    for (let i = 0; i < 3; i++) await page.keyboard.press("j");
    expect(await page.evaluate(() => (globalThis as { __xss?: string }).__xss)).toBeUndefined();
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.locator("main script, main svg, main iframe, main b").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, "console-xss.png") });
    // the product page: search, open a product, its fields and explanation, all as text
    await page.click("nav a[href='#/products']");
    await page.fill("input[aria-label='Search the catalog']", "gnarf");
    await page.locator("[data-testid=hit]").first().waitFor();
    await page.locator("[data-testid=hit] button").first().click();
    await page.locator("[data-testid=product] .title").waitFor();
    expect(await page.textContent("[data-testid=product] .title")).toBe(XSS[1]!.title);
    expect(await page.textContent("[data-testid=product]")).toContain("javascript:window.__xss='src'");
    expect(await page.locator("[data-testid=product] img, [data-testid=product] script").count()).toBe(0);
    await page.locator("[data-testid=product] .top3 li").first().waitFor();
    expect(await page.evaluate(() => (globalThis as { __xss?: string }).__xss)).toBeUndefined();
    await page.screenshot({ path: path.join(SHOTS, "console-product.png"), fullPage: true });
    // nothing was even attempted: no CSP violation reports either
    expect(violations.filter((v) => /Content Security Policy/i.test(v))).toEqual([]);
    await page.context().close();
  });
});
