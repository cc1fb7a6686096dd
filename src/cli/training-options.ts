// The learning options of train and cross-validate. Their --classifier choices are the registry's names
// (entries/train-start.ts), known without loading the classifiers: train reads the catalog while they load.
import { Option, type Command } from "commander";
import { AUTO_CLASSIFIER, CLASSIFIER_KINDS, MANY_CATEGORIES } from "../entries/train-start.js";
import { intArg, paramArg } from "./options.js";
import { formatCount } from "../entries/core.js";

/** The learning options shared by train and cross-validate. */
export interface TrainingFlags {
  classifier: string;
  param: Record<string, unknown>;
  seed: number;
  strategy: "flat" | "top-down";
  calibration: "isotonic" | "none";
  calibrationFolds?: number;
}

export function addTrainingOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--classifier <kind>",
        `auto: linear-svm, or nearest-centroid for ${formatCount(MANY_CATEGORIES)}+ categories that one-vs-rest would take long to learn (products as categories); ` +
          "or name one (see assort classifiers)",
      )
        .choices([AUTO_CLASSIFIER, ...CLASSIFIER_KINDS])
        .default(AUTO_CLASSIFIER),
    )
    .option("--param <key=value>", "classifier parameter, repeatable (e.g. --param c=0.5 --param classWeight=balanced)", paramArg, {})
    .option("--seed <n>", "random seed (same data + seed = same model)", intArg("--seed", 0, 2 ** 32 - 1), 42)
    .addOption(
      new Option("--strategy <name>", "flat: one classifier over full category paths; top-down: one per parent category, probabilities multiplied along the path")
        .choices(["flat", "top-down"])
        .default("flat"),
    )
    .addOption(
      new Option("--calibration <method>", "isotonic: calibrate the top score on held-out estimates (so 0.9 means right 9 times in 10); none: faster training")
        .choices(["isotonic", "none"])
        .default("isotonic"),
    )
    .option(
      "--calibration-folds <n>",
      "refit on this many folds for the calibration's held-out predictions (default: linear classifiers use leave-one-out estimates from their one fit, others 2 folds)",
      intArg("--calibration-folds", 2, 20),
    );
}
