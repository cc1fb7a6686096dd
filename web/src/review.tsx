// The review queue: cards of the products the model could not decide, most uncertain first. Keyboard first:
// j/k move, a accepts, c or / opens the category picker, u undoes the last decision (the last 10 stay
// editable in the side list), and each decision advances to the next card.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { decide, reviewPage, undo, type Correction, type Filters, type ReviewItem } from "./api";
import { Picker } from "./picker";

const EMPTY: Filters = { category: "", minScore: "", maxScore: "", q: "", spread: false };
const HISTORY = 10;

interface Done {
  correction: Correction;
  item: ReviewItem;
  /** Where the card was in the queue. */
  at: number;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function Card({ item, active, onSelect }: { item: ReviewItem; active: boolean; onSelect: () => void }) {
  const p = item.prediction;
  const ex = p?.explanation;
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (active) ref.current?.scrollIntoView({ block: "nearest" });
  }, [active]);
  return (
    <article ref={ref} class={`card${active ? " active" : ""}`} data-id={item.id} data-testid="card" onClick={onSelect} aria-current={active ? "true" : undefined}>
      <div class="card-main">
        {item.photo && <img class="photo" src={item.photo} alt="" loading="lazy" referrerpolicy="no-referrer" />}
        <div>
          <h2 class="title">{item.title}</h2>
          {item.description && <p class="desc">{item.description}</p>}
          <p class="meta">
            id {item.id} ·{" "}
            {item.predicted.model.startsWith("cluster:") ? (
              <span data-testid="suggestion">
                suggested {item.predicted.category} (from {item.predicted.model})
              </span>
            ) : (
              <>
                stored prediction {item.predicted.category} ({pct(item.predicted.score)})
              </>
            )}
            {p?.decision && (
              <span class={`status status-${p.decision.status}`} title="the live model's decision at the serving precision">
                {p.decision.status === "leaf" ? (p.decision.needsReview ? "below threshold" : "decided") : p.decision.status === "backoff" ? `backed off to ${p.decision.category ?? ""}` : "abstained"}
              </span>
            )}
          </p>
        </div>
      </div>
      {p && (
        <ol class="top3">
          {p.categories.slice(0, 3).map((c) => (
            <li key={c.category}>
              <meter min={0} max={1} value={c.score} />
              <span class="score">{pct(c.score)}</span> <span class="cat">{c.category}</span>
            </li>
          ))}
        </ol>
      )}
      {active && ex && (
        <div class="why">
          {ex.features.length > 0 && (
            <p>
              <span class="label">for</span>
              {ex.features.slice(0, 8).map((t) => (
                <span class="term plus" key={t.term}>
                  {t.term} +{t.weight.toFixed(2)}
                </span>
              ))}
            </p>
          )}
          {ex.against.length > 0 && (
            <p>
              <span class="label">against</span>
              {ex.against.slice(0, 5).map((t) => (
                <span class="term minus" key={t.term}>
                  {t.term} {t.weight.toFixed(2)}
                </span>
              ))}
            </p>
          )}
          {ex.neighbors.length > 0 && (
            <div class="neighbors">
              <span class="label">nearest labelled</span>
              <ul>
                {ex.neighbors.slice(0, 3).map((n) => (
                  <li key={n.id}>
                    {n.title} <span class="cat">→ {n.category}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </article>
  );
}

export function ReviewQueue({ canWrite }: { canWrite: boolean }) {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [items, setItems] = useState<ReviewItem[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [total, setTotal] = useState(0);
  const [at, setAt] = useState(0);
  const [history, setHistory] = useState<Done[]>([]);
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [status, setStatus] = useState<string>("");
  const [loading, setLoading] = useState(true);
  const busy = useRef(false);
  const generation = useRef(0);

  const load = useCallback(async (f: Filters) => {
    const g = ++generation.current;
    setLoading(true);
    try {
      const page = await reviewPage(f);
      if (g !== generation.current) return;
      setItems(page.items);
      setNext(page.next);
      setTotal(page.total);
      setAt(0);
    } catch (e) {
      if (g === generation.current) setStatus((e as Error).message);
    } finally {
      if (g === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    const t = setTimeout(() => void load(filters), 150);
    return () => clearTimeout(t);
  }, [filters, load]);

  // Keep a few cards ahead: fetch the next page when the selection nears the end.
  useEffect(() => {
    if (!next || loading || items.length - at > 5) return;
    const g = generation.current;
    const cursor = next;
    setNext(undefined);
    reviewPage(filters, { cursor })
      .then((page) => {
        if (g !== generation.current) return;
        setItems((xs) => [...xs, ...page.items.filter((i) => !xs.some((x) => x.id === i.id))]);
        setNext(page.next);
      })
      .catch((e: Error) => setStatus(e.message));
  }, [at, items.length, next, loading, filters]);

  const record = async (item: ReviewItem, choice: { accept: true } | { category: string }): Promise<void> => {
    if (busy.current) return;
    busy.current = true;
    const index = items.indexOf(item);
    try {
      const { corrections } = await decide([{ productId: item.id, ...choice }]);
      const c = corrections[0]!;
      setHistory((h) => [{ correction: c, item, at: index }, ...h].slice(0, HISTORY));
      setItems((xs) => xs.filter((x) => x.id !== item.id));
      setTotal((t) => Math.max(0, t - 1));
      setAt((i) => Math.min(i, Math.max(0, items.length - 2)));
      setStatus(c.accepted ? `Accepted ${c.category}` : `Set ${c.category}`);
    } catch (e) {
      setStatus(`Not saved: ${(e as Error).message}`);
    } finally {
      busy.current = false;
    }
  };

  const undoOne = async (d: Done, thenPick = false): Promise<void> => {
    if (busy.current) return;
    busy.current = true;
    try {
      await undo(d.correction.id);
      setHistory((h) => h.filter((x) => x !== d));
      setItems((xs) => {
        const copy = xs.filter((x) => x.id !== d.item.id);
        const pos = Math.min(d.at, copy.length);
        copy.splice(pos, 0, d.item);
        setAt(pos);
        return copy;
      });
      setTotal((t) => t + 1);
      setStatus(`Undone: ${d.item.title}`);
      if (thenPick) setPicking(true);
    } catch (e) {
      setStatus(`Not undone: ${(e as Error).message}`);
    } finally {
      busy.current = false;
    }
  };

  const acceptAll = async (n: number): Promise<void> => {
    setConfirming(null);
    busy.current = true;
    let done = 0;
    try {
      while (done < n) {
        const page = await reviewPage(filters, { limit: Math.min(200, n - done), details: false });
        if (page.items.length === 0) break;
        await decide(page.items.map((i) => ({ productId: i.id, accept: true })));
        done += page.items.length;
        setStatus(`Accepted ${done} of ${n}…`);
      }
      setStatus(`Accepted ${done} products`);
    } catch (e) {
      setStatus(`Stopped after ${done}: ${(e as Error).message}`);
    } finally {
      busy.current = false;
      void load(filters);
    }
  };

  const current = items[at];
  // The key handler of the latest render: set while rendering, so a key pressed right after a card changes
  // acts on the card on screen (an effect would re-register only after paint, leaving a stale handler).
  const onKey = useRef<(e: KeyboardEvent) => void>(() => undefined);
  onKey.current = (e: KeyboardEvent): void => {
    // Escape closes the picker or the confirmation wherever the focus is.
    if (e.key === "Escape" && (picking || confirming !== null)) {
      setPicking(false);
      setConfirming(null);
      return;
    }
    if (picking || confirming !== null || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    if (e.key === "j") setAt((i) => Math.min(i + 1, Math.max(0, items.length - 1)));
    else if (e.key === "k") setAt((i) => Math.max(i - 1, 0));
    else if (!canWrite) return;
    else if (e.key === "a" && current) void record(current, { accept: true });
    else if ((e.key === "c" || e.key === "/") && current) {
      e.preventDefault();
      setPicking(true);
    } else if (e.key === "u" && history[0]) void undoOne(history[0]);
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent): void => onKey.current(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  const set = (k: keyof Filters) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setFilters((f) => ({ ...f, [k]: el.type === "checkbox" ? el.checked : el.value }));
  };

  return (
    <div class="review">
      <section class="filters" aria-label="Filters">
        <input placeholder="Predicted category (or below)" value={filters.category} onInput={set("category")} aria-label="Predicted category" />
        <input placeholder="min score" inputMode="decimal" size={6} value={filters.minScore} onInput={set("minScore")} aria-label="Minimum score" />
        <input placeholder="max score" inputMode="decimal" size={6} value={filters.maxScore} onInput={set("maxScore")} aria-label="Maximum score" />
        <input placeholder="Title contains…" value={filters.q} onInput={set("q")} aria-label="Title contains" />
        <label>
          <input type="checkbox" checked={filters.spread} onChange={set("spread")} /> spread across categories
        </label>
        <span class="count" data-testid="total">
          {total} to review
        </span>
        {canWrite && total > 0 && (
          <button type="button" class="bulk" onClick={() => setConfirming(total)}>
            Accept all {total} in this filter
          </button>
        )}
      </section>
      <p class="keys">{canWrite ? "j/k move · a accept · c or / pick a category · u undo" : "j/k move · read-only key: decisions are hidden"}</p>
      <p class="status" role="status" data-testid="status">
        {status}
      </p>
      <div class="columns">
        <div class="cards">
          {items.map((item, i) => (
            <Card key={item.id} item={item} active={i === at} onSelect={() => setAt(i)} />
          ))}
          {!loading && items.length === 0 && <p class="empty">Nothing to review with these filters.</p>}
          {canWrite && current && (
            <div class="actions">
              <button type="button" class="primary" onClick={() => void record(current, { accept: true })}>
                Accept (a)
              </button>
              <button type="button" onClick={() => setPicking(true)}>
                Pick category (c)
              </button>
            </div>
          )}
        </div>
        {canWrite && (
          <aside class="history" aria-label="Last decisions">
            <h3>Last decisions</h3>
            <ol>
              {history.map((d) => (
                <li key={d.correction.id} data-testid="history">
                  <span class="h-title">{d.item.title}</span>
                  <span class="cat">→ {d.correction.category}</span>
                  <button type="button" class="link" onClick={() => void undoOne(d)}>
                    undo
                  </button>
                  <button type="button" class="link" title="undo, then pick another category" onClick={() => void undoOne(d, true)}>
                    change
                  </button>
                </li>
              ))}
            </ol>
          </aside>
        )}
      </div>
      {picking && current && (
        <Picker
          title={current.title}
          onClose={() => setPicking(false)}
          onPick={(category) => {
            setPicking(false);
            void record(current, { category });
          }}
        />
      )}
      {confirming !== null && (
        <div class="modal" role="dialog" aria-modal="true" aria-label="Confirm bulk accept">
          <div class="modal-box">
            <p data-testid="confirm-text">
              Accept the predicted category of all {confirming} products in this filter? Each is recorded as a decision (undo one at a time).
            </p>
            <div class="row">
              <button type="button" class="primary" data-testid="confirm" onClick={() => void acceptAll(confirming)}>
                Accept {confirming}
              </button>
              <button type="button" onClick={() => setConfirming(null)}>
                Cancel
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
