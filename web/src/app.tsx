// The console's shell: asks for the API key once (kept for this tab), shows what the key's role may do, and
// the review queue. Product text is only ever rendered as text (Preact escapes it; no innerHTML anywhere).
import { useEffect, useState } from "preact/hooks";
import { ApiError, forgetKey, saveKey, savedKey, whoami, type WhoAmI } from "./api";
import { Audit } from "./audit";
import { Clusters } from "./clusters";
import { Dashboard } from "./dashboard";
import { Products } from "./products";
import { ReviewQueue } from "./review";
import { Shoppers } from "./shoppers";

type PageName = "review" | "dashboard" | "products" | "audit" | "clusters" | "shoppers";
const PAGES: readonly PageName[] = ["review", "products", "audit", "clusters", "shoppers", "dashboard"];
const pageOf = (): PageName => PAGES.find((p) => location.hash === `#/${p}`) ?? "review";

const ROLE_TEXT: Record<string, string> = {
  admin: "admin: review, correct, undo, bulk accept, manage models",
  write: "write: review, correct, undo, bulk accept",
  read: "read-only: browse the queue; decisions are hidden",
};

function KeyForm({ onKey, error }: { onKey: (key: string | null) => void; error: string | null }) {
  const [key, setKey] = useState("");
  return (
    <form
      class="key-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim()) onKey(key.trim());
      }}
    >
      <h1>assort · review console</h1>
      <label for="api-key">API key</label>
      <input id="api-key" name="api-key" type="password" autocomplete="off" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} autofocus />
      <p class="hint">Kept in this tab only (sessionStorage); sent as an Authorization header, never in a URL.</p>
      <div class="row">
        <button type="submit" class="primary" disabled={!key.trim()}>
          Use this key
        </button>
        <button type="button" onClick={() => onKey(null)}>
          Browse without a key
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function App() {
  const [me, setMe] = useState<WhoAmI | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState(savedKey() === null);
  const [page, setPage] = useState<PageName>(pageOf());
  useEffect(() => {
    const on = (): void => setPage(pageOf());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);

  const check = async (key: string | null): Promise<void> => {
    try {
      const who = await whoami(key ?? "");
      if (key !== null) saveKey(key);
      setMe(who);
      setAsking(false);
      setError(null);
    } catch (e) {
      if (key !== null) forgetKey();
      setAsking(true);
      setError(e instanceof ApiError && e.status === 401 ? "That key is not valid." : `Cannot reach the API: ${(e as Error).message}`);
    }
  };

  useEffect(() => {
    const k = savedKey();
    if (k !== null) void check(k);
  }, []);

  if (asking || me === null) return asking ? <KeyForm onKey={(k) => void check(k)} error={error} /> : <p class="loading">Loading…</p>;
  return (
    <div class="shell">
      <header>
        <strong>assort</strong> review console
        <nav>
          <a href="#/review" class={page === "review" ? "current" : ""}>
            Review
          </a>
          <a href="#/products" class={page === "products" ? "current" : ""}>
            Products
          </a>
          <a href="#/audit" class={page === "audit" ? "current" : ""}>
            Audit
          </a>
          <a href="#/clusters" class={page === "clusters" ? "current" : ""}>
            Clusters
          </a>
          <a href="#/shoppers" class={page === "shoppers" ? "current" : ""}>
            Shoppers
          </a>
          <a href="#/dashboard" class={page === "dashboard" ? "current" : ""}>
            Dashboard
          </a>
        </nav>
        <span class={`role role-${me.role ?? "none"}`} data-testid="role" title={ROLE_TEXT[me.role ?? "read"]}>
          {me.role ?? "no key"}
        </span>
        <span class="role-text">{me.role ? ROLE_TEXT[me.role] : "no key: read-only"}</span>
        {me.review && (
          <span class="model">
            model {me.review.model} · review below {me.review.threshold.toFixed(3)} (precision {me.review.minPrecision})
          </span>
        )}
        <button
          type="button"
          class="link"
          onClick={() => {
            forgetKey();
            setMe(null);
            setAsking(true);
          }}
        >
          Change key
        </button>
      </header>
      <main>{page === "dashboard" ? <Dashboard me={me} /> : page === "products" ? <Products /> : page === "audit" ? <Audit canWrite={me.canWrite} /> : page === "clusters" ? <Clusters canWrite={me.canWrite} /> : page === "shoppers" ? <Shoppers hasKey={me.role !== null} /> : me.review ? <ReviewQueue canWrite={me.canWrite} /> : <p class="empty">No model is live: nothing to review.</p>}</main>
    </div>
  );
}
