// Shared state over PostgreSQL (the SharedState contract, src/service/shared-state.ts): every change is a
// row of the `changes` table, and NOTIFY sends its sequence number; each process LISTENs on one connection
// and reads the rows after the last it delivered, in order. Payloads of any size fit (NOTIFY's 8000-byte
// limit only carries the number), publishers are serialised so that sequence order is commit order, and a
// process whose listening connection dropped (PostgreSQL restarted) reconnects and delivers what it missed.
import pg from "pg";
import type { SharedChange, SharedListener, SharedState } from "../index.js";
import { parsePgUrl, PgPool } from "./pg-pool.js";
import { ident } from "./postgres-schema.js";

/** Options of {@link PgSharedState.open}. */
export interface PgSharedStateOptions {
  /** Also read new changes this often without a notification (ms; default 1000): a lost notification costs at most this. */
  pollMs?: number;
  /** Changes older than this are deleted now and then (ms; default one day). */
  keepMs?: number;
  onError?: (e: Error) => void;
}

/**
 * {@link SharedState} for processes sharing one PostgreSQL store (the same URL and schema).
 * @example
 * const shared = await PgSharedState.open("postgres://…/assort");
 * const service = await CatalogService.open({ store, dataDir, sharedState: shared });
 */
export class PgSharedState implements SharedState {
  private readonly listeners = new Set<SharedListener>();
  private readonly channel: string;
  private listener: pg.Client | undefined;
  private last = 0;
  private reading: Promise<void> = Promise.resolve();
  private readAgain = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly poll: NodeJS.Timeout;
  private published = 0;

  private constructor(
    private readonly db: PgPool,
    private readonly connectionString: string,
    schema: string,
    private readonly o: PgSharedStateOptions,
  ) {
    this.channel = `assort_changes_${schema}`.slice(0, 63);
    this.poll = setInterval(() => this.readNew(), o.pollMs ?? 1000);
    this.poll.unref();
  }

  /** Connects (the store's migrations must have run: open the PostgresStore first), starting after the newest change. */
  static async open(url: string, o: PgSharedStateOptions = {}): Promise<PgSharedState> {
    const target = parsePgUrl(url);
    const db = new PgPool({ ...target, poolSize: 2 }, o.onError);
    const s = new PgSharedState(db, target.connectionString, target.schema, o);
    try {
      s.last = Number((await db.query<{ m: string | null }>("SELECT max(seq) AS m FROM changes"))[0]?.m ?? 0);
      await s.connect();
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  /** Opens the LISTEN connection; on its loss, reconnects with backoff and catches up. */
  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: "assort-listen" });
    const lost = (e?: Error): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      if (e) this.o.onError?.(e);
      client.end().catch(() => undefined);
      this.scheduleReconnect(250);
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", () => this.readNew());
    await client.connect();
    await client.query(`LISTEN ${ident(this.channel)}`);
    this.listener = client;
    this.readNew(); // whatever was published while nobody listened
  }

  private scheduleReconnect(ms: number): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch(() => this.scheduleReconnect(Math.min(ms * 2, 2000)));
    }, ms);
    this.reconnectTimer.unref();
  }

  /** Reads and delivers the changes after the last delivered one (one read at a time; later calls coalesce). */
  private readNew(): void {
    if (this.closed) return;
    if (this.readAgain) return;
    this.readAgain = true;
    this.reading = this.reading.then(async () => {
      this.readAgain = false;
      let rows: { seq: string; origin: string; change: string }[];
      try {
        rows = await this.db.query("SELECT seq, origin, change FROM changes WHERE seq > $1 ORDER BY seq LIMIT 10000", [this.last]);
      } catch (e) {
        this.o.onError?.(e as Error);
        return; // the poll or the reconnect tries again
      }
      for (const r of rows) {
        this.last = Number(r.seq);
        if (this.closed) return;
        for (const listener of [...this.listeners]) {
          try {
            listener(JSON.parse(r.change) as SharedChange, r.origin);
          } catch {
            // A listener's failure is its own; the others still get the change.
          }
        }
      }
      if (rows.length === 10000) this.readNew();
    });
  }

  async publish(origin: string, change: SharedChange): Promise<void> {
    if (this.closed) return;
    await this.db.tx(async (c) => {
      // Serialised: sequence numbers commit in order, so a reader never skips one that commits late.
      await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.channel]);
      const seq = (await c.query<{ seq: string }>("INSERT INTO changes (origin, change) VALUES ($1, $2) RETURNING seq", [origin, JSON.stringify(change)])).rows[0]!.seq;
      await c.query("SELECT pg_notify($1, $2)", [this.channel, seq]);
    });
    if (++this.published % 1000 === 0) {
      await this.db.query("DELETE FROM changes WHERE at < now() - make_interval(secs => $1)", [(this.o.keepMs ?? 86_400_000) / 1000]).catch(() => undefined);
    }
  }

  subscribe(listener: SharedListener): () => void {
    const own: SharedListener = (change, origin) => listener(change, origin);
    if (!this.closed) this.listeners.add(own);
    return () => {
      this.listeners.delete(own);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poll);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.listeners.clear();
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
    await this.reading.catch(() => undefined);
    await this.db.close();
  }
}
