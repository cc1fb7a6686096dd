// The console's clusters, product and shopper pages end to end in headless Chromium: a real `assort serve` on a
// random port over a seeded SQLite store (the sample catalog: the labelled training split, the test split and
// the new products without their categories). Renaming a cluster survives a re-run; the map opens a cluster;
// "make this a category" puts its members in the review queue with the new category; bought-together shows
// once shopper events are imported and a recommender is fitted; the shopper page shows segments, a profile and
// recommendations with their reasons. Screenshots go to test-results/ (ignored by git).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, noBrowser } from "../fixtures/browser.js";
import { CATALOG, ROOT } from "./helpers.js";
import { ADMIN_KEY, cli, startServer, tempDir, trainExampleModel, type Server } from "./server-helpers.js";

const READ_KEY = "e2e-pages-read-key-0123456789";
const TAXONOMY = path.join(ROOT, "test/fixtures/taxonomy/google-taxonomy-with-ids.en-US.txt.gz");
const EVENTS = path.join(ROOT, "examples/shop/events.csv");
const SHOTS = path.join(ROOT, "test-results");
/** A cluster name that would run code if the page rendered names as HTML. */
const XSS_NAME = `Pans <img src=x onerror="window.__xss='name'">`;

interface ClusterCard {
  cluster: number;
  name: string;
  size: number;
  named?: boolean;
  x?: number;
  y?: number;
}

/** The sample shop's events as POST /v1/events bodies (the CSV's columns mapped to the event fields). */
function eventBatches(size = 1000): Record<string, unknown>[][] {
  const [head, ...lines] = readFileSync(EVENTS, "utf8").split("\n").filter((l) => l.trim() !== "");
  const cols = head!.split(",");
  const at = (name: string): number => cols.indexOf(name);
  const events = lines.map((l) => {
    const f = l.split(",");
    const order = f[at("invoice_no")];
    return {
      userId: f[at("user_id")],
      itemId: f[at("item_id")],
      type: f[at("event")],
      timestamp: f[at("timestamp")],
      quantity: Number(f[at("quantity")]),
      price: Number(f[at("price")]),
      ...(order ? { orderId: order } : {}),
    };
  });
  const out: Record<string, unknown>[][] = [];
  for (let i = 0; i < events.length; i += size) out.push(events.slice(i, i + size));
  return out;
}

