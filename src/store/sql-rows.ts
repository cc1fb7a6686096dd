// Row shapes the SQL catalog stores (SQLite, PostgreSQL) share, and their mapping onto the store interface's
// records. The engines differ only in how a boolean and a serial id come back (SQLite: 0/1, a number;
// PostgreSQL: true/false, a bigint as a string); each engine's own columns extend these shapes.
import type { CorrectionRecord, EventType, JobRecord, ModelRecord, StoredEvent, StoredProduct } from "../index.js";

export interface ProductRow {
  id: string;
  title: string;
  description: string;
  category: string | null;
  fields: string;
  pred_category: string | null;
  pred_score: number | null;
  pred_model: string | null;
  corrected: string | null;
  eff_category: string | null;
  updated_at: string;
}

export interface JobRow {
  id: string;
  kind: string;
  state: string;
  params: string;
  progress: string;
  result: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ModelRow {
  version: string;
  dir: string;
  registered_at: string;
  created_at: string | null;
  labels: number;
  source: string | null;
  metrics: string | null;
}

export interface CorrectionRow {
  /** SQLite: a number; PostgreSQL: a bigint as a string. */
  id: number | string;
  product_id: string;
  category: string;
  previous: string | null;
  /** SQLite: 0/1; PostgreSQL: a boolean. */
  accepted: number | boolean;
  user: string | null;
  created_at: string;
}

/** The effective category: a correction wins over the given category, which wins over the prediction. */
export function effective(corrected: string | null | undefined, category: string | null | undefined, predicted: string | null | undefined): string | null {
  return corrected ?? category ?? predicted ?? null;
}

export function toProduct(r: ProductRow): StoredProduct {
  return {
    id: r.id,
    title: r.title,
    ...(r.description ? { description: r.description } : {}),
    fields: JSON.parse(r.fields) as Record<string, unknown>,
    ...(r.category !== null ? { category: r.category } : {}),
    ...(r.pred_category !== null ? { predicted: { category: r.pred_category, score: r.pred_score ?? 0, model: r.pred_model ?? "" } } : {}),
    ...(r.corrected !== null ? { correctedCategory: r.corrected } : {}),
    ...(r.eff_category !== null ? { effectiveCategory: r.eff_category } : {}),
    updatedAt: r.updated_at,
  };
}

export function toJob(r: JobRow): JobRecord {
  return {
    id: r.id,
    kind: r.kind as JobRecord["kind"],
    state: r.state as JobRecord["state"],
    params: JSON.parse(r.params) as Record<string, unknown>,
    progress: JSON.parse(r.progress) as JobRecord["progress"],
    ...(r.result !== null ? { result: JSON.parse(r.result) as unknown } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toModel(r: ModelRow, active: string | undefined): ModelRecord {
  return {
    version: r.version,
    dir: r.dir,
    registeredAt: r.registered_at,
    ...(r.created_at !== null ? { createdAt: r.created_at } : {}),
    labels: r.labels,
    active: r.version === active,
    ...(r.source !== null ? { source: r.source } : {}),
    ...(r.metrics !== null ? { metrics: JSON.parse(r.metrics) as Record<string, unknown> } : {}),
  };
}

export function toCorrection(r: CorrectionRow): CorrectionRecord {
  return {
    id: Number(r.id),
    productId: r.product_id,
    category: r.category,
    ...(r.previous !== null ? { previous: r.previous } : {}),
    accepted: r.accepted === true || r.accepted === 1,
    ...(r.user !== null ? { user: r.user } : {}),
    createdAt: r.created_at,
  };
}

/** An event row (the source's name already resolved). */
export interface EventRow {
  /** SQLite: a number; PostgreSQL: a bigint as a string. */
  seq: number | string;
  user_id: string;
  item_id: string;
  type: string;
  time: number;
  quantity: number | null;
  price: number | null;
  order_id: string | null;
  session: string | null;
  event_id: string | null;
  source: string | null;
  line: number | null;
}

export function toEvent(r: EventRow): StoredEvent {
  const e: StoredEvent = { seq: Number(r.seq), userId: r.user_id, itemId: r.item_id, type: r.type as EventType, time: r.time };
  if (r.quantity !== null) e.quantity = r.quantity;
  if (r.price !== null) e.price = r.price;
  if (r.order_id !== null) e.orderId = r.order_id;
  if (r.session !== null) e.session = r.session;
  if (r.event_id !== null) e.eventId = r.event_id;
  if (r.source !== null) e.source = r.source;
  if (r.line !== null) e.line = r.line;
  return e;
}
