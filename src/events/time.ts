// ISO 8601 event times → milliseconds since the epoch (UTC). A time without a zone is read as UTC, and says so.

/** How a time named its zone: "Z", an offset such as "+02:00", or none (read as UTC). */
export type TimeZoneKind = "utc" | "offset" | "none";

/** A parsed time, or why it could not be parsed. */
export type ParsedTime = { ok: true; ms: number; zone: TimeZoneKind } | { ok: false; reason: string };

// date, optional time (T or space) with optional seconds and fraction, optional zone.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * Parses an ISO 8601 date or date-time: `2011-10-01`, `2011-10-01T08:26`, `2011-10-01 08:26:00.5`,
 * `2011-10-01T08:26:00Z`, `2011-10-01T08:26:00+02:00` (or `+0200`, `+02`). Without a zone the time is UTC.
 * Out-of-range parts (month 13, 30 February, hour 25) are errors, not rolled over as `Date` would.
 * @example parseEventTime("2011-10-01T08:26:00") // → { ok: true, ms: 1317457560000, zone: "none" }
 */
export function parseEventTime(text: string): ParsedTime {
  const m = ISO.exec(text.trim());
  if (m === null) return { ok: false, reason: `expected an ISO 8601 time such as 2011-10-01T08:26:00Z, got "${short(text)}"` };
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12) return { ok: false, reason: `month ${m[2]} is out of range in "${short(text)}"` };
  const dim = month === 2 && leap(year) ? 29 : DAYS[month - 1]!;
  if (day < 1 || day > dim) return { ok: false, reason: `day ${m[3]} is out of range for ${year}-${m[2]} in "${short(text)}"` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `time of day is out of range in "${short(text)}"` };
  let offset = 0;
  let zone: TimeZoneKind = "none";
  const z = m[8];
  if (z !== undefined) {
    if (z === "Z" || z === "z") zone = "utc";
    else {
      const sign = z[0] === "-" ? -1 : 1;
      const digits = z.slice(1).replace(":", "");
      const oh = Number(digits.slice(0, 2));
      const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (oh > 14 || om > 59) return { ok: false, reason: `time zone offset ${z} is out of range in "${short(text)}"` };
      offset = sign * (oh * 60 + om) * 60_000;
      zone = offset === 0 ? "utc" : "offset";
    }
  }
  return { ok: true, ms: Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset, zone };
}

/** The ISO 8601 UTC form of a time in milliseconds: "2011-10-01T08:26:00Z" (milliseconds only when not zero). */
export function formatEventTime(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith(".000Z") ? `${s.slice(0, -5)}Z` : s;
}

function short(s: string): string {
  return s.length <= 40 ? s : `${s.slice(0, 39)}…`;
}
