// The assort command line: parses arguments, runs one verb, maps errors to messages and exit codes.
// Start-up loads only what the invoked verb needs: every verb is listed here with its description (all the
// top-level help shows), and its options and implementation (src/cli/commands/*) are imported only when it runs
// or its own help is asked for.
import { Command, CommanderError, Help } from "commander";
import { LIBRARY_VERSION } from "../entries/core.js";
import { EXIT_OK, EXIT_USAGE, reportError } from "./errors.js";

/** Adds a verb's options, help and action to its command (already named and described). */
type DefineVerb = (cmd: Command) => Command;

interface Verb {
  name: string;
  description: string;
  /** False for verbs without options of their own (groups of subcommands, `classifiers`). */
  options: boolean;
  load(): Promise<DefineVerb>;
}

const VERBS: Verb[] = [
  { name: "train", description: "learn a shop's categories from labelled products and save a model", options: true, load: async () => (await import("./commands/train.js")).trainCommand },
  {
    name: "classify",
    description: "suggest categories for products: one JSON line per product with the top-k {category, score}",
    options: true,
    load: async () => (await import("./commands/classify.js")).classifyCommand,
  },
  {
    name: "evaluate",
    description: "measure a model on labelled products: accuracy, precision/recall/F1, per-class report, confusion matrix",
    options: true,
    load: async () => (await import("./commands/evaluate.js")).evaluateCommand,
  },
  { name: "cross-validate", description: "stratified k-fold cross-validation: accuracy and F1 as mean ± std over folds", options: true, load: async () => (await import("./commands/cross-validate.js")).crossValidateCommand },
  {
    name: "audit",
    description: "find products that are probably in the wrong category, duplicates, class imbalance and categories too small to learn",
    options: true,
    load: async () => (await import("./commands/audit.js")).auditCommand,
  },
  {
    name: "cluster",
    description: "group products into clusters (families, categories, or the same product across merchants) and name them",
    options: true,
    load: async () => (await import("./commands/cluster.js")).clusterCommand,
  },
  {
    name: "evaluate-clusters",
    description: "score a clustering against known groups: ARI, NMI, V-measure, purity, pair precision/recall/F1, silhouette",
    options: true,
    load: async () => (await import("./commands/cluster.js")).evaluateClustersCommand,
  },
  {
    name: "embed",
    description: "learn dense product vectors (for clustering and similar items) and save them as a model directory",
    options: true,
    load: async () => (await import("./commands/embed.js")).embedCommand,
  },
  { name: "info", description: "show a model's manifest: version, categories, training data, settings", options: true, load: async () => (await import("./commands/info.js")).infoCommand },
  { name: "classifiers", description: "list the classifier kinds", options: false, load: async () => (await import("./commands/info.js")).classifiersCommand },
  {
    name: "serve",
    description: "serve the HTTP API: classify, products, search, similar items, feedback, models, jobs (keys: ASSORT_API_KEY, --keys-file)",
    options: true,
    load: async () => (await import("./commands/serve.js")).serveCommand,
  },
  {
    name: "import",
    description: "import products into the store (idempotent by id; each batch one transaction), classified by the live model",
    options: true,
    load: async () => (await import("./commands/import.js")).importCommand,
  },
  {
    name: "status",
    description: "show a data directory read-only: which process writes to it, products, models, jobs, similar items",
    options: true,
    load: async () => (await import("./commands/status.js")).statusCommand,
  },
  {
    name: "worker",
    description: "process queued jobs and batches (imports, batch classify, train, cluster, embed, audit) of a postgres:// store",
    options: true,
    load: async () => (await import("./commands/worker.js")).workerCommand,
  },
  {
    name: "taxonomy",
    description: "work with category trees: show a summary, check a catalog's labels against one",
    options: false,
    load: async () => (await import("./commands/taxonomy.js")).taxonomyCommand,
  },
  { name: "events", description: "shopper event files: counts and checks, and importing them into the store", options: false, load: async () => (await import("./commands/events.js")).eventsCommand },
  {
    name: "profile",
    description: "show a shopper's profile: recency, frequency, spend (net of returns), return rate, basket size, category affinity",
    options: true,
    load: async () => (await import("./commands/profile.js")).profileCommand,
  },
  {
    name: "segment",
    description: "group shoppers into named segments (recency, frequency, spend and category affinity) with a report",
    options: true,
    load: async () => (await import("./commands/segment.js")).segmentCommand,
  },
  {
    name: "recommend",
    description: "recommend items to a shopper (for you), or items bought together with an item, each with a reason",
    options: true,
    load: async () => (await import("./commands/recommend.js")).recommendCommand,
  },
  {
    name: "evaluate-recs",
    description: "evaluate recommendations on a time split: train before --split-at, test after; tasks all, new and bought-together, with a popularity baseline",
    options: true,
    load: async () => (await import("./commands/evaluate-recs.js")).evaluateRecsCommand,
  },
];

/** The verb an argument list runs (`help X` asks for X's help), or undefined (top-level help, version, a typo). */
export function invokedVerb(argv: readonly string[]): string | undefined {
  const operands = argv.filter((a) => !a.startsWith("-"));
  const first = operands[0] === "help" ? operands[1] : operands[0];
  return VERBS.some((v) => v.name === first) ? first : undefined;
}

/**
 * The program with every verb; `only` limits the verbs given their options and action to those named (the
 * others are listed with their description, for the top-level help and "unknown command" suggestions).
 */
export async function buildProgram(only?: readonly string[]): Promise<Command> {
  const program = new Command("assort")
    .description("Sort an online shop's catalog automatically: learn its categories and classify new products.")
    .version(LIBRARY_VERSION)
    .option("--debug", "show stack traces for errors")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const listed = new Set<Command>();
  for (const verb of VERBS) {
    const cmd = program.command(verb.name).description(verb.description);
    if (only === undefined || only.includes(verb.name)) (await verb.load())(cmd);
    else if (verb.options) listed.add(cmd);
    cmd.exitOverride();
  }
  // A verb not loaded shows in the top-level help as it would loaded: "name [options]".
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command): string {
      return Help.prototype.subcommandTerm.call(this, cmd) + (listed.has(cmd) ? " [options]" : "");
    },
  });
  return program;
}

/** Runs the CLI and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Background threads (the SQLite writer, the model and ANN threads) are unref'd while idle. A verb that awaits
  // one of them at its end (closing: a last flush, a prune) must not let the event loop empty meanwhile, which
  // would end the process with exit code 13 and nothing said: hold it open until the verb has settled.
  const hold = setInterval(() => undefined, 1 << 30);
  try {
    const verb = invokedVerb(argv);
    const program = await buildProgram(verb === undefined ? [] : [verb]);
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT_OK;
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(e, argv.includes("--debug"), (s) => process.stderr.write(s));
  } finally {
    clearInterval(hold);
  }
}
