// Product writes of the PostgreSQL store, each inside the caller's transaction: rows, their postings (the
// search index) and the term-count deltas (facets), kept in step. Batches are sent as arrays (unnest), one
// statement per kind of change, whatever the batch size; rows are locked in id order (no deadlocks).
import type pg from "pg";
import { NotFoundError, type CorrectionInput, type CorrectionRecord, type ProductWrite, type StoredPrediction, type UpsertResult } from "../index.js";
import { effective, toCorrection, type CorrectionRow } from "./postgres-rows.js";
import { searchDoc, type SearchDoc } from "./pg-text.js";
import { RetryTransaction } from "./pg-pool.js";
import { addPostings, PostingList, recategorizePostings, removePostings } from "./pg-postings.js";

/** term_counts' term counting every product (facets of the whole catalog, the product count). */
export const ALL_TERM = "";
/** term_counts' term counting products with a prediction. */
export const PREDICTED_TERM = "\u0001p";
/** Separator of terms sent as one string per row (search terms never contain it). */
const SEP = "\u001f";

function now(): string {
  return new Date().toISOString();
}

/**
 * Signed counts per (term, category), written as one insert at the end of a transaction, and the postings
 * whose product changed category (their category column follows).
 */
export class TermDeltas {
  private readonly byKey = new Map<string, { term: string; category: string | null; n: number }>();
  private readonly moved = new PostingList();

  /** Product `seq` with `terms` changed its effective category from `from` to `to`. */
  move(terms: readonly string[], seq: string | number, from: string | null, to: string | null): void {
    if (from === to) return;
    this.add(terms, from, -1);
    this.add(terms, to, +1);
    this.moved.push(terms, undefined, seq, to);
  }

  add(terms: readonly string[], category: string | null, d: number): void {
    for (const t of terms) this.one(t, category, d);
    this.one(ALL_TERM, category, d);
  }

  one(term: string, category: string | null, d: number): void {
    const key = `${term}\u0000${category ?? "\u0000"}`;
    const e = this.byKey.get(key);
    if (e) e.n += d;
    else this.byKey.set(key, { term, category, n: d });
  }

  async flush(c: pg.ClientBase): Promise<void> {
    await recategorizePostings(c, this.moved);
    const rows = [...this.byKey.values()].filter((e) => e.n !== 0);
    this.byKey.clear();
    if (rows.length === 0) return;
    await c.query("INSERT INTO term_counts (term, category, n) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])", [rows.map((r) => r.term), rows.map((r) => r.category), rows.map((r) => r.n)]);
  }
}

interface Head {
  id: string;
  seq: string;
  hash: string;
  category: string | null;
  corrected: string | null;
  pred_category: string | null;
  eff_category: string | null;
  terms: string[];
}

/** The rows of `ids` that exist, locked for update in id order. */
async function lockHeads(c: pg.ClientBase, ids: readonly string[]): Promise<Map<string, Head>> {
  if (ids.length === 0) return new Map();
  const rows = (
    await c.query<Head>(
      "SELECT id, seq, hash, category, corrected, pred_category, eff_category, terms FROM products WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
      [ids],
    )
  ).rows;
  return new Map(rows.map((r) => [r.id, r]));
}

/** Column arrays of new or changed rows. */
function rowArrays(rows: { r: ProductWrite; doc: SearchDoc; eff: string | null; pred: StoredPrediction | undefined }[], at: string): unknown[] {
  return [
    rows.map((x) => x.r.id),
    rows.map((x) => x.r.title),
    rows.map((x) => x.r.description),
    rows.map((x) => x.r.category ?? null),
    rows.map((x) => JSON.stringify(x.r.fields)),
    rows.map((x) => x.r.hash),
    rows.map((x) => x.pred?.category ?? null),
    rows.map((x) => x.pred?.score ?? null),
    rows.map((x) => x.pred?.model ?? null),
    rows.map((x) => x.eff),
    rows.map(() => at),
    rows.map((x) => x.doc.terms.join(SEP)),
    rows.map((x) => x.doc.tfs.join(",")),
    rows.map((x) => x.doc.impacts.join(",")),
    rows.map((x) => x.doc.length),
  ];
}