describe.skipIf(noBrowser())("console pages in Chromium: clusters, products, shoppers", () => {
  let dir: string;
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = tempDir("console-pages");
    const model = await trainExampleModel(path.join(dir, "model"), 1);
    const unlabelled = ["test.jsonl", "new-products.jsonl"].flatMap((f) =>
      readFileSync(path.join(CATALOG, f), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => {
          const { category: _c, ...p } = JSON.parse(l) as Record<string, unknown>;
          return JSON.stringify(p);
        }),
    );
    const labelled = readFileSync(path.join(CATALOG, "train.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    const file = path.join(dir, "products.jsonl");
    writeFileSync(file, [...labelled, ...unlabelled].join("\n") + "\n");
    const data = path.join(dir, "data");
    const imported = await cli(["import", "--data", file, "--data-dir", data, "--model", model, "--quiet"]);
    if (imported.code !== 0) throw new Error(imported.stderr);
    const keys = path.join(dir, "keys.txt");
    writeFileSync(keys, `${READ_KEY} read\n`, { mode: 0o600 });
    server = await startServer(["--data-dir", data, "--keys-file", keys, "--taxonomy", TAXONOMY]);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A fresh tab (its own sessionStorage) signed in with `key` (none: "Browse without a key"). */
  async function signIn(key: string | null, hash = ""): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    // A shared 2-core machine can be slow: waits are generous (each still fails when the thing never shows).
    page.setDefaultTimeout(60_000);
    page.on("dialog", (d) => {
      throw new Error(`unexpected dialog: ${d.message()}`);
    });
    await page.goto(server.url + "/");
    if (key === null) await page.click("text=Browse without a key");
    else {
      await page.fill("#api-key", key);
      await page.click("button[type=submit]");
    }
    await page.locator("[data-testid=role]").waitFor();
    if (hash) {
      await page.click(`nav a[href='#/${hash}']`);
      await page.locator(`nav a.current[href='#/${hash}']`).waitFor();
    }
    return page;
  }

  const api = async (p: string, key = ADMIN_KEY) => {
    const r = await server.call(p, { key });
    expect(r.status, `${p}: ${r.text}`).toBe(200);
    return r.json;
  };
  const clustersNow = async (): Promise<{ id: string; clusters: ClusterCard[] }> => api("/v1/clusters?examples=0");
  const xss = (page: Page) => page.evaluate(() => (globalThis as { __xss?: string }).__xss);

  async function runClustering(page: Page, before: string | null): Promise<string> {
    await page.click("text=Run clustering");
    for (let i = 0; i < 720; i++) {
      const r = await server.call("/v1/clusters?examples=0", { key: ADMIN_KEY });
      if (r.status === 200 && r.json.id !== before) {
        await page.locator("[data-testid=run]", { hasText: `Run ${r.json.id as string} ` }).waitFor();
        return r.json.id as string;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    throw new Error("the cluster job did not finish in 180 s");
  }

  it("renames a cluster, runs clustering again, and the name is still there (as text)", async () => {
    const page = await signIn(ADMIN_KEY, "clusters");
    try {
      await page.locator("[data-testid=clusters-state]", { hasText: "No clustering run yet." }).waitFor();
    } catch (e) {
      await page.screenshot({ path: path.join(SHOTS, "debug-clusters.png"), fullPage: true });
      writeFileSync(path.join(SHOTS, "debug-clusters.html"), await page.content());
      throw e;
    }
    const run1 = await runClustering(page, null);
    const first = (await clustersNow()).clusters[0]!;
    const card = page.locator(`[data-testid=cluster][data-cluster="${first.cluster}"]`);
    await card.locator("button", { hasText: "rename" }).click();
    await page.fill("input[aria-label='Cluster name']", XSS_NAME);
    await page.keyboard.press("Enter");
    await card.locator("h3", { hasText: XSS_NAME }).waitFor();
    expect((await clustersNow()).clusters.find((c) => c.cluster === first.cluster)).toMatchObject({ name: XSS_NAME, named: true });

    const run2 = await runClustering(page, run1);
    expect(run2).not.toBe(run1);
    const after = await clustersNow();
    expect(after.clusters.find((c) => c.cluster === first.cluster)).toMatchObject({ name: XSS_NAME, named: true });
    // the page shows the new run with the person's name on the same cluster
    await page.locator(`[data-testid=cluster][data-cluster="${first.cluster}"] h3 .cluster-name`, { hasText: XSS_NAME }).waitFor();
    expect(await page.locator(`[data-testid=cluster][data-cluster="${first.cluster}"] .named`).count()).toBe(1);
    expect(await page.locator("main img").count()).toBe(0);
    expect(await xss(page)).toBeUndefined();
    await page.screenshot({ path: path.join(SHOTS, "console-clusters-renamed.png"), fullPage: true });
    await page.context().close();
  }, 420_000);

  it("draws the map of the clusters, and a click opens a cluster with its members", async () => {
    const page = await signIn(ADMIN_KEY, "clusters");
    const { clusters } = await clustersNow();
    const placed = clusters.filter((c) => c.x !== undefined && c.y !== undefined);
    expect(placed.length).toBe(clusters.length);
    await page.locator("[data-testid=cluster-map]").waitFor();
    expect(await page.locator("[data-testid=cluster-map] g.dot").count()).toBe(placed.length);
    // bigger clusters get bigger circles
    const largest = [...placed].sort((a, b) => b.size - a.size)[0]!;
    const smallest = [...placed].sort((a, b) => a.size - b.size)[0]!;
    const r = (c: ClusterCard) => page.locator(`[data-testid=cluster-map] g[data-cluster="${c.cluster}"] circle`).getAttribute("r");
    if (largest.size > smallest.size) expect(Number(await r(largest))).toBeGreaterThan(Number(await r(smallest)));
    const target = placed.find((c) => c.cluster !== largest.cluster) ?? largest;
    await page.locator(`[data-testid=cluster-map] g[data-cluster="${target.cluster}"]`).click();
    const detail = page.locator(`[data-testid=cluster-detail][data-cluster="${target.cluster}"]`);
    await detail.waitFor();
    expect(await detail.locator(".cluster-name").textContent()).toBe(target.name);
    await detail.locator("[data-testid=member]").first().waitFor();
    const members = (await api(`/v1/clusters/${(await clustersNow()).id}/${target.cluster}?limit=50`)).members as { title: string }[];
    expect(await detail.locator("[data-testid=member]").count()).toBe(Math.min(target.size, 50));
    expect((await detail.locator("[data-testid=member]").first().textContent())!.startsWith(members[0]!.title)).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, "console-cluster-map.png"), fullPage: true });
    await page.context().close();
  }, 120_000);

  it("makes a cluster a category under a picked parent, and its members are in the review queue with the suggestion", async () => {
    const run = await clustersNow();
    // the cluster with the most members that have no category yet (those go to review)
    let best: { c: ClusterCard; open: string[] } | undefined;
    for (const c of run.clusters) {
      const members = (await api(`/v1/clusters/${run.id}/${c.cluster}?limit=500`)).members as { id: string }[];
      const open: string[] = [];
      for (const m of members) {
        const p = (await api(`/v1/products/${encodeURIComponent(m.id)}`)) as { category?: string; correctedCategory?: string };
        if (p.category === undefined && p.correctedCategory === undefined) open.push(m.id);
      }
      if (!best || open.length > best.open.length) best = { c, open };
    }
    expect(best!.open.length).toBeGreaterThanOrEqual(1);
    const { c, open } = best!;

    const page = await signIn(ADMIN_KEY, "clusters");
    await page.locator(`[data-testid=cluster][data-cluster="${c.cluster}"] button`, { hasText: "open" }).click();
    const detail = page.locator(`[data-testid=cluster-detail][data-cluster="${c.cluster}"]`);
    await detail.locator("button", { hasText: "Make this a category" }).click();
    await page.locator(".picker-input").waitFor();
    await page.keyboard.type("cookware bakeware");
    // The picker lists the whole taxonomy until the answer for the typed query arrives: wait for that answer.
    await page.locator(".picker-list li.active", { hasText: "Cookware & Bakeware" }).waitFor();
    const parent = (await page.textContent(".picker-list li.active"))!;
    expect(parent).toMatch(/Cookware & Bakeware/);
    await page.keyboard.press("Enter");
    await page.fill("input[aria-label='New category name']", "Griddles e2e");
    await detail.locator("button[type=submit]").click();
    const path_ = `${parent} > Griddles e2e`;
    await detail.locator("[data-testid=made]", { hasText: `Added ${path_}; ${open.length} products queued for review` }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, "console-make-category.png"), fullPage: true });

    // the picker finds the new category now
    expect((await api(`/v1/taxonomy?q=${encodeURIComponent("griddles e2e")}`)).paths).toEqual([path_]);
    // the review queue, filtered to the new category: exactly the undecided members, each with the suggestion
    await page.click("nav a[href='#/review']");
    await page.locator(".card.active").waitFor();
    await page.fill("input[aria-label='Predicted category']", path_);
    await page.locator("[data-testid=total]", { hasText: new RegExp(`^${open.length} to review$`) }).waitFor();
    const ids = await page.locator(".card").evaluateAll((cards) => cards.map((e) => e.getAttribute("data-id")));
    expect(ids.sort()).toEqual([...open].sort().slice(0, ids.length));
    const suggestion = await page.locator(".card [data-testid=suggestion]").first().textContent();
    expect(suggestion).toContain(`suggested ${path_}`);
    await page.screenshot({ path: path.join(SHOTS, "console-queue-suggestion.png") });
    // accepting it records the new category for that product (the key goes to the page, not the filter box)
    const id = (await page.locator(".card.active").getAttribute("data-id"))!;
    await page.locator("input[aria-label='Predicted category']").blur();
    await page.keyboard.press("a");
    await page.locator(`.card[data-id="${id}"]`).waitFor({ state: "detached" });
    expect((await api(`/v1/products/${encodeURIComponent(id)}`)).correctedCategory).toBe(path_);
    await page.context().close();
  }, 240_000);

  it("shows bought-together items with their reasons on the product page once events are imported", async () => {
    const openProduct = async (page: Page, id: string, title: string): Promise<void> => {
      await page.fill("input[aria-label='Search the catalog']", title);
      await page.locator("[data-testid=hit] button", { hasText: title }).first().click();
      await page.locator("[data-testid=product] .title", { hasText: title }).waitFor();
      await page.locator("[data-testid=product] .top3 li").first().waitFor();
      expect(id).toBeTruthy();
    };
    const item = "p0187";
    const title = (await api(`/v1/products/${item}`)).title as string;
    // before any events: no bought-together section
    const before = await signIn(ADMIN_KEY, "products");
    await openProduct(before, item, title);
    expect(await before.locator("[data-testid=bought-together]").count()).toBe(0);
    await before.context().close();

    for (const events of eventBatches()) {
      const r = await server.call("/v1/events", { method: "POST", key: ADMIN_KEY, body: { events } });
      expect(r.status, r.text).toBe(200);
      expect(r.json.errors).toEqual([]);
    }
    const job = (await server.call("/v1/jobs", { method: "POST", key: ADMIN_KEY, body: { kind: "recommender" } })).json as { id: string };
    for (let i = 0; ; i++) {
      const j = (await api(`/v1/jobs/${job.id}`)) as { state: string; error?: string };
      if (j.state === "done") break;
      if (j.state === "failed" || j.state === "cancelled" || i > 600) throw new Error(`recommender job ${j.state}: ${j.error ?? ""}`);
      await new Promise((res) => setTimeout(res, 200));
    }
    const together = (await api(`/v1/products/${item}/bought-together?limit=8`)).items as { itemId: string; title?: string; reason: { text: string } }[];
    expect(together.length).toBeGreaterThan(0);

    const page = await signIn(ADMIN_KEY, "products");
    await openProduct(page, item, title);
    const list = page.locator("[data-testid=bought-together] li");
    await list.first().waitFor();
    expect(await list.count()).toBe(together.length);
    expect(await page.locator("[data-testid=bought-together] .reason").allTextContents()).toEqual(together.map((t) => t.reason.text));
    expect(await page.locator("[data-testid=bought-together] button").allTextContents()).toEqual(together.map((t) => t.title ?? t.itemId));
    await page.screenshot({ path: path.join(SHOTS, "console-bought-together.png"), fullPage: true });
    await page.context().close();
  }, 300_000);

  it("shows the segments, a shopper's profile and recommendations with reasons; without a key, nothing personal", async () => {
    const segs = (await api("/v1/segments")).segments as { id: number; name: string; size: number; details: { topGroups: { name: string }[] } }[];
    expect(segs.length).toBeGreaterThanOrEqual(2);
    const page = await signIn(READ_KEY, "shoppers");
    const rows = page.locator("[data-testid=segment]");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(segs.length);
    expect(await page.locator("[data-testid=segment] td:first-child").allTextContents()).toEqual(segs.map((s) => s.name));
    expect(await page.locator("[data-testid=segment] td:nth-child(2)").allTextContents()).toEqual(segs.map((s) => String(s.size)));
    const groups = await page.locator("[data-testid=segment] td:nth-child(7)").allTextContents();
    segs.forEach((s, i) => expect(groups[i]).toContain(s.details.topGroups[0]!.name));
    // open the first segment, then its first member
    await rows.first().locator("button").click();
    const seg = (await api(`/v1/segments/${segs[0]!.id}?limit=50`)) as { members: string[] };
    await page.locator("[data-testid=segment-open] .members button").first().waitFor();
    expect(await page.locator("[data-testid=segment-open] .members button").allTextContents()).toEqual(seg.members);
    const user = seg.members[0]!;
    await page.locator("[data-testid=segment-open] .members button", { hasText: user }).first().click();
    const profile = page.locator("[data-testid=profile]");
    await profile.locator(".title", { hasText: user }).waitFor();
    const p = (await api(`/v1/users/${encodeURIComponent(user)}`)) as { frequency: number; segment?: { name: string }; affinity: unknown[] };
    expect(await profile.locator("td[data-field=frequency]").textContent()).toBe(`${p.frequency} orders`);
    expect(await profile.locator("td[data-field=segment]").textContent()).toBe(p.segment!.name);
    expect(await profile.locator("[data-testid=affinity] li").count()).toBe(Math.min(p.affinity.length, 8));
    const recs = (await api(`/v1/users/${encodeURIComponent(user)}/recommendations?limit=10&mode=all`)).items as { itemId: string; title?: string; reason: { text: string } }[];
    expect(recs.length).toBeGreaterThan(0);
    await profile.locator("ol.recs[data-mode=all] [data-testid=recommendation]").first().waitFor();
    expect(await profile.locator("[data-testid=recommendation] .title").allTextContents()).toEqual(recs.map((r) => r.title ?? r.itemId));
    expect(await profile.locator("[data-testid=recommendation] .reason").allTextContents()).toEqual(recs.map((r) => r.reason.text));
    await page.screenshot({ path: path.join(SHOTS, "console-shopper.png"), fullPage: true });
    // "never bought" switches to mode=new
    const fresh = (await api(`/v1/users/${encodeURIComponent(user)}/recommendations?limit=10&mode=new`)).items as { reason: { text: string } }[];
    await profile.locator("button", { hasText: "never bought" }).click();
    await profile.locator("ol.recs[data-mode=new]").waitFor();
    expect(await profile.locator("[data-testid=recommendation] .reason").allTextContents()).toEqual(fresh.map((r) => r.reason.text));
    await page.context().close();

    const anonymous = await signIn(null, "shoppers");
    await anonymous.locator("text=Shopper data is personal").waitFor();
    expect(await anonymous.locator("[data-testid=segment]").count()).toBe(0);
    await anonymous.context().close();
  }, 180_000);
});
