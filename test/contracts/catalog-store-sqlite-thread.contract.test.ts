// The CatalogStore contract on the compiled SQLite store with its writer thread (every write crosses a thread
// boundary: arguments, answers and errors must survive the trip). The source store writes inline (its
// contract file beside this one): a worker thread exists only in the build.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SqliteStore as SourceStore } from "../../src/store/sqlite-store.js";
import { catalogStoreContract } from "./catalog-store.contract.js";

const built = path.resolve(import.meta.dirname, "../../dist/store/sqlite-store.js");
const { SqliteStore } = (await import(built)) as { SqliteStore: typeof SourceStore };

catalogStoreContract("sqlite (writer thread)", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "assort-contract-thread-"));
  const store = SqliteStore.open(dir, { writer: "thread" });
  if (store.writeMode !== "thread") throw new Error(`expected the writer thread, got ${store.writeMode}`);
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
