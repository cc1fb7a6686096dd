// `assort events stats`: what an event file holds — events by type, shoppers, items, repeats, bad rows, time range.
import type { Command } from "commander";
import { InvalidInputError, summarizeEvents } from "../../index.js";
import { addEventOptions, addItemOptions, loadEvents, loadItems, type EventFlags } from "../event-options.js";
import { inputSource, makeUi, writeStdout } from "../io.js";
import { intArg } from "../options.js";
import { STORE_HELP } from "./serve-args.js";
import { formatTable } from "../table.js";

interface StatsFlags extends EventFlags {
  json?: boolean;
  quiet?: boolean;
}

export function eventsCommand(group: Command): Command {
  const stats = group
    .command("stats")
    .description("count events by type, shoppers, items, identical rows, bad rows, unknown items (with --items) and the time range")
    .option("--json", "print one JSON object on stdout")
    .option("-q, --quiet", "no notes on stderr");
  addEventOptions(stats);
  addItemOptions(stats);
  stats.action(async (flags: StatsFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    const items = await loadItems(flags);
    const { log, report } = await loadEvents(flags, ui, items ? new Set(items.map((p) => p.id)) : undefined, false);
    const s = summarizeEvents(log, report, items !== undefined);
    if (flags.json) {
      await writeStdout(JSON.stringify(s) + "\n");
      return;
    }
    const rows: (string | number)[][] = [
      ["events", s.events],
      ...Object.entries(s.byType).map(([t, c]): (string | number)[] => [`  ${t}`, c]),
      ["shoppers", s.shoppers],
      ["  with one event", s.singleEventShoppers],
      ["items", s.items],
      ["baskets (orders, else sessions or shopper-days)", s.orders],
      ["identical rows (kept as repeats)", s.identicalRows],
      ["repeated event ids (stored once)", s.replayedEventIds],
      ["bad rows", s.badRows],
    ];
    if (s.unknownItemEvents !== null) rows.push(["events for unknown items (kept)", s.unknownItemEvents], ["unknown items", s.unknownItems ?? 0]);
    rows.push(["first event", s.timeRange?.first ?? "—"], ["last event", s.timeRange?.last ?? "—"], ["median events per shopper", s.medianEventsPerShopper]);
    await writeStdout(formatTable(["", "count"], rows, { align: ["left", "right"] }) + "\n" + s.notes.map((n) => `note: ${n.count} ${n.message}\n`).join(""));
  });
  importCommand(group);
  return group;
}

interface ImportFlags extends EventFlags {
  dataDir: string;
  store?: string;
  source?: string;
  batchSize: number;
  json?: boolean;
  quiet?: boolean;
}

/** `assort events import`: streams an event file into the store (idempotent by event id, else by file and line). */
function importCommand(group: Command): void {
  const cmd = group
    .command("import")
    .description("store the events of a file in the catalog store (idempotent by event id, else by file and line; identical rows are kept as repeats); --items adds the items the store lacks as products")
    .option("--data-dir <dir>", "data directory (SQLite database, models)", "./assort-data")
    .option("--store <url>", STORE_HELP)
    .option("--source <name>", "name of the file in the store: importing the same name and line again stores nothing (default: the file's absolute path; none for stdin, whose rows are then always added)")
    .option("--batch-size <n>", "events per transaction", intArg("--batch-size", 1, 1_000_000), 20_000)
    .option("--json", "print the summary as one JSON line")
    .option("-q, --quiet", "no progress or notes on stderr");
  addEventOptions(cmd);
  addItemOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  assort events import --events examples/shop/events.csv --items examples/catalog/train.jsonl --data-dir data/
  assort events import --events online_retail.csv --items items.csv --on-bad-row skip --store postgres://assort@db/assort`,
  );
  cmd.action(async (flags: ImportFlags) => {
    const { makeLogger, openService } = await import("./serve-setup.js");
    const ui = makeUi(Boolean(flags.quiet) || Boolean(flags.json));
    const items = await loadItems(flags);
    const opened = await openService({ dataDir: flags.dataDir, ...(flags.store !== undefined ? { store: flags.store } : {}), logger: makeLogger("warn"), bulk: true });
    const fields = {
      user: flags.userField,
      item: flags.itemField,
      type: flags.typeField,
      time: flags.timeField,
      order: flags.orderField,
      quantity: flags.quantityField,
      price: flags.priceField,
      ...(flags.sessionField ? { session: flags.sessionField } : {}),
      ...(flags.eventIdField ? { eventId: flags.eventIdField } : {}),
    };
    let r;
    try {
      r = await opened.service.shoppers.importFile(inputSource(flags.events), {
        read: {
          fields,
          ...(flags.defaultType ? { defaultType: flags.defaultType } : {}),
          ...(flags.format ? { format: flags.format } : {}),
          onBadRow: flags.onBadRow,
          maxFieldChars: flags.maxFieldChars,
          fileLabel: flags.events === "-" ? "<stdin>" : flags.events,
        },
        ...(items ? { items } : {}),
        // stdin has no name: its lines are idempotent only under a --source name (else every import adds its rows).
        ...(flags.source !== undefined ? { source: flags.source } : {}),
        batchSize: flags.batchSize,
        onProgress: (p) => ui.progress.onProgress({ ...p, stage: "events stored" }),
      });
    } catch (e) {
      ui.progress.done();
      // The good rows read before the bad ones were found are stored (a file line is stored once, so a re-import is safe).
      if (e instanceof InvalidInputError && e.issues.length > 0) e.message += "\n(the good rows were stored; importing the fixed file again stores only the lines not stored yet)";
      throw e;
    } finally {
      ui.progress.done();
      await opened.close();
    }
    if (flags.json) {
      await writeStdout(JSON.stringify({ ...r, issues: r.issues.slice(0, 20) }) + "\n");
      return;
    }
    if (r.skipped > 0) ui.warn(`skipped ${r.skipped} bad row${r.skipped === 1 ? "" : "s"}:\n${r.issues.slice(0, 5).map((i) => `  ${InvalidInputError.format(i)}`).join("\n")}`);
    const rows: (string | number)[][] = [
      ["events read", r.read],
      ["stored", r.inserted],
      ["already stored (same event id or file line)", r.duplicates],
      ["identical rows (kept as repeats)", r.identicalRows],
      ["bad rows skipped", r.skipped],
      ["events for items the store lacks (kept)", r.unknownItemEvents],
      ["products added from --items", r.productsAdded],
    ];
    await writeStdout(formatTable(["", "count"], rows, { align: ["left", "right"] }) + `\nimported in ${r.seconds.toFixed(2)} s\n` + r.notes.map((n) => `note: ${n.count} ${n.message}\n`).join(""));
  });
}
