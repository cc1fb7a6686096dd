// The dashboard's monitoring end to end: a real `assort serve` (empty SQLite store, a calibrated model) on a
// random port, a batch in the training mix and then a batch skewed to tents classified over HTTP; the
// dashboard in headless Chromium flags tents in the drift panel, and /metrics and GET /v1/monitoring agree.
// The screenshot goes to test-results/ (ignored by git).
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, noBrowser } from "../fixtures/browser.js";
import { ROOT } from "./helpers.js";
import { ADMIN_KEY, cli, startServer, tempDir, TEST, TRAIN, type Server } from "./server-helpers.js";

const SHOTS = path.join(ROOT, "test-results");
const TENTS = "Sports & Outdoors > Camping > Tents";

const rowsOf = (file: string): Record<string, unknown>[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(noBrowser())("dashboard monitoring in Chromium", () => {
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const dir = tempDir("console-monitoring");
    const model = path.join(dir, "model");
    const trained = await cli(["train", "--data", TRAIN, "--out", model, "--seed", "1"]);
    if (trained.code !== 0) throw new Error(trained.stderr);
    // Classifying a few hundred items holds the loop for a moment on a loaded machine: no lag shedding here.
    server = await startServer(["--data-dir", path.join(dir, "data"), "--model", model, "--drift-threshold", "0.25", "--prediction-log-days", "7", "--max-lag", "0"]);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the dashboard shows drift after a shifted batch is classified", async () => {
    const strip = ({ category: _c, ...p }: Record<string, unknown>): Record<string, unknown> => p;
    const even = rowsOf(TRAIN).map(strip);
    for (let i = 0; i < even.length; i += 100) expect((await server.call("/v1/classify", { method: "POST", body: { items: even.slice(i, i + 100) } })).status).toBe(200);
    const before = await server.call("/v1/monitoring?days=2", { key: ADMIN_KEY });
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ served: even.length, threshold: 0.25, retentionDays: 7 });
    expect(before.json.drift.flagged).toEqual([]);

    const tents = rowsOf(TEST).filter((p) => p.category === TENTS);
    const skewed = Array.from({ length: 150 }, (_, i) => ({ ...strip(tents[i % tents.length]!), id: `tent-${i}` }));
    expect((await server.call("/v1/classify", { method: "POST", body: { items: skewed } })).status).toBe(200);
    const after = (await server.call("/v1/monitoring?days=2", { key: ADMIN_KEY })).json;
    expect(after.served).toBe(even.length + skewed.length);
    expect(after.drift.flagged[0]).toBe(TENTS);
    const metrics = (await server.call("/metrics")).text;
    expect(metrics).toContain(`assort_drift_category_flagged{category="${TENTS}"} 1`);
    expect(metrics).toMatch(/^assort_drift_flagged [1-9]\d*$/m);

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url + "/");
    await page.fill("#api-key", ADMIN_KEY);
    await page.click("button[type=submit]");
    await page.locator("[data-testid=role]").waitFor();
    await page.click("a[href='#/dashboard']");
    const flagged = page.locator("[data-testid=drift-flagged]");
    await flagged.first().waitFor();
    // Tents leads the chart, highlighted, its label as text; the summary counts the flagged categories.
    expect(await flagged.first().getAttribute("data-category")).toBe(TENTS);
    expect(await flagged.first().locator("text.drift-label").textContent()).toBe(TENTS);
    expect(await flagged.count()).toBe(after.drift.flagged.length);
    const summary = await page.textContent("[data-testid=drift-summary]");
    expect(summary).toContain(`${after.served} predictions served`);
    expect(summary).toContain(`PSI ${after.drift.psi.toFixed(3)}`);
    expect(summary).toContain(`over PSI 0.25`);
    // Coverage at each precision: a row per precision.
    const coverageRows = page.locator("[data-testid=coverage-panel] tbody tr");
    expect(await coverageRows.count()).toBe(4);
    expect(await coverageRows.first().locator("td").first().textContent()).toBe("0.90");
    await page.locator("[data-testid=drift-panel]").screenshot({ path: path.join(SHOTS, "console-dashboard-drift.png") });
    await page.screenshot({ path: path.join(SHOTS, "console-dashboard.png"), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);
});
