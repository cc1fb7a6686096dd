// One self-contained HTML page for a clustering run: summary, 2-D map, size bars, cluster table, metrics.
import { createHash } from "node:crypto";

/** Numbers as the library hands them over (typed arrays) or as they come back from JSON. */
export type NumberList = Float32Array | Float64Array | readonly number[];
/** Integer labels, typed or plain. */
export type IntList = Int32Array | readonly number[];
/** A parameter value as it appears in a config file: JSON, plus `undefined` for "not set" (not shown). */
export type ReportParamValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly ReportParamValue[]
  | { readonly [key: string]: ReportParamValue };

/** A 2-D projection of a sample of products; the four lists run in parallel. Cluster −1 (any negative id) is noise. */
export interface ClusterReportMap {
  x: NumberList;
  y: NumberList;
  cluster: IntList;
  /** Product titles for the tooltip; cut to 80 columns in the page to bound its size. */
  title: readonly string[];
  /** How the points were projected, e.g. "PCA of the SVD features". */
  method: string;
}

/** How a cluster relates to the previous run's clusters. */
export type ClusterStatus = "new" | "kept" | "merged" | "split";

/** One cluster of the run. */
export interface ClusterReportCluster {
  id: number;
  label: string;
  size: number;
  topTerms: readonly { term: string; score: number }[];
  /** Example product titles; the page shows the first three. */
  examples: readonly string[];
  status?: ClusterStatus;
}

/** Scores by name (e.g. silhouette, calinskiHarabasz, daviesBouldin; ari, nmi, vMeasure, pairF1); null = not computed. */
export interface ClusterReportMetrics {
  internal: Readonly<Record<string, number | null>>;
  /** Scores against reference categories, when the catalog had them. */
  external?: Readonly<Record<string, number | null>>;
}

/** The silhouette for each k tried by `--k auto`, and the k that was chosen. */
export interface ClusterReportKCurve {
  points: readonly { k: number; silhouette: number }[];
  chosen: number;
}

/** The comparison with a previous run: counts, and optionally the cluster ids behind them. */
export interface ClusterReportStability {
  kept: number;
  new: number;
  merged: number;
  vanished: number;
  /** Ids in this run (kept, new, merged) and in the previous run (vanished). */
  ids?: { kept?: readonly number[]; new?: readonly number[]; merged?: readonly number[]; vanished?: readonly number[] };
}

/** Everything the report shows. Plain JSON apart from the typed arrays in `map`. */
export interface ClusterReportInput {
  title: string;
  /** ISO 8601 time stamp. */
  createdAt: string;
  algorithm: string;
  params: Readonly<Record<string, ReportParamValue>>;
  /** Input file name. */
  dataset: string;
  /** Products clustered. */
  n: number;
  /** Short description of the features, e.g. "TF-IDF 524288 → SVD 100". */
  features: string;
  /** Wall-clock time of the run. */
  seconds: number;
  map: ClusterReportMap;
  clusters: readonly ClusterReportCluster[];
  /** Products assigned to no cluster. */
  noise: number;
  metrics: ClusterReportMetrics;
  kCurve?: ClusterReportKCurve;
  stability?: ClusterReportStability;
  warnings?: readonly string[];
}

/** Bars shown in the size chart; the rest are only in the table. */
export const MAX_BARS = 60;
/** Tooltip titles are cut to this many columns (CJK counts two): 5,000 points stay well under 1 MB. */
const MAX_TITLE = 80;
/** A qualitative palette (Tableau 10 without its grey, plus three), cycled by cluster id. */
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#7f3c8d", "#2f4b7c"];
/** Noise: light grey, drawn first so clusters paint over it. */
export const NOISE_COLOR = "#c8c8c8";

/** The colour of a cluster id everywhere in the page (map, legend, bars, table); stable across runs for kept ids. */
export function clusterColor(id: number): string {
  return id < 0 || !Number.isFinite(id) ? NOISE_COLOR : PALETTE[Math.trunc(id) % PALETTE.length];
}

// ---------- escaping and formatting ----------

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** JSON that is safe inside a <script> element: no `<`, `>`, `&`, U+2028 or U+2029 survive literally. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const countFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const scoreFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const DASH = "—";

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
/** 12,345; "—" for null or NaN. */
export const formatCount = (v: number | null | undefined): string => (isNum(v) ? countFormat.format(v) : DASH);
/** 0.123 (3 decimals, thousands separators); "—" for null or NaN. */
export const formatScore = (v: number | null | undefined): string => (isNum(v) ? scoreFormat.format(v) : DASH);

