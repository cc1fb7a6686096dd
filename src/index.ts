// assort's public API, the root entry: re-exports only, and only what a shop's code needs — train, load and
// evaluate category models of any kind, cluster, audit, taxonomies, product vectors, the catalog service, and
// the contracts. Lower-level pieces live in subpath entries (package.json "exports"):
//   assort/estimators  classifiers, clusterers, featurizers, indexes   assort/metrics     every metric
//   assort/linalg      matrices and numeric kernels                    assort/text        tokenizer, codes, query terms
//   assort/images      photos: loading, descriptors, CNN features      assort/embeddings  fastText, USE-lite, vectors
//   assort/server      the HTTP API                                    assort/store       store registry (sqlite:, memory:)
//   assort/store/sqlite  the SQLite store                              assort/jobs        worker-thread job runner
//   assort/models      category models only (read, train, load, evaluate: a lean subset of this entry)
//   assort/core        errors, the version, atomic writes, the contract types (no third-party packages)

// ---- contracts, errors, products, predictions
export type * from "./core/progress.js";
export type * from "./core/contracts.js";
export type * from "./cluster/contracts.js";
export type { DenseMatrix, CsrMatrix, Matrix } from "./linalg/matrix.js";
export {
  AssortError,
  InvalidInputError,
  ConfigError,
  ModelNotFoundError,
  ModelFormatError,
  DependencyMissingError,
  CancelledError,
  NotFoundError,
  ConflictError,
  LimitError,
  UnavailableError,
  ERROR_CODES,
  throwIfAborted,
  type ErrorCode,
  type ErrorHint,
  type InputLocation,
  type RowIssue,
} from "./core/errors.js";
export { Random, deriveSeed } from "./core/random.js";
export { DEFAULT_PATH_SEPARATOR, splitPath, truncatePath, type Product, type ProductInput } from "./core/product.js";
export * from "./core/prediction.js";
export { LIBRARY_VERSION } from "./core/version.js";

// ---- catalogs in
export { readCatalog, readCatalogFile, type ReadOptions, type ReadReport, type CatalogStream } from "./catalog/read-catalog.js";
export { readAssignments, type Assignment } from "./catalog/read-assignments.js";
export { stratifiedKFold, stratifiedSplit, smallClasses } from "./catalog/split.js";

// ---- category models: train, load (any kind), classify, evaluate, explain
export { train, fingerprint, encodeLabels, DEFAULT_CLASSIFIER, type TrainOptions } from "./pipeline/train.js";
export type { ClassifierChoice } from "./pipeline/classifier-choice.js";
export { trainMultimodal, DEFAULT_MODEL_DESCRIPTORS, type MultimodalTrainOptions } from "./pipeline/train-multimodal.js";
export { loadModel, followTaxonomy, modelKinds, modelKindDescription, type ModelKind, type ModelOfKind, type ModelKindEntry } from "./pipeline/model-kinds.js";
export { CategoryModel, checkTopK, type Prediction, type ClassifyOptions, type ModelInfo, type ScoredRows } from "./pipeline/category-model.js";
export { MultimodalModel, MODALITIES, type Modalities, type MultimodalInfo, type MultimodalPrediction, type MultimodalClassifyOptions, type BranchProbabilities } from "./pipeline/multimodal-model.js";
export { evaluate, evaluateModel, type EvaluationReport, type ModelEvaluation, type EvaluateOptions } from "./pipeline/evaluate.js";
export { evaluateMultimodal, type MultimodalEvaluation } from "./pipeline/evaluate-multimodal.js";
export { crossValidate, type CrossValidateOptions, type CrossValidationReport, type FoldResult } from "./pipeline/cross-validate.js";
export { explain, type ExplainOptions, type Explanation, type TermContribution, type NeighborProduct } from "./pipeline/explain.js";

