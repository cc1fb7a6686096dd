// Model artifacts on disk: a directory with manifest.json and arrays.bin, written atomically.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { recoverDir, replaceDirAtomic } from "../core/atomic-write.js";
import type { ArtifactArray } from "../core/contracts.js";
import { ConfigError, ModelFormatError, ModelNotFoundError } from "../core/errors.js";

/** Identifies assort model directories. */
export const MODEL_FORMAT = "assort-model";
/** Bump when a reader of the previous version could not read what is written now. */
export const MODEL_FORMAT_VERSION = 1;

const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
} as const;
type DType = keyof typeof DTYPES;

interface ArrayEntry {
  name: string;
  dtype: DType;
  length: number;
  offset: number;
}

/** The manifest fields persist/ owns; everything else in the manifest is the caller's. */
export interface ManifestHeader {
  format: string;
  formatVersion: number;
  arrays: ArrayEntry[];
  arraysBytes: number;
  arraysSha256: string;
}

function dtypeOf(a: ArtifactArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  return "uint8";
}

/**
 * Writes `manifest` (any JSON) plus named arrays to `dir` atomically (core's {@link replaceDirAtomic}): everything
 * goes to a temporary sibling directory first, which then replaces `dir`. A crash leaves either the old model or
 * the new one, never a mix (between the two renames the old one waits beside `dir`, and the next write or
 * {@link readModelDir} puts it back). Refuses to replace a non-empty directory that is not a model.
 */
export async function writeModelDir(dir: string, manifest: Record<string, unknown>, arrays: Record<string, ArtifactArray>): Promise<void> {
  const target = path.resolve(dir);
  const check = async (): Promise<void> => {
    const existing = await fs.stat(target).catch(() => undefined);
    if (!existing) return;
    if (!existing.isDirectory()) throw new ConfigError(`Cannot write model to "${dir}": it exists and is not a directory`);
    const entries = await fs.readdir(target);
    if (entries.length > 0 && !entries.includes("manifest.json")) {
      throw new ConfigError(`Cannot write model to "${dir}": the directory is not empty and holds no model`);
    }
  };
  await replaceDirAtomic(
    dir,
    async (tmp) => {
      const entries: ArrayEntry[] = [];
      let offset = 0;
      const parts: Buffer[] = [];
      for (const [name, a] of Object.entries(arrays)) {
        const pad = (8 - (offset % 8)) % 8;
        if (pad) parts.push(Buffer.alloc(pad));
        offset += pad;
        entries.push({ name, dtype: dtypeOf(a), length: a.length, offset });
        parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
        offset += a.byteLength;
      }
      const hash = createHash("sha256");
      for (const p of parts) hash.update(p);
      const header: ManifestHeader = {
        format: MODEL_FORMAT,
        formatVersion: MODEL_FORMAT_VERSION,
        arrays: entries,
        arraysBytes: offset,
        arraysSha256: hash.digest("hex"),
      };
      await fs.writeFile(path.join(tmp, "arrays.bin"), parts);
      // The manifest goes last: a directory without it is recognisably incomplete.
      await fs.writeFile(path.join(tmp, "manifest.json"), JSON.stringify({ ...header, ...manifest, ...header }, null, 2) + "\n");
    },
    { mkdir: true, check },
  );
}

/** A model directory read back: the manifest and its arrays, verified against the checksum. */
export interface ModelDir {
  manifest: Record<string, unknown> & ManifestHeader;
  arrays: Record<string, ArtifactArray>;
  bytes: number;
}

/**
 * Reads a model directory, refusing missing, incomplete, corrupt or newer-format models clearly. A model a crashed
 * {@link writeModelDir} left beside `dir` is restored first.
 */
export async function readModelDir(dir: string): Promise<ModelDir> {
  let st = await fs.stat(dir).catch(() => undefined);
  // Missing: a writer may have crashed with the previous model moved aside; put it back if so.
  if (!st && (await recoverDir(dir).catch(() => false))) st = await fs.stat(dir).catch(() => undefined);
  if (!st) throw new ModelNotFoundError(dir);
  if (!st.isDirectory()) throw new ModelFormatError(dir, "it is a file, not a model directory");
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, "manifest.json"), "utf8");
  } catch {
    throw new ModelFormatError(dir, "manifest.json is missing (not a model directory, or its writing was interrupted)");
  }
  let manifest: Record<string, unknown> & ManifestHeader;
  try {
    manifest = JSON.parse(text) as typeof manifest;
  } catch (e) {
    throw new ModelFormatError(dir, `manifest.json is not valid JSON (${(e as Error).message})`);
  }
  if (manifest.format !== MODEL_FORMAT) throw new ModelFormatError(dir, `manifest.json does not describe an assort model`);
  if (typeof manifest.formatVersion !== "number") throw new ModelFormatError(dir, "manifest.json has no formatVersion");
  if (manifest.formatVersion > MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(dir, `format version ${manifest.formatVersion} is newer than supported version ${MODEL_FORMAT_VERSION}: upgrade assort`);
  }
  let buf: Buffer;
  try {
    buf = await fs.readFile(path.join(dir, "arrays.bin"));
  } catch {
    throw new ModelFormatError(dir, "arrays.bin is missing");
  }
  if (buf.length !== manifest.arraysBytes) {
    throw new ModelFormatError(dir, `arrays.bin has ${buf.length} bytes, the manifest says ${manifest.arraysBytes} (truncated or corrupt)`);
  }
  const sha = createHash("sha256").update(buf).digest("hex");
  if (sha !== manifest.arraysSha256) throw new ModelFormatError(dir, "arrays.bin does not match its checksum (corrupt)");
  // Copy into a fresh, aligned ArrayBuffer so typed views are valid whatever Buffer's pool offset.
  const ab = new ArrayBuffer(buf.length);
  new Uint8Array(ab).set(buf);
  const arrays: Record<string, ArtifactArray> = {};
  for (const e of manifest.arrays) {
    const Ctor = DTYPES[e.dtype];
    if (!Ctor) throw new ModelFormatError(dir, `array "${e.name}" has unknown dtype "${e.dtype}"`);
    if (e.offset + e.length * Ctor.BYTES_PER_ELEMENT > buf.length) throw new ModelFormatError(dir, `array "${e.name}" runs past the end of arrays.bin`);
    arrays[e.name] = new Ctor(ab, e.offset, e.length);
  }
  return { manifest, arrays, bytes: buf.length };
}

/** Total size in bytes of the files of a model directory. */
export async function modelDirSize(dir: string): Promise<number> {
  let total = 0;
  for (const f of await fs.readdir(dir)) total += (await fs.stat(path.join(dir, f))).size;
  return total;
}
