// `assort import`: load a catalog file (JSONL or CSV) into the store, classifying it. In this process by
// default; with `--queue redis://…` (and a postgres:// store) as batches of rows for `assort worker`
// processes, waiting until every row is stored and classified (checked in the store).
import type { Command } from "commander";
import { ConfigError } from "../../index.js";
import { makeUi } from "../io.js";
import { addInputOptions, intArg, readOptions, type InputFlags } from "../options.js";
import { QUEUE_HELP, STORE_HELP } from "./serve-args.js";
import { lowerPriority, NICE_HELP } from "../priority.js";

interface ImportFlags extends InputFlags {
  data: string;
  dataDir: string;
  store?: string;
  queue?: string;
  window: number;
  model?: string;
  classify: boolean;
  batchSize: number;
  json?: boolean;
  quiet?: boolean;
  nice: number;
}

export function importCommand(cmd: Command): Command {
  cmd
    .requiredOption("--data <file>", "products: JSONL or CSV")
    .option("--data-dir <dir>", "data directory (SQLite database, models)", "./assort-data")
    .option("--store <url>", STORE_HELP)
    .option("--queue <url>", `${QUEUE_HELP}; the rows go to the workers in batches and the command waits until all are stored`)
    .option("--window <n>", "with --queue: batches on the queue at once", intArg("--window", 1, 10_000), 32)
    .option("--model <dir>", "register this model directory and make it live first")
    .option("--no-classify", "store the products without predicting categories")
    .option("--batch-size <n>", "products per transaction (per queued batch with --queue)", intArg("--batch-size", 1, 100_000), 1000)
    .option("--nice <n>", NICE_HELP, intArg("--nice", 0, 19), 0)
    .option("--json", "print the summary as one JSON line")
    .option("-q, --quiet", "no progress on stderr");
  addInputOptions(cmd);
  return cmd.action(async (flags: ImportFlags) => {
    lowerPriority(flags.nice);
    const { makeLogger, openService } = await import("./serve-setup.js");
    const ui = makeUi(Boolean(flags.quiet) || Boolean(flags.json));
    const logger = makeLogger("warn");
    const opened = await openService({
      dataDir: flags.dataDir,
      ...(flags.store !== undefined ? { store: flags.store } : {}),
      ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
      ...(flags.model ? { model: flags.model } : {}),
      logger,
    });
    const service = opened.service;
    let duplicateIds = 0;
    let opts: ReturnType<typeof readOptions>;
    try {
      opts = readOptions(flags, flags.data, false, {
        warn: (w) => {
          if (w.code === "DUPLICATE_IDS") duplicateIds = w.count ?? 0;
          ui.warn(w);
        },
      });
    } catch (e) {
      await opened.close();
      throw e;
    }
    opts.onBadRow = flags.onBadRow;
    if (opened.queue) {
      let r;
      try {
        const model = flags.classify ? service.activeModel()?.version : undefined;
        if (flags.classify && model === undefined) throw new ConfigError("Cannot classify the import: no model is live; pass --model DIR, or --no-classify");
        const { importThroughQueue } = await import("../../jobs/queue-import.js");
        // Scripts run this without a terminal: a plain progress line on stderr every second (a bar on a terminal).
        const plain = !process.stderr.isTTY && !flags.quiet;
        const t0 = performance.now();
        let last = 0;
        const onProgress = (p: { done: number; total: number }): void => {
          if (!plain) return ui.progress.onProgress({ stage: "import", ...p });
          const now = performance.now();
          if (now - last < 1000) return;
          last = now;
          process.stderr.write(`import: ${p.done} of ${p.total} rows read stored${model ? " and classified" : ""} (${Math.round(p.done / ((now - t0) / 1000))} rows/s)\n`);
        };
        r = await importThroughQueue({ file: flags.data, store: service.store, queue: opened.queue, model, readOptions: opts, batchSize: flags.batchSize, window: flags.window, onProgress });
        if (plain) process.stderr.write(`import: ${r.stored} of ${r.rows} rows stored${model ? ` and classified by model ${model}` : ""} in ${r.seconds.toFixed(1)} s\n`);
      } finally {
        ui.progress.done();
        await opened.close();
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify({ ...r, skipped: r.skipped.length, skippedRows: r.skipped.slice(0, 20) }) + "\n");
        return;
      }
      process.stdout.write(
        `imported ${r.rows} rows in ${r.seconds.toFixed(2)} s through the queue (job ${r.job}, ${r.batches} batches): ${r.stored} stored, ${r.classified} classified; ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged${r.skipped.length > 0 ? `; skipped ${r.skipped.length} bad rows` : ""}\n`,
      );
      return;
    }
    let r;
    try {
      r = await service.importFile(flags.data, { readOptions: opts, classify: flags.classify, batchSize: flags.batchSize, onProgress: (p) => ui.progress.onProgress(p) });
    } finally {
      ui.progress.done();
      await opened.close();
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