// ---- estimators: the registries, and the defaults the README names (the rest: assort/estimators)
export { classifierKinds, classifierEntry, createClassifier, restoreClassifier } from "./classify/registry.js";
export { clustererKinds, clustererEntry, createClusterer, restoreClusterer, type ClustererEntry } from "./cluster/registry.js";
export { featurizerKinds, featurizerEntry, createFeaturizer, restoreFeaturizer, type FeaturizerEntry } from "./featurize/registry.js";
export { TextFeaturizer, type TextFeaturizerParamsInput } from "./featurize/text/text-featurizer.js";
export { LinearSvm } from "./classify/linear-svm.js";
export { LogisticRegression } from "./classify/logistic-regression.js";
export { ComplementNb } from "./classify/naive-bayes.js";
export { KMeans } from "./cluster/kmeans.js";
export { Agglomerative } from "./cluster/agglomerative.js";
export { Dbscan } from "./cluster/dbscan.js";
export { Hdbscan } from "./cluster/hdbscan.js";
export { truncatedSvd, TruncatedSvdModel, type TruncatedSvdOptions } from "./linalg/svd.js";

// ---- clustering and same-product matching
export { clusterCatalog, embedProducts, CLUSTER_ALGORITHMS, type ClusterAlgorithm, type ClusterCatalogOptions, type ClusterRun, type ClusterSummary } from "./pipeline/cluster.js";
export { relateToPrevious, type PreviousAssignment, type StabilityReport } from "./pipeline/cluster-stability.js";
export { evaluateClusters, type EvaluateClustersOptions, type ClusterEvaluation } from "./pipeline/evaluate-clusters.js";
export { matchRows, type MatchOptions, type MatchResult } from "./cluster/match.js";
export { NOISE } from "./cluster/contracts.js";

// ---- the metrics the README names (every metric: assort/metrics)
export { classificationReport } from "./metrics/classification.js";
export { externalClusterMetrics, silhouetteScore } from "./metrics/clustering.js";
export { hierarchicalReport } from "./metrics/hierarchical.js";
export { expectedCalibrationError, coverageAtPrecision } from "./metrics/calibration.js";

// ---- taxonomies
export { Taxonomy, type TaxonomyNode, type TaxonomyNodeInput, type TaxonomyJson, type TaxonomyOptions } from "./taxonomy/taxonomy.js";
export {
  parseGoogleTaxonomy,
  parsePathList,
  taxonomyFromLabels,
  type TaxonomyFormat,
  type TaxonomyReport,
  type TaxonomyParseResult,
  type TextTaxonomyOptions,
  type GoogleTaxonomyOptions,
} from "./taxonomy/parse-text.js";
export { parseTaxonomyJson, type JsonTaxonomyOptions } from "./taxonomy/parse-json.js";
export { loadTaxonomyFile, parseTaxonomyText, sniffTaxonomyFormat, TAXONOMY_FORMATS, type LoadTaxonomyOptions } from "./taxonomy/load.js";
export { LabelMatcher, type LabelStatus, type LabelFix, type LabelMatch, type PathSuggestion } from "./taxonomy/match.js";
export { validateLabels, type LabelOccurrence, type LabelFinding, type LabelValidation, type ValidateLabelsOptions } from "./taxonomy/validate.js";

// ---- catalog audit
export {
  auditCatalog,
  outOfFoldProbabilities,
  findLabelIssues,
  injectLabelNoise,
  measureAuditRecovery,
  catalogImbalance,
  findDuplicates,
  LABEL_ISSUE_METHODS,
  type AuditOptions,
  type AuditReport,
  type LabelIssue,
  type LabelIssueRow,
  type LabelIssueMethod,
  type CatalogImbalance,
  type DuplicateGroup,
  type DuplicateMember,
} from "./pipeline/audit.js";

// ---- product vectors and similar items
export {
  fitProductVectors,
  ProductVectors,
  VECTOR_METHODS,
  PRODUCT_VECTORS_KIND,
  saveSimilarIndex,
  loadSimilarIndex,
  type VectorMethod,
  type ProductVectorsOptions,
} from "./pipeline/product-vectors.js";
export { SimilarIndex, type SimilarIndexOptions, type SimilarSearchOptions } from "./similar/similar-index.js";

