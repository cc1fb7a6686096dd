// The CatalogStore contract on the SQLite store (src/store/sqlite-store.ts), one temporary directory per test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { catalogStoreContract } from "./catalog-store.contract.js";

catalogStoreContract("sqlite", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "assort-contract-"));
  const store = SqliteStore.open(dir);
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
