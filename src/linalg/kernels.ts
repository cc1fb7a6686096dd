// The hot loops of the linear classifiers behind one interface, in two backends: WebAssembly SIMD (compiled
// from ./wasm/kernels.as.ts by `npm run build`) and plain JavaScript (the fallback when the .wasm file is
// missing or cannot be instantiated, or when ASSORT_NO_WASM=1). Both do the same floating-point operations in
// the same order, so they give identical bits (kernels.test.ts checks it).
// This file picks the backend; the interface is in ./kernels-shared.ts, the backends in ./kernels-js.ts and
// ./kernels-wasm.ts (everything is re-exported here, where the classifiers import it from).
import { readFileSync } from "node:fs";
import { type LinalgKernels } from "./kernels-shared.js";
import { jsKernels } from "./kernels-js.js";
import { wasmKernels } from "./kernels-wasm.js";

export { float32AtLeast, GRAM_BLOCK_ROWS, gramMirror, gramPlan, GROUP_LIMIT, type DualRows, type GramPlan, type GramWorkspace, type GroupRows, type LinalgKernels, type PassResult, type Scorer, type SharedRows, type SharedRowsHandle, type SparseRows, type SparseWorkspace } from "./kernels-shared.js";
export { gramPassGroupJs, gramRemoveJs, gramRowsJs, groupDotsJs, groupRemoveJs, jsKernels, keptScanJs, svmPassGroupJs, svmPassJs } from "./kernels-js.js";
export { wasmKernels, weightStride } from "./kernels-wasm.js";

/** Where `npm run build` writes the module: next to this file in dist/ (from sources, the built one in dist/). */
const WASM_CANDIDATES = [new URL("./wasm/kernels.wasm", import.meta.url), new URL("../../dist/linalg/wasm/kernels.wasm", import.meta.url)];

let chosen: LinalgKernels | undefined;

let fallbackReason: string | undefined;

/**
 * The kernels to use: WebAssembly SIMD when its module was built and this runtime runs it, JavaScript
 * otherwise or when the environment sets ASSORT_NO_WASM=1 ({@link kernelsFallbackReason} says why).
 */
export function kernels(): LinalgKernels {
  if (chosen) return chosen;
  if (process.env.ASSORT_NO_WASM === "1") {
    fallbackReason = "ASSORT_NO_WASM=1";
    return (chosen = jsKernels);
  }
  for (const url of WASM_CANDIDATES) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(url);
    } catch {
      continue;
    }
    try {
      return (chosen = wasmKernels(bytes));
    } catch (e) {
      fallbackReason = `${url.pathname}: ${(e as Error).message}`;
      return (chosen = jsKernels);
    }
  }
  fallbackReason = "kernels.wasm not built (run npm run build)";
  return (chosen = jsKernels);
}

/** Why {@link kernels} fell back to JavaScript (undefined while it uses WebAssembly or has not chosen yet). */
export function kernelsFallbackReason(): string | undefined {
  return fallbackReason;
}
