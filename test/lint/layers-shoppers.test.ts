// The layer rule covers the shopper folders: events/ and recommend/ are algorithm folders (core and linalg only),
// reached from the edges through the public API.
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, "../..") });

async function problems(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: path.resolve(import.meta.dirname, "../..", file) });
  return r!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layer import rule, shopper folders", () => {
  it.each([
    ["src/events/x.ts", 'import { KMeans } from "../cluster/kmeans.js";'],
    ["src/events/x.ts", 'import { readLines } from "../catalog/read-lines.js";'],
    ["src/recommend/x.ts", 'import { EventLog } from "../events/event-log.js";'],
    ["src/recommend/x.ts", 'import { fitRecommender } from "../pipeline/recommender.js";'],
    ["src/cli/commands/x.ts", 'import { readEventLog } from "../../events/read-events.js";'],
    ["src/cli/commands/x.ts", 'import { fitEase } from "../../recommend/ease.js";'],
  ])("forbids %s: %s", async (file, code) => {
    expect(await problems(file, code)).toHaveLength(1);
  });

  it.each([
    ["src/recommend/x.ts", 'import { spdInverse } from "../linalg/spd-inverse.js";\nimport { Random } from "../core/random.js";'],
    ["src/pipeline/x.ts", 'import { fitEase } from "../recommend/ease.js";\nimport { EventLog } from "../events/event-log.js";'],
    ["src/cli/commands/x.ts", 'import { fitRecommender } from "../../index.js";'],
  ])("allows %s: %s", async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
