// `assort info` and `assort classifiers`: what a model is, and which classifiers exist.
import type { Command } from "commander";
import { classifierEntry, classifierKinds, loadModel } from "../../index.js";
import { AUTO_CLASSIFIER, MANY_CATEGORIES } from "../../entries/estimators.js";

export function infoCommand(cmd: Command): Command {
  return cmd
    .requiredOption("--model <dir>", "model directory")
    .option("--json", "print the manifest summary as JSON")
    .action(async (flags: { model: string; json?: boolean }) => {
      const model = await loadModel(flags.model);
      const d = model.describe();
      await model.close();
      if (flags.json) {
        process.stdout.write(JSON.stringify(d) + "\n");
        return;
      }
      const t = d.training;
      const can = Object.entries(d.capabilities).filter(([, v]) => v).map(([k]) => k);
      const held = Object.entries(d.heldOut ?? {}).filter(([, m]) => m !== undefined);
      process.stdout.write(
        [
          `model       ${d.version} (assort ${d.libraryVersion}, ${d.createdAt})`,
          `kind        ${d.kind} (${d.modalities === "both" ? "text + image" : d.modalities})`,
          `classifier  ${d.classifier}`,
          `categories  ${d.labels.length}: ${d.labels.slice(0, 8).join(" | ")}${d.labels.length > 8 ? " | …" : ""}`,
          `fields      text ${d.fields.text.join(", ")}; label ${d.fields.label}; id ${d.fields.id}${d.fields.image ? `; image ${d.fields.image}` : ""}`,
          `training    ${t.rows} products${t.withImage !== undefined ? ` (${t.withImage} with a usable photo)` : ""}${t.source ? ` from ${t.source}` : ""}, fingerprint ${t.fingerprint.slice(0, 16)}…`,
          `features    ${Object.entries(d.features).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ")}`,
          `scores      ${d.calibrated ? "calibrated" : "not calibrated"}${can.length > 0 ? `; can: ${can.join(", ")}` : ""}`,
          ...held.map(([k, m]) => `held-out    ${k}: accuracy ${m!.accuracy.toFixed(3)}, macro-F1 ${m!.macroF1.toFixed(3)}`),
        ].join("\n") + "\n",
      );
    });
}

export function classifiersCommand(cmd: Command): Command {
  return cmd
    .action(() => {
      const many = MANY_CATEGORIES.toLocaleString("en-US");
      process.stdout.write(`${AUTO_CLASSIFIER.padEnd(22)}The default of train: linear-svm, or nearest-centroid from ${many} categories on when one-vs-rest would take long\n`);
      for (const k of classifierKinds()) process.stdout.write(`${k.padEnd(22)}${classifierEntry(k).description}\n`);
    });
}
