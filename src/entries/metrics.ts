// assort/metrics: classification, clustering, hierarchical and calibration metrics, as scikit-learn defines them.
export * from "../metrics/classification.js";
export * from "../metrics/clustering.js";
export * from "../metrics/hierarchical.js";
export * from "../metrics/calibration.js";
