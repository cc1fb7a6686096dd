// `assort status`: what a data directory holds and which process writes to it, read without taking its lock
// (so it works while `assort serve` runs there).
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { readDirLock } from "../../index.js";

interface StatusFlags {
  dataDir: string;
  json?: boolean;
}

export function statusCommand(cmd: Command): Command {
  return cmd
    .option("--data-dir <dir>", "data directory (SQLite database, models)", "./assort-data")
    .option("--json", "print the status as one JSON line")
    .action(async (flags: StatusFlags) => {
      const { openStore } = await import("../../store/registry.js");
      const dir = path.resolve(flags.dataDir);
      const writer = readDirLock(dir);
      const store = await openStore(`sqlite:${dir}`, { readOnly: true });
      let status;
      try {
        const counts = await store.counts();
        const models = await store.listModels();
        const vectorModel = await store.getMeta("vectors.model");
        const ann = vectorModel ? await readFile(path.join(dir, "vectors", `${vectorModel}.ann`, "manifest.json"), "utf8").then((t) => JSON.parse(t) as { live?: number; savedAt?: string }, () => undefined) : undefined;
        status = {
          dataDir: dir,
          writer: writer ? { pid: writer.pid, hostname: writer.hostname, command: writer.command, since: writer.since } : null,
          ...counts,
          activeModel: models.find((m) => m.active)?.version ?? null,
          vectorModel: vectorModel ?? null,
          annIndex: ann ? { vectors: ann.live ?? null, savedAt: ann.savedAt ?? null } : null,
        };
      } finally {
        await store.close();
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify(status) + "\n");
        return;
      }
      const w = status.writer;
      const jobs = Object.entries(status.jobs).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
      process.stdout.write(
        [
          `data directory  ${status.dataDir}`,
          `writer          ${w ? `process ${w.pid} on ${w.hostname} ("${w.command}") since ${w.since}` : "none"}`,
          `products        ${status.products.toLocaleString("en-US")} (${status.predictions.toLocaleString("en-US")} predicted, ${status.corrections.toLocaleString("en-US")} corrections)`,
          `models          ${status.models} registered; active ${status.activeModel ?? "none"}`,
          `jobs            ${jobs}`,
          `similar items   ${status.vectorModel ? `vector model ${status.vectorModel}${status.annIndex ? `; ANN index saved with ${status.annIndex.vectors} vectors at ${status.annIndex.savedAt}` : ""}` : "no vectors yet"}`,
        ].join("\n") + "\n",
      );
    });
}
