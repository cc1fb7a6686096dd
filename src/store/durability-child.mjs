// Child process of the kill -9 durability test: opens the store from the TypeScript sources (through
// vite), writes batches of products forever and prints "ack <n>" after each write resolves.
import { createServer } from "vite";

const [dataDir] = process.argv.slice(2);
const server = await createServer({ configFile: false, root: process.cwd(), logLevel: "silent", server: { middlewareMode: true, hmr: false, ws: false }, appType: "custom", optimizeDeps: { noDiscovery: true, include: [] } });
const { SqliteStore } = await server.ssrLoadModule("/src/store/sqlite-store.ts");
const store = SqliteStore.open(dataDir);
process.stdout.write("ready\n");
for (let b = 0; ; b++) {
  const rows = Array.from({ length: 50 }, (_, i) => {
    const id = `b${b}-${i}`;
    return { id, title: `product ${id}`, description: "", fields: { id, title: `product ${id}` }, hash: id };
  });
  await store.upsertProducts(rows);
  process.stdout.write(`ack ${b}\n`);
  await new Promise((r) => process.nextTick(r));
}
