// assort/store: the store registry (a store chosen by URL: sqlite:DIR, memory:) for the CLI and library users.
export { openStore, parseStoreUrl, storeSchemes, type OpenStoreOptions, type StoreEntry } from "./registry.js";
