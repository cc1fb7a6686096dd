// The recommender as a versioned model directory (manifest.json + arrays.bin, written atomically by persist/).
import { createHash } from "node:crypto";
import type { ArtifactArray } from "../core/contracts.js";
import { ModelFormatError } from "../core/errors.js";
import { LIBRARY_VERSION } from "../core/version.js";
import { csr } from "../linalg/matrix.js";
import { readModelDir, writeModelDir } from "../persist/model-dir.js";
import { EaseModel } from "../recommend/ease.js";
import { makeVersion } from "./model-inputs.js";
import { Recommender, type RecommenderState } from "./recommender.js";
import { RecommenderParams } from "./recommender-params.js";

/** The manifest kind of a saved recommender. */
export const RECOMMENDER_KIND = "recommender";
/** Bump when a reader of the previous version could not read what is written now. */
export const RECOMMENDER_FORMAT_VERSION = 1;

/** A fingerprint of what the recommender learned from: shoppers, items and their counts. */
function fingerprint(s: RecommenderState): string {
  const h = createHash("sha256");
  h.update(s.users.join("\u0000"));
  h.update("\u0001");
  h.update(s.items.join("\u0000"));
  h.update(Buffer.from(s.counts.indices.buffer, s.counts.indices.byteOffset, s.counts.indices.byteLength));
  h.update(Buffer.from(s.counts.data.buffer, s.counts.data.byteOffset, s.counts.data.byteLength));
  return h.digest("hex");
}

/**
 * Writes a recommender to `dir` atomically: a crash leaves the old model or the new one, never a mix. The
 * manifest records the version ("<created-at>-<hash>"), parameters, shoppers and items; the arrays the counts,
 * EASE weights, segment favourites and bought-together lists.
 * @example await saveRecommender(rec, "models/recs");
 */
export async function saveRecommender(rec: Recommender, dir: string, createdAt = new Date()): Promise<string> {
  const s = rec.state;
  const fp = fingerprint(s);
  const version = makeVersion(createdAt, fp, RECOMMENDER_KIND);
  const arrays: Record<string, ArtifactArray> = {
    "counts.indptr": s.counts.indptr,
    "counts.indices": s.counts.indices,
    "counts.data": s.counts.data,
    last: s.last,
    returned: s.returned,
    group: s.group,
    excluded: s.excluded,
    "together.indptr": s.together.indptr,
    "together.indices": s.together.indices,
    "together.scores": s.together.scores,
    "together.evidence": s.together.evidence,
    ...(s.together.via ? { "together.via": s.together.via } : {}),
  };
  if (s.ease) {
    arrays["ease.kept"] = s.ease.kept;
    arrays["ease.weights"] = s.ease.weights;
  }
  if (s.segmentOf) arrays["segmentOf"] = s.segmentOf;
  if (s.favourites) arrays["favourites"] = s.favourites;
  await writeModelDir(
    dir,
    {
      kind: RECOMMENDER_KIND,
      recommenderFormatVersion: RECOMMENDER_FORMAT_VERSION,
      version,
      createdAt: createdAt.toISOString(),
      libraryVersion: LIBRARY_VERSION,
      training: { fingerprint: fp, events: s.events, purchases: s.purchases, seconds: s.fitSeconds, now: s.now },
      params: s.params,
      ease: s.ease ? { items: s.ease.size } : null,
      users: s.users,
      items: s.items,
      titles: s.titles,
      groupNames: s.groupNames,
    },
    arrays,
  );
  return version;
}

/**
 * Reads a recommender written by {@link saveRecommender}; it answers exactly as the saved one. Refuses other
 * model kinds and newer formats clearly.
 * @example const rec = await loadRecommender("models/recs"); rec.recommend("17850")
 */
export async function loadRecommender(dir: string): Promise<Recommender & { version: string }> {
  const { manifest: m, arrays: a } = await readModelDir(dir);
  if (m["kind"] !== RECOMMENDER_KIND) throw new ModelFormatError(dir, `it holds a "${String(m["kind"])}" model, not a recommender`);
  const fv = m["recommenderFormatVersion"];
  if (typeof fv !== "number" || fv > RECOMMENDER_FORMAT_VERSION) {
    throw new ModelFormatError(dir, `recommender format version ${String(fv)} is newer than supported version ${RECOMMENDER_FORMAT_VERSION}: upgrade assort`);
  }
  const need = <T extends ArtifactArray>(name: string, ctor: new (...args: never[]) => T): T => {
    const v = a[name];
    if (!(v instanceof ctor)) throw new ModelFormatError(dir, `array "${name}" is missing or of the wrong type`);
    return v;
  };
  const params = RecommenderParams.parse(m["params"]);
  const users = m["users"] as string[];
  const items = m["items"] as string[];
  const training = m["training"] as { events: number; purchases: number; seconds: number; now: number };
  const counts = csr(users.length, items.length, need("counts.indptr", Int32Array), need("counts.indices", Int32Array), need("counts.data", Float32Array));
  let ease: EaseModel | null = null;
  if (a["ease.kept"]) {
    const kept = need("ease.kept", Int32Array);
    const position = new Int32Array(items.length).fill(-1);
    kept.forEach((i, p) => (position[i] = p));
    ease = new EaseModel(kept, position, need("ease.weights", Float32Array), params.ease);
  }
  const state: RecommenderState = {
    params,
    users,
    items,
    titles: m["titles"] as (string | null)[],
    groupNames: m["groupNames"] as string[],
    group: need("group", Int32Array),
    excluded: need("excluded", Uint8Array),
    counts,
    last: need("last", Float64Array),
    returned: need("returned", Uint8Array),
    ease,
    segmentOf: a["segmentOf"] ? need("segmentOf", Int32Array) : null,
    favourites: a["favourites"] ? need("favourites", Float32Array) : null,
    together: {
      indptr: need("together.indptr", Int32Array),
      indices: need("together.indices", Int32Array),
      scores: need("together.scores", Float32Array),
      evidence: need("together.evidence", Uint8Array),
      // Absent in artifacts written before the title-neighbour backoff: every reason is then about the item itself.
      ...(a["together.via"] ? { via: need("together.via", Int32Array) } : {}),
    },
    now: training.now,
    fitSeconds: training.seconds,
    events: training.events,
    purchases: training.purchases,
  };
  return Object.assign(new Recommender(state), { version: String(m["version"]) });
}
