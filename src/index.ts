// assort public API: re-exports only.
export * from "./core/errors.js";
export * from "./core/random.js";
export * from "./core/product.js";
export type * from "./core/progress.js";
export type * from "./core/contracts.js";
export * from "./core/prediction.js";
export { LIBRARY_VERSION } from "./core/version.js";
export * from "./linalg/matrix.js";
export { topK, argmax, softmaxInPlace } from "./linalg/topk.js";

export { readCatalog, readCatalogFile, type ReadOptions, type ReadReport, type CatalogStream } from "./catalog/read-catalog.js";
export { stratifiedKFold, stratifiedSplit, smallClasses } from "./catalog/split.js";

export { normalizeText, stripHtml } from "./featurize/text/normalize.js";
export { tokenize, tokenBuffers, type TokenBuffers } from "./featurize/text/tokenize.js";
export {
  TextFeaturizer,
  FittedTextFeaturizer,
  TextFeaturizerParams,
  type TextFeaturizerParamsInput,
} from "./featurize/text/text-featurizer.js";

export { LinearSvm, LinearSvmParams } from "./classify/linear-svm.js";
export { LogisticRegression, LogisticRegressionParams } from "./classify/logistic-regression.js";
export { ComplementNb, ComplementNbParams } from "./classify/naive-bayes.js";
export { LinearModel } from "./classify/linear-model.js";
export { classifierKinds, classifierEntry, createClassifier, restoreClassifier } from "./classify/registry.js";

export * from "./metrics/classification.js";
export * from "./metrics/clustering.js";

export { writeModelDir, readModelDir, modelDirSize, MODEL_FORMAT, MODEL_FORMAT_VERSION } from "./persist/model-dir.js";

export { CategoryModel, checkTopK, type CategoryScore, type Prediction, type ClassifyOptions, type ModelInfo } from "./pipeline/category-model.js";
export { train, fingerprint, encodeLabels, DEFAULT_CLASSIFIER, type TrainOptions } from "./pipeline/train.js";
export { evaluate, evaluateModel, type EvaluationReport, type ModelEvaluation, type EvaluateOptions } from "./pipeline/evaluate.js";
export { crossValidate, type CrossValidateOptions, type CrossValidationReport, type FoldResult } from "./pipeline/cross-validate.js";

export { loadModel, followTaxonomy, modelKinds, modelKindDescription, type ModelKind, type ModelOfKind, type ModelKindEntry } from "./pipeline/model-kinds.js";

export type * from "./cluster/contracts.js";
export { NOISE } from "./cluster/contracts.js";
export { KMeans, KMeansParams, type KMeansParamsInput } from "./cluster/kmeans.js";
export { KMeansModel, type KMeansMetric, type KMeansModelInit } from "./cluster/kmeans-model.js";
export { Dbscan, DbscanParams, type DbscanParamsInput } from "./cluster/dbscan.js";
export { DbscanModel, type DbscanModelInit } from "./cluster/dbscan-model.js";
export { Hdbscan, HdbscanParams, type HdbscanParamsInput } from "./cluster/hdbscan.js";
export { HdbscanModel, type HdbscanModelInit } from "./cluster/hdbscan-model.js";
export { NeighborRows, radiusNeighbors, kNearestNeighbors, type NeighborMetric, type RadiusGraph, type NearestNeighbors } from "./cluster/neighbors.js";
export { Agglomerative, AgglomerativeParams, type AgglomerativeParamsInput } from "./cluster/agglomerative.js";
export {
  AgglomerativeModel,
  type AgglomerativeLinkage,
  type AgglomerativeMetric,
  type AgglomerativeModelInit,
} from "./cluster/agglomerative-model.js";
export { truncatedSvd, TruncatedSvdModel, type TruncatedSvdOptions } from "./linalg/svd.js";
export { clustererKinds, clustererEntry, createClusterer, restoreClusterer, type ClustererEntry } from "./cluster/registry.js";
export * from "./metrics/hierarchical.js";
export * from "./metrics/calibration.js";
export { IsotonicCalibrator, type IsotonicCalibratorJson } from "./classify/calibration.js";

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

