// The CatalogStore contract on the PostgreSQL store (src/store/postgres-store.ts), one fresh schema per
// test; skipped, with the reason, without ASSORT_TEST_PG_URL.
import { describe } from "vitest";
import { PostgresStore } from "../../src/store/postgres-store.js";
import { catalogStoreContract } from "./catalog-store.contract.js";
import { dropSchema, freshSchema, missing, PG_URL, pgUrl } from "../fixtures/services.js";

describe.skipIf(missing("ASSORT_TEST_PG_URL", PG_URL))("PostgreSQL", () => {
  catalogStoreContract("postgres", async () => {
    const schema = freshSchema("contract");
    const store = await PostgresStore.open(pgUrl(schema, "&pool=4"));
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });
});
