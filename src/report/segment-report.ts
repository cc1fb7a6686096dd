// One self-contained HTML page for a shopper segmentation: segment profiles as bars, a 2-D map, the k curve,
// item groups and metrics. The map, escaping and number formats are cluster-report.ts's.
import { clusterColor, MAP_SCRIPT, MAP_SCRIPT_HASH, NOISE_COLOR } from "./cluster-map.js";
import { escapeHtml, formatCount, formatScore, jsonForScript } from "./html.js";

/** One segment as the page shows it. */
export interface SegmentReportSegment {
  id: number;
  name: string;
  size: number;
  /** Mean z-scores of log recency (high = long ago), frequency and spend. */
  z: { recency: number; frequency: number; monetary: number };
  mean: { recencyDays: number; frequency: number; monetary: number; basketSize: number; returnRate: number };
  topGroups: readonly { name: string; share: number; lift: number }[];
  status?: string;
}

/** What {@link renderSegmentReport} needs. */
export interface SegmentReportInput {
  title: string;
  createdAt: string;
  /** Where the events came from. */
  dataset: string;
  customers: number;
  algorithm: string;
  /** E.g. "log-RFM z-scores + 13 item-group spend shares (block-weighted)". */
  features: string;
  seconds: number;
  segments: readonly SegmentReportSegment[];
  noise: number;
  metrics: Readonly<Record<string, number | null>>;
  kCurve?: { points: readonly { k: number; silhouette: number }[]; chosen: number };
  /** Item groups and their share of all spend. */
  groups: readonly { name: string; share: number }[];
  /** A 2-D projection of (a sample of) the customers: coordinates, segment and shopper id per point. */
  map: { x: ArrayLike<number>; y: ArrayLike<number>; segment: ArrayLike<number>; label: readonly string[]; method: string };
  stability?: { kept: number; new: number; merged: number; vanished: number };
  warnings?: readonly string[];
}

const fmt1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : "—");
const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : "—");

const METRIC_HELP: Record<string, [string, string]> = {
  silhouette: ["Silhouette", "−1 to 1: how much closer shoppers are to their own segment than to the next one (higher is better)"],
  calinskiHarabasz: ["Calinski–Harabasz", "between-segment spread over within-segment spread (higher is better)"],
  daviesBouldin: ["Davies–Bouldin", "average similarity of each segment to its closest one (lower is better, 0 is best)"],
};

/** Diverging bars of the three RFM z-scores of a segment (recency drawn as "recent" = −z, so right is good). */
function profileBars(s: SegmentReportSegment): string {
  const rows: [string, number, string][] = [
    ["recent", -s.z.recency, `${fmt1(s.mean.recencyDays)} days since the last order`],
    ["frequent", s.z.frequency, `${fmt1(s.mean.frequency)} orders`],
    ["spend", s.z.monetary, `${formatCount(s.mean.monetary)} spent`],
  ];
  const W = 360, mid = 180, scale = 60, rowH = 22;
  const body = rows
    .map(([label, z, title], i) => {
      const v = Math.max(-3, Math.min(3, Number.isFinite(z) ? z : 0));
      const x = v >= 0 ? mid : mid + v * scale;
      const y = 4 + i * rowH;
      return `<g><title>${escapeHtml(`${label}: z ${formatScore(z)} (${title})`)}</title><text x="4" y="${y + 14}">${label}</text><rect x="${x.toFixed(1)}" y="${y + 3}" width="${Math.abs(v * scale).toFixed(1)}" height="14" fill="${v >= 0 ? "#59a14f" : "#e15759"}"></rect><text x="${W - 4}" y="${y + 14}" text-anchor="end">${formatScore(z)}</text></g>`;
    })
    .join("");
  return `<svg viewBox="0 0 ${W} ${4 + rows.length * rowH}" width="${W}" height="${4 + rows.length * rowH}" role="img" aria-label="${escapeHtml(`RFM profile of ${s.name}`)}"><line x1="${mid}" x2="${mid}" y1="0" y2="${4 + rows.length * rowH}" stroke="#999"></line>${body}</svg>`;
}

