// The shopper half of the catalog store: events (idempotent batched inserts, paged reads for fitting and per
// shopper, counts) and the current segment set with its memberships; erasing a shopper removes both.
// MemoryStore, SqliteStore (src/store/sqlite-events.ts) and PostgresStore (src/store/postgres-events.ts)
// implement it; test/contracts/catalog-store.contract.ts checks them.
import type { ShopEvent } from "../events/event.js";

/**
 * An event to store: an event as read (times in ms since the epoch, UTC; quantity a magnitude), with the source
 * it came from. A second event with the same `eventId`, or the same `source` and `line`, is a duplicate.
 */
export interface EventWrite extends ShopEvent {
  /** Source file (or feed) of `line`. */
  source?: string;
}

/** A stored event: `seq` is its place in the store's insertion order (the key of event scans). */
export interface StoredEvent extends EventWrite {
  seq: number;
}

/** What an event insert did: rows without an event id or source line are never duplicates (real repeats). */
export interface EventInsertResult {
  inserted: number;
  /** Rows left out: their event id, or their source and line, was stored already (or earlier in the batch). */
  duplicates: number;
}

/** Where an event scan continues: events with `seq` above `afterSeq`, in seq order, at most `limit`. */
export interface EventPage {
  afterSeq?: number;
  limit: number;
}

/** One segment of the stored segment set; `size` is its current membership count. */
export interface SegmentRecord {
  id: number;
  name: string;
  size: number;
  /** What the segmentation says about it (profile means, top groups, top items…), as JSON. */
  details?: Record<string, unknown>;
}

/** A segment set to store (replaces the previous one and all memberships). */
export interface SegmentSetWrite {
  version: string;
  segments: readonly Omit<SegmentRecord, "size">[];
  members: readonly { userId: string; segment: number }[];
}

export interface SegmentSet {
  version: string;
  createdAt: string;
  segments: SegmentRecord[];
}

/** Persistence of shoppers' events and segment memberships (part of {@link CatalogStore}). */
export interface ShopperStore {
  /** Stores events in one transaction, in order; idempotent by `eventId` and by `source` + `line`. */
  insertEvents(rows: readonly EventWrite[]): Promise<EventInsertResult>;
  /** Every event in seq order after `afterSeq` (paging through the log, e.g. to fit). */
  scanEvents(o: EventPage): Promise<StoredEvent[]>;
  /** One shopper's events in seq order after `afterSeq` (default limit 10000). */
  userEvents(userId: string, o?: Partial<EventPage>): Promise<StoredEvent[]>;
  /** Shoppers with their event counts, in id order after `afterId`. */
  userEventCounts(o: { afterId?: string; limit: number }): Promise<{ userId: string; events: number }[]>;
  /** Events, distinct shoppers and distinct items stored. */
  eventCounts(): Promise<{ events: number; users: number; items: number }>;
  /** Replaces the segment set and its memberships (one transaction). */
  saveSegments(set: SegmentSetWrite): Promise<void>;
  /** The segment set, segments in id order with their current sizes; undefined before the first save. */
  getSegments(): Promise<SegmentSet | undefined>;
  /** Members of one segment in id order after `afterId`. */
  segmentMembers(segment: number, o: { afterId?: string; limit: number }): Promise<string[]>;
  /** The shopper's segment, undefined when they are in none. */
  userSegment(userId: string): Promise<number | undefined>;
  /** Deletes a shopper's events and segment membership in one transaction; says how many of each. */
  eraseUser(userId: string): Promise<{ events: number; memberships: number }>;
}
