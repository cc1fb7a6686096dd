// Catalog stores by URL: a scheme names the implementation, loaded on first use (so `memory:` never loads
// SQLite). A new store is one class implementing CatalogStore plus one line in STORES.
import { ConfigError, MemoryStore, type CatalogStore } from "../index.js";

/** One kind of store: how its URLs look, and how to open one. */
export interface StoreEntry {
  /** The URL form, for messages and --help (e.g. "sqlite:DIR"). */
  usage: string;
  /** Opens the store at `target` (the URL after "scheme:"; `url` is the whole of it), read-only when asked. */
  open(target: string, url: string, o: OpenStoreOptions): Promise<CatalogStore>;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Read only: take no write lock (other processes may write), write nothing; every write rejects. */
  readOnly?: boolean;
  /** SQLite: "normal" keeps the writer thread at the caller's priority (bulk loads with no reads to protect); default "background". */
  writerPriority?: "background" | "normal";
}

/** Store implementations by URL scheme. */
const STORES: Record<string, StoreEntry> = {
  sqlite: { usage: "sqlite:DIR", open: async (dir, _url, o) => (await import("./sqlite-store.js")).SqliteStore.open(nonEmpty(dir, "sqlite:DIR"), { readOnly: o.readOnly === true, ...(o.writerPriority ? { writerPriority: o.writerPriority } : {}) }) },
  memory: { usage: "memory:", open: async () => new MemoryStore() },
  postgres: { usage: "postgres://…", open: async (_rest, url) => (await import("./postgres-store.js")).PostgresStore.open(url) },
  postgresql: { usage: "postgresql://…", open: async (_rest, url) => (await import("./postgres-store.js")).PostgresStore.open(url) },
};

function nonEmpty(target: string, usage: string): string {
  if (target.trim() === "") throw new ConfigError(`Invalid store URL: give a directory, as in ${usage}`);
  return target;
}

/** The known schemes, e.g. ["sqlite", "memory"]. */
export function storeSchemes(): string[] {
  return Object.keys(STORES);
}

/** A URL scheme: a letter, then letters, digits, "+", "-" or "." (two characters at least, so "C:\data" is a path). */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;

/**
 * Splits a store URL into its scheme and target; a bare path (no scheme) is a SQLite data directory.
 * @example parseStoreUrl("sqlite:./data") → { scheme: "sqlite", target: "./data" }
 * @example parseStoreUrl("./data") → { scheme: "sqlite", target: "./data" }
 */
export function parseStoreUrl(url: string): { scheme: string; target: string } {
  const m = SCHEME.exec(url);
  if (!m) return { scheme: "sqlite", target: url };
  return { scheme: m[1]!.toLowerCase(), target: url.slice(m[0].length) };
}

/**
 * Opens the catalog store a URL names: `sqlite:DIR` (or a bare directory path) is the embedded SQLite
 * database `DIR/catalog.db`, `memory:` an empty in-memory store (nothing kept), `postgres://user:pw@host/db`
 * (`?schema=NAME&pool=N`) a PostgreSQL database shared by replicas and workers. An unknown scheme is a
 * ConfigError listing the known ones; the message never repeats the URL (it may carry a password). Opening
 * SQLite for writing takes the data directory's write lock (ConflictError while another process writes
 * there); `readOnly` takes none.
 * @example const store = await openStore("sqlite:./assort-data");
 * @example const reader = await openStore("sqlite:./assort-data", { readOnly: true });
 */
export async function openStore(url: string, o: OpenStoreOptions = {}): Promise<CatalogStore> {
  if (typeof url !== "string" || url.trim() === "") throw new ConfigError("Invalid store URL: it is empty; use sqlite:DIR or memory:");
  const { scheme, target } = parseStoreUrl(url);
  const entry = Object.hasOwn(STORES, scheme) ? STORES[scheme] : undefined;
  if (!entry) {
    const known = Object.values(STORES)
      .map((e) => e.usage)
      .join(", ");
    throw new ConfigError(`Unknown store scheme "${scheme.slice(0, 40)}:": use ${known}`);
  }
  return entry.open(target, url, o);
}
