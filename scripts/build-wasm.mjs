// Compiles the WebAssembly modules from their AssemblyScript sources; part of `npm run build`:
//   src/linalg/wasm/kernels.as.ts     → dist/linalg/wasm/kernels.wasm      (SIMD dual-CD kernels, and the scoring
//                                                                          kernels of src/linalg/wasm/score.as.ts)
//   src/linalg/wasm/sparse-score.as.ts → dist/linalg/wasm/sparse-score.wasm (scoring sparse linear models)
//   src/featurize/text/wasm/hash.as.ts → dist/featurize/text/wasm/hash.wasm (tokenizing and n-gram hashing)
//   src/featurize/text/wasm/compact.as.ts → dist/featurize/text/wasm/compact.wasm (compacting a fit's hashed rows)
//   src/catalog/wasm/utf8.as.ts        → dist/catalog/wasm/utf8.wasm        (decoding UTF-8 blocks of JSONL)
// When AssemblyScript is not installed or a compile fails, it says so and exits 0 without that .wasm file: the
// library then runs the JavaScript twin of that module (each loader falls back when its file is missing), so a
// build without the toolchain still works.
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The modules and their compiler flags (the tests compile the same sources in memory with the same options). */
const MODULES = [
  {
    source: "src/linalg/wasm/kernels.as.ts",
    target: "dist/linalg/wasm/kernels.wasm",
    fallback: "its JavaScript kernels",
    // Memory is imported and shared, so that worker threads run the kernels on one copy of the training rows.
    flags: ["-O3", "--noAssert", "--runtime", "stub", "--enable", "simd", "--enable", "threads", "--importMemory", "--sharedMemory", "--maximumMemory", "65536"],
  },
  {
    source: "src/linalg/wasm/sparse-score.as.ts",
    target: "dist/linalg/wasm/sparse-score.wasm",
    fallback: "its JavaScript scoring of sparse linear models",
    flags: ["-O3", "--noAssert", "--runtime", "stub", "--importMemory", "--maximumMemory", "65536"],
  },
  {
    source: "src/featurize/text/wasm/hash.as.ts",
    target: "dist/featurize/text/wasm/hash.wasm",
    fallback: "its JavaScript text hashing",
    // Memory is imported (each featurizer lays out its own; not shared: one instance per thread).
    flags: ["-O3", "--noAssert", "--runtime", "stub", "--importMemory", "--maximumMemory", "65536"],
  },
  {
    source: "src/featurize/text/wasm/compact.as.ts",
    target: "dist/featurize/text/wasm/compact.wasm",
    fallback: "its JavaScript compaction of a fit's rows",
    // Memory is imported and shared: the main thread and the fit worker compact into one output.
    flags: ["-O3", "--noAssert", "--runtime", "stub", "--enable", "threads", "--importMemory", "--sharedMemory", "--maximumMemory", "65536"],
  },
  {
    source: "src/catalog/wasm/utf8.as.ts",
    target: "dist/catalog/wasm/utf8.wasm",
    fallback: "Buffer#toString to decode UTF-8",
    flags: ["-O3", "--noAssert", "--runtime", "stub", "--enable", "simd", "--importMemory", "--maximumMemory", "65536"],
  },
];

const warn = (target, fallback, why) => {
  process.stderr.write(`build-wasm: ${why}\nbuild-wasm: no ${target}; assort will use ${fallback}\n`);
};

let asc;
try {
  asc = (await import("assemblyscript/asc")).default;
} catch (e) {
  for (const m of MODULES) {
    await rm(path.join(root, m.target), { force: true });
    warn(m.target, m.fallback, `AssemblyScript is not installed (${e.message.split("\n")[0]})`);
  }
  process.exit(0);
}

for (const m of MODULES) {
  const target = path.join(root, m.target);
  await mkdir(path.dirname(target), { recursive: true });
  await rm(target, { force: true });
  const { error, stderr } = await asc.main([path.join(root, m.source), "-o", target, ...m.flags]);
  if (error) {
    warn(m.target, m.fallback, `compile of ${m.source} failed: ${error.message}\n${stderr.toString()}`);
    await rm(target, { force: true });
  }
}
