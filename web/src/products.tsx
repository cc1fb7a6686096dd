// The product page: the catalog's search (BM25, category facets), a product's stored fields, its categories
// (given, predicted, corrected), the live model's top-3 with the terms behind them, similar items, and (once
// shopper events exist and a recommender is fitted) the items bought together with it and why.
// Every value is rendered as text.
import { useEffect, useState } from "preact/hooks";
import { boughtTogether, explainItem, product, search, similar, type Product, type RecItem, type ReviewItem, type SearchHit } from "./api";

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function Detail({ id, onOpen }: { id: string; onOpen: (id: string) => void }) {
  const [p, setP] = useState<Product | null>(null);
  const [pred, setPred] = useState<ReviewItem["prediction"] | null>(null);
  const [near, setNear] = useState<{ id: string; title: string; category?: string; score: number }[]>([]);
  const [together, setTogether] = useState<RecItem[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    setP(null);
    setPred(null);
    setNear([]);
    setTogether([]);
    // Only once shopper events exist and a recommender is fitted (otherwise the route answers an error: nothing to show).
    boughtTogether(id)
      .then((r) => setTogether(r.items))
      .catch(() => setTogether([]));
    product(id)
      .then((got) => {
        setP(got);
        return explainItem({ ...got.fields, id: got.id, title: got.title }).then((r) => setPred(r.results[0] ?? null));
      })
      .catch((e: Error) => setError(e.message));
    similar(id)
      .then((r) => setNear(r.neighbors))
      .catch(() => setNear([]));
  }, [id]);
  if (error) return <p class="error">{error}</p>;
  if (!p) return <p>Loading…</p>;
  return (
    <section class="panel product" data-testid="product">
      <h2 class="title">{p.title}</h2>
      {p.description && <p class="desc">{p.description}</p>}
      <table>
        <tbody>
          <tr>
            <th>category in use</th>
            <td data-testid="effective">{p.effectiveCategory ?? "none"}</td>
          </tr>
          {p.category && (
            <tr>
              <th>given by the catalog</th>
              <td>{p.category}</td>
            </tr>
          )}
          {p.predicted && (
            <tr>
              <th>predicted</th>
              <td>
                {p.predicted.category} ({pct(p.predicted.score)}, model {p.predicted.model})
              </td>
            </tr>
          )}
          {p.correctedCategory && (
            <tr>
              <th>corrected by a person</th>
              <td>{p.correctedCategory}</td>
            </tr>
          )}
          {Object.entries(p.fields)
            .filter(([k]) => k !== "title" && k !== "description" && k !== "id")
            .map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{show(v)}</td>
              </tr>
            ))}
        </tbody>
      </table>
      {pred && (
        <>
          <h3>The live model now</h3>
          <ol class="top3">
            {pred.categories.map((c) => (
              <li key={c.category}>
                <meter min={0} max={1} value={c.score} /> <span class="score">{pct(c.score)}</span> <span class="cat">{c.category}</span>
              </li>
            ))}
          </ol>
          {pred.explanation && pred.explanation.features.length > 0 && (
            <p class="why">
              <span class="label">for</span>
              {pred.explanation.features.slice(0, 8).map((t) => (
                <span class="term plus" key={t.term}>
                  {t.term} +{t.weight.toFixed(2)}
                </span>
              ))}
            </p>
          )}
        </>
      )}
      {together.length > 0 && (
        <>
          <h3>Bought together</h3>
          <ul class="similar" data-testid="bought-together">
            {together.map((t) => (
              <li key={t.itemId}>
                <button type="button" class="link" onClick={() => onOpen(t.itemId)}>
                  {t.title ?? t.itemId}
                </button>{" "}
                <span class="reason">{t.reason.text}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {near.length > 0 && (
        <>
          <h3>Similar items</h3>
          <ul class="similar">
            {near.map((n) => (
              <li key={n.id}>
                <button type="button" class="link" onClick={() => onOpen(n.id)}>
                  {n.title}
                </button>{" "}
                <span class="cat">{n.category ?? ""}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function Products() {
  const [q, setQ] = useState("");
  const [category, setCategory] = useState<string | undefined>();
  const [res, setRes] = useState<{ total: number; hits: SearchHit[]; facets: { category: string; count: number }[] } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    if (q.trim() === "") {
      setRes(null);
      return;
    }
    const t = setTimeout(() => {
      search(q, category)
        .then(setRes)
        .catch(() => setRes(null));
    }, 150);
    return () => clearTimeout(t);
  }, [q, category]);
  return (
    <div class="products">
      <input class="search" placeholder="Search the catalog…" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} aria-label="Search the catalog" />
      <div class="columns">
        <div>
          {res && (
            <>
              <p class="count">{res.total} found</p>
              <p class="facets">
                {category && (
                  <button type="button" class="link" onClick={() => setCategory(undefined)}>
                    all categories
                  </button>
                )}
                {res.facets.slice(0, 12).map((f) => (
                  <button type="button" class={`facet${f.category === category ? " current" : ""}`} key={f.category} onClick={() => setCategory(f.category)}>
                    {f.category} ({f.count})
                  </button>
                ))}
              </p>
              <ul class="hits">
                {res.hits.map((h) => (
                  <li key={h.id} data-testid="hit">
                    <button type="button" class="link" onClick={() => setOpen(h.id)}>
                      {h.title}
                    </button>{" "}
                    <span class="cat">{h.category ?? h.predicted ?? ""}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
        {open && <Detail id={open} onOpen={setOpen} />}
      </div>
    </div>
  );
}
