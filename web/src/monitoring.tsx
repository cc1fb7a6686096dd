// The dashboard's monitoring panels: drift of the categories served in the last N days against the live
// model's training mix (per-category bars, served vs training, flagged categories highlighted; overall PSI and
// Jensen–Shannon), predictions served per day with their mean top-1 score, and the share the live model
// decides alone at each precision. Charts are plain SVG; every label is a text node (never markup).
import { useCallback, useEffect, useState } from "preact/hooks";
import { monitoring, type CategoryDrift, type MonitoringReport } from "./api";

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
/** Categories the drift chart shows (largest PSI first; flagged ones always). */
const SHOWN = 20;
const WINDOWS = [1, 7, 30];

function DriftBars({ rows, threshold }: { rows: CategoryDrift[]; threshold: number }) {
  const max = Math.max(0.01, ...rows.flatMap((r) => [r.servedShare, r.trainingShare]));
  const W = 640;
  const BAR = 420;
  const ROW = 44;
  return (
    <svg class="drift-chart" viewBox={`0 0 ${W} ${rows.length * ROW + 4}`} width="100%" role="img" aria-label="Served share and training share per category">
      {rows.map((r, i) => {
        const y = i * ROW;
        return (
          <g key={r.category} class={r.flagged ? "drift-row flagged" : "drift-row"} data-testid={r.flagged ? "drift-flagged" : "drift-row"} data-category={r.category}>
            <title>{`${r.category}: served ${pct(r.servedShare)} (${r.served}), training ${pct(r.trainingShare)}, PSI ${r.psi.toFixed(3)}${r.flagged ? ` > ${threshold}` : ""}`}</title>
            {r.flagged && <rect class="drift-flag-bg" x={0} y={y} width={W} height={ROW - 2} />}
            <text class="drift-label" x={4} y={y + 13}>
              {r.category}
            </text>
            <rect class="bar-served" x={4} y={y + 18} width={Math.max(1, (r.servedShare / max) * BAR)} height={9} />
            <rect class="bar-training" x={4} y={y + 29} width={Math.max(1, (r.trainingShare / max) * BAR)} height={9} />
            <text class="drift-value" x={BAR + 12} y={y + 26}>
              {`${pct(r.servedShare)} vs ${pct(r.trainingShare)}`}
            </text>
            <text class="drift-psi" x={W - 4} y={y + 26} text-anchor="end">
              {`PSI ${r.psi.toFixed(3)}${r.flagged ? " ⚑" : ""}`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function DailyChart({ days }: { days: MonitoringReport["daily"] }) {
  const W = 640;
  const H = 120;
  const max = Math.max(1, ...days.map((d) => d.count));
  const step = W / Math.max(1, days.length);
  const line = days
    .map((d, i) => (d.meanScore === null ? null : `${(i + 0.5) * step},${H - d.meanScore * H}`))
    .filter((p): p is string => p !== null)
    .join(" ");
  return (
    <svg class="daily-chart" viewBox={`0 0 ${W} ${H + 16}`} width="100%" role="img" aria-label="Predictions served per day, and their mean top-1 score">
      {days.map((d, i) => {
        const h = (d.count / max) * H;
        return (
          <rect key={d.day} class="bar-served" x={i * step + 1} y={H - h} width={Math.max(1, step - 2)} height={h}>
            <title>{`${d.day}: ${d.count} served${d.meanScore !== null ? `, mean top-1 score ${d.meanScore.toFixed(3)}` : ""}`}</title>
          </rect>
        );
      })}
      {line !== "" && <polyline class="mean-line" points={line} />}
      {days.map((d, i) => (d.meanScore === null ? null : <circle key={`m${d.day}`} class="mean-dot" cx={(i + 0.5) * step} cy={H - d.meanScore * H} r={3} />))}
      <text x={0} y={H + 13} class="axis">
        {days[0]?.day ?? ""}
      </text>
      <text x={W} y={H + 13} class="axis" text-anchor="end">
        {days[days.length - 1]?.day ?? ""}
      </text>
    </svg>
  );
}

export function MonitoringPanels() {
  const [days, setDays] = useState(7);
  const [r, setR] = useState<MonitoringReport | null>(null);
  const [error, setError] = useState("");
  const load = useCallback(async () => {
    try {
      setR(await monitoring(days));
      setError("");
    } catch (e) {
      setError((e as Error).message);
    }
  }, [days]);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 30_000);
    return () => clearInterval(t);
  }, [load]);

  const d = r?.drift ?? null;
  const shown = d ? [...d.categories.filter((c) => c.flagged), ...d.categories.filter((c) => !c.flagged)].slice(0, Math.max(SHOWN, d.flagged.length)) : [];
  return (
    <>
      <section class="panel" data-testid="drift-panel">
        <h2>Drift</h2>
        <p>
          Last{" "}
          <select aria-label="Window" value={days} onChange={(e) => setDays(Number((e.currentTarget as HTMLSelectElement).value))}>
            {WINDOWS.map((n) => (
              <option key={n} value={n}>
                {n === 1 ? "day" : `${n} days`}
              </option>
            ))}
          </select>{" "}
          <button type="button" onClick={() => void load()}>
            Refresh
          </button>
        </p>
        {error && <p class="status">{error}</p>}
        {r && (
          <>
            <p data-testid="drift-summary">
              {r.served} predictions served{r.model ? ` · live model ${r.model}` : ""}
              {d ? (
                <>
                  {" "}
                  · PSI <strong>{d.psi.toFixed(3)}</strong> · Jensen–Shannon <strong>{d.js.toFixed(3)}</strong> ·{" "}
                  <strong class={d.flagged.length > 0 ? "flag-text" : ""}>{d.flagged.length}</strong> categor{d.flagged.length === 1 ? "y" : "ies"} over PSI {r.threshold}
                </>
              ) : null}
            </p>
            {!r.training.available && <p class="hint">No drift: {r.training.reason}</p>}
            {r.training.available && !d && <p class="hint">No predictions served in this window yet.</p>}
            {r.retentionDays === 0 && <p class="hint">The prediction log is off (assort serve --prediction-log-days 0).</p>}
            {d && (
              <>
                <p class="legend">
                  <span class="key served" /> served <span class="key training" /> training ({r.training.rows} products){" "}
                  {d.categories.length > shown.length ? `· ${shown.length} of ${d.categories.length} categories, flagged and largest shift first` : ""}
                </p>
                <DriftBars rows={shown} threshold={r.threshold} />
              </>
            )}
            <h3>Served per day</h3>
            <DailyChart days={r.daily} />
            <p class="legend">
              <span class="key served" /> predictions <span class="key mean" /> mean top-1 score (0 to 1)
            </p>
          </>
        )}
      </section>
      {r && (
        <section class="panel" data-testid="coverage-panel">
          <h2>Coverage at each precision</h2>
          {!r.coverage.calibrated ? (
            <p class="hint">The live model has no held-out calibration data: it cannot pick thresholds for a precision.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>precision</th>
                  <th>score threshold</th>
                  <th>decided (held-out)</th>
                  <th>decided (served, {r.coverage.served})</th>
                </tr>
              </thead>
              <tbody>
                {r.coverage.points.map((p) => (
                  <tr key={p.precision}>
                    <td>{p.precision.toFixed(2)}</td>
                    <td>{p.threshold !== null ? p.threshold.toFixed(4) : "—"}</td>
                    <td>{p.heldOutCoverage !== null ? pct(p.heldOutCoverage) : (p.note ?? "—")}</td>
                    <td>
                      {p.coverage !== null ? (
                        <>
                          <meter min={0} max={1} value={p.coverage} /> {pct(p.coverage)}
                        </>
                      ) : (
                        "—"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </>
  );
}
