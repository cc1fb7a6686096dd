// `assort evaluate-recs`: the recommender on a global time split (train before T, test after), full ranking, tasks
// all / new / bought-together with a popularity baseline from the same run.
import type { Command } from "commander";
import { evaluateRecommendations, type RecsScores, type RecsTasks } from "../../index.js";
import { addEventOptions, addItemOptions, loadEvents, loadItems, seconds, type EventFlags } from "../event-options.js";
import { makeUi, writeStdout } from "../io.js";
import { intArg } from "../options.js";
import { formatTable } from "../table.js";

interface EvaluateRecsFlags extends EventFlags {
  splitAt: string;
  end?: string;
  k: number;
  components?: boolean;
  seed: number;
  json?: boolean;
  quiet?: boolean;
}

const TASKS = ["all", "new", "boughtTogether"] as const;

/** The JSON keys of one task: ndcgAt10, hitRateAt10, … (named after k). */
function keyed(s: RecsScores, k: number): Record<string, number> {
  const r = (v: number): number => Math.round(v * 1e6) / 1e6;
  return {
    [`ndcgAt${k}`]: r(s.ndcg),
    [`hitRateAt${k}`]: r(s.hitRate),
    [`recallAt${k}`]: r(s.recall),
    [`precisionAt${k}`]: r(s.precision),
    [`mapAt${k}`]: r(s.map),
    [`coverageAt${k}`]: r(s.coverage),
    lists: s.lists,
  };
}

const tasksJson = (t: Partial<RecsTasks>, k: number): Record<string, Record<string, number>> =>
  Object.fromEntries(TASKS.filter((name) => t[name] !== undefined).map((name) => [name, keyed(t[name]!, k)]));

export function evaluateRecsCommand(cmd: Command): Command {
  cmd
    .requiredOption("--split-at <time>", "train on events before this time, test on the purchases from it on (ISO 8601; without a zone: UTC)")
    .option("--end <time>", "test on purchases before this time only (a validation window)")
    .option("--k <n>", "list length (the JSON keys follow it: ndcgAt10 …)", intArg("--k", 1, 1000), 10)
    .option("--components", "also score each part alone (repeat, EASE, item-kNN, co-purchase counts, popular now)")
    .option("--seed <n>", "random seed", intArg("--seed", 0), 0)
    .option("--json", 'print one JSON object: {"all", "new", "boughtTogether", "baseline"}')
    .option("-q, --quiet", "no notes on stderr");
  addEventOptions(cmd);
  addItemOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  assort evaluate-recs --events examples/shop/events.csv --split-at 2025-10-01 --k 10
  assort evaluate-recs --events events.csv --items items.csv --split-at 2011-10-01 --k 10 --exclude-items POST,D,M --json`,
  );
  return cmd.action(async (flags: EvaluateRecsFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    const items = await loadItems(flags);
    const { log } = await loadEvents(flags, ui);
    const r = await evaluateRecommendations(log, {
      splitAt: flags.splitAt,
      ...(flags.end ? { end: flags.end } : {}),
      k: flags.k,
      ...(flags.excludeItems ? { excludeItems: flags.excludeItems } : {}),
      ...(items ? { items } : {}),
      components: Boolean(flags.components),
      seed: flags.seed,
    });
    ui.info(`split ${r.splitAt}${r.end ? ` to ${r.end}` : ""}: ${r.trainPurchases} training purchases, ${r.testPurchases} test purchases; ${r.catalog} items, ${r.testShoppers} test shoppers; fit ${seconds(r.fitSeconds)}, ${r.msPerUser.toFixed(2)} ms per shopper`);
    if (flags.json) {
      const out: Record<string, unknown> = { ...tasksJson(r, r.k), baseline: tasksJson(r.baseline, r.k) };
      if (r.components) out["components"] = Object.fromEntries(Object.entries(r.components).map(([name, t]) => [name, tasksJson(t, r.k)]));
      await writeStdout(JSON.stringify(out) + "\n");
      return;
    }
    const rows: (string | number)[][] = [];
    const add = (who: string, t: Partial<RecsTasks>): void => {
      for (const task of TASKS) {
        const s = t[task];
        if (s) rows.push([task, who, s.ndcg, s.hitRate, s.recall, s.precision, s.map, s.coverage, s.lists]);
      }
    };
    add("assort", r);
    add("popularity", r.baseline);
    for (const [name, t] of Object.entries(r.components ?? {})) add(name, t);
    rows.sort((a, b) => TASKS.indexOf(a[0] as (typeof TASKS)[number]) - TASKS.indexOf(b[0] as (typeof TASKS)[number]));
    const k = r.k;
    await writeStdout(formatTable(["task", "recommender", `NDCG@${k}`, `HR@${k}`, `recall@${k}`, `prec@${k}`, `MAP@${k}`, `coverage@${k}`, "lists"], rows, { digits: 4 }) + "\n");
  });
}
