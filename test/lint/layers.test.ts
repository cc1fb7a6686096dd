// The import-direction rule of docs/architecture.md, checked through ESLint on code placed in each layer.
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, "../..") });

async function problems(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.resolve(import.meta.dirname, "../..", file) });
  return r!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layer import rule", () => {
  it.each([
    ["src/linalg/x.ts", 'import { Random } from "../core/random.js";'],
    ["src/core/x.ts", 'import { train } from "../pipeline/train.js";'],
    ["src/classify/x.ts", 'import { TextFeaturizer } from "../featurize/text/text-featurizer.js";'],
    ["src/featurize/text/x.ts", 'import { LinearSvm } from "../../classify/linear-svm.js";'],
    ["src/metrics/x.ts", 'import { writeModelDir } from "../persist/model-dir.js";'],
    ["src/pipeline/x.ts", 'import { main } from "../cli/main.js";'],
    ["src/cli/x.ts", 'import { train } from "../pipeline/train.js";'],
    ["src/cli/commands/x.ts", 'import { readModelDir } from "../../persist/model-dir.js";'],
    ["src/server/x.ts", 'import { SqliteStore } from "../store/sqlite-store.js";'],
    ["src/store/x.ts", 'import { buildServer } from "../server/app.js";'],
    ["src/service/x.ts", 'import { buildServer } from "../server/build-server.js";'],
    ["src/pipeline/x.ts", 'import { CatalogService } from "../service/catalog-service.js";'],
    ["src/report/x.ts", 'import { CatalogService } from "../service/catalog-service.js";'],
    ["src/index.ts", 'import { main } from "./cli/main.js";'],
    ["src/index.ts", 'import { SqliteStore } from "./store/sqlite-store.js";'],
    ["src/cli/x.ts", 'import { CatalogService } from "../service/catalog-service.js";'],
  ])("forbids %s: %s", async (file, code) => {
    expect(await problems(file, `${code}\nexport {};\n`)).toHaveLength(1);
  });

  it.each([
    ["src/linalg/x.ts", 'import { dense } from "./matrix.js";'],
    ["src/classify/x.ts", 'import { Random } from "../core/random.js";\nimport { dense } from "../linalg/matrix.js";'],
    ["src/pipeline/x.ts", 'import { LinearSvm } from "../classify/linear-svm.js";'],
    ["src/service/x.ts", 'import { train } from "../pipeline/train.js";'],
    ["src/index.ts", 'import { train } from "./pipeline/train.js";'],
    ["src/cli/commands/x.ts", 'import { train } from "../../index.js";\nimport { makeUi } from "../io.js";'],
    ["src/cli/commands/x.ts", 'import { buildServer } from "../../server/app.js";\nimport { SqliteStore } from "../../store/sqlite-store.js";'],
  ])("allows %s: %s", async (file, code) => {
    expect(await problems(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});
