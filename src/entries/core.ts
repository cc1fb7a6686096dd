// assort/core: the dependency-free base — the errors and their codes, the library version, atomic file writes
// and the contract types. Importing it loads no third-party package (the CLI's start-up and error reporting use it).
export type * from "../core/progress.js";
export type * from "../core/contracts.js";
export type { Product, ProductInput } from "../core/product.js";
export type { ItemPrediction } from "../core/prediction.js";
export * from "../core/errors.js";
export { LIBRARY_VERSION } from "../core/version.js";
export { formatCount } from "../core/format.js";
export { writeFileAtomic, replaceDirAtomic, recoverDir, type FileData, type AtomicWriteOptions, type ReplaceDirOptions } from "../core/atomic-write.js";
