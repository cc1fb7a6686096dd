// assort public API: re-exports only.
export * from "./core/errors.js";
export * from "./core/random.js";
export * from "./core/product.js";
export * from "./core/progress.js";
export type * from "./core/contracts.js";
export * from "./linalg/matrix.js";