/** Bars of the segment's spend share per item group (top five), with the lift over all customers. */
function groupBars(s: SegmentReportSegment): string {
  if (s.topGroups.length === 0) return `<p class="empty">No item groups.</p>`;
  const W = 420, labelW = 210, barW = 140, rowH = 20;
  const rows = s.topGroups
    .slice(0, 5)
    .map((g, i) => {
      const y = 4 + i * rowH;
      const w = Math.max(1, g.share * barW);
      return `<g><title>${escapeHtml(`${g.name}: ${pct(g.share)} of the segment's spend, ${g.lift.toFixed(2)}× everyone's share`)}</title><text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(g.name.length > 32 ? `${g.name.slice(0, 31)}…` : g.name)}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="14" fill="${clusterColor(s.id)}"></rect><text x="${(labelW + w + 6).toFixed(1)}" y="${y + 14}">${pct(g.share)} · ×${g.lift.toFixed(2)}</text></g>`;
    })
    .join("");
  const h = 4 + Math.min(5, s.topGroups.length) * rowH;
  return `<svg viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="${escapeHtml(`Spend by item group in ${s.name}`)}">${rows}</svg>`;
}

function segmentCards(segs: readonly SegmentReportSegment[], total: number): string {
  const cards = segs
    .map((s) => {
      const status = s.status ? ` <span class="st">${escapeHtml(s.status)}</span>` : "";
      return `<article class="card" style="border-left-color:${clusterColor(s.id)}"><h3>${escapeHtml(`${s.id} · ${s.name}`)}${status}</h3>
<p class="note">${formatCount(s.size)} shoppers (${pct(total > 0 ? s.size / total : 0)}) · basket ${fmt1(s.mean.basketSize)} items · returns ${pct(s.mean.returnRate)} of spend</p>
<div class="bars">${profileBars(s)}${groupBars(s)}</div></article>`;
    })
    .join("\n");
  return `<section id="segments" aria-labelledby="segments-h"><h2 id="segments-h">Segments</h2><p class="note">Bars: mean z-scores against all customers (green: more recent, more orders, more spend); item groups by share of the segment's spend, × how much more than everyone.</p>${cards}</section>`;
}