export { extractCodes, ProductCodes, CODES_CONFLICT, CODES_NEUTRAL, CODES_SHARED, type ProductCode, type CodeKind } from "./featurize/text/codes.js";
export { matchRows, type MatchOptions, type MatchResult } from "./cluster/match.js";
export {
  clusterCatalog,
  CLUSTER_ALGORITHMS,
  type ClusterAlgorithm,
  type ClusterCatalogOptions,
  type ClusterRun,
  type ClusterSummary,
} from "./pipeline/cluster.js";
export { relateToPrevious, type PreviousAssignment, type StabilityReport } from "./pipeline/cluster-stability.js";
export { topTerms, nameFromTerms, type TermScore } from "./pipeline/cluster-names.js";
export { evaluateClusters, type EvaluateClustersOptions, type ClusterEvaluation } from "./pipeline/evaluate-clusters.js";
export { embedProducts } from "./pipeline/cluster.js";
export { readAssignments, type Assignment } from "./catalog/read-assignments.js";
export {
  renderClusterReport,
  type ClusterReportInput,
  type ClusterReportCluster,
  type ClusterReportMap,
  type ClusterReportMetrics,
} from "./report/cluster-report.js";

export { explain, type ExplainOptions, type Explanation, type TermContribution, type NeighborProduct } from "./pipeline/explain.js";
export { TrainingSample, type TrainingSampleOptions, type SampleNeighbor } from "./pipeline/training-sample.js";
export { documentNgrams, columnOfBucket, type NgramOccurrence } from "./featurize/text/feature-names.js";

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

// images and text together: multimodal models and late fusion
export { MultimodalModel, MODALITIES, type Modalities, type MultimodalInfo, type MultimodalPrediction, type MultimodalClassifyOptions, type BranchProbabilities } from "./pipeline/multimodal-model.js";
export { trainMultimodal, DEFAULT_MODEL_DESCRIPTORS, type MultimodalTrainOptions } from "./pipeline/train-multimodal.js";
export { evaluateMultimodal, type MultimodalEvaluation } from "./pipeline/evaluate-multimodal.js";
export { fuseRows, chooseFusionWeight, scoreRows, type FusionWeight } from "./pipeline/fusion.js";

// images: loading and colour descriptors
export type { RgbImage, GrayImage } from "./featurize/image/image.js";
export {
  loadImage,
  loadImages,
  readImageSource,
  decodeImage,
  mapImages,
  sniffFormat,
  ImageLoadError,
  IMAGE_FORMATS,
  type ImageFormat,
  type ImageErrorCode,
  type ImageSourceOptions,
  type LoadImageOptions,
  type DecodeOptions,
  type ImageSource,
  type LoadedImage,
  type ImageResult,
  type BatchOptions,
} from "./featurize/image/load-image.js";
export {
  colorHistogram,
  colorHistogramInto,
  colorMoments,
  colorDescriptorLength,
  rgbToHsv,
  ColorHistogramParams,
  type ColorHistogramOptions,
} from "./featurize/image/color-histogram.js";
export {
  ImageFeaturizer,
  FittedImageFeaturizer,
  ImageFeaturizerParams,
  restoreImageFeaturizer,
  IMAGE_DESCRIPTORS,
  type ImageFeaturizerParamsInput,
  type ImageFeatures,
  type ImageFitResult,
  type ImageIssue,
  type ImageRunOptions,
  type ImageBlock,
  type ImageDescriptor,
  type CnnEmbedder,
} from "./featurize/image/image-featurizer.js";

// images: CNN features
export {
  MobileNetEmbedder,
  type MobileNetEmbedderOptions,
  type MobileNetEmbedOptions,
} from "./featurize/image/cnn/mobilenet-embedder.js";
export { ensureMobileNetOnnx, defaultCacheDir, type MobileNetOnnxOptions, type MobileNetOnnxFile } from "./featurize/image/cnn/onnx-cache.js";

