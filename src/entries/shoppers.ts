// assort/shoppers: the shopper side in full — events (schema, columnar log, time parsing), profiles, item groups,
// segments, the recommender (its class, params and tuning on a validation split) and its evaluation. The root
// entry keeps the functions a shop calls; this entry adds the building blocks.
export { ShopEventSchema, EVENT_TYPES, type EventType, type ShopEvent, type ShopEventInput } from "../events/event.js";
export { EventLog, EventLogBuilder } from "../events/event-log.js";
export { readEvents, readEventLog, type ReadEventsOptions, type EventReadReport, type EventNote, type EventStream } from "../events/read-events.js";
export { DEFAULT_EVENT_FIELDS, type EventFields } from "../events/map-event.js";
export { parseEventTime, formatEventTime } from "../events/time.js";
export { summarizeEvents, type EventSummary } from "../pipeline/event-summary.js";
export { shopperProfiles, ProfileTable, type ShopperProfile, type ProfileOptions } from "../pipeline/shopper-profiles.js";
export { groupItems, type ItemGroups, type ItemGroupOptions } from "../pipeline/item-groups.js";
export { segmentShoppers, SEGMENT_ALGORITHMS, type SegmentAlgorithm, type SegmentOptions, type SegmentRun, type SegmentSummary } from "../pipeline/segments.js";
export { fitRecommender, Recommender, type RecommendedItem, type RecommendOptions, type FitRecommenderOptions } from "../pipeline/recommender.js";
export { RecommenderParams, type RecommenderParamsInput } from "../pipeline/recommender-params.js";
export { saveRecommender, loadRecommender } from "../pipeline/recommender-artifact.js";
export { evaluateRecommendations, type EvaluateRecsOptions, type RecsEvaluation, type RecsScores, type RecsTasks } from "../pipeline/evaluate-recs.js";
export { tuneRecommender, DEFAULT_TUNE_GRID, type TuneStep, type TuneGrid } from "../pipeline/tune-recs.js";
export { renderSegmentReport, type SegmentReportInput } from "../report/segment-report.js";
