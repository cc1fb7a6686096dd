// A connection to the catalog database with the store's settings. Shared by the store's reading connection
// and its writer thread (which must not load the whole library: this file imports nothing of ours).
import Database from "better-sqlite3";

/**
 * Opens `file`: WAL (readers never wait for the writer), synchronous=NORMAL (a commit is in the OS before
 * the call returns; see sqlite-store.ts), foreign keys on, and a busy timeout for writers. `readOnly` opens
 * an existing database for reading only.
 */
export function connect(file: string, o: { readOnly?: boolean; busyTimeoutMs?: number } = {}): Database.Database {
  const db = new Database(file, { timeout: o.busyTimeoutMs ?? 5000, ...(o.readOnly ? { readonly: true, fileMustExist: true } : {}) });
  try {
    if (!o.readOnly) db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}
