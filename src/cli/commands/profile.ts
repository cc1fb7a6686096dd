// `assort profile`: one shopper's profile — recency, frequency, spend net of returns, return rate, basket size,
// category affinity, first/last seen, conversion.
import type { Command } from "commander";
import { groupItems, NotFoundError, shopperProfiles } from "../../index.js";
import { addEventOptions, addItemOptions, loadEvents, loadItems, type EventFlags } from "../event-options.js";
import { makeUi, writeStdout } from "../io.js";
import { formatTable } from "../table.js";

interface ProfileFlags extends EventFlags {
  user: string;
  seed: number;
  json?: boolean;
  quiet?: boolean;
}

export function profileCommand(cmd: Command): Command {
  cmd
    .requiredOption("--user <id>", "the shopper")
    .option("--seed <n>", "random seed of the item groups (without categories)", (v: string) => Number(v), 0)
    .option("--json", "print one JSON object on stdout")
    .option("-q, --quiet", "no notes on stderr");
  addEventOptions(cmd);
  addItemOptions(cmd);
  return cmd.action(async (flags: ProfileFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    const items = await loadItems(flags);
    const { log } = await loadEvents(flags, ui);
    const groups = items ? await groupItems(log, items, { excludeItems: flags.excludeItems, seed: flags.seed }) : undefined;
    const table = shopperProfiles(log, { excludeItems: flags.excludeItems, itemGroups: groups?.groupOf });
    const u = table.indexOf(flags.user);
    if (u < 0) throw new NotFoundError("shopper", flags.user, "the events hold nothing of this shopper");
    const p = table.profile(u);
    if (flags.json) {
      await writeStdout(JSON.stringify(p) + "\n");
      return;
    }
    const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
    const rows: string[][] = [
      ["days since last order", p.recencyDays === null ? "— (never bought)" : p.recencyDays.toFixed(1)],
      ["orders", String(p.frequency)],
      ["spend, net of returns", p.monetary.toFixed(2)],
      ["spend, gross", p.grossSpend.toFixed(2)],
      ["returns (share of spend)", pct(p.returnRate)],
      ["basket size (items per order)", p.basketSize.toFixed(1)],
      ["distinct items bought", String(p.items)],
      ["first seen", p.firstSeen],
      ["last seen", p.lastSeen],
      ["views / carts", `${p.views} / ${p.carts}`],
      ["conversion (viewed or carted items bought)", p.conversion === null ? "— (no views or carts)" : pct(p.conversion)],
    ];
    const aff = p.affinity.slice(0, 8).map((a) => [a.group, pct(a.share)]);
    await writeStdout(`shopper ${p.userId}\n${formatTable(["", ""], rows, { align: ["left", "right"] })}\n${aff.length ? `\n${formatTable(["category affinity", "share of spend"], aff, { align: ["left", "right"] })}\n` : ""}`);
  });
}
