// The recommender's parameters: one zod schema with the defaults chosen on the uci-online-retail validation split.
import { z } from "zod";

/**
 * Every tunable number of the recommender. The defaults were chosen on the peers' validation split of
 * uci-online-retail (train before 2011-07-01, validate 2011-07-01 … 2011-09-30; never the test period) by the
 * grid in bench/recs.mjs `--tune`, which prints it; the README lists the choice.
 */
export const RecommenderParams = z.object({
  ease: z
    .object({
      /** L2 penalty λ of EASE. */
      lambda: z.number().positive().default(100),
      /** Items EASE covers: the most bought ones. Its fit is O(maxItems³). */
      maxItems: z.number().int().min(1).default(1000),
      /** Half-life (days, to the latest event) of a shopper–item pair in EASE's Gram matrix; null: no decay. */
      halfLifeDays: z.number().positive().nullable().default(7),
    })
    .prefault({}),
  blend: z
    .object({
      /** "For you", mode all: EASE's weight next to the shopper's own items (weight 1). */
      easeWeight: z.number().min(0).default(0.5),
      /** Weight of the shopper's segment's favourites. */
      segmentWeight: z.number().min(0).default(0),
      /** Weight of what is popular now. */
      popularWeight: z.number().min(0).default(0),
      /** Weight of how recently a shopper last bought one of their own items. */
      recencyWeight: z.number().min(0).default(0.5),
      recencyHalfLifeDays: z.number().positive().default(90),
      /** Exponent of an item's repeat rate on the shopper's own items (0: ignore it). */
      repeatRateExponent: z.number().min(0).default(1),
      repeatRatePrior: z.number().min(0).default(50),
      /** Half-life (days) of recent popularity and of the segments' favourites. */
      popularHalfLifeDays: z.number().positive().default(21),
      /** Own items the shopper returned weigh this much. */
      returnPenalty: z.number().min(0).max(1).default(0.75),
    })
    .prefault({}),
  boughtTogether: z
    .object({
      /** α: basket counts divided by (shoppers of the candidate + 1)^α. */
      popularityPenalty: z.number().min(0).default(0.3),
      /** Weight of same-shopper co-occurrence. */
      shopperWeight: z.number().min(0).default(1),
      /** Same-shopper co-occurrence divided by (row maximum + this): little shared-shopper evidence weighs less. */
      shopperShrink: z.number().min(0).default(10),
      /** Weight of content similarity (product vectors of the catalogue texts). */
      contentWeight: z.number().min(0).default(0.25),
      /** Weight of title similarity (cosine of the item texts' word TF-IDF rows: one product line, other colours). */
      titleWeight: z.number().min(0).default(1),
      /** Weight of recent basket co-occurrence (recent baskets weigh more: seasons change what goes together). */
      recentWeight: z.number().min(0).default(0.25),
      recentHalfLifeDays: z.number().positive().default(15),
      /** Weight of what sells now (the candidate's recent popularity). */
      popularWeight: z.number().min(0).default(0.8),
      /**
       * Half-life (days) of what sells now, measured in baskets weighted by their size; null: the shoppers'
       * recent popularity (half-life blend.popularHalfLifeDays) instead.
       */
      popularHalfLifeDays: z.number().positive().nullable().default(7),
      /** Basket-size damping: a basket adds |b|^(−this) to its pairs' co-occurrence (0: plain counts). */
      basketSizeExponent: z.number().min(0).max(4).default(0.25),
      /** Half-life (days) of the basket co-occurrence (older baskets weigh less); null: no decay. */
      basketHalfLifeDays: z.number().positive().nullable().default(240),
      /** Weight of the title-neighbour backoff (the basket partners of an item's closest title neighbours); 0: off. */
      backoffWeight: z.number().min(0).default(0.5),
      /** The backoff of an item with b baskets weighs c / (c + b) of backoffWeight; null: no shrinkage. */
      backoffShrink: z.number().positive().nullable().default(50),
      /** Title neighbours the backoff borrows from. */
      backoffNeighbors: z.number().int().min(1).max(100).default(20),
      /** Basket partners kept per item for the backoff. */
      backoffKeep: z.number().int().min(1).max(1000).default(20),
      /** Items kept per list. */
      neighbors: z.number().int().min(1).max(1000).default(50),
    })
    .prefault({}),
  /** Width of the content vectors (tfidf-svd). */
  contentDim: z.number().int().min(2).max(1000).default(100),
  /** Segments fitted for "popular in your segment" when none are given (k-means on log-RFM). */
  segments: z.number().int().min(1).max(50).default(4),
});
/** Validated recommender parameters, defaults filled in. */
export type RecommenderParams = z.infer<typeof RecommenderParams>;

/** Recommender parameters as a caller passes them: any part may be left out. */
export interface RecommenderParamsInput {
  ease?: Partial<RecommenderParams["ease"]>;
  blend?: Partial<RecommenderParams["blend"]>;
  boughtTogether?: Partial<RecommenderParams["boughtTogether"]>;
  contentDim?: number;
  segments?: number;
}
