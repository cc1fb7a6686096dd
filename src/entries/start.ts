// Start-up helpers for the CLI: threads started ahead of the work that needs them, so that they load their
// modules while the caller loads its own. Importing this loads next to nothing (no third-party package).
export { prestartClassifyJsonl, closeSpareClassifyWorkers } from "../pipeline/classify-jsonl-start.js";