function formatSeconds(s: number): string {
  if (!isNum(s) || s < 0) return DASH;
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const t = Math.round(s);
  if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`;
  return `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`;
}

function formatParam(v: ReportParamValue): string {
  return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
}

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

/** Cuts text to about `cols` columns (CJK counts two) with an ellipsis; never splits a surrogate pair. */
function truncate(s: string, cols: number): string {
  if (s.length <= cols / 2) return s;
  let w = 0;
  let cut = -1; // end of the longest prefix that leaves room for the ellipsis
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i) as number;
    const len = cp > 0xffff ? 2 : 1;
    w += WIDE.test(s.slice(i, i + len)) ? 2 : 1;
    if (w <= cols - 1) cut = i + len;
    if (w > cols) return `${s.slice(0, Math.max(0, cut))}…`;
    i += len;
  }
  return s;
}

/** 4 significant digits: plenty for a plot, and about 7 bytes a coordinate. Non-finite → null (skipped). */
function round4(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : null;
}

// ---------- metrics vocabulary ----------

interface MetricInfo {
  name: string;
  help: string;
  count?: boolean;
}
const METRICS: Record<string, MetricInfo> = {
  silhouette: { name: "Silhouette", help: "How much closer products are to their own cluster than to the next one; −1 to 1, higher is better." },
  calinskiharabasz: { name: "Calinski–Harabasz", help: "Between-cluster over within-cluster spread; higher is better (compare runs on the same data only)." },
  daviesbouldin: { name: "Davies–Bouldin", help: "Average similarity of each cluster to its closest other cluster; 0 is best, lower is better." },
  inertia: { name: "Inertia", help: "Sum of squared distances to the cluster centres; lower is better, but it always falls as k grows." },
  ari: { name: "ARI", help: "Adjusted Rand index: agreement of product pairs with the reference categories, corrected for chance; 1 is perfect, 0 is chance." },
  nmi: { name: "NMI", help: "Normalized mutual information with the reference categories; 0 to 1, higher is better." },
  ami: { name: "AMI", help: "Mutual information with the reference categories, corrected for chance; 1 is perfect, 0 is chance." },
  vmeasure: { name: "V-measure", help: "Harmonic mean of homogeneity and completeness; 0 to 1, higher is better." },
  homogeneity: { name: "Homogeneity", help: "Each cluster holds one reference category only; 0 to 1, higher is better." },
  completeness: { name: "Completeness", help: "Each reference category sits in one cluster only; 0 to 1, higher is better." },
  purity: { name: "Purity", help: "Share of products in their cluster's majority category; 0 to 1, higher is better (rises with k)." },
  pairprecision: { name: "Pair precision", help: "Of product pairs put in the same cluster, the share that share a category; higher is better." },
  pairrecall: { name: "Pair recall", help: "Of product pairs that share a category, the share put in the same cluster; higher is better." },
  pairf1: { name: "Pair F1", help: "Harmonic mean of pair precision and recall; 0 to 1, higher is better." },
  fowlkesmallows: { name: "Fowlkes–Mallows", help: "Geometric mean of pair precision and recall; 0 to 1, higher is better." },
  clusters: { name: "Clusters", help: "Distinct cluster labels compared (noise counts as one).", count: true },
  classes: { name: "Categories", help: "Distinct reference categories.", count: true },
};
const metricInfo = (key: string): MetricInfo | undefined => METRICS[key.toLowerCase().replace(/[^a-z0-9]/g, "")];

// ---------- sections ----------

function header(r: ClusterReportInput): string {
  const created = new Date(r.createdAt);
  const when = Number.isNaN(created.getTime())
    ? escapeHtml(r.createdAt)
    : `<time datetime="${escapeHtml(created.toISOString())}">${created.toISOString().slice(0, 16).replace("T", " ")} UTC</time>`;
  const params = Object.entries(r.params).filter(([, v]) => v !== undefined);
  const paramList = params.length
    ? params.map(([k, v]) => `<code>${escapeHtml(k)} = ${escapeHtml(formatParam(v))}</code>`).join(" ")
    : "defaults";
  const noiseShare = r.noise > 0 && r.n > 0 ? ` (${((100 * r.noise) / r.n).toFixed(1)} %)` : "";
  const row = (k: string, v: string) => `<div><dt>${k}</dt><dd>${v}</dd></div>`;
  const warnings = r.warnings?.length
    ? `<section class="warnings" aria-labelledby="warnings-h"><h2 id="warnings-h">Warnings</h2><ul>${r.warnings
        .map((w) => `<li>${escapeHtml(w)}</li>`)
        .join("")}</ul></section>`
    : "";
  return `<header><h1>${escapeHtml(r.title)}</h1><p class="sub">Clustering run, ${when}</p><dl class="summary">${[
    row("Dataset", escapeHtml(r.dataset)),
    row("Products", formatCount(r.n)),
    row("Features", escapeHtml(r.features)),
    row("Algorithm", `${escapeHtml(r.algorithm)}`),
    row("Parameters", paramList),
    row("Clusters (k)", formatCount(r.clusters.length)),
    row("Noise", `${formatCount(r.noise)}${noiseShare}`),
    row("Time", formatSeconds(r.seconds)),
  ].join("")}</dl></header>${warnings}`;
}

/** The map's data block: columns (x, y, cluster, title) plus the colour and label of every id that occurs. */
function mapData(r: ClusterReportInput) {
  const m = r.map;
  const n = m.x.length;
  if (m.y.length !== n || m.cluster.length !== n || m.title.length !== n) {
    throw new TypeError(
      `Cannot render the cluster map: x, y, cluster and title must have the same length (got ${n}, ${m.y.length}, ${m.cluster.length}, ${m.title.length})`,
    );
  }
  const x = new Array<number | null>(n);
  const y = new Array<number | null>(n);
  const c = new Array<number>(n);
  const t = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    x[i] = round4(m.x[i]);
    y[i] = round4(m.y[i]);
    c[i] = m.cluster[i];
    t[i] = truncate(String(m.title[i] ?? ""), MAX_TITLE);
  }
  const labels = new Map(r.clusters.map((k) => [k.id, k.label]));
  const ids = [...new Set(c)].sort((a, b) => a - b);
  const clusters = ids.map((id) => ({ id, label: id < 0 ? "noise" : (labels.get(id) ?? ""), color: clusterColor(id) }));
  return { method: m.method, noiseColor: NOISE_COLOR, x, y, c, t, clusters };
}

/** The inline map script: grid-indexed hover, legend/table highlight. Its SHA-256 goes into the page's CSP. */
export const MAP_SCRIPT = `(function () {
"use strict";
var canvas = document.getElementById("map"), dataEl = document.getElementById("map-data");
if (!canvas || !dataEl || !canvas.getContext) return;
var ctx = canvas.getContext("2d");
if (!ctx) return;
var d = JSON.parse(dataEl.textContent), n = d.x.length, info = {}, i;
for (i = 0; i < d.clusters.length; i++) info[d.clusters[i].id] = d.clusters[i];
var tip = document.getElementById("map-tip"), status = document.getElementById("map-status");
var R = 2.5, HIT = 6, CELL = 8, TAU = 2 * Math.PI;
var px = new Float64Array(n), py = new Float64Array(n), ok = new Uint8Array(n);
var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
for (i = 0; i < n; i++) {
  var xi = d.x[i], yi = d.y[i];
  if (typeof xi !== "number" || typeof yi !== "number" || !isFinite(xi) || !isFinite(yi)) continue;
  ok[i] = 1;
  if (xi < x0) x0 = xi; if (xi > x1) x1 = xi; if (yi < y0) y0 = yi; if (yi > y1) y1 = yi;
}
// One group per cluster, noise groups first (Array.prototype.sort is stable).
var groups = [], gi = {};
for (i = 0; i < n; i++) {
  if (!ok[i]) continue;
  var g = gi[d.c[i]];
  if (g === undefined) { g = gi[d.c[i]] = groups.length; groups.push({ id: d.c[i], idx: [] }); }
  groups[g].idx.push(i);
}
groups.sort(function (a, b) { return (a.id < 0 ? 0 : 1) - (b.id < 0 ? 0 : 1); });
var W = 1, H = 1, dpr = 1, gw = 1, gh = 1, start = new Int32Array(2), cells = new Int32Array(0);
var highlight = null, hover = -1;
function cellOf(x, y) {
  var cx = Math.min(gw - 1, Math.max(0, Math.floor(x / CELL))), cy = Math.min(gh - 1, Math.max(0, Math.floor(y / CELL)));
  return cy * gw + cx;
}
// Project to CSS pixels (equal scale on both axes) and bucket points into CELL-sized cells: O(n) per resize.
function layout() {
  var r = canvas.getBoundingClientRect(), j;
  W = Math.max(1, r.width); H = Math.max(1, r.height); dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
  var pad = 12, sx = x1 - x0, sy = y1 - y0;
  var s = Math.min((W - 2 * pad) / (sx || 1), (H - 2 * pad) / (sy || 1));
  if (!(s > 0) || !isFinite(s)) s = 1;
  var ox = (W - sx * s) / 2, oy = (H - sy * s) / 2;
  gw = Math.ceil(W / CELL) + 1; gh = Math.ceil(H / CELL) + 1;
  start = new Int32Array(gw * gh + 1);
  var home = new Int32Array(n);
  for (j = 0; j < n; j++) {
    if (!ok[j]) continue;
    px[j] = ox + (d.x[j] - x0) * s; py[j] = oy + (y1 - d.y[j]) * s;
    home[j] = cellOf(px[j], py[j]); start[home[j] + 1]++;
  }
  for (j = 0; j < gw * gh; j++) start[j + 1] += start[j];
  cells = new Int32Array(start[gw * gh]);
  var next = start.slice(0, gw * gh);
  for (j = 0; j < n; j++) if (ok[j]) cells[next[home[j]]++] = j;
}
function paint(gr, r) {
  ctx.fillStyle = info[gr.id] ? info[gr.id].color : d.noiseColor;
  ctx.beginPath();
  for (var k = 0; k < gr.idx.length; k++) { var p = gr.idx[k]; ctx.moveTo(px[p] + r, py[p]); ctx.arc(px[p], py[p], r, 0, TAU); }
  ctx.fill();
}
function draw() {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  var top = null;
  for (var g = 0; g < groups.length; g++) {
    if (groups[g].id === highlight) { top = groups[g]; continue; }
    ctx.globalAlpha = highlight === null ? (groups[g].id < 0 ? 0.7 : 0.85) : 0.12;
    paint(groups[g], R);
  }
  ctx.globalAlpha = 1;
  if (top) paint(top, R + 1);
  if (hover >= 0) {
    ctx.strokeStyle = "#111"; ctx.lineWidth = 1.5; ctx.beginPath();
    ctx.arc(px[hover], py[hover], R + 3, 0, TAU); ctx.stroke();
  }
}
// Nearest point within HIT pixels: only the 3 x 3 cells around the pointer are searched (CELL >= HIT).
function nearest(mx, my) {
  var cx = Math.floor(mx / CELL), cy = Math.floor(my / CELL), best = -1, bd = HIT * HIT;
  for (var yy = cy - 1; yy <= cy + 1; yy++) {
    if (yy < 0 || yy >= gh) continue;
    for (var xx = cx - 1; xx <= cx + 1; xx++) {
      if (xx < 0 || xx >= gw) continue;
      var ci = yy * gw + xx;
      for (var k = start[ci]; k < start[ci + 1]; k++) {
        var p = cells[k];
        if (highlight !== null && d.c[p] !== highlight) continue;
        var dx = px[p] - mx, dy = py[p] - my, dd = dx * dx + dy * dy;
        if (dd <= bd) { bd = dd; best = p; }
      }
    }
  }
  return best;
}
function describe(id) {
  if (id < 0) return "noise";
  var c = info[id];
  return "cluster " + id + (c && c.label ? " \\u00b7 " + c.label : "");
}
function showTip(p, mx, my) {
  tip.textContent = "";
  var t = document.createElement("strong"); t.textContent = d.t[p]; tip.appendChild(t);
  var l = document.createElement("span"); l.textContent = describe(d.c[p]); tip.appendChild(l);
  tip.hidden = false;
  var left = mx + 14, topPx = my + 14;
  if (left + tip.offsetWidth > W) left = Math.max(0, mx - 14 - tip.offsetWidth);
  if (topPx + tip.offsetHeight > H) topPx = Math.max(0, my - 14 - tip.offsetHeight);
  tip.style.left = left + "px"; tip.style.top = topPx + "px";
}
canvas.addEventListener("mousemove", function (e) {
  var r = canvas.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top, p = nearest(mx, my);
  if (p !== hover) { hover = p; draw(); }
  if (p < 0) tip.hidden = true; else showTip(p, mx, my);
});
canvas.addEventListener("mouseleave", function () { tip.hidden = true; if (hover >= 0) { hover = -1; draw(); } });
function setHighlight(id) {
  highlight = id; hover = -1; tip.hidden = true;
  var els = document.querySelectorAll("[data-cluster]");
  for (var b = 0; b < els.length; b++) els[b].setAttribute("aria-pressed", String(Number(els[b].getAttribute("data-cluster")) === id));
  var count = 0;
  for (var g = 0; g < groups.length; g++) if (groups[g].id === id) count = groups[g].idx.length;
  if (status) status.textContent = id === null ? "" : "Highlighting " + describe(id) + ": " + count + " of " + n + " points on the map. Click again or press Escape to clear.";
  draw();
}
document.addEventListener("click", function (e) {
  var el = e.target && e.target.closest ? e.target.closest("[data-cluster]") : null;
  if (!el) return;
  var id = Number(el.getAttribute("data-cluster"));
  setHighlight(highlight === id ? null : id);
  if (el.hasAttribute("data-scroll") && canvas.scrollIntoView) canvas.scrollIntoView({ block: "nearest" });
});
document.addEventListener("keydown", function (e) { if (e.key === "Escape" && highlight !== null) setHighlight(null); });
window.addEventListener("resize", function () { layout(); draw(); });
layout();
draw();
})();`;

const MAP_SCRIPT_HASH = createHash("sha256").update(MAP_SCRIPT, "utf8").digest("base64");

function mapSection(r: ClusterReportInput, order: readonly ClusterReportCluster[]): string {
  const data = mapData(r);
  const n = data.x.length;
  const h = `<section id="map-section" aria-labelledby="map-h"><h2 id="map-h">Map</h2>`;
  if (n === 0) return `${h}<p class="empty">No map: the run has no projected points.</p></section>`;
  const counts = new Map<number, number>();
  for (const c of data.c) counts.set(c, (counts.get(c) ?? 0) + 1);
  const labels = new Map(data.clusters.map((c) => [c.id, c.label]));
  // Legend in table order (largest first), then ids found only in the map (noise last).
  const legendIds = [...new Set([...order.map((c) => c.id).filter((id) => counts.has(id)), ...[...counts.keys()].sort((a, b) => b - a)])];
  const legend = legendIds
    .map((id) => {
      const label = labels.get(id) ?? "";
      const name = id < 0 ? "noise" : `${id}${label ? ` · ${truncate(label, 28)}` : ""}`;
      return `<li><button type="button" data-cluster="${Number(id)}" aria-pressed="false" title="${escapeHtml(label)}"><span class="sw" style="background:${clusterColor(id)}"></span>${escapeHtml(name)} <small>${formatCount(counts.get(id))}</small></button></li>`;
    })
    .join("");
  return `${h}<p class="note">${formatCount(n)} products (a sample of ${formatCount(r.n)}), projected by ${escapeHtml(r.map.method)}. Hover a point for its title; click a cluster to highlight it.</p>
<noscript><p class="empty">The map needs JavaScript; everything else on this page works without it.</p></noscript>
<div class="map-box"><div class="map-wrap"><canvas id="map" role="img" aria-label="Scatter plot of ${formatCount(n)} products coloured by cluster"></canvas><div id="map-tip" class="tip" hidden></div></div>
<ul class="legend" aria-label="Clusters on the map">${legend}</ul></div>
<p id="map-status" class="note" aria-live="polite"></p>
<script type="application/json" id="map-data">${jsonForScript(data)}</script>
<script>${MAP_SCRIPT}</script></section>`;
}

function sizeChart(order: readonly ClusterReportCluster[], noise: number): string {
  const h = `<section id="sizes" aria-labelledby="sizes-h"><h2 id="sizes-h">Cluster sizes</h2>`;
  if (order.length === 0) return `${h}<p class="empty">No clusters.</p></section>`;
  const shown = order.slice(0, MAX_BARS);
  const max = Math.max(1, ...shown.map((c) => (isNum(c.size) ? c.size : 0)));
  const labelW = 250, barW = 420, rowH = 20, width = labelW + barW + 90, height = shown.length * rowH + 8;
  const rows = shown
    .map((c, i) => {
      const y = 4 + i * rowH;
      const w = isNum(c.size) && c.size > 0 ? Math.max(1, (c.size / max) * barW) : 0;
      return `<g><title>${escapeHtml(`${c.id} · ${c.label}: ${formatCount(c.size)} products`)}</title><text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${escapeHtml(truncate(`${c.id} · ${c.label}`, 38))}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="14" fill="${clusterColor(c.id)}"></rect><text x="${(labelW + w + 6).toFixed(1)}" y="${y + 14}">${formatCount(c.size)}</text></g>`;
    })
    .join("");
  const more = order.length > shown.length ? `Showing the ${MAX_BARS} largest of ${formatCount(order.length)} clusters; ${formatCount(order.length - shown.length)} more are in the table below. ` : "";
  const noiseNote = noise > 0 ? `Noise (${formatCount(noise)} products) is not drawn.` : "";
  const note = more || noiseNote ? `<p class="note">${more}${noiseNote}</p>` : "";
  return `${h}${note}<svg class="bars" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Bar chart of cluster sizes, largest first: ${escapeHtml(shown.slice(0, 3).map((c) => `${c.label} ${formatCount(c.size)}`).join(", "))}${shown.length > 3 ? ", …" : ""}">${rows}</svg></section>`;
}

