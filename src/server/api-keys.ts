// API keys: from ASSORT_API_KEY (admin) and an optional keys file; checked in constant time on hashes.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../index.js";

/** What a key may do: read < write < admin. */
export type Role = "read" | "write" | "admin";

const RANK: Record<Role, number> = { read: 0, write: 1, admin: 2 };
const ROLES = new Set<string>(["read", "write", "admin"]);
/** Shortest key accepted: guessing one must be hopeless. */
export const MIN_KEY_CHARS = 16;

const sha256 = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** Whether a key of role `have` may call a route that needs `need`. */
export function allows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/** A set of API keys, stored only as SHA-256 hashes. */
export class KeyRing {
  private readonly keys: { hash: Buffer; role: Role }[] = [];

  /** Adds a key; rejects short keys and unknown roles. */
  add(key: string, role: string, where = "API key"): this {
    if (!ROLES.has(role)) throw new ConfigError(`${where}: role must be read, write or admin, got "${role}"`);
    if (key.length < MIN_KEY_CHARS) throw new ConfigError(`${where}: a key needs at least ${MIN_KEY_CHARS} characters`);
    if (/\s/.test(key)) throw new ConfigError(`${where}: a key must not contain white space`);
    this.keys.push({ hash: sha256(key), role: role as Role });
    return this;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The role of `key`, or undefined. Compares against every stored hash so timing reveals nothing. */
  roleOf(key: string): Role | undefined {
    return this.identify(key)?.role;
  }

  /**
   * The role of `key` and a stable, non-secret id for it (a prefix of its hash: rate-limit buckets and logs), or
   * undefined for a key that is not in the ring. Constant time over the stored keys, like {@link roleOf}.
   */
  identify(key: string): { role: Role; id: string } | undefined {
    const h = sha256(key);
    let found: Role | undefined;
    for (const k of this.keys) {
      if (timingSafeEqual(h, k.hash) && (found === undefined || RANK[k.role] > RANK[found])) found = k.role;
    }
    return found === undefined ? undefined : { role: found, id: h.subarray(0, 16).toString("base64url") };
  }

  /**
   * Builds the ring from the environment key (role admin) and a keys file: JSON (`[{"key","role"}]` or
   * `{"<key>": "<role>"}`) or lines `key role` (`#` comments). A file others can read is refused.
   */
  static load(o: { envKey?: string; keysFile?: string }): KeyRing {
    const ring = new KeyRing();
    if (o.envKey !== undefined && o.envKey !== "") ring.add(o.envKey, "admin", "ASSORT_API_KEY");
    if (o.keysFile !== undefined) {
      const file = o.keysFile;
      const st = statSync(file);
      if (process.platform !== "win32" && (st.mode & 0o004) !== 0) {
        throw new ConfigError(`Keys file "${file}" is readable by every user: run chmod 600 "${file}"`);
      }
      for (const [i, { key, role }] of parseKeysFile(readFileSync(file, "utf8"), file).entries()) {
        ring.add(key, role, `Keys file "${file}", entry ${i + 1}`);
      }
    }
    return ring;
  }
}

/** Parses the text of a keys file (JSON or `key role` lines). */
export function parseKeysFile(text: string, file: string): { key: string; role: string }[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (e) {
      throw new ConfigError(`Keys file "${file}" is not valid JSON: ${(e as Error).message}`);
    }
    if (Array.isArray(data)) {
      return data.map((d, i) => {
        const r = d as { key?: unknown; role?: unknown };
        if (typeof r?.key !== "string" || typeof r.role !== "string") throw new ConfigError(`Keys file "${file}", entry ${i + 1}: expected {"key": "...", "role": "read|write|admin"}`);
        return { key: r.key, role: r.role };
      });
    }
    return Object.entries(data as Record<string, unknown>).map(([key, role], i) => {
      if (typeof role !== "string") throw new ConfigError(`Keys file "${file}", entry ${i + 1}: the role must be a string`);
      return { key, role };
    });
  }
  const out: { key: string; role: string }[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parts = line.split(/\s+/);
    if (parts.length !== 2) throw new ConfigError(`Keys file "${file}", line ${i + 1}: expected "key role"`);
    out.push({ key: parts[0]!, role: parts[1]! });
  }
  return out;
}
