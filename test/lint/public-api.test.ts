// The public surface: a deliberate root entry (at most 150 runtime values), subpath entries for the rest, every
// import the README shows resolving as shown, and type declarations a TypeScript consumer can build against.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; exports: Record<string, string | { types: string; import: string }> };
const subpaths = Object.entries(pkg.exports).filter(([, v]) => typeof v !== "string") as [string, { types: string; import: string }][];
/** The TypeScript source of an export's built file (dist/x.js → src/x.ts). */
const sourceOf = (target: string): string => path.join(ROOT, target.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));
const specifier = (key: string): string => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`);

describe("public API", () => {
  it("the root entry exports at most 150 runtime values", async () => {
    const root = await import(sourceOf("./dist/index.js"));
    const n = Object.keys(root).length;
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThanOrEqual(150);
  });

  it("every subpath export has its source entry, and each entry exports something", async () => {
    expect(subpaths.map(([k]) => k)).toEqual(expect.arrayContaining([".", "./server", "./store", "./store/sqlite", "./estimators", "./metrics", "./linalg", "./images", "./embeddings", "./shoppers", "./text", "./jobs"]));
    for (const [, v] of subpaths) {
      expect(existsSync(sourceOf(v.import)), v.import).toBe(true);
      expect(v.types).toBe(v.import.replace(/\.js$/, ".d.ts"));
    }
    for (const [key, v] of subpaths.filter(([k]) => !["./server", "./store", "./store/sqlite", "./jobs"].includes(k))) {
      const m = await import(sourceOf(v.import));
      expect(Object.keys(m).length, key).toBeGreaterThan(0);
    }
  });

  it("every import the README shows resolves to the named exports", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const shown = [...readme.matchAll(/import\s*\{([^}]+)\}\s*from\s*"(assort(?:\/[a-z/]+)?)"/g)];
    expect(shown.length).toBeGreaterThan(0);
    for (const [, names, spec] of shown) {
      const key = spec === pkg.name ? "." : `./${spec!.slice(pkg.name.length + 1)}`;
      const target = pkg.exports[key];
      expect(target, `README imports from "${spec}"`).toBeDefined();
      const m = (await import(sourceOf((target as { import: string }).import))) as Record<string, unknown>;
      for (const raw of names!.split(",")) {
        const name = raw.trim().replace(/^type\s+/, "");
        if (name === "" || raw.trim().startsWith("type ")) continue;
        expect(m[name], `${name} from "${spec}"`).toBeDefined();
      }
    }
  });

  it("the built type declarations let a TypeScript consumer import every entry", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "assort-consumer-"));
    try {
      mkdirSync(path.join(dir, "node_modules"));
      symlinkSync(ROOT, path.join(dir, "node_modules", pkg.name), "dir");
      writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
      writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: false, types: ["node"], typeRoots: [path.join(ROOT, "node_modules/@types")] }, files: ["consumer.ts"] }),
      );
      const lines = subpaths.map(([key], i) => `import * as e${i} from "${specifier(key)}";\nvoid e${i};`);
      lines.push(
        `import { loadModel, type ProductModel, type ItemPrediction } from "${pkg.name}";`,
        `export async function top(dir: string): Promise<ItemPrediction[]> { const m: ProductModel = await loadModel(dir); return await m.classify([{ id: "1", title: "pan" }], { topK: 3 }); }`,
      );
      writeFileSync(path.join(dir, "consumer.ts"), lines.join("\n") + "\n");
      const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
      let out = "";
      try {
        execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8", stdio: "pipe" });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout ?? e);
      }
      expect(out).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
