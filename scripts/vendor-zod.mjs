// Bundles zod into one module, dist/vendor/zod.js, and points the compiled modules at it; part of `npm run build`
// (after tsc). zod 4 loads as ~95 ES modules (its locales among them): resolving, reading and linking them took
// ~75-85 ms of the main thread, while `assort train` reads its catalog; one minified module loads in ~30-40 ms
// (pricerunner, 2 cores, interleaved runs: train() started 24-55 ms sooner). Only the compiled JavaScript is pointed at the bundle (the declarations
// still name "zod", whose types it is), and every compiled module uses the one bundle, so there is one zod at run
// time. The sources and the tests (which run them) import zod itself.
// When the bundle cannot be made (no vite), it says so and exits 0: the compiled modules then import zod as written.
import { readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const target = path.join(dist, "vendor", "zod.js");

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
  await build({
    configFile: false,
    root,
    logLevel: "warn",
    build: {
      lib: { entry, formats: ["es"], fileName: () => "zod.js" },
      outDir: path.dirname(target),
      emptyOutDir: true,
      minify: true,
      target: "node20",
      sourcemap: false,
      copyPublicDir: false,
    },
  });
}

try {
  await mkdir(path.dirname(target), { recursive: true });
  await bundle();
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
