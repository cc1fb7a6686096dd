// Artifacts in PostgreSQL (the ArtifactStore contract): model directories, product-vector models and
// similar-items indexes stored as bytea chunks of at most 1 MiB with each file's SHA-256, written in one
// transaction (a reader sees all of an artifact or none of it), read back into a temporary directory,
// checked, then renamed into place. Replicas need no shared disk: the database is the one shared place.
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { ModelFormatError, type ArtifactStore } from "../index.js";
import type { PgPool } from "./pg-pool.js";

const CHUNK = 1 << 20;
/** Chunks read per query when fetching a file. */
const CHUNKS_PER_READ = 16;

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/** @example const artifacts = new PgArtifacts(store.db); await artifacts.putDir("models/v1", "/data/models/v1"); */
export class PgArtifacts implements ArtifactStore {
  constructor(private readonly db: PgPool) {}

  async has(key: string): Promise<boolean> {
    return (await this.db.query("SELECT 1 FROM artifacts WHERE key = $1 LIMIT 1", [key])).length > 0;
  }

  async putDir(key: string, dir: string): Promise<void> {
    const files = await listFiles(dir);
    await this.db.tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`assort-artifact:${key}`]);
      if ((await c.query("SELECT 1 FROM artifacts WHERE key = $1 LIMIT 1", [key])).rowCount) return;
      for (const file of files) {
        const data = await fs.readFile(path.join(dir, file));
        const sha = createHash("sha256").update(data).digest("hex");
        for (let n = 0, off = 0; off < data.length || n === 0; n++, off += CHUNK) {
          await c.query("INSERT INTO artifact_chunks (key, file, n, data) VALUES ($1, $2, $3, $4)", [key, file, n, data.subarray(off, off + CHUNK)]);
        }
        await c.query("INSERT INTO artifacts (key, file, size, sha256) VALUES ($1, $2, $3, $4)", [key, file, data.length, sha]);
      }
    });
  }

  async getDir(key: string, dir: string): Promise<boolean> {
    const files = await this.db.query<{ file: string; size: string; sha256: string }>("SELECT file, size, sha256 FROM artifacts WHERE key = $1 ORDER BY file", [key]);
    if (files.length === 0) return false;
    const tmp = `${dir}.tmp-${randomBytes(6).toString("hex")}`;
    try {
      for (const f of files) {
        const target = path.join(tmp, f.file);
        await fs.mkdir(path.dirname(target), { recursive: true });
        const hash = createHash("sha256");
        const out = await fs.open(target, "w");
        let size = 0;
        try {
          for (let n = 0; ; n += CHUNKS_PER_READ) {
            const chunks = await this.db.query<{ data: Buffer }>("SELECT data FROM artifact_chunks WHERE key = $1 AND file = $2 AND n >= $3 ORDER BY n LIMIT $4", [key, f.file, n, CHUNKS_PER_READ]);
            for (const c of chunks) {
              hash.update(c.data);
              size += c.data.length;
              await out.write(c.data);
            }
            if (chunks.length < CHUNKS_PER_READ) break;
          }
          await out.sync();
        } finally {
          await out.close();
        }
        if (size !== Number(f.size) || hash.digest("hex") !== f.sha256) throw new ModelFormatError(key, `the stored file "${f.file}" does not match its checksum (corrupt)`);
      }
      await fs.mkdir(path.dirname(dir), { recursive: true });
      try {
        await fs.rename(tmp, dir);
      } catch (e) {
        // Another fetch of the same artifact finished first: its copy is as good as ours.
        if ((e as NodeJS.ErrnoException).code !== "ENOTEMPTY" && (e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      return true;
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  async deleteDir(key: string): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query("DELETE FROM artifact_chunks WHERE key = $1", [key]);
      await c.query("DELETE FROM artifacts WHERE key = $1", [key]);
    });
  }
}
