// Checks the cluster report page: escaping, no external resources, embedded map data, edge cases, and the map script.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAP_SCRIPT, NOISE_COLOR, clusterColor } from "./cluster-map.js";
import { MAX_BARS, renderClusterReport, type ClusterReportCluster, type ClusterReportInput } from "./cluster-report.js";
import { escapeHtml, formatCount, formatScore, jsonForScript } from "./html.js";

const XSS = "</script><script>alert(1)</script>";

function cluster(id: number, size: number, label = `cluster ${id}`): ClusterReportCluster {
  return {
    id,
    label,
    size,
    topTerms: [
      { term: "shoe", score: 0.51234 },
      { term: "running", score: 0.25 },
    ],
    examples: ["Trail runner 42", "Road shoe", "Spike", "fourth example not shown"],
  };
}

function sample(over: Partial<ClusterReportInput> = {}): ClusterReportInput {
  return {
    title: "Shop clusters",
    createdAt: "2024-05-01T12:34:56.000Z",
    algorithm: "kmeans",
    params: { k: 3, seed: 42, init: "k-means++" },
    dataset: "catalog.jsonl",
    n: 12345,
    features: "TF-IDF 524288 → SVD 100",
    seconds: 83.4,
    map: {
      x: new Float32Array([0.123456, -1.5, 2.25, 3]),
      y: new Float32Array([1, 0.000123456, -2, 4.5]),
      cluster: new Int32Array([0, 1, -1, 2]),
      title: ["Red shoe", "Blue bag", "Odd thing", "Green hat"],
      method: "PCA",
    },
    clusters: [cluster(0, 5000, "Shoes"), cluster(1, 4000, "Bags"), cluster(2, 3000, "Hats")],
    noise: 345,
    metrics: {
      internal: { silhouette: 0.2345, calinskiHarabasz: 12345.6789, daviesBouldin: null },
      external: { ari: 0.5, nmi: Number.NaN, vMeasure: 0.7, pairF1: 0.61, clusters: 4 },
    },
    ...over,
  };
}

/** The text between `<script …attrs>` and `</script>`, for every script element. */
function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1], body: m[2] }));
}

function mapJson(html: string) {
  const block = scripts(html).find((s) => s.attrs.includes('type="application/json"'));
  if (!block) throw new Error("no map data block");
  return JSON.parse(block.body) as {
    x: (number | null)[];
    y: (number | null)[];
    c: number[];
    t: string[];
    clusters: { id: number; label: string; color: string }[];
  };
}

describe("escaping", () => {
  it("escapes HTML and makes JSON safe inside <script>", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    const j = jsonForScript({ s: `${XSS} & \u2028\u2029` });
    expect(j).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(j)).toEqual({ s: `${XSS} & \u2028\u2029` });
  });

  it("keeps a hostile product title, cluster label and parameter value from breaking out", () => {
    const html = renderClusterReport(
      sample({
        title: XSS,
        params: { k: 3, note: XSS, [XSS]: 1 },
        map: { x: [0, 1], y: [0, 1], cluster: [0, 0], title: [XSS, `a\u2028b`], method: XSS },
        clusters: [{ ...cluster(0, 2, XSS), examples: [XSS], topTerms: [{ term: XSS, score: 1 }] }],
        warnings: [XSS],
      }),
    );
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("</script><script>alert");
    // Exactly two script elements: the JSON data block and the map script; nothing injected.
    expect(scripts(html)).toHaveLength(2);
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    const data = mapJson(html);
    expect(data.t).toEqual([XSS, `a\u2028b`]);
    expect(data.clusters[0].label).toBe(XSS);
  });

  it("allows only its own script by hash in the Content-Security-Policy", () => {
    const html = renderClusterReport(sample());
    const hash = createHash("sha256").update(MAP_SCRIPT).digest("base64");
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    const exec = scripts(html).filter((s) => !s.attrs.includes("application/json"));
    expect(exec).toHaveLength(1);
    expect(createHash("sha256").update(exec[0].body).digest("base64")).toBe(hash);
  });
});

