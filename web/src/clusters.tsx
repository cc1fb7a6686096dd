// The clusters page: the latest clustering run or the latest same-product groups (a `cluster` job with
// algorithm "match"), as a map (each cluster at the PCA projection of its centre, sized by its products) and
// as cards (name, size, terms, examples). A click opens a cluster: its members, and for write keys "make this
// a category" (a parent picked from the taxonomy; the members go to the review queue with the new category
// as their suggestion). Names people give survive re-runs (stable cluster ids). All text is rendered as text.
import { useEffect, useState } from "preact/hooks";
import {
  ApiError,
  clusterDetail,
  clusterRun,
  job,
  makeCategory,
  mergeClusters,
  renameCluster,
  startClustering,
  startGrouping,
  type ClusterDetail,
  type ClusterInfo,
  type ClusterKind,
  type JobInfo,
  type MadeCategory,
} from "./api";
import { Picker } from "./picker";

type Run = Awaited<ReturnType<typeof clusterRun>>;
type Card = Run["clusters"][number];

/** Cards shown at once (same-product runs make thousands of small groups; the largest come first). */
const MAX_CARDS = 60;

function Merge({ run, c, others, onMerged }: { run: string; c: Card; others: Card[]; onMerged: (text: string) => void }) {
  const [into, setInto] = useState<string>("");
  return (
    <p class="merge">
      <select aria-label={`Merge ${c.name} into`} value={into} onChange={(e) => setInto((e.target as HTMLSelectElement).value)}>
        <option value="">merge into…</option>
        {others.map((o) => (
          <option key={o.cluster} value={String(o.cluster)}>
            {o.name} ({o.size})
          </option>
        ))}
      </select>{" "}
      <button
        type="button"
        disabled={into === ""}
        onClick={() =>
          void mergeClusters(run, c.cluster, Number(into))
            .then((m) => onMerged(`Merged ${c.name} into ${m.name} (${m.size})`))
            .catch((e: Error) => onMerged(e.message))
        }
      >
        Merge
      </button>
    </p>
  );
}

