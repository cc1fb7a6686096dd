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
  /**
   * SHA-256 of the manifest itself (as `JSON.stringify(rest, null, 2)`, without this field): a flipped byte that
   * still parses would otherwise change the model silently. Absent in models written before it existed.
   */
  manifestSha256?: string;
}

/** The checksum of a manifest's other fields, as {@link ManifestHeader.manifestSha256} holds it. */
function manifestHash(body: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify(body, null, 2)).digest("hex");
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
      const { manifestSha256: _old, ...body } = { ...header, ...manifest, ...header } as Record<string, unknown>;
      await fs.writeFile(path.join(tmp, "manifest.json"), JSON.stringify({ ...body, manifestSha256: manifestHash(body) }, null, 2) + "\n");
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

/** Reads one file of a model directory, which must be a regular file (not a directory, device or FIFO). */
async function readPart(dir: string, name: string, missing: string): Promise<Buffer> {
  const file = path.join(dir, name);
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) throw new ModelFormatError(dir, missing);
  if (!st.isFile()) throw new ModelFormatError(dir, `${name} is not a regular file`);
  return fs.readFile(file);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Checks the array table of a manifest against the size of arrays.bin: every entry an object with a unique
 * name, a known dtype, a whole non-negative length and an offset aligned to its element size, inside the file.
 */
function checkArrays(dir: string, arrays: unknown, bytes: number): ArrayEntry[] {
  if (!Array.isArray(arrays)) throw new ModelFormatError(dir, "manifest.json has no list of arrays");
  const names = new Set<string>();
  arrays.forEach((e: unknown, i) => {
    if (!isRecord(e) || typeof e.name !== "string" || e.name === "" || e.name === "__proto__") throw new ModelFormatError(dir, `manifest.json: array ${i} has no valid name`);
    const what = `array "${e.name.slice(0, 80)}"`;
    if (names.has(e.name)) throw new ModelFormatError(dir, `manifest.json lists ${what} twice`);
    names.add(e.name);
    if (typeof e.dtype !== "string" || !Object.hasOwn(DTYPES, e.dtype)) throw new ModelFormatError(dir, `${what} has unknown dtype "${String(e.dtype).slice(0, 40)}"`);
    const size = DTYPES[e.dtype as DType].BYTES_PER_ELEMENT;
    if (!isCount(e.length)) throw new ModelFormatError(dir, `${what} has an invalid length ${JSON.stringify(e.length)}`);
    if (!isCount(e.offset) || e.offset % size !== 0) throw new ModelFormatError(dir, `${what} has an invalid offset ${JSON.stringify(e.offset)}`);
    if (e.offset + e.length * size > bytes) throw new ModelFormatError(dir, `${what} runs past the end of arrays.bin`);
  });
  return arrays as ArrayEntry[];
}

/**
 * Reads a model directory, refusing missing, incomplete, corrupt or newer-format models with a
 * ModelFormatError naming `dir`: a manifest that is not a JSON object, fails its checksum, or whose array
 * table does not fit arrays.bin (unknown dtypes, negative or misaligned offsets, sizes past the end). A model
 * a crashed {@link writeModelDir} left beside `dir` is restored first.
 */
export async function readModelDir(dir: string): Promise<ModelDir> {
  let st = await fs.stat(dir).catch(() => undefined);
  // Missing: a writer may have crashed with the previous model moved aside; put it back if so.
  if (!st && (await recoverDir(dir).catch(() => false))) st = await fs.stat(dir).catch(() => undefined);
  if (!st) throw new ModelNotFoundError(dir);
  if (!st.isDirectory()) throw new ModelFormatError(dir, "it is a file, not a model directory");
  const text = (await readPart(dir, "manifest.json", "manifest.json is missing (not a model directory, or its writing was interrupted)")).toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(dir, `manifest.json is not valid JSON (${(e as Error).message.slice(0, 200)})`);
  }
  if (!isRecord(parsed)) throw new ModelFormatError(dir, "manifest.json is not a JSON object");
  if (parsed.format !== MODEL_FORMAT) throw new ModelFormatError(dir, `manifest.json does not describe an assort model`);
  const version = parsed.formatVersion;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) throw new ModelFormatError(dir, "manifest.json has no valid formatVersion");
  if (version > MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(dir, `format version ${version} is newer than supported version ${MODEL_FORMAT_VERSION}: upgrade assort`);
  }
  if (parsed.manifestSha256 !== undefined) {
    const { manifestSha256, ...body } = parsed;
    if (manifestSha256 !== manifestHash(body)) throw new ModelFormatError(dir, "manifest.json does not match its checksum (corrupt or edited)");
  }
  if (!isCount(parsed.arraysBytes) || typeof parsed.arraysSha256 !== "string") throw new ModelFormatError(dir, "manifest.json does not describe its arrays");
  const entries = checkArrays(dir, parsed.arrays, parsed.arraysBytes);
  const manifest = parsed as Record<string, unknown> & ManifestHeader;
  const buf = await readPart(dir, "arrays.bin", "arrays.bin is missing");
  if (buf.length !== manifest.arraysBytes) {
    throw new ModelFormatError(dir, `arrays.bin has ${buf.length} bytes, the manifest says ${manifest.arraysBytes} (truncated or corrupt)`);
  }
  const sha = createHash("sha256").update(buf).digest("hex");
  if (sha !== manifest.arraysSha256) throw new ModelFormatError(dir, "arrays.bin does not match its checksum (corrupt)");
  // Copy into a fresh, aligned ArrayBuffer so typed views are valid whatever Buffer's pool offset.
  const ab = new ArrayBuffer(buf.length);
  new Uint8Array(ab).set(buf);
  const arrays: Record<string, ArtifactArray> = {};
  for (const e of entries) arrays[e.name] = new DTYPES[e.dtype](ab, e.offset, e.length);
  return { manifest, arrays, bytes: buf.length };
}

/** Total size in bytes of the files of a model directory. */
export async function modelDirSize(dir: string): Promise<number> {
  let total = 0;
  for (const f of await fs.readdir(dir)) total += (await fs.stat(path.join(dir, f))).size;
  return total;
}
