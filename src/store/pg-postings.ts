// The PostgreSQL store's search postings: one narrow row per (term, product) with the term's BM25 impact and
// the product's effective category, under two covering indexes: (term, pid) for intersections, membership
// probes and samples, and (term, impact DESC, seq) for a term's best hits first (ties in insertion order).
// Nothing in them needs the wide product rows, so a search reads index pages only, except for the page of hits.
//
// pid is the product's seq scrambled by a multiplicative bijection mod 2^31 (seq × PID_MUL mod 2^31): a
// term's postings in pid order are in a pseudo-random order of the products, unrelated to the order they
// were imported in (a catalog imported category by category included), so `pid < p` selects a uniform
// sample of fraction p / 2^31 of every term at once (the same products for each: a sample of an
// intersection is the intersection of the samples). seq = pid × PID_INV mod 2^31 gives the row back.
import type pg from "pg";

/** Odd, about 2^31 / φ: consecutive seqs land far apart and evenly over [0, 2^31). */
export const PID_MUL = 1327217885;
const MOD = 2n ** 31n;
/** The inverse of PID_MUL mod 2^31. */
export const PID_INV = Number(inverse(BigInt(PID_MUL), MOD));
/** pids live in [0, PID_SPACE). */
export const PID_SPACE = 2 ** 31;

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

/** The pid of product `seq` (seq < 2^31). */
export function pidOf(seq: number): number {
  return Math.imul(seq, PID_MUL) & 0x7fffffff;
}

/** The seq of the product with `pid`. */
export function seqOf(pid: number): number {
  return Math.imul(pid, PID_INV) & 0x7fffffff;
}

/** SQL for the pid of a bigint seq expression. */
export function pidSql(seq: string): string {
  return `((${seq})::bigint * ${PID_MUL} % 2147483648)::integer`;
}

/** SQL for the seq (bigint) of an integer pid expression. */
export function seqSql(pid: string): string {
  return `((${pid})::bigint * ${PID_INV} % 2147483648)`;
}

/** Postings to add, remove or re-categorize, as parallel arrays. */
export class PostingList {
  readonly terms: string[] = [];
  readonly pids: number[] = [];
  readonly seqs: number[] = [];
  readonly impacts: number[] = [];
  readonly cats: (string | null)[] = [];

  push(terms: readonly string[], impacts: readonly number[] | undefined, seq: string | number, category: string | null): void {
    const n = Number(seq);
    if (!(n < PID_SPACE)) throw new Error(`Product sequence number ${n} is past the search index's 2^31 limit`);
    const pid = pidOf(n);
    for (let i = 0; i < terms.length; i++) {
      this.terms.push(terms[i]!);
      this.pids.push(pid);
      this.seqs.push(n);
      this.impacts.push(impacts?.[i] ?? 0);
      this.cats.push(category);
    }
  }

  get size(): number {
    return this.terms.length;
  }
}

/** Creates the search categories of `names` that do not exist yet (in name order: concurrent writers never deadlock). */
async function ensureCategories(c: pg.ClientBase, names: readonly (string | null)[]): Promise<void> {
  const wanted = [...new Set(names.filter((n): n is string => n !== null))].sort();
  if (wanted.length === 0) return;
  await c.query(
    `INSERT INTO search_categories (name) SELECT n FROM unnest($1::text[]) AS u(n)
     WHERE NOT EXISTS (SELECT 1 FROM search_categories s WHERE s.name = u.n) ORDER BY n ON CONFLICT (name) DO NOTHING`,
    [wanted],
  );
}

export async function removePostings(c: pg.ClientBase, p: PostingList): Promise<void> {
  if (p.size === 0) return;
  await c.query("DELETE FROM search_postings s USING unnest($1::text[], $2::int[]) AS d(term, pid) WHERE s.term = d.term AND s.pid = d.pid", [p.terms, p.pids]);
}

export async function addPostings(c: pg.ClientBase, p: PostingList): Promise<void> {
  if (p.size === 0) return;
  await ensureCategories(c, p.cats);
  await c.query(
    `INSERT INTO search_postings (term, pid, seq, impact, cat)
     SELECT d.term, d.pid, d.seq, d.impact, s.id FROM unnest($1::text[], $2::int[], $3::int[], $4::real[], $5::text[]) AS d(term, pid, seq, impact, cat)
     LEFT JOIN search_categories s ON s.name = d.cat`,
    [p.terms, p.pids, p.seqs, p.impacts, p.cats],
  );
}

/** Sets the category of existing postings (a product's effective category changed). */
export async function recategorizePostings(c: pg.ClientBase, p: PostingList): Promise<void> {
  if (p.size === 0) return;
  await ensureCategories(c, p.cats);
  await c.query(
    `UPDATE search_postings x SET cat = s.id
     FROM unnest($1::text[], $2::int[], $3::text[]) AS d(term, pid, cat) LEFT JOIN search_categories s ON s.name = d.cat
     WHERE x.term = d.term AND x.pid = d.pid`,
    [p.terms, p.pids, p.cats],
  );
}
