// Option parsers and help of `assort serve` and `assort import` (kept apart from serve-setup.ts so parsing
// loads no server code).
import { isIP } from "node:net";
import { InvalidArgumentError } from "commander";

/** Help of --store (`assort serve`, `assort import`). */
export const STORE_HELP =
  "catalog store URL: sqlite:DIR (a directory path alone means the same), memory: (kept in memory only) or postgres://user:pw@host:port/db (shared by replicas and workers; ?schema=NAME); default sqlite:<data dir>; models are cached under --data-dir";

/** Help of --queue (`assort serve`, `assort import`, `assort worker`). */
export const QUEUE_HELP = "Redis URL of the job queue (redis://host:port): jobs run on `assort worker` processes; needs a postgres:// store";

/** Log levels accepted by --log-level. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Parses --rate-limit: "N/min", "N/s", "N/h", a bare N (per minute), or "off"/"0". */
export function rateArg(v: string): { max: number; windowMs: number } | false {
  const s = v.trim().toLowerCase();
  if (s === "off" || s === "0") return false;
  const m = /^(\d+)\s*(?:\/\s*(s|sec|second|m|min|minute|h|hour))?$/.exec(s);
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError(`--rate-limit must look like 600/min, 20/s or off, got "${v}"`);
  const unit = m[2] ?? "min";
  const windowMs = unit.startsWith("s") ? 1000 : unit.startsWith("h") ? 3_600_000 : 60_000;
  return { max: Number(m[1]), windowMs };
}

/** A DNS host name: labels of letters, digits and inner hyphens, at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Parses --host: an IPv4 or IPv6 address (brackets allowed) or a host name. Four dotted numbers that are not an
 * IPv4 address ("999.1.1.1") are refused here, not looked up as a name.
 */
export function hostArg(v: string): string {
  const h = v.trim().replace(/^\[(.*)\]$/, "$1");
  if (isIP(h) !== 0) return h;
  if (/^[\d.]+$/.test(h)) throw new InvalidArgumentError(`"${v}" is not an address: an IPv4 address is four numbers from 0 to 255, such as 127.0.0.1`);
  if (!HOST_NAME.test(h)) throw new InvalidArgumentError(`"${v}" is not an address or a host name`);
  return h;
}

/** Parses a size like 2mb, 512kb or a byte count. */
export function sizeArg(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(v.trim());
  const mult: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };
  const n = m ? Math.round(Number(m[1]) * mult[(m[2] ?? "b").toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(n) || n < 1024) throw new InvalidArgumentError(`expected a size of at least 1kb such as 2mb or 512kb, got "${v}"`);
  return n;
}

/** Parses a duration such as 10s, 500ms, 1.5s or 2m into milliseconds (100 ms to 1 h; the unit is required). */
export function durationArg(name: string): (v: string) => number {
  return (v) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min)$/i.exec(v.trim());
    const unit = m?.[2]?.toLowerCase();
    const ms = m ? Math.round(Number(m[1]) * (unit === "ms" ? 1 : unit === "s" ? 1000 : 60_000)) : NaN;
    if (!Number.isFinite(ms) || ms < 100 || ms > 3_600_000) throw new InvalidArgumentError(`${name} must be a duration from 100ms to 60m such as 10s or 500ms, got "${v}"`);
    return ms;
  };
}
