// The README's quick start: `npm run demo` runs the sample shop end to end from the built package (dist/):
// categories learned and evaluated, new products filed, named clusters, shopper segments and recommendations.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

describe("npm run demo", () => {
  it("shows categories, named clusters, two named segments and one shopper's recommendations with reasons", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "examples", "demo.js")], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/Learned 15 categories in [\d.]+ s/);
    expect(out).toMatch(/accuracy \d+\.\d%, macro-F1 0\.\d{3}/);
    expect(out).toContain("Electronics > Phones > Smartphones");
    // Five named clusters, each line: size, a name of words, an example title.
    const clusters = out.split("\n").filter((l) => /^\s+\d+ products {2}\S.*\(e\.g\. /.test(l));
    expect(clusters).toHaveLength(5);
    const segments = out.split("\n").filter((l) => /^\s+\d+ shoppers {2}[a-z]/.test(l));
    expect(segments).toHaveLength(2);
    expect(out).toContain("Recommended for shopper c1001, with the reasons:");
    const recs = out.slice(out.indexOf("Recommended for shopper c1001")).split("\n").slice(1).filter((l) => l.trim() !== "");
    expect(recs.length).toBeGreaterThanOrEqual(3);
    for (const l of recs) expect(l).toMatch(/bought again|often bought with|popular in your segment|similar to|popular/);
    expect(r.stderr).toBe("");
  }, 120_000);
});