function clusterTable(order: readonly ClusterReportCluster[], n: number, mapped: ReadonlySet<number>): string {
  const h = `<section id="clusters" aria-labelledby="clusters-h"><h2 id="clusters-h">Clusters</h2>`;
  if (order.length === 0) return `${h}<p class="empty">No clusters.</p></section>`;
  const hasStatus = order.some((c) => c.status !== undefined);
  const rows = order
    .map((c) => {
      const sw = `<span class="sw" style="background:${clusterColor(c.id)}"></span>`;
      const id = mapped.has(c.id)
        ? `<button type="button" data-cluster="${Number(c.id)}" data-scroll aria-pressed="false" title="Highlight on the map">${sw}${escapeHtml(c.id)}</button>`
        : `${sw}${escapeHtml(c.id)}`;
      const terms = c.topTerms.slice(0, 10).map((t) => `${escapeHtml(t.term)} <small>${formatScore(t.score)}</small>`).join(", ");
      const ex = c.examples.slice(0, 3).map((e) => `<li>${escapeHtml(truncate(e, 140))}</li>`).join("");
      const share = n > 0 && isNum(c.size) ? `${((100 * c.size) / n).toFixed(1)} %` : DASH;
      const status = hasStatus ? `<td>${c.status ? `<span class="st st-${escapeHtml(c.status)}">${escapeHtml(c.status)}</span>` : DASH}</td>` : "";
      return `<tr><td class="id">${id}</td><th scope="row">${escapeHtml(c.label) || DASH}</th><td class="num">${formatCount(c.size)}</td><td class="num">${share}</td><td>${terms || DASH}</td><td>${ex ? `<ul>${ex}</ul>` : DASH}</td>${status}</tr>`;
    })
    .join("\n");
  return `${h}<table class="clusters"><caption>${formatCount(order.length)} clusters, largest first</caption><thead><tr><th scope="col">Id</th><th scope="col">Label</th><th scope="col" class="num">Size</th><th scope="col" class="num">Share</th><th scope="col">Top terms (score)</th><th scope="col">Examples</th>${hasStatus ? `<th scope="col">Status</th>` : ""}</tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

function metricTable(caption: string, scores: Readonly<Record<string, number | null>>): string {
  const entries = Object.entries(scores);
  if (entries.length === 0) return "";
  const rows = entries
    .map(([key, v]) => {
      const m = metricInfo(key);
      return `<tr><th scope="row">${escapeHtml(m?.name ?? key)}</th><td class="num">${m?.count ? formatCount(v) : formatScore(v)}</td><td>${m ? escapeHtml(m.help) : ""}</td></tr>`;
    })
    .join("");
  return `<table class="metrics"><caption>${caption}</caption><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Value</th><th scope="col">What it means</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function kCurveChart(curve: ClusterReportKCurve): string {
  const pts = curve.points.filter((p) => isNum(p.k) && isNum(p.silhouette)).slice().sort((a, b) => a.k - b.k);
  const h = `<h3>Choosing k</h3>`;
  if (pts.length === 0) return `${h}<p class="empty">No k-curve points.</p>`;
  const W = 480, H = 220, l = 56, r = 16, t = 16, b = 40;
  let k0 = pts[0].k, k1 = pts[pts.length - 1].k;
  if (k0 === k1) [k0, k1] = [k0 - 1, k1 + 1];
  let s0 = Math.min(...pts.map((p) => p.silhouette)), s1 = Math.max(...pts.map((p) => p.silhouette));
  if (s1 - s0 < 1e-9) [s0, s1] = [s0 - 0.05, s1 + 0.05];
  const X = (k: number) => (l + ((k - k0) / (k1 - k0)) * (W - l - r)).toFixed(1);
  const Y = (s: number) => (t + ((s1 - s) / (s1 - s0)) * (H - t - b)).toFixed(1);
  const step = Math.max(1, Math.ceil(pts.length / 10));
  const xTicks = pts.filter((_, i) => i % step === 0 || i === pts.length - 1)
    .map((p) => `<text x="${X(p.k)}" y="${H - b + 16}" text-anchor="middle">${p.k}</text>`).join("");
  const yTicks = [s0, (s0 + s1) / 2, s1].map((s) => `<text x="${l - 6}" y="${(Number(Y(s)) + 4).toFixed(1)}" text-anchor="end">${formatScore(s)}</text>`).join("");
  const line = `<polyline fill="none" stroke="#4e79a7" stroke-width="2" points="${pts.map((p) => `${X(p.k)},${Y(p.silhouette)}`).join(" ")}"></polyline>`;
  const dots = pts.map((p) => `<circle cx="${X(p.k)}" cy="${Y(p.silhouette)}" r="3" fill="#4e79a7"><title>k = ${p.k}: silhouette ${formatScore(p.silhouette)}</title></circle>`).join("");
  const chosen = pts.find((p) => p.k === curve.chosen);
  const mark = chosen
    ? `<line class="chosen" x1="${X(chosen.k)}" x2="${X(chosen.k)}" y1="${t}" y2="${H - b}" stroke="#e15759" stroke-dasharray="4 3"></line><circle cx="${X(chosen.k)}" cy="${Y(chosen.silhouette)}" r="5.5" fill="none" stroke="#e15759" stroke-width="2"></circle><text x="${X(chosen.k)}" y="${t - 4}" text-anchor="middle" fill="#b03030">chosen k = ${chosen.k}</text>`
    : "";
  const label = `Silhouette by number of clusters, k = ${pts[0].k} to ${pts[pts.length - 1].k}; chosen k = ${escapeHtml(curve.chosen)}${chosen ? ` (silhouette ${formatScore(chosen.silhouette)})` : ""}`;
  return `${h}<svg class="kcurve" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${label}"><title>${label}</title><line x1="${l}" y1="${H - b}" x2="${W - r}" y2="${H - b}" stroke="#888"></line><line x1="${l}" y1="${t}" x2="${l}" y2="${H - b}" stroke="#888"></line>${xTicks}${yTicks}<text x="${(l + W - r) / 2}" y="${H - 6}" text-anchor="middle">k</text>${line}${dots}${mark}</svg>`;
}

function metricsSection(r: ClusterReportInput): string {
  const internal = metricTable("Internal (need no reference categories)", r.metrics.internal);
  const external = r.metrics.external ? metricTable("External (against reference categories)", r.metrics.external) : "";
  const body = internal || external ? internal + external : `<p class="empty">No metrics were computed.</p>`;
  return `<section id="metrics" aria-labelledby="metrics-h"><h2 id="metrics-h">Metrics</h2>${body}${r.kCurve ? kCurveChart(r.kCurve) : ""}</section>`;
}

function stabilitySection(s: ClusterReportStability): string {
  const ids = (list: readonly number[] | undefined) =>
    list?.length ? escapeHtml(list.slice(0, 50).join(", ") + (list.length > 50 ? `, … and ${formatCount(list.length - 50)} more` : "")) : DASH;
  const rows = (["kept", "new", "merged", "vanished"] as const)
    .map((k) => `<tr><th scope="row">${k}</th><td class="num">${formatCount(s[k])}</td><td>${ids(s.ids?.[k])}</td></tr>`)
    .join("");
  return `<section id="stability" aria-labelledby="stability-h"><h2 id="stability-h">Compared with the previous run</h2><table><thead><tr><th scope="col">Clusters</th><th scope="col" class="num">Count</th><th scope="col">Ids (vanished: previous run's ids)</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

const CSS = `:root{color-scheme:light}*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:16px 24px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1d1d1f;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .4em;border-bottom:1px solid #ddd;padding-bottom:.2em}h3{font-size:1.05em;margin:1.2em 0 .4em}
.sub,.note{color:#555}.empty{color:#777;font-style:italic}nav a{margin-right:1em}
.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:6px 18px;margin:.8em 0}.summary div{display:flex;flex-direction:column}
dt{font-size:.8em;color:#666;text-transform:uppercase;letter-spacing:.04em}dd{margin:0}code{font-size:.92em;background:#f3f3f5;padding:0 .3em;border-radius:3px;margin-right:.3em}
.warnings{background:#fff6e0;border:1px solid #e8c36a;border-radius:6px;padding:4px 14px;margin-top:1em}.warnings h2{border:0;margin:.4em 0;font-size:1.05em}
.map-box{display:flex;gap:14px;align-items:flex-start;flex-wrap:wrap}.map-wrap{position:relative;flex:1 1 600px;min-width:300px}
#map{display:block;width:100%;height:520px;border:1px solid #ddd;border-radius:6px;cursor:crosshair}
.tip{position:absolute;pointer-events:none;max-width:320px;background:rgba(20,20,24,.92);color:#fff;padding:6px 8px;border-radius:4px;font-size:12px}.tip strong{display:block}.tip span{color:#ccc}
.legend{list-style:none;margin:0;padding:0;flex:0 1 260px;max-height:520px;overflow:auto}.legend button{all:unset;cursor:pointer;display:block;padding:2px 4px;border-radius:3px;font-size:12px}
.legend button:hover,.legend button[aria-pressed="true"],td.id button[aria-pressed="true"]{background:#e9eef6}.legend button:focus-visible,td.id button:focus-visible{outline:2px solid #4e79a7}
td.id button{all:unset;cursor:pointer;padding:0 3px;border-radius:3px;text-decoration:underline dotted}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
svg{max-width:100%;height:auto;font-size:12px;fill:#333}svg text{fill:#333}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em}caption{text-align:left;color:#555;padding:4px 0}
th,td{border-bottom:1px solid #eee;padding:5px 8px;text-align:left;vertical-align:top}thead th{border-bottom:2px solid #ccc;font-size:.9em}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td ul{margin:0;padding-left:1.1em}small{color:#777}
.st{padding:0 6px;border-radius:8px;background:#eee;font-size:.85em}.st-new{background:#dff3e4}.st-merged{background:#fde8d0}.st-split{background:#e8e0f5}
table.metrics{max-width:900px}footer{margin-top:3em;color:#888;font-size:.85em}`;

/**
 * Renders a clustering run as one self-contained HTML page: no external resources, a CSP that allows only the page's
 * own script, and every string escaped. Only the map needs JavaScript; the tables and SVG charts are static.
 * @throws TypeError when the map's x, y, cluster and title lists differ in length.
 * @example
 * await fs.writeFile("report.html", renderClusterReport({ title: "Shop clusters", createdAt: new Date().toISOString(), … }));
 */
export function renderClusterReport(input: ClusterReportInput): string {
  const order = [...input.clusters].sort((a, b) => (isNum(b.size) ? b.size : 0) - (isNum(a.size) ? a.size : 0) || a.id - b.id);
  const map = mapSection(input, order);
  const csp = `default-src 'none'; script-src 'sha256-${MAP_SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const nav = [["map-section", "Map"], ["sizes", "Sizes"], ["clusters", "Clusters"], ["metrics", "Metrics"], ...(input.stability ? [["stability", "Stability"]] : [])]
    .map(([id, name]) => `<a href="#${id}">${name}</a>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="assort">
<title>${escapeHtml(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
${header(input)}
<nav aria-label="Sections">${nav}</nav>
${map}
${sizeChart(order, input.noise)}
${clusterTable(order, input.n, new Set<number>(input.map.cluster))}
${metricsSection(input)}
${input.stability ? stabilitySection(input.stability) : ""}
<footer>Generated by assort.</footer>
</body>
</html>
`;
}
