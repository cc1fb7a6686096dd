// `npm run build` bundles zod into one script (scripts/vendor-zod.mjs), with V8's code cache of it, behind one module
// that the compiled modules are pointed at: one zod at run time, with all of zod's exports, compiled from the cache,
// and no compiled module left importing the package. Runs against the build that `npm test` makes first (skipped,
// with the reason, when there is no dist/).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import type { z as Zod } from "zod";

const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));
const VENDORED = path.join(DIST, "vendor", "zod.js");
const SCRIPT = path.join(DIST, "vendor", "zod-script.js");
const CACHE = path.join(DIST, "vendor", "zod-script.cache");
const built = existsSync(VENDORED);
if (!built) console.log(`vendored-zod: skipped: no ${VENDORED} (run npm run build)`);

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith(".js") ? [p] : [];
  });
}

describe.skipIf(!built)("the build's vendored zod", () => {
  it("exports what zod exports, the same functions by name, from one script that imports nothing", async () => {
    const zod = (await import("zod")) as Record<string, unknown>;
    const vendored = (await import(pathToFileURL(VENDORED).href)) as Record<string, unknown>;
    expect(Object.keys(vendored).sort()).toEqual(Object.keys(zod).sort());
    const z = vendored.z as typeof Zod;
    // It works as zod does: a schema parses, and its error is the bundle's ZodError.
    const schema = z.object({ n: z.number().int().min(1) });
    expect(schema.parse({ n: 3 })).toEqual({ n: 3 });
    const bad = schema.safeParse({ n: 0 });
    expect(bad.success).toBe(false);
    expect(bad.error).toBeInstanceOf(vendored.ZodError as new () => unknown);
    expect(bad.error!.issues[0]!.path).toEqual(["n"]);
    // The module imports Node's own modules alone; the script nothing at all.
    const imports = [...readFileSync(VENDORED, "utf8").matchAll(/^\s*import\b.*from\s*"([^"]+)"/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.every((m) => m!.startsWith("node:"))).toBe(true);
    expect(readFileSync(SCRIPT, "utf8")).not.toMatch(/^\s*import\b|\bimport\s*\(|\brequire\(/m);
  });

  it("is compiled from the code cache made at build time, and compiled anew from a cache this V8 does not take", () => {
    const source = readFileSync(SCRIPT, "utf8");
    const cached = new Script(source, { filename: SCRIPT, cachedData: readFileSync(CACHE) });
    expect(cached.cachedDataRejected).toBe(false);
    const broken = new Script(source, { filename: SCRIPT, cachedData: Buffer.from("not a code cache") });
    expect(broken.cachedDataRejected).toBe(true);
    const exports: Record<string, unknown> = {};
    (broken.runInThisContext() as (e: Record<string, unknown>) => void)(exports);
    expect(typeof (exports.z as typeof Zod).object).toBe("function");
  });

  it("is what every compiled module imports zod from", () => {
    const files = jsFiles(DIST).filter((f) => f !== VENDORED);
    const direct = files.filter((f) => /(\bfrom\s*|\bimport\s*\(\s*)["']zod["']/.test(readFileSync(f, "utf8")));
    expect(direct.map((f) => path.relative(DIST, f))).toEqual([]);
    const users = files.filter((f) => readFileSync(f, "utf8").includes("vendor/zod.js"));
    // The schemas of the classifiers, the featurizer and the server, at least.
    expect(users.map((f) => path.relative(DIST, f).split(path.sep).join("/"))).toEqual(
      expect.arrayContaining(["classify/fit-linear.js", "featurize/text/params.js", "server/schemas.js"]),
    );
  });
});
