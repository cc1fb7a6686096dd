// Bundles zod into one module, dist/vendor/zod.js, and points the compiled modules at it; part of `npm run build`
// (after tsc). zod 4 loads as ~95 ES modules (its locales among them): resolving, reading and linking them took
// ~75-85 ms of the main thread, while `assort train` reads its catalog; one minified module loads in ~30-40 ms
// (pricerunner, 2 cores, interleaved runs: train() started 24-55 ms sooner). Only the compiled JavaScript is pointed at the bundle (the declarations
// still name "zod", whose types it is), and every compiled module uses the one bundle, so there is one zod at run
// time. The sources and the tests (which run them) import zod itself.
//
// Of those ~30 ms, ~24 went to V8 compiling the bundle's 480 KB. So the bundle is a script (zod-script.js: a function
// of `exports`), compiled once here and its V8 code cache kept beside it (zod-script.cache), and dist/vendor/zod.js is
// an ES module that runs the script from that cache and exports each of zod's names: ~10 ms. A cache that this Node's
// V8 does not take (another version or flags) is ignored, and the script is compiled as any other.
// When the bundle cannot be made (no vite), it says so and exits 0: the compiled modules then import zod as written.
import { readdir, readFile, writeFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const target = path.join(dist, "vendor", "zod.js");
const script = path.join(dist, "vendor", "zod-script.js");
const cache = path.join(dist, "vendor", "zod-script.cache");

/** `from "zod"` and `import("zod")` as tsc writes them (type-only imports are gone from the JavaScript). */
const ZOD_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*)"zod"/g;

async function* jsFiles(dir) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* jsFiles(p);
    else if (e.name.endsWith(".js") && p !== target) yield p;
  }
}

async function bundle() {
  const { build } = await import("vite");
  const entry = path.join(root, "scripts", "zod-entry.js");
  const out = await build({
    configFile: false,
    root,
    logLevel: "warn",
    build: {
      lib: { entry, formats: ["cjs"], fileName: () => "zod.cjs" },
      write: false,
      minify: true,
      target: "node20",
      sourcemap: false,
      copyPublicDir: false,
      rollupOptions: { output: { exports: "named" } },
    },
  });
  const chunk = [out].flat().flatMap((o) => o.output).find((o) => o.type === "chunk");
  if (!chunk) throw new Error("vite built no chunk");
  return chunk.code;
}

/** The script, its code cache, and the ES module that runs it and exports `names`. */
async function writeVendored(code) {
  const source = `(function (exports) {\n${code}\n})`;
  const compiled = new Script(source, { filename: script });
  const exports = {};
  compiled.runInThisContext()(exports);
  // Compile what a schema's first parse runs too, so the cache holds it.
  const z = exports.z;
  const s = z.object({ n: z.number().int().min(0).default(1), e: z.enum(["a", "b"]).optional(), l: z.array(z.string()).max(3).optional() });
  s.parse({ n: 2, e: "a", l: ["x"] });
  s.safeParse({ n: -1 });
  const names = Object.keys(exports).filter((n) => n !== "__esModule").sort();
  await writeFile(script, source);
  await writeFile(cache, compiled.createCachedData());
  const local = (n) => `_${n.replace(/[^A-Za-z0-9_$]/g, "_")}`;
  const lines = [
    "// Written by scripts/vendor-zod.mjs: runs zod's bundle (zod-script.js) from V8's code cache made at build time",
    "// (zod-script.cache; ignored where this V8 does not take it) and exports each of zod's names.",
    'import { readFileSync } from "node:fs";',
    'import { fileURLToPath } from "node:url";',
    'import { Script } from "node:vm";',
    'const file = fileURLToPath(new URL("./zod-script.js", import.meta.url));',
    "let cachedData;",
    "try {",
    '  cachedData = readFileSync(fileURLToPath(new URL("./zod-script.cache", import.meta.url)));',
    "} catch {",
    "  // no cache: compiled as any script",
    "}",
    'const exports = {};',
    'new Script(readFileSync(file, "utf8"), { filename: file, cachedData }).runInThisContext()(exports);',
    ...names.map((n) => `const ${local(n)} = exports[${JSON.stringify(n)}];`),
    `export { ${names.map((n) => `${local(n)} as ${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(n) ? n : JSON.stringify(n)}`).join(", ")} };`,
    "",
  ];
  await writeFile(target, lines.join("\n"));
}

try {
  await rm(path.dirname(target), { recursive: true, force: true });
  await mkdir(path.dirname(target), { recursive: true });
  await writeVendored(await bundle());
} catch (e) {
  process.stderr.write(`vendor-zod: ${e?.message ?? e}\nvendor-zod: no ${path.relative(root, target)}; the compiled modules import zod as written\n`);
  process.exit(0);
}
let files = 0;
for await (const file of jsFiles(dist)) {
  const text = await readFile(file, "utf8");
  if (!text.includes('"zod"')) continue;
  let spec = path.relative(path.dirname(file), target).split(path.sep).join("/");
  if (!spec.startsWith(".")) spec = `./${spec}`;
  const out = text.replace(ZOD_IMPORT, (_, head) => `${head}${JSON.stringify(spec)}`);
  if (out !== text) {
    await writeFile(file, out);
    files++;
  }
}
process.stderr.write(files > 0 ? "" : "vendor-zod: no compiled module imports zod\n");
