// `assort events stats`: what an event file holds — events by type, shoppers, items, repeats, bad rows, time range.
import type { Command } from "commander";
import { summarizeEvents } from "../../index.js";
import { addEventOptions, addItemOptions, loadEvents, loadItems, type EventFlags } from "../event-options.js";
import { makeUi, writeStdout } from "../io.js";
import { formatTable } from "../table.js";

interface StatsFlags extends EventFlags {
  json?: boolean;
  quiet?: boolean;
}

export function eventsCommand(program: Command): Command {
  const group = program.command("events").description("shopper event files: counts and checks");
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
  return group;
}
