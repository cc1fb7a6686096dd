// The segment report page: self-contained, every string escaped, each section present.
import { describe, expect, it } from "vitest";
import { renderSegmentReport, type SegmentReportInput } from "./segment-report.js";

const seg = (id: number, name: string, size: number) => ({
  id,
  name,
  size,
  z: { recency: -1, frequency: 1.2, monetary: 0.9 },
  mean: { recencyDays: 12.5, frequency: 7, monetary: 1234, basketSize: 3.2, returnRate: 0.02 },
  topGroups: [{ name: "candles & <lanterns>", share: 0.4, lift: 2.1 }],
});

const input: SegmentReportInput = {
  title: "Segments of <shop>",
  createdAt: "2026-01-01T00:00:00Z",
  dataset: "events.csv",
  customers: 30,
  algorithm: "kmeans",
  features: "log-RFM z-scores",
  seconds: 0.1,
  segments: [seg(0, "active frequent big spenders · candles & lanterns", 10), seg(1, '<img src=x onerror="alert(1)">', 20)],
  noise: 0,
  metrics: { silhouette: 0.34, calinskiHarabasz: 3627, daviesBouldin: 1.03 },
  kCurve: { points: [{ k: 3, silhouette: 0.34 }, { k: 4, silhouette: 0.3 }], chosen: 3 },
  groups: [{ name: "candles & <lanterns>", share: 0.2 }],
  map: { x: [0, 1, 2], y: [1, 0, 2], segment: [0, 1, 1], label: ["shopper a", "shopper </script>", "shopper c"], method: "PCA" },
  stability: { kept: 2, new: 0, merged: 0, vanished: 1 },
};

describe("renderSegmentReport", () => {
  const html = renderSegmentReport(input);
  it("is one self-contained page with a CSP that allows only its map script", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(html).not.toMatch(/https?:\/\/|<link |<script src/);
  });

  it("escapes every string, in the page and in the map data", () => {
    expect(html).not.toContain('<img src=x onerror="alert(1)">');
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain("Segments of &lt;shop&gt;");
    expect(html.match(/<\/script>/g)!.length).toBe(2); // the map data and the map script, nothing injected
  });

  it("shows each segment's card, the metrics with the k curve, the item groups and the comparison", () => {
    expect(html).toContain("0 · active frequent big spenders · candles &amp; lanterns");
    expect(html).toContain("Silhouette");
    expect(html).toContain("chosen k = 3");
    expect(html).toContain("candles &amp; &lt;lanterns&gt;");
    expect(html).toContain("kept: 2 · new: 0 · merged: 0 · vanished: 1");
  });
});