function segmentTable(segs: readonly SegmentReportSegment[]): string {
  const rows = segs
    .map((s) => `<tr><td><span class="sw" style="background:${clusterColor(s.id)}"></span>${escapeHtml(s.id)}</td><th scope="row">${escapeHtml(s.name)}</th><td class="num">${formatCount(s.size)}</td><td class="num">${fmt1(s.mean.recencyDays)}</td><td class="num">${fmt1(s.mean.frequency)}</td><td class="num">${formatCount(s.mean.monetary)}</td><td class="num">${fmt1(s.mean.basketSize)}</td><td class="num">${pct(s.mean.returnRate)}</td><td>${escapeHtml(s.topGroups.slice(0, 2).map((g) => g.name).join("; "))}</td></tr>`)
    .join("\n");
  return `<table><caption>Means per segment</caption><thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col" class="num">Shoppers</th><th scope="col" class="num">Days since last order</th><th scope="col" class="num">Orders</th><th scope="col" class="num">Spend</th><th scope="col" class="num">Basket</th><th scope="col" class="num">Returns</th><th scope="col">Top item groups</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function mapSection(r: SegmentReportInput): string {
  const n = r.map.x.length;
  const h = `<section id="map-section" aria-labelledby="map-h"><h2 id="map-h">Map</h2>`;
  if (n === 0) return `${h}<p class="empty">No map.</p></section>`;
  const names = new Map(r.segments.map((s) => [s.id, s.name]));
  const c = Array.from(r.map.segment, (v) => Math.trunc(v));
  const ids = [...new Set(c)].sort((a, b) => a - b);
  const data = {
    method: r.map.method,
    noiseColor: NOISE_COLOR,
    x: Array.from(r.map.x, (v) => Math.round(v * 1e4) / 1e4),
    y: Array.from(r.map.y, (v) => Math.round(v * 1e4) / 1e4),
    c,
    t: r.map.label.map((l) => l.slice(0, 60)),
    clusters: ids.map((id) => ({ id, label: id < 0 ? "no segment" : (names.get(id) ?? ""), color: clusterColor(id) })),
  };
  const legend = ids
    .map((id) => `<li><button type="button" data-cluster="${id}" aria-pressed="false"><span class="sw" style="background:${clusterColor(id)}"></span>${escapeHtml(id < 0 ? "no segment" : `${id} · ${names.get(id) ?? ""}`)}</button></li>`)
    .join("");
  return `${h}<p class="note">${formatCount(n)} shoppers projected by ${escapeHtml(r.map.method)}. Hover a point for the shopper; click a segment to highlight it.</p>
<div class="map-box"><div class="map-wrap"><canvas id="map" role="img" aria-label="Scatter plot of shoppers coloured by segment"></canvas><div id="map-tip" class="tip" hidden></div></div><ul class="legend">${legend}</ul></div>
<p id="map-status" class="note" aria-live="polite"></p>
<script type="application/json" id="map-data">${jsonForScript(data)}</script>
<script>${MAP_SCRIPT}</script></section>`;
}

function kCurve(curve: NonNullable<SegmentReportInput["kCurve"]>): string {
  const pts = curve.points.filter((p) => Number.isFinite(p.silhouette)).slice().sort((a, b) => a.k - b.k);
  if (pts.length === 0) return "";
  const W = 420, H = 200, l = 50, r = 12, t = 18, b = 34;
  const k0 = pts[0]!.k, k1 = Math.max(pts.at(-1)!.k, k0 + 1);
  let s0 = Math.min(...pts.map((p) => p.silhouette)), s1 = Math.max(...pts.map((p) => p.silhouette));
  if (s1 - s0 < 1e-9) [s0, s1] = [s0 - 0.05, s1 + 0.05];
  const X = (k: number): string => (l + ((k - k0) / (k1 - k0)) * (W - l - r)).toFixed(1);
  const Y = (s: number): string => (t + ((s1 - s) / (s1 - s0)) * (H - t - b)).toFixed(1);
  const dots = pts.map((p) => `<circle cx="${X(p.k)}" cy="${Y(p.silhouette)}" r="${p.k === curve.chosen ? 5 : 3}" fill="${p.k === curve.chosen ? "#e15759" : "#4e79a7"}"><title>k = ${p.k}: silhouette ${formatScore(p.silhouette)}</title></circle><text x="${X(p.k)}" y="${H - b + 16}" text-anchor="middle">${p.k}</text>`).join("");
  const label = `Silhouette for k = ${k0} to ${pts.at(-1)!.k}; chosen k = ${curve.chosen}`;
  return `<h3>Choosing k</h3><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(label)}"><line x1="${l}" y1="${H - b}" x2="${W - r}" y2="${H - b}" stroke="#888"></line><text x="${l - 6}" y="${Number(Y(s1)) + 4}" text-anchor="end">${formatScore(s1)}</text><text x="${l - 6}" y="${Number(Y(s0)) + 4}" text-anchor="end">${formatScore(s0)}</text><polyline fill="none" stroke="#4e79a7" stroke-width="2" points="${pts.map((p) => `${X(p.k)},${Y(p.silhouette)}`).join(" ")}"></polyline>${dots}</svg>`;
}

function metricsSection(r: SegmentReportInput): string {
  const rows = Object.entries(r.metrics)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(METRIC_HELP[k]?.[0] ?? k)}</th><td class="num">${formatScore(v)}</td><td>${escapeHtml(METRIC_HELP[k]?.[1] ?? "")}</td></tr>`)
    .join("");
  return `<section id="metrics" aria-labelledby="metrics-h"><h2 id="metrics-h">Metrics</h2><table><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Value</th><th scope="col">What it means</th></tr></thead><tbody>${rows}</tbody></table>${r.kCurve ? kCurve(r.kCurve) : ""}</section>`;
}

function groupsSection(r: SegmentReportInput): string {
  if (r.groups.length === 0) return "";
  const rows = r.groups.map((g) => `<tr><th scope="row">${escapeHtml(g.name)}</th><td class="num">${pct(g.share)}</td></tr>`).join("");
  return `<section id="groups" aria-labelledby="groups-h"><h2 id="groups-h">Item groups</h2><p class="note">Category affinity is each shopper's share of spend per group; the largest group holds ${pct(Math.max(...r.groups.map((g) => g.share)))} of all spend.</p><table class="narrow"><thead><tr><th scope="col">Group</th><th scope="col" class="num">Share of spend</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

