// The cluster report's 2-D map: cluster colours, the embedded data block, and the inline canvas script.
import { createHash } from "node:crypto";
import { escapeHtml, formatCount, jsonForScript, truncate } from "./html.js";

/** Numbers as the library hands them over (typed arrays) or as they come back from JSON. */
export type NumberList = Float32Array | Float64Array | readonly number[];
/** Integer labels, typed or plain. */
export type IntList = Int32Array | readonly number[];
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

/** What the map reads of the report input (a `ClusterReportInput` has all of it). */
export interface ClusterMapInput {
  /** Products clustered (the map shows a sample). */
  n: number;
  map: ClusterReportMap;
  clusters: readonly { id: number; label: string }[];
}

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

/** 4 significant digits: plenty for a plot, and about 7 bytes a coordinate. Non-finite → null (skipped). */
function round4(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : null;
}

/** The map's data block: columns (x, y, cluster, title) plus the colour and label of every id that occurs. */
function mapData(r: ClusterMapInput) {
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

/** base64 SHA-256 of {@link MAP_SCRIPT}, for the page's Content-Security-Policy. */
export const MAP_SCRIPT_HASH = createHash("sha256").update(MAP_SCRIPT, "utf8").digest("base64");

/** The map section: the legend in `order` (the table's order), the data block and the script. */
export function mapSection(r: ClusterMapInput, order: readonly { id: number }[]): string {
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
