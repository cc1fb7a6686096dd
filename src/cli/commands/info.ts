// `assort info` and `assort classifiers`: what a model is, and which classifiers exist.
import type { Command } from "commander";
import { classifierEntry, classifierKinds, loadModel } from "../../index.js";

export function infoCommand(program: Command): Command {
  return program
    .command("info")
    .description("show a model's manifest: version, categories, training data, settings")
    .requiredOption("--model <dir>", "model directory")
    .option("--json", "print the manifest summary as JSON")
    .action(async (flags: { model: string; json?: boolean }) => {
      const model = await loadModel(flags.model);
      const i = model.info;
      if (flags.json) {
        process.stdout.write(JSON.stringify({ ...i, classifier: model.classifier.kind, featurizer: model.featurizer.params }) + "\n");
        return;
      }
      process.stdout.write(
        [
          `model       ${i.version} (assort ${i.libraryVersion}, ${i.createdAt})`,
          `classifier  ${model.classifier.kind}`,
          `categories  ${i.labels.length}: ${i.labels.slice(0, 8).join(" | ")}${i.labels.length > 8 ? " | …" : ""}`,
          `fields      text ${i.textFields.join(", ")}; label ${i.labelField}; id ${i.idField}`,
          `training    ${i.training.rows} products${i.training.source ? ` from ${i.training.source}` : ""}, fingerprint ${i.training.fingerprint.slice(0, 16)}…`,
          `features    ${model.featurizer.dim.toLocaleString("en-US")}`,
        ].join("\n") + "\n",
      );
    });
}

export function classifiersCommand(program: Command): Command {
  return program
    .command("classifiers")
    .description("list the classifier kinds")
    .action(() => {
      for (const k of classifierKinds()) process.stdout.write(`${k.padEnd(22)}${classifierEntry(k).description}\n`);
    });
}
