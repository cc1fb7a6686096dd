// `assort recommend`: a shopper's recommendations (for you: all | new) or an item's bought-together list, each item
// with its reason; fitted from the event file (or read from a saved recommender).
import { Option, type Command } from "commander";
import { fitRecommender, loadRecommender, saveRecommender, type RecommendedItem, type Recommender } from "../../index.js";
import { UsageError } from "../errors.js";
import { addEventOptions, addItemOptions, loadEvents, loadItems, seconds, type EventFlags } from "../event-options.js";
import { makeUi, writeStdout } from "../io.js";
import { intArg } from "../options.js";
import { formatTable } from "../table.js";

interface RecommendFlags extends EventFlags {
  user?: string;
  item?: string;
  mode: "all" | "new";
  limit: number;
  maxPerCategory?: number;
  model?: string;
  save?: string;
  seed: number;
  json?: boolean;
  quiet?: boolean;
}

export function recommendCommand(cmd: Command): Command {
  cmd
    .option("--user <id>", "the shopper (an unknown shopper gets what is popular now)")
    .option("--item <id>", "an item: list what is bought together with it (content neighbours for an item without purchases)")
    .addOption(new Option("--mode <mode>", "all: may repeat what the shopper bought; new: only items they have not bought").choices(["all", "new"]).default("all"))
    .option("--limit <n>", "items in the list", intArg("--limit", 1, 1000), 10)
    .option("--max-per-category <n>", "at most N items of one category (or item group)", intArg("--max-per-category", 1))
    .option("--model <dir>", "answer from a saved recommender (written by --save) instead of fitting one; --events is then not needed")
    .option("--save <dir>", "also write the fitted recommender to this directory (atomically)")
    .option("--seed <n>", "random seed", intArg("--seed", 0), 0)
    .option("--json", "print one JSON object on stdout")
    .option("-q, --quiet", "no progress or notes on stderr");
  addEventOptions(cmd, { required: false });
  addItemOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  assort recommend --events examples/shop/events.csv --items examples/catalog/train.jsonl --user c1001
  assort recommend --events examples/shop/events.csv --user c1001 --mode new --limit 5 --json
  assort recommend --events examples/shop/events.csv --items examples/catalog/train.jsonl --item p0003`,
  );
  return cmd.action(async (flags: RecommendFlags) => {
    if ((flags.user === undefined) === (flags.item === undefined)) throw new UsageError("pass --user ID (for you) or --item ID (bought together), one of them");
    const ui = makeUi(Boolean(flags.quiet));
    let rec: Recommender;
    if (flags.model) rec = await loadRecommender(flags.model);
    else if (flags.events === undefined) throw new UsageError("pass --events FILE to fit a recommender, or --model DIR to answer from a saved one");
    else {
      const items = await loadItems(flags);
      const { log } = await loadEvents(flags, ui);
      const groupOf = items ? new Map(items.filter((p) => p.label).map((p) => [p.id, p.label!])) : undefined;
      rec = await fitRecommender(log, { items, excludeItems: flags.excludeItems, itemGroups: groupOf, seed: flags.seed, onProgress: (e) => ui.progress.onProgress(e) });
      ui.progress.done();
      ui.info(`fitted on ${rec.users.length} shoppers and ${rec.items.length} items in ${seconds(rec.state.fitSeconds)}`);
      if (flags.save) ui.info(`saved recommender ${await saveRecommender(rec, flags.save)} to ${flags.save}`);
    }
    const t0 = performance.now();
    const list = flags.user !== undefined
      ? rec.recommend(flags.user, { mode: flags.mode, limit: flags.limit, ...(flags.maxPerCategory ? { maxPerCategory: flags.maxPerCategory } : {}), ...(flags.excludeItems ? { exclude: flags.excludeItems } : {}) })
      : rec.boughtTogether(flags.item!, { limit: flags.limit, ...(flags.excludeItems ? { exclude: flags.excludeItems } : {}) });
    const ms = performance.now() - t0;
    const known = flags.user !== undefined ? rec.userIndexOf(flags.user) >= 0 : true;
    if (flags.json) {
      await writeStdout(JSON.stringify({ ...(flags.user !== undefined ? { userId: flags.user, mode: flags.mode, knownShopper: known } : { itemId: flags.item }), items: list, ms: Math.round(ms * 1000) / 1000 }) + "\n");
      return;
    }
    const head = flags.user !== undefined ? `for shopper ${flags.user} (${flags.mode}${known ? "" : "; unknown shopper: popular items"})` : `bought together with ${flags.item}`;
    await writeStdout(`${head}:\n${table(list)}`);
  });
}

function table(list: readonly RecommendedItem[]): string {
  if (list.length === 0) return "(nothing to recommend)\n";
  return formatTable(["#", "item", "title", "score", "why"], list.map((r, i) => [String(i + 1), r.itemId, (r.title ?? "").slice(0, 48), r.score, r.reason.text.slice(0, 70)])) + "\n";
}
