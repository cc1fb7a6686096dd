// assort/estimators: every estimator behind the contracts (classifiers, clusterers, featurizers, similar-items
// indexes) with its params schema and fitted model, and the pieces that compose them (calibration, fusion,
// cluster names), and the fast JSON text of their predictions. The root entry keeps the registries and the
// defaults; this entry holds the rest.
export { LinearSvm, LinearSvmParams } from "../classify/linear-svm.js";
export { LogisticRegression, LogisticRegressionParams } from "../classify/logistic-regression.js";
export { ComplementNb, ComplementNbParams } from "../classify/naive-bayes.js";
export { LinearModel } from "../classify/linear-model.js";
export { SparseLinearModel, type SparseWeights } from "../classify/sparse-linear-model.js";
export { NearestCentroid, NearestCentroidParams } from "../classify/nearest-centroid.js";
export { AUTO_CLASSIFIER, MANY_CATEGORIES, chooseClassifier, type ClassifierChoice } from "../pipeline/classifier-choice.js";
export { Mlp, MlpParams, type MlpParamsInput } from "../classify/mlp.js";
export { MlpModel, type MlpState } from "../classify/mlp-model.js";
export { TopDownModel, fitTopDown } from "../classify/top-down.js";
export { IsotonicCalibrator, type IsotonicCalibratorJson } from "../classify/calibration.js";
export { itemPredictionJsonOpen } from "../core/prediction-json.js";
export { classifierKinds, classifierEntry, createClassifier, restoreClassifier } from "../classify/registry.js";
export { KMeans, KMeansParams, type KMeansParamsInput } from "../cluster/kmeans.js";
export { KMeansModel, type KMeansMetric, type KMeansModelInit } from "../cluster/kmeans-model.js";
export { Dbscan, DbscanParams, type DbscanParamsInput } from "../cluster/dbscan.js";
export { DbscanModel, type DbscanModelInit } from "../cluster/dbscan-model.js";
export { Hdbscan, HdbscanParams, type HdbscanParamsInput } from "../cluster/hdbscan.js";
export { HdbscanModel, type HdbscanModelInit } from "../cluster/hdbscan-model.js";
export { NeighborRows, radiusNeighbors, kNearestNeighbors, type NeighborMetric, type RadiusGraph, type NearestNeighbors } from "../cluster/neighbors.js";
export { Agglomerative, AgglomerativeParams, type AgglomerativeParamsInput } from "../cluster/agglomerative.js";
export {
  AgglomerativeModel,
  type AgglomerativeLinkage,
  type AgglomerativeMetric,
  type AgglomerativeModelInit,
} from "../cluster/agglomerative-model.js";
export { clustererKinds, clustererEntry, createClusterer, restoreClusterer, type ClustererEntry } from "../cluster/registry.js";
export {
  TextFeaturizer,
  FittedTextFeaturizer,
  TextFeaturizerParams,
  type TextFeaturizerParamsInput,
} from "../featurize/text/text-featurizer.js";
export { featurizerKinds, featurizerEntry, createFeaturizer, restoreFeaturizer, type FeaturizerEntry } from "../featurize/registry.js";
export { ExactIndex, type Neighbor, type SearchOptions, type BatchNeighbors, type VectorIndex } from "../similar/exact-index.js";
export { AnnIndex, AnnParams, type AnnParamsInput } from "../similar/ann-index.js";
export { SimilarIndex, SIMILAR_INDEX_KIND, type SimilarIndexOptions, type SimilarSearchOptions } from "../similar/similar-index.js";
export { TrainingSample, type TrainingSampleOptions, type SampleNeighbor } from "../pipeline/training-sample.js";
export { fuseRows, chooseFusionWeight, scoreRows, type FusionWeight } from "../pipeline/fusion.js";
export { topTerms, nameFromTerms, type TermScore } from "../pipeline/cluster-names.js";
export { Decider, type DecisionOptions } from "../pipeline/decisions.js";
