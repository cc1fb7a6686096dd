// Clustering metrics defined exactly as scikit-learn 1.2's (external and internal), re-exported together.
export * from "./clustering-external.js";
export * from "./clustering-internal.js";
