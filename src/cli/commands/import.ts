// `assort import`: load a catalog file (JSONL or CSV) into the data directory's store, classifying it.
import type { Command } from "commander";
import { makeUi } from "../io.js";
import { addInputOptions, intArg, readOptions, type InputFlags } from "../options.js";
import { STORE_HELP } from "./serve-args.js";

interface ImportFlags extends InputFlags {
  data: string;
  dataDir: string;
  store?: string;
  model?: string;
  classify: boolean;
  batchSize: number;
  json?: boolean;
  quiet?: boolean;
}

export function importCommand(program: Command): Command {
  const cmd = program
    .command("import")
    .description("import products into the store (idempotent by id; each batch one transaction), classified by the live model")
    .requiredOption("--data <file>", "products: JSONL or CSV")
    .option("--data-dir <dir>", "data directory (SQLite database, models)", "./assort-data")
    .option("--store <url>", STORE_HELP)
    .option("--model <dir>", "register this model directory and make it live first")
    .option("--no-classify", "store the products without predicting categories")
    .option("--batch-size <n>", "products per transaction", intArg("--batch-size", 1, 100_000), 1000)
    .option("--json", "print the summary as one JSON line")
    .option("-q, --quiet", "no progress on stderr");
  addInputOptions(cmd);
  return cmd.action(async (flags: ImportFlags) => {
    const { makeLogger, openService } = await import("./serve-setup.js");
    const ui = makeUi(Boolean(flags.quiet) || Boolean(flags.json));
    const logger = makeLogger("warn");
    const service = await openService({ dataDir: flags.dataDir, ...(flags.store !== undefined ? { store: flags.store } : {}), ...(flags.model ? { model: flags.model } : {}), logger });
    let r;
    let duplicateIds = 0;
    try {
      const opts = readOptions(flags, flags.data, false, {
        warn: (w) => {
          if (w.code === "DUPLICATE_IDS") duplicateIds = w.count ?? 0;
          ui.warn(w);
        },
      });
      opts.onBadRow = flags.onBadRow;
      r = await service.importFile(flags.data, { readOptions: opts, classify: flags.classify, batchSize: flags.batchSize, onProgress: (p) => ui.progress.onProgress(p) });
    } finally {
      ui.progress.done();
      await service.close();
    }
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ...r, skipped: r.skipped.length, skippedRows: r.skipped.slice(0, 20), duplicateIds }) + "\n");
      return;
    }
    const lines = [
      `imported ${r.rows} rows in ${r.seconds.toFixed(2)} s: ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.classified} classified`,
    ];
    if (r.skipped.length > 0) {
      lines.push(`skipped ${r.skipped.length} bad rows:`);
      for (const s of r.skipped.slice(0, 5)) lines.push(`  ${s.file}:${s.line}${s.field ? `, field "${s.field}"` : ""}: ${s.message}`);
    }
    process.stdout.write(lines.join("\n") + "\n");
  });
}