function Name({ run, c, canWrite, onRenamed, onOpen }: { run: string; c: ClusterInfo; canWrite: boolean; onRenamed: () => void; onOpen?: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(c.name);
  const [error, setError] = useState("");
  if (!editing) {
    return (
      <h3>
        <span class="cluster-name">{c.name}</span> <span class="cat">({c.size})</span>
        {c.named && (
          <span class="named" title="named by a person: kept when clustering runs again">
            named
          </span>
        )}{" "}
        {onOpen && (
          <button type="button" class="link" onClick={onOpen}>
            open
          </button>
        )}
        {canWrite && (
          <button type="button" class="link" onClick={() => setEditing(true)}>
            rename
          </button>
        )}
      </h3>
    );
  }
  return (
    <form
      class="rename"
      onSubmit={(e) => {
        e.preventDefault();
        renameCluster(run, c.cluster, name)
          .then(() => {
            setEditing(false);
            onRenamed();
          })
          .catch((err: Error) => setError(err.message));
      }}
    >
      <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-label="Cluster name" maxLength={200} autofocus />
      <button type="submit">Save</button>
      {error && <span class="error">{error}</span>}
    </form>
  );
}

/** The clusters on a plane: circles at their map places, area by size; the largest are labelled. */
function ClusterMap({ clusters, open, onOpen }: { clusters: Card[]; open: number | null; onOpen: (c: number) => void }) {
  const placed = clusters.filter((c) => c.x !== undefined && c.y !== undefined);
  if (placed.length === 0) return <p class="empty">No map for this run (run clustering again to draw one).</p>;
  const W = 640;
  const H = 340;
  const pad = 28;
  const xs = placed.map((c) => c.x!);
  const ys = placed.map((c) => c.y!);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (v: number): number => (x1 > x0 ? pad + ((v - x0) / (x1 - x0)) * (W - 2 * pad) : W / 2);
  const sy = (v: number): number => (y1 > y0 ? H - pad - ((v - y0) / (y1 - y0)) * (H - 2 * pad) : H / 2);
  const biggest = Math.max(...placed.map((c) => c.size));
  const radius = (size: number): number => 4 + 18 * Math.sqrt(size / biggest);
  const labelled = new Set([...placed].sort((a, b) => b.size - a.size).slice(0, 12).map((c) => c.cluster));
  // Largest drawn first, so small clusters stay clickable on top.
  const order = [...placed].sort((a, b) => b.size - a.size);
  return (
    <svg class="cluster-map" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Map of the clusters" data-testid="cluster-map">
      {order.map((c) => (
        <g key={c.cluster} class={`dot${c.cluster === open ? " open" : ""}`} data-cluster={String(c.cluster)} onClick={() => onOpen(c.cluster)}>
          <circle cx={sx(c.x!)} cy={sy(c.y!)} r={radius(c.size)}>
            <title>
              {c.name} ({c.size})
            </title>
          </circle>
          {labelled.has(c.cluster) && (
            <text x={sx(c.x!)} y={sy(c.y!) - radius(c.size) - 3} text-anchor="middle">
              {c.name.length > 28 ? `${c.name.slice(0, 27)}…` : c.name}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}

/** One cluster opened: terms, members (paged), and "make this a category" for write keys. */
function Detail({ run, id, canWrite, onClose }: { run: string; id: number; canWrite: boolean; onClose: () => void }) {
  const [d, setD] = useState<ClusterDetail | null>(null);
  const [error, setError] = useState("");
  const [picking, setPicking] = useState(false);
  const [parent, setParent] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [made, setMade] = useState<MadeCategory | null>(null);
  useEffect(() => {
    setD(null);
    setMade(null);
    setParent(null);
    clusterDetail(run, id)
      .then((got) => {
        setD(got);
        setName(got.name);
      })
      .catch((e: Error) => setError(e.message));
  }, [run, id]);
  if (error) return <p class="error">{error}</p>;
  if (!d) return <p>Loading…</p>;
  const more = (): void => {
    if (d.next) void clusterDetail(run, id, d.next).then((n) => setD({ ...n, members: [...d.members, ...n.members] }));
  };
  return (
    <section class="panel cluster-detail" data-testid="cluster-detail" data-cluster={String(d.cluster)}>
      <h2>
        <span class="cluster-name">{d.name}</span> <span class="cat">({d.size} products)</span>{" "}
        <button type="button" class="link" onClick={onClose}>
          close
        </button>
      </h2>
      {d.terms && d.terms.length > 0 && (
        <p class="why">
          <span class="label">terms</span>
          {d.terms.map((t) => (
            <span class="term plus" key={t}>
              {t}
            </span>
          ))}
        </p>
      )}
      {canWrite && !made && (
        <div class="make-category">
          {parent === null ? (
            <button type="button" onClick={() => setPicking(true)}>
              Make this a category…
            </button>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                makeCategory(run, d.cluster, parent, name)
                  .then(setMade)
                  .catch((err: Error) => setError(err.message));
              }}
            >
              <span class="cat">{parent} &gt; </span>
              <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-label="New category name" maxLength={200} />{" "}
              <button type="submit" class="primary" disabled={name.trim() === ""}>
                Add and queue {d.size} for review
              </button>{" "}
              <button type="button" class="link" onClick={() => setParent(null)}>
                cancel
              </button>
            </form>
          )}
        </div>
      )}
      {made && (
        <p class="status" data-testid="made">
          {made.added ? "Added" : "Already in the taxonomy:"} {made.path}; {made.queued} products queued for review with it
          {made.labelled + made.decided > 0 ? ` (${made.labelled} labelled and ${made.decided} decided kept theirs)` : ""}.{" "}
          <a href="#/review">Review them</a>
        </p>
      )}
      <ul class="members">
        {d.members.map((m) => (
          <li key={m.id} data-testid="member">
            {m.title} <span class="cat">{m.category ?? ""}</span>
          </li>
        ))}
      </ul>
      {d.next && (
        <button type="button" class="link" onClick={more}>
          more
        </button>
      )}
      {picking && (
        <Picker
          title={`the parent of "${name}"`}
          onPick={(p) => {
            setPicking(false);
            setParent(p);
          }}
          onClose={() => setPicking(false)}
        />
      )}
    </section>
  );
}

async function follow(j: JobInfo, onState: (s: string) => void): Promise<boolean> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await job(j.id);
    onState(`${now.state}${now.progress?.total ? ` ${now.progress.stage} ${now.progress.done}/${now.progress.total}` : ""}`);
    if (now.state === "done") return true;
    if (now.state === "failed" || now.state === "cancelled") {
      onState(`${now.state}: ${now.error ?? ""}`);
      return false;
    }
  }
}

export function Clusters({ canWrite }: { canWrite: boolean }) {
  const [kind, setKind] = useState<ClusterKind>("clusters");
  const [run, setRun] = useState<Run | null>(null);
  const [state, setState] = useState("");
  const [open, setOpen] = useState<number | null>(null);
  const load = (): void => {
    clusterRun(kind)
      .then((r) => {
        setRun(r);
        setOpen((o) => (o !== null && r.clusters.some((c) => c.cluster === o) ? o : null));
      })
      .catch((e: Error) => {
        setRun(null);
        setState(e instanceof ApiError && e.status === 404 ? (kind === "groups" ? "No same-product groups yet." : "No clustering run yet.") : e.message);
      });
  };
  useEffect(() => {
    setRun(null);
    setOpen(null);
    setState("");
    load();
  }, [kind]);

  const start = async (): Promise<void> => {
    try {
      const j = await (kind === "groups" ? startGrouping() : startClustering());
      if (await follow(j, setState)) {
        setState("");
        load();
      }
    } catch (e) {
      setState((e as Error).message);
    }
  };

  const cards = run ? run.clusters.slice(0, MAX_CARDS) : [];
  return (
    <div class="clusters">
      <section class="panel">
        <p class="tabs">
          <button type="button" class={`facet${kind === "clusters" ? " current" : ""}`} onClick={() => setKind("clusters")}>
            Clusters
          </button>
          <button type="button" class={`facet${kind === "groups" ? " current" : ""}`} onClick={() => setKind("groups")}>
            Same-product groups
          </button>
        </p>
        <h2>{kind === "groups" ? "Offers of the same product" : "Product clusters"}</h2>
        {canWrite && (
          <button type="button" class="primary" onClick={() => void start()}>
            {kind === "groups" ? "Find same-product groups" : "Run clustering"}
          </button>
        )}{" "}
        <span data-testid="clusters-state">{state}</span>
        {run && (
          <p data-testid="run">
            Run {run.id} ({run.algorithm}, {run.createdAt}): {run.clusters.length} {kind === "groups" ? "groups" : "clusters"}
            {run.clusters.length > MAX_CARDS ? `; the ${MAX_CARDS} largest below` : ""}
          </p>
        )}
      </section>
      {run && (
        <div class="cluster-top">
          <section class="panel">
            <ClusterMap clusters={run.clusters} open={open} onOpen={setOpen} />
          </section>
          {open !== null && <Detail run={run.id} id={open} canWrite={canWrite} onClose={() => setOpen(null)} />}
        </div>
      )}
      <div class="cluster-grid">
        {run &&
          cards.map((c) => (
            <section class="panel" key={c.cluster} data-testid="cluster" data-cluster={String(c.cluster)}>
              <Name run={run.id} c={c} canWrite={canWrite} onRenamed={load} onOpen={() => setOpen(c.cluster)} />
              {c.terms && c.terms.length > 0 && <p class="meta">{c.terms.join(" · ")}</p>}
              {canWrite && (
                <Merge
                  run={run.id}
                  c={c}
                  others={run.clusters.filter((o) => o.cluster !== c.cluster).slice(0, 200)}
                  onMerged={(text) => {
                    setState(text);
                    load();
                  }}
                />
              )}
              <ul>
                {c.examples.map((e) => (
                  <li key={e.id}>{e.title}</li>
                ))}
              </ul>
            </section>
          ))}
      </div>
    </div>
  );
}
