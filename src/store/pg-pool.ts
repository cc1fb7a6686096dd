// The PostgreSQL connection of the store: a pg pool on one schema, queries and transactions whose
// connection failures (database down, restarting, unreachable) become UnavailableError, which the HTTP edge
// answers with 503 and Retry-After and callers may retry; the pool reconnects by itself when the database
// is back, so nothing needs a restart.
import pg from "pg";
import { ConfigError, UnavailableError } from "../index.js";
import { ident } from "./postgres-schema.js";

/** What a PostgreSQL store URL says: the pg connection string, the schema and the pool size. */
export interface PgTarget {
  connectionString: string;
  schema: string;
  poolSize: number;
}

/**
 * Parses `postgres://user:password@host:port/db?schema=assort&pool=10` (also `postgresql://`). `schema`
 * (default `public`) and `pool` (default 10) are assort's own parameters; the rest goes to pg as is.
 */
export function parsePgUrl(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError("Invalid PostgreSQL store URL: use postgres://user:password@host:port/database");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") throw new ConfigError("Invalid PostgreSQL store URL: it must start with postgres://");
  const schema = u.searchParams.get("schema") ?? "public";
  const pool = Number(u.searchParams.get("pool") ?? "10");
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new ConfigError(`Invalid schema "${schema.slice(0, 70)}" in the store URL: use letters, digits and "_"`);
  if (!Number.isInteger(pool) || pool < 1 || pool > 1000) throw new ConfigError("Invalid pool size in the store URL: use pool=1 to pool=1000");
  u.searchParams.delete("schema");
  u.searchParams.delete("pool");
  return { connectionString: u.toString(), schema, poolSize: pool };
}

/** SQLSTATE classes and codes that mean "the database is not there right now", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006", "08007"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** Whether `e` is a connection failure (the database is down, restarting or unreachable). */
export function isConnectionError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === "string" ? err.code : "";
  if (UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code)) return true;
  const message = typeof err?.message === "string" ? err.message : "";
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|terminating connection/i.test(message);
}

/** Connection failures become UnavailableError (its message never repeats the URL); other errors pass. */
export function translate(e: unknown): unknown {
  if (e instanceof UnavailableError || !isConnectionError(e)) return e;
  return new UnavailableError("The catalog database is unavailable (PostgreSQL is down or restarting): retry shortly");
}

/** Transactions that lost a race (serialization failure, deadlock) are retried this many times. */
const TX_ATTEMPTS = 5;
const RETRY_CODES = new Set(["40001", "40P01"]);

/** Thrown inside a transaction to roll it back and run it again (e.g. an insert raced with another writer). */
export class RetryTransaction extends Error {}

/** A pg pool whose every connection works in `schema`. */
export class PgPool {
  readonly pool: pg.Pool;
  readonly schema: string;
  private closed = false;

  constructor(target: PgTarget, onError: (e: Error) => void = () => {}) {
    this.schema = target.schema;
    this.pool = new pg.Pool({
      connectionString: target.connectionString,
      max: target.poolSize,
      // JIT compiles the expressions of queries the planner thinks costly (posting joins it over-estimates)
      // at 10-20 ms a query: far more than the store's short queries take to run.
      options: `-c search_path=${ident(target.schema)} -c jit=off`,
      // A request waits at most this long for a connection: while the database is down it gets a 503 soon.
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
      application_name: "assort",
    });
    // An idle client whose server went away emits here; without a listener it would crash the process.
    this.pool.on("error", (e) => onError(e));
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (e) {
      throw translate(e);
    }
  }

  /** Runs `fn` in a transaction; retried on deadlock, serialization failure or {@link RetryTransaction}. */
  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw translate(e);
      }
      let broken: Error | undefined;
      // Between two statements the connection may die (the server restarts): the client then emits
      // "error", which with no listener would crash the process; the next statement fails instead.
      const onError = (e: Error): void => {
        broken = e;
      };
      client.on("error", onError);
      try {
        await client.query("BEGIN");
        const out = await fn(client);
        await client.query("COMMIT");
        return out;
      } catch (e) {
        if (isConnectionError(e)) broken = e as Error;
        else await client.query("ROLLBACK").catch((r: Error) => (broken = r));
        const code = (e as { code?: string }).code ?? "";
        if (attempt < TX_ATTEMPTS && (e instanceof RetryTransaction || RETRY_CODES.has(code))) continue;
        throw translate(e);
      } finally {
        client.removeListener("error", onError);
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
