// The dashboard: the live model and its history (activate, roll back: admin keys), the review threshold and
// coverage, what reviewers did with the model's suggestions (acceptance per category, decisions per day), and
// the jobs with their progress (cancel: write keys). Refreshes every 5 s. Drift and coverage at each precision
// (monitoring.tsx) refresh every 30 s.
import { useCallback, useEffect, useState } from "preact/hooks";
import { activate, cancelJob, jobs, models, reviewStats, rollback, type JobInfo, type ModelInfo, type ReviewStats, type WhoAmI } from "./api";
import { MonitoringPanels } from "./monitoring";

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function Dashboard({ me }: { me: WhoAmI }) {
  const [ms, setMs] = useState<{ active: string | null; models: ModelInfo[] } | null>(null);
  const [js, setJs] = useState<JobInfo[]>([]);
  const [stats, setStats] = useState<ReviewStats | null>(null);
  const [status, setStatus] = useState("");
  const admin = me.role === "admin";

  const refresh = useCallback(async () => {
    try {
      const [m, j, s] = await Promise.all([models(), jobs(), reviewStats()]);
      setMs(m);
      setJs(j.jobs);
      setStats(s);
    } catch (e) {
      setStatus((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), 5000);
    return () => clearInterval(t);
  }, [refresh]);

  const act = (what: string, fn: () => Promise<unknown>) => async () => {
    try {
      await fn();
      setStatus(`${what}: done`);
    } catch (e) {
      setStatus(`${what}: ${(e as Error).message}`);
    }
    void refresh();
  };

  return (
    <div class="dashboard">
      <p class="status" role="status">
        {status}
      </p>
      <section class="panel">
        <h2>Model</h2>
        {me.review ? (
          <p>
            Live <strong data-testid="live-model">{me.review.model}</strong> · products scored below {me.review.threshold.toFixed(4)} go to review (precision{" "}
            {me.review.minPrecision}
            {me.review.coverage !== null ? `, ${pct(me.review.coverage)} of held-out products decided` : ", uncalibrated: the precision taken as a score"})
          </p>
        ) : (
          <p>No model is live.</p>
        )}
        {ms && (
          <table>
            <thead>
              <tr>
                <th>version</th>
                <th>registered</th>
                <th>labels</th>
                <th>source</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {[...ms.models].reverse().map((m) => (
                <tr key={m.version} class={m.active ? "active-row" : ""}>
                  <td>{m.version}</td>
                  <td>{m.registeredAt}</td>
                  <td>{m.labels}</td>
                  <td>{m.source ?? ""}</td>
                  <td>
                    {m.active ? (
                      "live"
                    ) : admin ? (
                      <button type="button" onClick={act(`Activate ${m.version}`, () => activate(m.version))}>
                        Activate
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {admin && ms && ms.models.length > 1 && (
          <button type="button" onClick={act("Roll back", rollback)}>
            Roll back to the previous model
          </button>
        )}
      </section>
      <MonitoringPanels />
      <section class="panel">
        <h2>Reviewers and the model</h2>
        {stats && stats.decisions > 0 ? (
          <>
            <p data-testid="acceptance">
              {stats.decisions} decisions, {pct(stats.accepted / stats.decisions)} of the model's suggestions accepted
            </p>
            <table>
              <thead>
                <tr>
                  <th>suggested category</th>
                  <th>decisions</th>
                  <th>accepted</th>
                </tr>
              </thead>
              <tbody>
                {stats.categories.slice(0, 30).map((c) => (
                  <tr key={c.category}>
                    <td>{c.category}</td>
                    <td>{c.decisions}</td>
                    <td>
                      <meter min={0} max={1} value={c.acceptance} /> {pct(c.acceptance)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Decisions per day</h3>
            <table>
              <tbody>
                {stats.days.slice(-14).map((d) => (
                  <tr key={d.day}>
                    <td>{d.day}</td>
                    <td>{d.accepted} accepted</td>
                    <td>{d.corrected} corrected</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : (
          <p>No decisions yet.</p>
        )}
      </section>
      <section class="panel">
        <h2>Jobs</h2>
        {js.length === 0 ? (
          <p>No jobs.</p>
        ) : (
          <table>
            <tbody>
              {js.map((j) => (
                <tr key={j.id}>
                  <td>{j.kind}</td>
                  <td>{j.state}</td>
                  <td>
                    {j.progress && j.progress.total > 0 ? (
                      <>
                        <meter min={0} max={j.progress.total} value={j.progress.done} /> {j.progress.stage} {j.progress.done}/{j.progress.total}
                      </>
                    ) : (
                      (j.progress?.stage ?? "")
                    )}
                  </td>
                  <td>{j.error ?? ""}</td>
                  <td>
                    {me.canWrite && (j.state === "queued" || j.state === "running") && (
                      <button type="button" onClick={act(`Cancel ${j.id}`, () => cancelJob(j.id))}>
                        Cancel
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
