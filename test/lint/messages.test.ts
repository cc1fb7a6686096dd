// Library messages are neutral (docs/architecture.md, "Errors"): outside the CLI no string names a CLI flag
// ("--on-bad-row") or command ("assort serve"); the CLI adds that advice from each error's hint.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return p.endsWith(`${path.sep}src${path.sep}cli`) ? [] : sources(p);
    return d.name.endsWith(".ts") && !d.name.endsWith(".test.ts") ? [p] : [];
  });
}

/** A CLI flag or an assort command in a text. */
const CLI_ADVICE = /(^|[\s("'`/])--[a-z]|\bassort (train|classify|evaluate|cross-validate|audit|cluster|evaluate-clusters|embed|info|classifiers|serve|import|taxonomy)\b/;

/** Texts of the string literals and template pieces of a file that look like CLI advice, with their lines. */
function cliAdvice(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) {
      if (CLI_ADVICE.test(n.text)) found.push(`${path.relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${n.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe("library messages", () => {
  it("name no CLI flag or command outside src/cli", () => {
    expect(sources(path.join(ROOT, "src")).flatMap(cliAdvice)).toEqual([]);
  });

  it("the check finds advice where there is some", () => {
    for (const text of ['"use --on-bad-row skip"', "`(assort serve --model ${dir})`", '"pass --separator \\" | \\""']) {
      const sf = ts.createSourceFile("x.ts", `const m = ${text};`, ts.ScriptTarget.Latest, true);
      let hit = false;
      const visit = (n: ts.Node): void => {
        if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n)) && CLI_ADVICE.test(n.text)) hit = true;
        ts.forEachChild(n, visit);
      };
      visit(sf);
      expect(hit, text).toBe(true);
    }
  });
});
