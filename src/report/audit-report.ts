// The catalog audit as one self-contained HTML page (a pure function: the CLI writes it to report.html).
import path from "node:path";
import type { AuditReport } from "../pipeline/audit.js";
import { escapeHtml, formatPercent } from "./html.js";

/**
 * The audit as a small self-contained HTML page (no scripts, every string escaped): the summary, the top 200
 * suspected mislabels, the first 100 duplicate groups whose categories conflict, and the categories' sizes.
 * @example await fs.writeFile("audit/report.html", renderAuditReport(await auditCatalog(products), "catalog.jsonl"));
 */
export function renderAuditReport(r: AuditReport, dataset: string): string {
  const issues = r.labelIssues.slice(0, 200);
  const conflicts = [...r.exactDuplicates, ...r.nearDuplicates].filter((g) => g.conflicting).slice(0, 100);
  const row = (cells: unknown[]): string => `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Audit of ${escapeHtml(path.basename(dataset))}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}</style></head>
<body><h1>Audit of ${escapeHtml(dataset)}</h1>
<p>${escapeHtml(r.rows)} products, ${escapeHtml(r.categories)} categories, ${escapeHtml(r.folds)}-fold out-of-fold accuracy ${escapeHtml(formatPercent(r.outOfFoldAccuracy))}.
Estimated label errors: ${escapeHtml(r.estimatedLabelErrors)}; flagged: ${escapeHtml(r.labelIssues.length)} (method ${escapeHtml(r.method)}).</p>
<h2>Suspected mislabels${r.labelIssues.length > issues.length ? ` (top ${issues.length})` : ""}</h2>
<table><thead><tr><th>id</th><th>line</th><th>title</th><th>filed under</th><th>suggested</th><th>score</th><th>p(label)</th><th>p(suggested)</th></tr></thead><tbody>
${issues.map((i) => row([i.id, i.line ?? "", i.title, i.label, i.suggested, i.score.toFixed(3), i.labelProbability.toFixed(3), i.suggestedProbability.toFixed(3)])).join("\n")}
</tbody></table>
<h2>Duplicate groups with conflicting categories${conflicts.length === 100 ? " (first 100)" : ""}</h2>
<table><thead><tr><th>kind</th><th>categories</th><th>products</th></tr></thead><tbody>
${conflicts.map((g) => row([g.similarity === undefined ? "exact" : `near (${g.similarity.toFixed(2)})`, g.labels.join(" | "), g.members.map((m) => `${m.id}: ${m.title}`).join(" · ")])).join("\n")}
</tbody></table>
<h2>Categories</h2>
<p>Largest/smallest ratio ${escapeHtml(r.imbalance.ratio)}, Gini ${escapeHtml(r.imbalance.gini)}, normalized entropy ${escapeHtml(r.imbalance.normalizedEntropy)}.</p>
<table><thead><tr><th>category</th><th>products</th><th>threshold</th></tr></thead><tbody>
${r.imbalance.counts.map((c) => row([c.count < r.minClassSize ? `${c.label} (too small)` : c.label, c.count, r.thresholds[c.label] ?? ""])).join("\n")}
</tbody></table>
</body></html>
`;
}
