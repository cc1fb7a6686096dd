// The audit page: runs an `audit` job (label issues with the suggested category, duplicates, small
// categories among the labelled products) and walks its label issues by keyboard: j/k move, t takes the
// suggestion (a correction), d dismisses it (the label is confirmed, recorded as an accepted decision).
import { useEffect, useRef, useState } from "preact/hooks";
import { allJobs, decide, job, startAudit, type AuditResult } from "./api";

export function Audit({ canWrite }: { canWrite: boolean }) {
  const [result, setResult] = useState<AuditResult | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [state, setState] = useState("");
  const [issues, setIssues] = useState<AuditResult["labelIssues"]>([]);
  const [at, setAt] = useState(0);
  const [status, setStatus] = useState("");
  const busy = useRef(false);

  const show = (id: string, r: AuditResult): void => {
    setJobId(id);
    setResult(r);
    setIssues(r.labelIssues);
    setAt(0);
  };

  // The latest finished audit, if any.
  useEffect(() => {
    allJobs()
      .then(({ jobs }) => {
        const last = jobs.find((j) => j.kind === "audit" && j.state === "done" && j.result);
        if (last) show(last.id, last.result as AuditResult);
      })
      .catch((e: Error) => setStatus(e.message));
  }, []);

  const run = async (): Promise<void> => {
    try {
      const j = await startAudit();
      setState("queued");
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const now = await job(j.id);
        setState(`${now.state}${now.progress?.total ? ` ${now.progress.stage} ${now.progress.done}/${now.progress.total}` : ""}`);
        if (now.state === "done") {
          show(j.id, now.result as AuditResult);
          setState("done");
          return;
        }
        if (now.state === "failed" || now.state === "cancelled") {
          setState(`${now.state}: ${now.error ?? ""}`);
          return;
        }
      }
    } catch (e) {
      setStatus((e as Error).message);
    }
  };

  const settle = async (i: number, take: boolean): Promise<void> => {
    const issue = issues[i];
    if (!issue || busy.current) return;
    busy.current = true;
    try {
      await decide([take ? { productId: issue.id, category: issue.suggested } : { productId: issue.id, accept: true }]);
      setIssues((xs) => xs.filter((x) => x.id !== issue.id));
      setAt((a) => Math.min(a, Math.max(0, issues.length - 2)));
      setStatus(take ? `Set ${issue.suggested}` : `Kept ${issue.label}`);
    } catch (e) {
      setStatus(`Not saved: ${(e as Error).message}`);
    } finally {
      busy.current = false;
    }
  };

  const onKey = useRef<(e: KeyboardEvent) => void>(() => undefined);
  onKey.current = (e: KeyboardEvent): void => {
    const t = e.target as HTMLElement | null;
    if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA"))) return;
    if (e.key === "j") setAt((a) => Math.min(a + 1, Math.max(0, issues.length - 1)));
    else if (e.key === "k") setAt((a) => Math.max(a - 1, 0));
    else if (canWrite && e.key === "t") void settle(at, true);
    else if (canWrite && e.key === "d") void settle(at, false);
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent): void => onKey.current(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  return (
    <div class="audit">
      <section class="panel">
        <h2>Audit of the labelled products</h2>
        {canWrite && (
          <button type="button" class="primary" onClick={() => void run()} disabled={state !== "" && state !== "done" && !state.startsWith("failed") && !state.startsWith("cancelled")}>
            Run an audit
          </button>
        )}{" "}
        <span data-testid="audit-state">{state}</span>
        <p class="status" role="status">
          {status}
        </p>
        {result && (
          <p data-testid="audit-summary">
            Job {jobId}: {result.rows} labelled products in {result.categories} categories, out-of-fold accuracy {(result.outOfFoldAccuracy * 100).toFixed(1)}%, about{" "}
            {result.estimatedLabelErrors} label errors; {result.exactDuplicateGroups} exact and {result.nearDuplicateGroups} near-duplicate groups
            {result.smallCategories.length > 0 && `; small categories: ${result.smallCategories.map((c) => `${c.label} (${c.count})`).join(", ")}`}
          </p>
        )}
        <p class="keys">{canWrite ? "j/k move · t take the suggestion · d dismiss (keep the label)" : "read-only key: decisions are hidden"}</p>
      </section>
      <ol class="issues">
        {issues.map((x, i) => (
          <li key={x.id} data-testid="issue" data-id={x.id} class={`card${i === at ? " active" : ""}`} onClick={() => setAt(i)}>
            <span class="title">{x.title}</span>
            <span class="meta">
              labelled <span class="cat">{x.label}</span> → suggested <strong>{x.suggested}</strong> ({(x.score * 100).toFixed(1)}%)
            </span>
          </li>
        ))}
      </ol>
      {result && issues.length === 0 && <p class="empty">No label issues left.</p>}
    </div>
  );
}
