// Artifacts every process serving one store must be able to read: model directories, product-vector
// models, similar-items indexes. One process (SQLite) keeps them in its data directory and needs none of
// this; processes on several machines share them through an ArtifactStore (the PostgreSQL one keeps them
// in the database) and fetch each into their own data directory, checksums verified, before loading it.
import { promises as fs } from "node:fs";

/**
 * Directories of files by key ("models/<version>", "vectors/<id>", "similar/<id>"), written once and
 * read by every process. Implementations verify each file's SHA-256 when reading it back.
 */
export interface ArtifactStore {
  /** Stores the files of `dir` (recursively) under `key`; a key stored already is left as it is. */
  putDir(key: string, dir: string): Promise<void>;
  /**
   * Writes the files of `key` into `dir` (a temporary sibling, renamed into place: a reader never sees half
   * of it); false when nothing is stored under `key`. A file whose checksum does not match is refused.
   */
  getDir(key: string, dir: string): Promise<boolean>;
  /** Whether something is stored under `key`. */
  has(key: string): Promise<boolean>;
  /** Deletes what is stored under `key` (nothing when there is none). */
  deleteDir(key: string): Promise<void>;
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * The local directory to load artifact `key` from: `dir` when it exists here, else `dir` fetched from
 * `artifacts` (when it holds the key). Without artifacts, or when they hold nothing, `dir` as it is (the
 * loader then reports it missing).
 */
export async function localArtifact(artifacts: ArtifactStore | undefined, key: string, dir: string): Promise<string> {
  if (await exists(dir)) return dir;
  if (artifacts) await artifacts.getDir(key, dir);
  return dir;
}

/** The artifact key of a model version, a vector model, a similar-items index. */
export const artifactKey = {
  model: (version: string): string => `models/${version}`,
  vectors: (id: string): string => `vectors/${id}`,
  similar: (id: string): string => `similar/${id}`,
};
