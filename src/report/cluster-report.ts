// One self-contained HTML page for a clustering run: summary, 2-D map, size bars, cluster table, metrics.
import { clusterColor, MAP_SCRIPT_HASH, mapSection, type ClusterReportMap } from "./cluster-map.js";
import { DASH, escapeHtml, formatCount, formatScore, formatSeconds, isNum, truncate } from "./html.js";

/** A parameter value as it appears in a config file: JSON, plus `undefined` for "not set" (not shown). */
export type ReportParamValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly ReportParamValue[]
  | { readonly [key: string]: ReportParamValue };

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

function formatParam(v: ReportParamValue): string {
  return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
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