const UNNEST_ROWS = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[])
  AS u(id, title, description, category, fields, hash, pred_category, pred_score, pred_model, eff_category, updated_at, terms, tfs, imps, doc_len)`;
const DOC_VALUES = `string_to_array(u.terms, E'\\x1f'), string_to_array(u.tfs, ',')::real[], string_to_array(u.imps, ',')::real[], u.doc_len`;

/** The terms of a batch that most of its rows share (their counts pile up fastest), `ALL_TERM` first. */
export function hotTerms(rows: readonly ProductWrite[], n = 32): string[] {
  const freq = new Map<string, number>();
  for (const r of rows) for (const t of searchDoc(r.title, r.description, r.category).terms) freq.set(t, (freq.get(t) ?? 0) + 1);
  return [ALL_TERM, PREDICTED_TERM, ...[...freq].sort((a, b) => b[1] - a[1]).slice(0, n).map(([t]) => t)];
}

/** Inserts or updates products (see CatalogStore.upsertProducts) inside transaction `c`. */
export async function upsertRows(c: pg.ClientBase, input: readonly ProductWrite[]): Promise<UpsertResult> {
  const byId = new Map<string, ProductWrite>();
  for (const r of input) byId.set(r.id, r); // a later duplicate wins
  const rows = [...byId.values()];
  const out: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, changed: [], categories: [] };
  const heads = await lockHeads(c, rows.map((r) => r.id));
  const deltas = new TermDeltas();
  const inserts: { r: ProductWrite; doc: SearchDoc; eff: string | null; pred: StoredPrediction | undefined }[] = [];
  const updates: typeof inserts = [];
  const predictions: { id: string; p: StoredPrediction }[] = [];
  const removed = new PostingList();
  const added = new PostingList();
  for (const r of rows) {
    const head = heads.get(r.id);
    const p = r.predicted;
    if (head && head.hash === r.hash) {
      out.unchanged++;
      if (!p) continue;
      predictions.push({ id: r.id, p });
      deltas.move(head.terms, head.seq, head.eff_category, effective(head.corrected, head.category, p.category));
      if (head.pred_category === null) deltas.one(PREDICTED_TERM, null, +1);
      continue;
    }
    const doc = searchDoc(r.title, r.description, r.category);
    let eff: string | null;
    if (head) {
      eff = effective(head.corrected, r.category, p?.category ?? head.pred_category);
      updates.push({ r, doc, eff, pred: p });
      removed.push(head.terms, undefined, head.seq, null);
      added.push(doc.terms, doc.impacts, head.seq, eff);
      deltas.add(head.terms, head.eff_category, -1);
      deltas.add(doc.terms, eff, +1);
      if (head.pred_category === null && p) deltas.one(PREDICTED_TERM, null, +1);
      out.updated++;
    } else {
      eff = effective(null, r.category, p?.category);
      inserts.push({ r, doc, eff, pred: p });
      deltas.add(doc.terms, eff, +1);
      if (p) deltas.one(PREDICTED_TERM, null, +1);
      out.inserted++;
    }
    out.changed.push(r.id);
    out.categories.push(eff);
  }
  const at = now();
  if (inserts.length > 0) {
    const made = (
      await c.query<{ id: string; seq: string }>(
        `INSERT INTO products (id, title, description, category, fields, hash, pred_category, pred_score, pred_model, eff_category, updated_at, terms, tfs, imps, doc_len)
         SELECT u.id, u.title, u.description, u.category, u.fields, u.hash, u.pred_category, u.pred_score, u.pred_model, u.eff_category, u.updated_at, ${DOC_VALUES}
         FROM ${UNNEST_ROWS} ON CONFLICT (id) DO NOTHING RETURNING id, seq`,
        rowArrays(inserts, at),
      )
    ).rows;
    // Another transaction inserted one of these ids after we looked: run again, as an update.
    if (made.length < inserts.length) throw new RetryTransaction("A product was inserted concurrently");
    const seqOf = new Map(made.map((m) => [m.id, m.seq]));
    for (const x of inserts) added.push(x.doc.terms, x.doc.impacts, seqOf.get(x.r.id)!, x.eff);
  }
  if (updates.length > 0) {
    await c.query(
      `UPDATE products p SET title = u.title, description = u.description, category = u.category, fields = u.fields, hash = u.hash,
         pred_category = coalesce(u.pred_category, p.pred_category), pred_score = coalesce(u.pred_score, p.pred_score),
         pred_model = coalesce(u.pred_model, p.pred_model), eff_category = u.eff_category, updated_at = u.updated_at,
         terms = string_to_array(u.terms, E'\\x1f'), tfs = string_to_array(u.tfs, ',')::real[], imps = string_to_array(u.imps, ',')::real[], doc_len = u.doc_len
       FROM ${UNNEST_ROWS} WHERE p.id = u.id`,
      rowArrays(updates, at),
    );
  }
  if (predictions.length > 0) await writePredictions(c, predictions);
  await removePostings(c, removed);
  await addPostings(c, added);
  await deltas.flush(c);
  return out;
}

async function writePredictions(c: pg.ClientBase, rows: { id: string; p: StoredPrediction }[]): Promise<number> {
  const r = await c.query(
    `UPDATE products p SET pred_category = u.c, pred_score = u.s, pred_model = u.m, eff_category = coalesce(p.corrected, p.category, u.c)
     FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[]) AS u(id, c, s, m) WHERE p.id = u.id`,
    [rows.map((x) => x.id), rows.map((x) => x.p.category), rows.map((x) => x.p.score), rows.map((x) => x.p.model)],
  );
  return r.rowCount ?? 0;
}

/** Stores predictions of existing products (see CatalogStore.setPredictions) inside transaction `c`. */
export async function setPredictionRows(c: pg.ClientBase, input: readonly { id: string; predicted: StoredPrediction }[]): Promise<number> {
  const byId = new Map<string, StoredPrediction>();
  for (const r of input) byId.set(r.id, r.predicted);
  const heads = await lockHeads(c, [...byId.keys()]);
  const deltas = new TermDeltas();
  const rows: { id: string; p: StoredPrediction }[] = [];
  for (const [id, p] of byId) {
    const head = heads.get(id);
    if (!head) continue;
    rows.push({ id, p });
    deltas.move(head.terms, head.seq, head.eff_category, effective(head.corrected, head.category, p.category));
    if (head.pred_category === null) deltas.one(PREDICTED_TERM, null, +1);
  }
  if (rows.length === 0) return 0;
  await writePredictions(c, rows);
  await deltas.flush(c);
  return input.filter((r) => heads.has(r.id)).length;
}

/** Records a correction and applies it (see CatalogStore.addCorrection) inside transaction `c`. */
export async function correctRow(c: pg.ClientBase, input: CorrectionInput): Promise<CorrectionRecord> {
  const head = (await lockHeads(c, [input.productId])).get(input.productId);
  if (!head) throw new NotFoundError("product", input.productId);
  const previous = head.eff_category;
  const category = input.category?.trim() || previous;
  if (!category) throw new NotFoundError("category to accept for product", input.productId, "it has no category or prediction yet: send a category");
  const at = now();
  const accepted = input.category === undefined || input.category.trim() === previous;
  const row = (
    await c.query<CorrectionRow>('INSERT INTO corrections (product_id, category, previous, accepted, "user", created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *', [
      input.productId,
      category,
      previous,
      accepted,
      input.user ?? null,
      at,
    ])
  ).rows[0]!;
  await c.query("UPDATE products SET corrected = $1, eff_category = $1, updated_at = $2 WHERE id = $3", [category, at, input.productId]);
  if (category !== previous) {
    const deltas = new TermDeltas();
    deltas.move(head.terms, head.seq, previous, category);
    await deltas.flush(c);
  }
  return toCorrection(row);
}

/** Deletes a product, its postings, counts and vectors inside transaction `c`; false when there was none. */
export async function deleteRow(c: pg.ClientBase, id: string): Promise<boolean> {
  const gone = (await c.query<{ seq: string; terms: string[]; eff_category: string | null; pred_category: string | null }>(
    "DELETE FROM products WHERE id = $1 RETURNING seq, terms, eff_category, pred_category",
    [id],
  )).rows[0];
  if (!gone) return false;
  const removed = new PostingList();
  removed.push(gone.terms, undefined, gone.seq, null);
  await removePostings(c, removed);
  const deltas = new TermDeltas();
  deltas.add(gone.terms, gone.eff_category, -1);
  if (gone.pred_category !== null) deltas.one(PREDICTED_TERM, null, -1);
  await deltas.flush(c);
  await c.query("DELETE FROM vectors WHERE product_id = $1", [id]);
  return true;
}