const STYLE = `*{box-sizing:border-box}body{margin:0 auto;max-width:1200px;padding:16px 24px 48px;font:14px/1.45 system-ui,sans-serif;color:#1d1d1f}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .4em;border-bottom:1px solid #ddd}h3{font-size:1.05em;margin:.2em 0}
.note{color:#555}.empty{color:#777;font-style:italic}nav a{margin-right:1em}
.card{border:1px solid #ddd;border-left:6px solid #999;border-radius:6px;padding:8px 12px;margin:10px 0}.bars{display:flex;gap:24px;flex-wrap:wrap}
.map-box{display:flex;gap:14px;flex-wrap:wrap}.map-wrap{position:relative;flex:1 1 600px}#map{display:block;width:100%;height:480px;border:1px solid #ddd;border-radius:6px}
.tip{position:absolute;pointer-events:none;background:rgba(20,20,24,.92);color:#fff;padding:6px 8px;border-radius:4px;font-size:12px}.tip span{color:#ccc}
.legend{list-style:none;margin:0;padding:0;flex:0 1 280px}.legend button{all:unset;cursor:pointer;display:block;padding:2px 4px;font-size:12px}.legend button[aria-pressed="true"]{background:#e9eef6}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}svg{max-width:100%;height:auto;font-size:12px}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em}table.narrow{max-width:560px}th,td{border-bottom:1px solid #eee;padding:5px 8px;text-align:left;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums}.st{padding:0 6px;border-radius:8px;background:#eee;font-size:.8em}.warn{background:#fff6e0;border:1px solid #e8c36a;border-radius:6px;padding:4px 14px}`;

/**
 * Renders a segmentation as one self-contained HTML page (no outside resources; a CSP that allows only the map
 * script; every string escaped): a card per segment with its RFM profile and item-group bars, a table of means, the
 * 2-D map, the metrics with the k curve, the item groups and, with a previous run, what was kept.
 * @example await fs.writeFile("report.html", renderSegmentReport({ title: "Segments", … }));
 */
export function renderSegmentReport(r: SegmentReportInput): string {
  const segs = [...r.segments].sort((a, b) => b.size - a.size || a.id - b.id);
  const csp = `default-src 'none'; script-src 'sha256-${MAP_SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const warnings = r.warnings?.length ? `<div class="warn"><p>${r.warnings.map((w) => escapeHtml(w)).join("<br>")}</p></div>` : "";
  const stability = r.stability
    ? `<section id="stability"><h2>Compared with the previous run</h2><p>${(["kept", "new", "merged", "vanished"] as const).map((k) => `${k}: ${formatCount(r.stability![k])}`).join(" · ")}</p></section>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="assort">
<title>${escapeHtml(r.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(r.title)}</h1>
<p class="note">${formatCount(r.customers)} shoppers from ${escapeHtml(r.dataset)} · ${escapeHtml(r.algorithm)} on ${escapeHtml(r.features)} · ${formatCount(segs.length)} segments${r.noise ? `, ${formatCount(r.noise)} shoppers in none` : ""} · ${r.seconds.toFixed(2)} s · ${escapeHtml(r.createdAt)}</p>
${warnings}
<nav aria-label="Sections"><a href="#segments">Segments</a><a href="#map-section">Map</a><a href="#metrics">Metrics</a>${r.groups.length ? `<a href="#groups">Item groups</a>` : ""}</nav>
${segmentCards(segs, r.customers)}
${segmentTable(segs)}
${mapSection(r)}
${metricsSection(r)}
${groupsSection(r)}
${stability}
<footer class="note">Generated by assort.</footer>
</body>
</html>
`;
}