// ---- reports (self-contained HTML pages)
export { renderClusterReport, type ClusterReportInput, type ClusterReportCluster, type ClusterReportMetrics } from "./report/cluster-report.js";
export type { ClusterReportMap } from "./report/cluster-map.js";
export { renderAuditReport } from "./report/audit-report.js";
export { escapeHtml } from "./report/html.js";

// ---- model directories, atomic files, and the one-writer lock of a data directory
export { writeModelDir, readModelDir, modelDirSize, MODEL_FORMAT, MODEL_FORMAT_VERSION } from "./persist/model-dir.js";
export { writeFileAtomic, replaceDirAtomic, recoverDir, type FileData, type AtomicWriteOptions, type ReplaceDirOptions } from "./core/atomic-write.js";
export { lockDir, readDirLock, LOCK_FILE, type DirLock, type DirLockInfo } from "./core/dir-lock.js";
export { lowerThreadPriority } from "./core/worker.js";

// ---- the catalog service (stores: assort/store; the HTTP API: assort/server)
export type * from "./service/catalog-store.js";
export {
  CatalogService,
  type CatalogServiceOptions,
  type ServiceLogger,
  type ServiceClassifyOptions,
  type ServiceClassification,
  type SearchQuery,
  type SearchAnswer,
  type SimilarAnswer,
  type UpsertOptions,
  type UpsertAnswer,
  type ImportAnswer,
  type ServiceStats,
  type JobRunner,
  type JobTaskHandlers,
  type JobQueue,
  type ArtifactStore,
} from "./service/catalog-service.js";
export { MemoryStore } from "./service/memory-store.js";
export type { ReviewDesk, ReviewDeskOptions, ReviewQueueQuery, ReviewQueueAnswer, ReviewItem, ReviewDecision, ReviewService } from "./service/review.js";
export { LocalSharedState, type SharedState, type SharedChange, type SharedListener } from "./service/shared-state.js";
export { inlineJobRunner } from "./service/jobs.js";
export { checkVersionName } from "./service/model-registry.js";
export { MAX_FIELD_DEPTH, nestingPath, productToInput } from "./service/input.js";
export {
  runCatalogTask,
  type CatalogTask,
  type CatalogTaskResult,
  type TrainTask,
  type ClassifyTask,
  type ClusterTask,
  type TrainTaskResult,
  type ClassifyTaskResult,
  type ClusterTaskResult,
  type AuditTask,
  type AuditTaskResult,
} from "./service/tasks.js";

// ---- shoppers: events, profiles, segments, recommendations (the rest: assort/shoppers)
export { ShopEventSchema, EVENT_TYPES, type EventType, type ShopEvent, type ShopEventInput } from "./events/event.js";
export type { EventLog } from "./events/event-log.js";
export { readEvents, readEventLog, type ReadEventsOptions, type EventReadReport, type EventNote, type EventStream } from "./events/read-events.js";
export { DEFAULT_EVENT_FIELDS, type EventFields } from "./events/map-event.js";
export { summarizeEvents, type EventSummary } from "./pipeline/event-summary.js";
export { shopperProfiles, type ShopperProfile, type ProfileOptions } from "./pipeline/shopper-profiles.js";
export { groupItems, type ItemGroups, type ItemGroupOptions } from "./pipeline/item-groups.js";
export { segmentShoppers, SEGMENT_ALGORITHMS, type SegmentAlgorithm, type SegmentOptions, type SegmentRun, type SegmentSummary } from "./pipeline/segments.js";
export { fitRecommender, type Recommender, type RecommendedItem, type RecommendOptions, type FitRecommenderOptions } from "./pipeline/recommender.js";
export type { RecommenderParamsInput } from "./pipeline/recommender-params.js";
export { saveRecommender, loadRecommender } from "./pipeline/recommender-artifact.js";
export { evaluateRecommendations, type EvaluateRecsOptions, type RecsEvaluation, type RecsScores, type RecsTasks } from "./pipeline/evaluate-recs.js";
export { renderSegmentReport, type SegmentReportInput } from "./report/segment-report.js";
