// Checks the audit page: every string escaped, no scripts, the lists cut and flagged as the CLI's report.html shows them.
import { describe, expect, it } from "vitest";
import type { AuditReport } from "../pipeline/audit.js";
import { renderAuditReport } from "./audit-report.js";

const XSS = `</td><script>alert("x")</script>`;

function report(): AuditReport {
  return {
    rows: 3,
    categories: 2,
    folds: 2,
    seed: 1,
    classifier: "linear-svm",
    method: "pruned",
    outOfFoldAccuracy: 0.9915,
    estimatedLabelErrors: 1,
    thresholds: { Kettles: 0.8, [XSS]: 0.7 },
    unjudged: 0,
    labelIssues: [{ id: "p1", line: 2, title: XSS, label: "Kettles", suggested: XSS, score: 0.9, labelProbability: 0.1, suggestedProbability: 0.85 }],
    exactDuplicates: [{ size: 2, conflicting: true, labels: ["Kettles", XSS], members: [{ id: "p2", title: "a & b" }, { id: "p3", title: "a & b" }] }],
    nearDuplicates: [],
    imbalance: { counts: [{ label: "Kettles", count: 2 }, { label: XSS, count: 1 }], largest: { label: "Kettles", count: 2 }, smallest: { label: XSS, count: 1 }, ratio: 2, gini: 0.17, normalizedEntropy: 0.92 },
    minClassSize: 2,
    smallCategories: [{ label: XSS, count: 1 }],
    seconds: 1.5,
    warnings: [],
  };
}

describe("renderAuditReport", () => {
  it("escapes every string and runs no script", () => {
    const html = renderAuditReport(report(), "data/<shop>.jsonl");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;/td&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("<title>Audit of &lt;shop&gt;.jsonl</title>");
    expect(html).toContain("2-fold out-of-fold accuracy 99.2%");
    expect(html).toContain("<td>exact</td>");
    expect(html).toContain("p2: a &amp; b · p3: a &amp; b");
    expect(html).toContain(`(too small)</td>`);
  });

  it("shows at most 200 suspected mislabels and says so", () => {
    const r = report();
    r.labelIssues = Array.from({ length: 250 }, (_, i) => ({ ...r.labelIssues[0]!, id: `p${i}`, title: `t${i}` }));
    const html = renderAuditReport(r, "c.jsonl");
    expect(html).toContain("Suspected mislabels (top 200)");
    expect(html).toContain("<td>t199</td>");
    expect(html).not.toContain("<td>t200</td>");
  });
});