describe("renderClusterReport", () => {
  it("is one self-contained document: doctype, lang, title, no external resources", () => {
    const html = renderClusterReport(sample({ kCurve: { points: [{ k: 2, silhouette: 0.1 }, { k: 3, silhouette: 0.2 }], chosen: 3 } }));
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("<title>Shop clusters</title>");
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\bsrc\s*=/i);
    for (const m of html.matchAll(/\bhref\s*=\s*"([^"]*)"/gi)) expect(m[1].startsWith("#")).toBe(true);
    expect(html).not.toMatch(/@import|@font-face|url\(/i);
    expect(html).toContain('<th scope="col">Label</th>');
    expect(html).toMatch(/<svg class="bars"[^>]*role="img" aria-label="/);
    expect(html).toMatch(/<canvas id="map" role="img" aria-label="/);
  });

  it("shows the summary, formatted numbers and metric explanations", () => {
    const html = renderClusterReport(sample({ warnings: ["k-means did not converge"] }));
    expect(html).toContain("12,345");
    expect(html).toContain("catalog.jsonl");
    expect(html).toContain("<code>init = k-means++</code>");
    expect(html).toContain("1 min 23 s");
    expect(html).toContain("2024-05-01 12:34 UTC");
    expect(html).toContain("k-means did not converge");
    expect(html).toContain("0.235"); // silhouette, 3 decimals
    expect(html).toContain("12,345.679"); // Calinski–Harabasz
    expect(html).toMatch(/Davies–Bouldin<\/th><td class="num">—<\/td>/); // null
    expect(html).toMatch(/NMI<\/th><td class="num">—<\/td>/); // NaN
    expect(html).toMatch(/Clusters<\/th><td class="num">4<\/td>/); // a count, not 4.000
    expect(html).toContain("lower is better");
    expect(html).toContain("shoe <small>0.512</small>");
    expect(html).toContain("Road shoe");
    expect(html).not.toContain("fourth example not shown");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatScore(null)).toBe("—");
    expect(formatScore(-0.12345)).toBe("-0.123");
  });

  it("embeds the map points as JSON that parses back to the input (4 significant digits)", () => {
    const input = sample();
    const data = mapJson(renderClusterReport(input));
    expect(data.c).toEqual([...input.map.cluster]);
    expect(data.t).toEqual(input.map.title);
    for (let i = 0; i < input.map.x.length; i++) {
      expect(data.x[i]).toBeCloseTo(input.map.x[i], 3);
      expect(Math.abs((data.y[i] as number) - input.map.y[i])).toBeLessThanOrEqual(Math.abs(input.map.y[i]) * 1e-3);
    }
    expect(data.x[0]).toBe(0.1235);
    expect(data.y[1]).toBe(0.0001235);
  });

  it("cuts long tooltip titles to 80 columns without splitting characters", () => {
    const titles = ["a".repeat(80), "b".repeat(81), "女".repeat(50), `${"c".repeat(77)}𠀀𠀀`];
    const data = mapJson(renderClusterReport(sample({ map: { x: [0, 1, 2, 3], y: [0, 1, 2, 3], cluster: [0, 0, 0, 0], title: titles, method: "PCA" } })));
    expect(data.t[0]).toBe(titles[0]);
    expect(data.t[1]).toBe(`${"b".repeat(79)}…`);
    expect(data.t[2]).toBe(`${"女".repeat(39)}…`);
    expect(data.t[3]).toBe(`${"c".repeat(77)}𠀀…`); // an astral CJK character is two columns, kept whole
  });

  it("colours noise light grey and every cluster from the palette", () => {
    const html = renderClusterReport(sample());
    const data = mapJson(html);
    expect(data.clusters.find((c) => c.id === -1)).toEqual({ id: -1, label: "noise", color: NOISE_COLOR });
    expect(data.clusters.find((c) => c.id === 1)?.color).toBe(clusterColor(1));
    expect(new Set(data.clusters.map((c) => c.color)).size).toBe(4);
  });

  it("renders a run with no clusters and no points", () => {
    const html = renderClusterReport(
      sample({ map: { x: [], y: [], cluster: [], title: [], method: "PCA" }, clusters: [], noise: 0, metrics: { internal: {} } }),
    );
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("No map");
    expect(html).not.toContain("<canvas");
    expect(scripts(html)).toHaveLength(0);
    expect(html).toContain("No clusters.");
    expect(html).toContain("No metrics were computed.");
  });

  it("rejects map lists of different lengths", () => {
    expect(() => renderClusterReport(sample({ map: { x: [1, 2], y: [1], cluster: [0, 0], title: ["a", "b"], method: "PCA" } }))).toThrow(TypeError);
  });

  it("shows the 60 largest clusters as bars and says how many more there are", () => {
    const clusters = Array.from({ length: 75 }, (_, i) => cluster(i, 1000 - i));
    const html = renderClusterReport(sample({ clusters }));
    const bars = html.match(/<svg class="bars"[\s\S]*?<\/svg>/)?.[0] ?? "";
    expect(bars.match(/<rect /g)).toHaveLength(MAX_BARS);
    expect(bars).toContain("0 · cluster 0");
    expect(bars).not.toContain("74 · cluster 74");
    expect(html).toContain("Showing the 60 largest of 75 clusters; 15 more are in the table below.");
    expect(html.match(/<tr><td class="id">/g)).toHaveLength(75);
  });

  it("draws the k-curve only when given, with the chosen k marked", () => {
    expect(renderClusterReport(sample())).not.toContain('class="kcurve"');
    const html = renderClusterReport(
      sample({ kCurve: { points: [2, 3, 4, 5].map((k) => ({ k, silhouette: k === 4 ? 0.3 : 0.1 })), chosen: 4 } }),
    );
    expect(html).toContain('class="kcurve"');
    expect(html).toContain("chosen k = 4");
    expect(html).toMatch(/<line class="chosen"/);
  });

  it("shows stability and statuses when the run was compared", () => {
    const clusters = [{ ...cluster(0, 5, "A"), status: "kept" as const }, { ...cluster(1, 4, "B"), status: "new" as const }];
    const html = renderClusterReport(sample({ clusters, stability: { kept: 1, new: 1, merged: 0, vanished: 2, ids: { kept: [0], new: [1], vanished: [7, 8] } } }));
    expect(html).toContain('<th scope="col">Status</th>');
    expect(html).toContain('<span class="st st-new">new</span>');
    expect(html).toContain("Compared with the previous run");
    expect(html).toContain("7, 8");
    expect(renderClusterReport(sample())).not.toContain("Compared with the previous run");
  });

  it("stays well under 1 MB for a 5,000-point map", () => {
    const n = 5000;
    const x = new Float32Array(n), y = new Float32Array(n), c = new Int32Array(n);
    const title: string[] = [];
    for (let i = 0; i < n; i++) {
      x[i] = Math.sin(i) * 3.14159265;
      y[i] = Math.cos(i * 1.7) * 2.7182818;
      c[i] = (i % 41) - 1;
      title.push(`Product number ${i} with a fairly long descriptive title, colour and size ${"x".repeat(i % 120)}`);
    }
    const clusters = Array.from({ length: 40 }, (_, i) => cluster(i, 100 + i));
    const html = renderClusterReport(sample({ n: 50000, map: { x, y, cluster: c, title, method: "PCA" }, clusters }));
    expect(Buffer.byteLength(html)).toBeLessThan(800_000);
  });
});

// ---- the inline map script, run against a minimal DOM stand-in ----

interface Call {
  op: string;
  fill?: string;
  args: number[];
}

function fakeDom(html: string) {
  const calls: Call[] = [];
  const listeners: Record<string, ((e: unknown) => void)[]> = {};
  const on = (type: string, f: (e: unknown) => void) => (listeners[type] ??= []).push(f);
  const ctx = {
    fillStyle: "",
    strokeStyle: "",
    lineWidth: 1,
    globalAlpha: 1,
    setTransform() {},
    clearRect() {},
    beginPath() {},
    moveTo() {},
    stroke() {},
    arc(x: number, y: number, r: number) {
      calls.push({ op: "arc", fill: ctx.fillStyle, args: [x, y, r] });
    },
    fill() {
      calls.push({ op: "fill", fill: ctx.fillStyle, args: [] });
    },
  };
  const rect = { left: 0, top: 0, width: 600, height: 400 };
  const canvas = { width: 0, height: 0, getContext: () => ctx, getBoundingClientRect: () => rect, addEventListener: on };
  const tip = { hidden: true, textContent: "", children: [] as { textContent: string }[], offsetWidth: 100, offsetHeight: 30, style: {} as Record<string, string>, appendChild(c: { textContent: string }) { tip.children.push(c); } };
  Object.defineProperty(tip, "textContent", { set() { tip.children = []; }, get() { return tip.children.map((c) => c.textContent).join("|"); } });
  const status = { textContent: "" };
  const data = scripts(html).find((s) => s.attrs.includes("application/json"))?.body ?? "";
  const buttons = [...html.matchAll(/data-cluster="(-?\d+)"/g)].map((m) => {
    const attrs: Record<string, string> = { "data-cluster": m[1] };
    return { attrs, getAttribute: (k: string) => attrs[k] ?? null, setAttribute: (k: string, v: string) => (attrs[k] = v), hasAttribute: (k: string) => k in attrs, closest() { return this; } };
  });
  const document = {
    getElementById: (id: string) => ({ map: canvas, "map-data": { textContent: data }, "map-tip": tip, "map-status": status })[id] ?? null,
    createElement: () => ({ textContent: "" }),
    querySelectorAll: () => buttons,
    addEventListener: on,
  };
  const window = { devicePixelRatio: 2, addEventListener: on };
  return { calls, listeners, tip, status, buttons, document, window, canvas };
}

function runScript(html: string) {
  const dom = fakeDom(html);
  const body = scripts(html).find((s) => !s.attrs.includes("application/json"))?.body ?? "";
  new Function("document", "window", body)(dom.document, dom.window);
  return dom;
}

describe("map script", () => {
  it("draws noise first in grey, then each cluster in its colour", () => {
    const dom = runScript(renderClusterReport(sample()));
    const fills = dom.calls.filter((c) => c.op === "fill").map((c) => c.fill);
    expect(fills[0]).toBe(NOISE_COLOR);
    expect(fills).toHaveLength(4);
    expect(new Set(fills.slice(1))).toEqual(new Set([0, 1, 2].map(clusterColor)));
    expect(dom.canvas.width).toBe(1200); // device pixel ratio 2
  });

  it("shows the nearest point's title and cluster on hover, and hides it away from points", () => {
    const dom = runScript(renderClusterReport(sample()));
    const arc = dom.calls.find((c) => c.op === "arc" && c.fill === clusterColor(1))!;
    const [x, y] = arc.args;
    for (const f of dom.listeners.mousemove) f({ clientX: x + 2, clientY: y - 2 });
    expect(dom.tip.hidden).toBe(false);
    expect(dom.tip.textContent).toBe("Blue bag|cluster 1 · Bags");
    for (const f of dom.listeners.mousemove) f({ clientX: x + 40, clientY: y + 40 });
    expect(dom.tip.hidden).toBe(true);
  });

  it("highlights a cluster clicked in the legend and clears it on a second click", () => {
    const dom = runScript(renderClusterReport(sample()));
    const button = dom.buttons.find((b) => b.attrs["data-cluster"] === "2")!;
    dom.calls.length = 0;
    for (const f of dom.listeners.click) f({ target: button });
    expect(button.attrs["aria-pressed"]).toBe("true");
    expect(dom.status.textContent).toContain("cluster 2 · Hats: 1 of 4 points");
    const fills = dom.calls.filter((c) => c.op === "fill").map((c) => c.fill);
    expect(fills[fills.length - 1]).toBe(clusterColor(2)); // highlighted cluster drawn on top
    for (const f of dom.listeners.click) f({ target: button });
    expect(button.attrs["aria-pressed"]).toBe("false");
    expect(dom.status.textContent).toBe("");
  });

  it("copes with points that are all in one place or not finite", () => {
    const html = renderClusterReport(sample({ map: { x: [1, 1, Number.NaN], y: [2, 2, 0], cluster: [0, 0, 0], title: ["a", "b", "c"], method: "PCA" } }));
    const dom = runScript(html);
    expect(dom.calls.filter((c) => c.op === "arc")).toHaveLength(2);
    for (const c of dom.calls.filter((c) => c.op === "arc")) expect(c.args.every(Number.isFinite)).toBe(true);
  });
});
