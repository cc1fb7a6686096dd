// The shopper pages: the segments of the last recommender fit (names, sizes, their mean recency, frequency
// and spend, top item groups), a segment's members, and a shopper's profile (RFM, return rate, category
// affinity, segment) with their recommendations and the reason for each. Shopper data is personal: every
// route needs a key. All text is rendered as text.
import { useEffect, useState } from "preact/hooks";
import { ApiError, recommendations, segment, segments, shopper, type Profile, type RecItem, type Segment } from "./api";

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const money = (x: number): string => x.toFixed(2);
const num = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));

function problem(e: unknown, what: string): string {
  if (e instanceof ApiError && e.status === 401) return "Shopper data is personal: use an API key to see it.";
  if (e instanceof ApiError && e.status === 404) return `${what} not found.`;
  if (e instanceof ApiError && e.status === 503) return `${what}: ${e.message}`;
  return (e as Error).message;
}

function Segments({ onShopper }: { onShopper: (id: string) => void }) {
  const [list, setList] = useState<Awaited<ReturnType<typeof segments>> | null>(null);
  const [open, setOpen] = useState<(Segment & { members: string[] }) | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    segments()
      .then(setList)
      .catch((e) => setError(problem(e, "Segments")));
  }, []);
  if (error) return <p class="error">{error}</p>;
  if (!list) return <p>Loading…</p>;
  if (list.segments.length === 0) return <p class="empty">No segments yet: import shopper events and run a recommender job (POST /v1/jobs, kind "recommender").</p>;
  return (
    <>
      <p class="meta">
        Segmentation {list.version} ({list.createdAt})
      </p>
      <table class="segments">
        <thead>
          <tr>
            <th>segment</th>
            <th>shoppers</th>
            <th>share</th>
            <th>recency (days)</th>
            <th>orders</th>
            <th>spend</th>
            <th>top groups</th>
          </tr>
        </thead>
        <tbody>
          {list.segments.map((s) => (
            <tr key={s.id} data-testid="segment" class={open?.id === s.id ? "active-row" : ""}>
              <td>
                <button type="button" class="link" onClick={() => void segment(s.id).then(setOpen, (e) => setError(problem(e, "Segment")))}>
                  {s.name}
                </button>
              </td>
              <td>{s.size}</td>
              <td>{s.details?.share !== undefined ? pct(s.details.share) : "–"}</td>
              <td>{num(s.details?.mean?.["recencyDays"], 0)}</td>
              <td>{num(s.details?.mean?.["frequency"])}</td>
              <td>{num(s.details?.mean?.["monetary"], 2)}</td>
              <td>{(s.details?.topGroups ?? []).slice(0, 3).map((g) => `${g.name} ${pct(g.share)}`).join(" · ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && (
        <div class="segment-open" data-testid="segment-open">
          <h3>
            {open.name} <span class="cat">({open.size} shoppers)</span>
          </h3>
          {(open.details?.topItems ?? []).length > 0 && <p class="meta">favourite items: {(open.details?.topItems ?? []).join(", ")}</p>}
          <p class="members">
            {open.members.map((m) => (
              <button type="button" class="facet" key={m} onClick={() => onShopper(m)}>
                {m}
              </button>
            ))}
            {open.size > open.members.length ? ` … and ${open.size - open.members.length} more` : ""}
          </p>
        </div>
      )}
    </>
  );
}

function Recommendations({ id }: { id: string }) {
  const [mode, setMode] = useState<"all" | "new">("all");
  const [items, setItems] = useState<{ mode: "all" | "new"; list: RecItem[] } | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setItems(null);
    setError("");
    recommendations(id, mode)
      .then((r) => setItems({ mode, list: r.items }))
      .catch((e) => setError(problem(e, "Recommendations")));
  }, [id, mode]);
  return (
    <>
      <h3>
        Recommended{" "}
        <button type="button" class={`facet${mode === "all" ? " current" : ""}`} onClick={() => setMode("all")}>
          all
        </button>
        <button type="button" class={`facet${mode === "new" ? " current" : ""}`} onClick={() => setMode("new")}>
          never bought
        </button>
      </h3>
      {error && <p class="error">{error}</p>}
      {items && (
        <ol class="recs" data-mode={items.mode}>
          {items.list.map((r) => (
            <li key={r.itemId} data-testid="recommendation">
              <span class="title">{r.title ?? r.itemId}</span> <span class="reason">{r.reason.text}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

function ShopperProfile({ id }: { id: string }) {
  const [p, setP] = useState<Profile | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setP(null);
    setError("");
    shopper(id)
      .then(setP)
      .catch((e) => setError(problem(e, `Shopper ${id}`)));
  }, [id]);
  if (error) return <p class="error">{error}</p>;
  if (!p) return <p>Loading…</p>;
  const rows: [string, string][] = [
    ["segment", p.segment?.name ?? "none"],
    ["recency", p.recencyDays === null ? "never bought" : `${p.recencyDays.toFixed(1)} days since the last purchase`],
    ["frequency", `${p.frequency} orders`],
    ["spend (net of returns)", money(p.monetary)],
    ["spend (gross)", money(p.grossSpend)],
    ["return rate", pct(p.returnRate)],
    ["basket size", `${p.basketSize.toFixed(2)} items per order`],
    ["items bought", String(p.items)],
    ["views / carts", `${p.views} / ${p.carts}`],
    ["conversion", p.conversion === null ? "–" : pct(p.conversion)],
    ["first / last seen", `${p.firstSeen} / ${p.lastSeen}`],
  ];
  return (
    <section class="panel" data-testid="profile">
      <h2 class="title">{p.userId}</h2>
      <table>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td data-field={k}>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.affinity.length > 0 && (
        <>
          <h3>Category affinity (share of spend)</h3>
          <ol class="top3" data-testid="affinity">
            {p.affinity.slice(0, 8).map((a) => (
              <li key={a.group}>
                <meter min={0} max={1} value={a.share} /> <span class="score">{pct(a.share)}</span> <span class="cat">{a.group}</span>
              </li>
            ))}
          </ol>
        </>
      )}
      <Recommendations id={p.userId} />
    </section>
  );
}

export function Shoppers({ hasKey }: { hasKey: boolean }) {
  const [q, setQ] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  if (!hasKey) return <p class="empty">Shopper data is personal: change to an API key to see segments and shoppers.</p>;
  return (
    <div class="shoppers">
      <section class="panel">
        <h2>Segments</h2>
        <Segments onShopper={setOpen} />
      </section>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (q.trim()) setOpen(q.trim());
        }}
      >
        <input value={q} placeholder="Shopper id…" aria-label="Shopper id" onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        <button type="submit">Open shopper</button>
      </form>
      {open && <ShopperProfile id={open} />}
    </div>
  );
}
