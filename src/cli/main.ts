// The assort command line: parses arguments, runs one verb, maps errors to messages and exit codes.
import { Command, CommanderError } from "commander";
import { LIBRARY_VERSION } from "../index.js";
import { auditCommand } from "./commands/audit.js";
import { classifyCommand } from "./commands/classify.js";
import { clusterCommand, evaluateClustersCommand } from "./commands/cluster.js";
import { crossValidateCommand } from "./commands/cross-validate.js";
import { embedCommand } from "./commands/embed.js";
import { evaluateCommand } from "./commands/evaluate.js";
import { importCommand } from "./commands/import.js";
import { serveCommand } from "./commands/serve.js";
import { statusCommand } from "./commands/status.js";
import { workerCommand } from "./commands/worker.js";
import { classifiersCommand, infoCommand } from "./commands/info.js";
import { taxonomyCommand } from "./commands/taxonomy.js";
import { trainCommand } from "./commands/train.js";
import { eventsCommand } from "./commands/events.js";
import { profileCommand } from "./commands/profile.js";
import { segmentCommand } from "./commands/segment.js";
import { recommendCommand } from "./commands/recommend.js";
import { evaluateRecsCommand } from "./commands/evaluate-recs.js";
import { EXIT_OK, EXIT_USAGE, reportError } from "./errors.js";

export function buildProgram(): Command {
  const program = new Command("assort")
    .description("Sort an online shop's catalog automatically: learn its categories and classify new products.")
    .version(LIBRARY_VERSION)
    .option("--debug", "show stack traces for errors")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const add of [trainCommand, classifyCommand, evaluateCommand, crossValidateCommand, auditCommand, clusterCommand, evaluateClustersCommand, embedCommand, infoCommand, classifiersCommand, serveCommand, importCommand, statusCommand, workerCommand]) {
    add(program).exitOverride();
  }
  taxonomyCommand(program).exitOverride();
  eventsCommand(program).exitOverride();
  profileCommand(program).exitOverride();
  segmentCommand(program).exitOverride();
  recommendCommand(program).exitOverride();
  evaluateRecsCommand(program).exitOverride();
  return program;
}

/** Runs the CLI and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Background threads (the SQLite writer, the model and ANN threads) are unref'd while idle. A verb that awaits
  // one of them at its end (closing: a last flush, a prune) must not let the event loop empty meanwhile, which
  // would end the process with exit code 13 and nothing said: hold it open until the verb has settled.
  const hold = setInterval(() => undefined, 1 << 30);
  try {
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
