// The state that every process serving one catalog must agree on (the live model, correction overrides,
// the similar-items vector index), behind one interface: change events published by the process that made
// the change, applied by the others. One process (SQLite) uses LocalSharedState; scale-out plugs in
// PostgreSQL LISTEN/NOTIFY or Redis pub/sub without touching the service.

/**
 * A change to shared state, naming what changed. The store already holds the change when it is published
 * (the store is the record of truth): a receiver re-reads the named state from the store, so a change that
 * arrives late, twice, or after a newer one never undoes the newer one.
 */
export type SharedChange =
  /** The live model changed to `version` (an activation, a rollback, a retrain that passed its checks). */
  | { kind: "model"; version: string }
  /** A correction of this product was recorded: classify answers its corrected category (by id and title). */
  | { kind: "override"; productId: string }
  /**
   * Product vectors of vector model `model` changed. Without `changed` and `removed`: the model itself is new
   * (a refit), reload every vector. `changed`: these products were (re-)embedded; `removed`: these are gone.
   */
  | { kind: "vectors"; model: string; changed?: string[]; removed?: string[] }
  /** A recommender `version` was fitted and made live (src/service/shoppers.ts): load it. */
  | { kind: "recommender"; version: string };

/** Receives every published change with the `origin` that published it (its own ones included). */
export type SharedListener = (change: SharedChange, origin: string) => void;

/**
 * Publish/subscribe of {@link SharedChange}s between the processes that serve one catalog store. The
 * catalog service subscribes first, then catches up from the store (the active model, the corrected
 * categories, the stored vectors), then applies the changes received meanwhile and every later one, so a
 * process that starts late misses nothing: the store holds everything published before it subscribed.
 * Applying a change twice is harmless.
 *
 * What an implementation must guarantee (a PostgreSQL LISTEN/NOTIFY or Redis pub/sub one as much as
 * {@link LocalSharedState}):
 * - Read-your-writes: the process that made a change has applied it before it publishes (the service does
 *   this itself); publishing never waits for other processes.
 * - Delivery: every subscriber of every process receives each change published after it subscribed, within
 *   1 s, in publication order per origin. A subscriber that lost its connection must re-subscribe and then
 *   catch up from the store again (e.g. reopen the service), not silently drop changes.
 * - Payloads are plain JSON and may be large (thousands of ids in a `vectors` change): where the transport
 *   limits message size (NOTIFY: 8000 bytes), store the change in a table and send its key.
 * - `publish` resolves once the change is handed to the transport; it rejects only when it cannot be sent.
 *
 * @example
 * const shared = new LocalSharedState();
 * const off = shared.subscribe((change, origin) => console.log(origin, change));
 * await shared.publish("process-1", { kind: "model", version: "20261127T120000Z" });
 * off();
 */
export interface SharedState {
  /** Publishes a change made (and stored) by `origin`. */
  publish(origin: string, change: SharedChange): Promise<void>;
  /** Calls `listener` for every change published from now on; returns the unsubscribe function. */
  subscribe(listener: SharedListener): () => void;
  /** Stops delivery and releases connections (a second call does nothing). */
  close(): Promise<void>;
}

/**
 * Shared state inside one process (the embedded SQLite deployment): changes are delivered to the
 * subscribers of this process, in order, on a later microtask, each as its own copy (as if it had crossed a
 * wire). Two services over one store in one process (tests) stay in step through one instance.
 */
export class LocalSharedState implements SharedState {
  private readonly listeners = new Set<SharedListener>();
  private closed = false;

  async publish(origin: string, change: SharedChange): Promise<void> {
    if (this.closed) return;
    const targets = [...this.listeners];
    queueMicrotask(() => {
      for (const listener of targets) {
        if (!this.listeners.has(listener)) continue;
        try {
          listener(structuredClone(change), origin);
        } catch {
          // A listener's failure is its own (the service's listener logs); the others still get the change.
        }
      }
    });
  }

  subscribe(listener: SharedListener): () => void {
    const own: SharedListener = (change, origin) => listener(change, origin);
    if (!this.closed) this.listeners.add(own);
    return () => {
      this.listeners.delete(own);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}
