// The clusters page: the latest clustering run (each cluster's name, size and example products), and a
// button that runs a new one (a `cluster` job, k chosen automatically) for write keys.
import { useEffect, useState } from "preact/hooks";
import { ApiError, clusters, job, mergeClusters, renameCluster, startClustering, type ClusterRun } from "./api";

function Merge({ run, c, others, onMerged }: { run: string; c: ClusterRun["clusters"][number]; others: ClusterRun["clusters"]; onMerged: (text: string) => void }) {
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

function Name({ run, c, canWrite, onRenamed }: { run: string; c: ClusterRun["clusters"][number]; canWrite: boolean; onRenamed: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(c.name);
  const [error, setError] = useState("");
  if (!editing) {
    return (
      <h3>
        {c.name} <span class="cat">({c.size})</span>{" "}
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

export function Clusters({ canWrite }: { canWrite: boolean }) {
  const [run, setRun] = useState<ClusterRun | null>(null);
  const [state, setState] = useState("");
  const load = (): void => {
    clusters()
      .then(setRun)
      .catch((e: Error) => setState(e instanceof ApiError && e.status === 404 ? "No clustering run yet." : e.message));
  };
  useEffect(load, []);

  const start = async (): Promise<void> => {
    try {
      const j = await startClustering();
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const now = await job(j.id);
        setState(`${now.state}${now.progress?.total ? ` ${now.progress.stage} ${now.progress.done}/${now.progress.total}` : ""}`);
        if (now.state === "done") {
          setState("");
          load();
          return;
        }
        if (now.state === "failed" || now.state === "cancelled") return setState(`${now.state}: ${now.error ?? ""}`);
      }
    } catch (e) {
      setState((e as Error).message);
    }
  };

  return (
    <div class="clusters">
      <section class="panel">
        <h2>Product clusters</h2>
        {canWrite && (
          <button type="button" class="primary" onClick={() => void start()}>
            Run clustering
          </button>
        )}{" "}
        <span data-testid="clusters-state">{state}</span>
        {run && (
          <p>
            Run {run.id} ({run.algorithm}, {run.createdAt}): {run.clusters.length} clusters
          </p>
        )}
      </section>
      <div class="cluster-grid">
        {run?.clusters.map((c) => (
          <section class="panel" key={c.cluster} data-testid="cluster">
            <Name run={run.id} c={c} canWrite={canWrite} onRenamed={load} />
            {canWrite && (
              <Merge
                run={run.id}
                c={c}
                others={run.clusters.filter((o) => o.cluster !== c.cluster)}
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