// images: HOG, IDX, MLP
export {
  hog,
  hogInto,
  hogLayout,
  hogParams,
  hogGradients,
  hogFromGradients,
  HogParams,
  type HogOptions,
  type HogLayout,
  type HogGradients,
} from "./featurize/image/hog.js";
export {
  smallImageFeatures,
  smallImageFeatureLayout,
  smallImageFeaturesParams,
  SmallImageFeaturesParams,
  SMALL_IMAGE_MLP_PARAMS,
  grayImagesFromBytes,
  flipHorizontal,
  type SmallImageFeaturesOptions,
  type SmallImageFeatureLayout,
} from "./featurize/image/small-image-features.js";
export { parseIdx, readIdxFile, readIdxImages, MAX_IDX_BYTES, type IdxArray } from "./catalog/read-idx.js";
export { Mlp, MlpParams, type MlpParamsInput } from "./classify/mlp.js";
export { MlpModel, type MlpState } from "./classify/mlp-model.js";

// service: catalog store and service
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
} from "./service/catalog-service.js";
export { inlineJobRunner } from "./service/jobs.js";
export { checkVersionName } from "./service/model-registry.js";
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
} from "./service/tasks.js";
// embeddings and similar items
export { FastText, type FastTextFitOptions } from "./featurize/embed/fasttext.js";
export { FastTextModel, type FastTextStats } from "./featurize/embed/fasttext-model.js";
export { FastTextParams, FASTTEXT_MODES, type FastTextParamsInput } from "./featurize/embed/fasttext-params.js";
export { textTokens, productTokens } from "./featurize/embed/tokens.js";
export { fnv1a, charNgrams } from "./featurize/embed/subwords.js";
export { formatVec, parseVec } from "./featurize/embed/vec-format.js";
export { UseLiteEncoder, USE_LITE_DIM, cjkShare, type UseLiteOptions } from "./featurize/embed/use-lite.js";
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
export { ExactIndex, type Neighbor, type SearchOptions, type BatchNeighbors, type VectorIndex } from "./similar/exact-index.js";
export { AnnIndex, AnnParams, type AnnParamsInput } from "./similar/ann-index.js";
export { SimilarIndex, SIMILAR_INDEX_KIND, type SimilarIndexOptions, type SimilarSearchOptions } from "./similar/similar-index.js";

// ─── shoppers: events, profiles, segments, recommendations ─────────────────────────────────────────────────────
export { ShopEventSchema, EVENT_TYPES, type EventType, type ShopEvent, type ShopEventInput } from "./events/event.js";
export { EventLog, EventLogBuilder } from "./events/event-log.js";
export { readEvents, readEventLog, type ReadEventsOptions, type EventReadReport, type EventNote, type EventStream } from "./events/read-events.js";
export { DEFAULT_EVENT_FIELDS, type EventFields } from "./events/map-event.js";
export { parseEventTime, formatEventTime } from "./events/time.js";
export { summarizeEvents, type EventSummary } from "./pipeline/event-summary.js";
export { shopperProfiles, ProfileTable, type ShopperProfile, type ProfileOptions } from "./pipeline/shopper-profiles.js";
export { groupItems, type ItemGroups, type ItemGroupOptions } from "./pipeline/item-groups.js";
export { segmentShoppers, SEGMENT_ALGORITHMS, type SegmentAlgorithm, type SegmentOptions, type SegmentRun, type SegmentSummary } from "./pipeline/segments.js";
export { fitRecommender, Recommender, type RecommendedItem, type RecommendOptions, type FitRecommenderOptions } from "./pipeline/recommender.js";
export { RecommenderParams, type RecommenderParamsInput } from "./pipeline/recommender-params.js";
export { saveRecommender, loadRecommender } from "./pipeline/recommender-artifact.js";
export { evaluateRecommendations, type EvaluateRecsOptions, type RecsEvaluation, type RecsScores, type RecsTasks } from "./pipeline/evaluate-recs.js";
export { tuneRecommender, DEFAULT_TUNE_GRID, type TuneStep, type TuneGrid } from "./pipeline/tune-recs.js";
export { renderSegmentReport, type SegmentReportInput } from "./report/segment-report.js";
