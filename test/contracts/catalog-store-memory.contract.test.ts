// The CatalogStore contract on the in-memory store (src/service/memory-store.ts).
import { MemoryStore } from "../../src/index.js";
import { catalogStoreContract } from "./catalog-store.contract.js";

catalogStoreContract("memory", async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
