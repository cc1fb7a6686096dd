// Compiles the WebAssembly SIMD kernels (src/linalg/wasm/kernels.as.ts, AssemblyScript) to
// dist/linalg/wasm/kernels.wasm; part of `npm run build`. When AssemblyScript is not installed or the
// compile fails, it says so and exits 0 without a .wasm file: the library then runs its JavaScript kernels
// (src/linalg/kernels.ts falls back when the file is missing), so a build without the toolchain still works.
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "src/linalg/wasm/kernels.as.ts");
const target = path.join(root, "dist/linalg/wasm/kernels.wasm");

// Memory is imported and shared, so that worker threads run the kernels on one copy of the training rows.
const ASC_FLAGS = ["-O3", "--noAssert", "--runtime", "stub", "--enable", "simd", "--enable", "threads", "--importMemory", "--sharedMemory", "--maximumMemory", "65536"];

const warn = (why) => {
  process.stderr.write(`build-wasm: ${why}\nbuild-wasm: no ${path.relative(root, target)}; assort will use its JavaScript kernels\n`);
};

await mkdir(path.dirname(target), { recursive: true });
await rm(target, { force: true });
let asc;
try {
  asc = (await import("assemblyscript/asc")).default;
} catch (e) {
  warn(`AssemblyScript is not installed (${e.message.split("\n")[0]})`);
  process.exit(0);
}
/** The compiler flags (also used by src/linalg/kernels.test.ts, which compiles the same source in memory). */
const { error, stderr } = await asc.main([source, "-o", target, ...ASC_FLAGS]);
if (error) {
  warn(`compile failed: ${error.message}\n${stderr.toString()}`);
  await rm(target, { force: true });
  process.exit(0);
}
