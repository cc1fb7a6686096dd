// Child process of the kill -9 durability test: opens the compiled store (dist/, built by `npm test` before the
// tests; its writes run in the writer thread, as under `assort serve`), writes batches of products forever and
// prints "ack <n>" after each write resolves. The writer runs at normal priority: durability does not depend on
// it, and at the background priority a loaded CI machine (other test files training on both cores) starved the
// writer of CPU for over a minute.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dataDir] = process.argv.slice(2);
const { SqliteStore } = await import(pathToFileURL(path.join(process.cwd(), "dist/store/sqlite-store.js")).href);
const store = SqliteStore.open(dataDir, { writerPriority: "normal" });
process.stdout.write(`ready ${store.writeMode}\n`);
for (let b = 0; ; b++) {
  const rows = Array.from({ length: 50 }, (_, i) => {
    const id = `b${b}-${i}`;
    return { id, title: `product ${id}`, description: "", fields: { id, title: `product ${id}` }, hash: id };
  });
  await store.upsertProducts(rows);
  process.stdout.write(`ack ${b}\n`);
  await new Promise((r) => process.nextTick(r));
}
