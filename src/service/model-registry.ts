// The model registry of the catalog service: artifacts under <dataDir>/models/<version>/, versions and the
// active pointer in the store. A model becomes live only after it loaded and passed a smoke test; the
// swap is one reference assignment, so in-flight requests finish on the object they started with.
// Activations are published (shared state), and one made by another process is followed. Processes on
// several machines share the artifacts through an ArtifactStore: a model registered on one is fetched, its
// checksums verified, into the others' data directories before they load it.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { ConfigError, ConflictError, ModelFormatError, ModelNotFoundError } from "../core/errors.js";
import type { CatalogStore, ModelRecord } from "./catalog-store.js";
import type { ProductModel } from "../core/contracts.js";
import { loadModel } from "../pipeline/model-kinds.js";
import type { SharedChange } from "./shared-state.js";
import { artifactKey, localArtifact, type ArtifactStore } from "./artifacts.js";

/** Model version names: letters, digits, dot, dash, underscore; no path separators, no leading dot. */
const VERSION_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Throws ConfigError unless `version` is a safe directory name (no `../`, no slashes). */
export function checkVersionName(version: string): string {
  if (typeof version !== "string" || !VERSION_NAME.test(version) || version.includes("..")) {
    throw new ConfigError(`Invalid model version "${String(version).slice(0, 80)}": use letters, digits, ".", "-" and "_" only`);
  }
  return version;
}

/**
 * Loads `dir` (any model kind) and checks the model answers: labels, and scores in [0, 1] whose sum is above 0
 * and at most 1 (a calibrated row sums to less than 1 when its top is unlikely, see calibrateRows).
 */
export async function loadAndSmokeTest(dir: string): Promise<ProductModel> {
  const model = await loadModel(dir);
  try {
    if (model.labels.length < 2) throw new ModelFormatError(dir, `it has ${model.labels.length} categories`);
    const title = model.fields.text[0] ?? "title";
    const [p] = await model.classify([{ id: "smoke", [title]: "smoke test product 123" }], { topK: model.labels.length });
    const sum = p?.categories.reduce((s, c) => s + c.score, 0) ?? NaN;
    if (!p || p.categories.length === 0 || !p.categories.every((c) => c.score >= 0 && c.score <= 1) || !(sum > 0 && sum < 1.001)) {
      throw new ModelFormatError(dir, "the smoke test failed: its scores are not probabilities");
    }
    return model;
  } catch (e) {
    await model.close();
    throw e;
  }
}

async function copyDir(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const e of await fs.readdir(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) await copyDir(a, b);
    else if (e.isFile()) await fs.copyFile(a, b);
  }
}

/** The live model and the registry operations around it. */
export class ModelRegistry {
  /** The live model; replaced by one assignment. */
  current: ProductModel | undefined;
  /** The registry record of `current`. */
  currentRecord: ModelRecord | undefined;
  private readonly root: string;
  /** Activations and follows run one at a time (a slow load cannot overwrite a later swap). */
  private swaps: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: CatalogStore,
    dataDir: string,
    private readonly publish: (change: SharedChange) => Promise<void> = async () => {},
    /** Called when a model becomes live (e.g. to load it into a background thread ahead of use). */
    private readonly onLive: (record: ModelRecord) => void = () => {},
    private readonly artifacts?: ArtifactStore,
  ) {
    this.root = path.join(dataDir, "models");
  }

  /** A record whose `dir` is a directory of this process (the model fetched from the artifacts if it was registered elsewhere). */
  private async local(record: ModelRecord): Promise<ModelRecord> {
    if (!this.artifacts) return record;
    const here = await fs.stat(path.join(record.dir, "manifest.json")).then(
      () => true,
      () => false,
    );
    if (here) return record;
    return { ...record, dir: await localArtifact(this.artifacts, artifactKey.model(record.version), this.dirOf(record.version)) };
  }

  /** Loads the active model from the registry, if any (a broken one is reported, not thrown). */
  async init(onError: (e: Error) => void): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    const found = (await this.store.listModels()).find((m) => m.active);
    if (!found) return;
    try {
      const active = await this.local(found);
      this.current = await loadAndSmokeTest(active.dir);
      this.currentRecord = active;
      this.onLive(active);
    } catch (e) {
      onError(e as Error);
    }
  }

  dirOf(version: string): string {
    return path.join(this.root, checkVersionName(version));
  }

  /** A fresh temporary directory under the models root (same file system: rename is atomic). */
  tempDir(): string {
    return path.join(this.root, `.tmp-${randomBytes(6).toString("hex")}`);
  }

  /**
   * Copies the model at `dir` into the data directory (temporary sibling + rename), loads and smoke-tests
   * the copy, and records it. A bad model throws and changes nothing. Registering a known version again
   * returns its record.
   */
  async register(dir: string, o: { activate?: boolean; source?: string; move?: boolean } = {}): Promise<ModelRecord> {
    const probe = await loadAndSmokeTest(dir);
    let version: string;
    let record: ModelRecord | undefined;
    try {
      version = checkVersionName(probe.version);
      record = await this.store.getModel(version);
      const target = this.dirOf(version);
      if (!record) {
        const exists = await fs.stat(target).catch(() => undefined);
        if (!exists) {
          const tmp = this.tempDir();
          try {
            if (o.move) await fs.rename(dir, tmp);
            else await copyDir(dir, tmp);
            await fs.rename(tmp, target);
          } catch (e) {
            await fs.rm(tmp, { recursive: true, force: true });
            throw e;
          }
        }
        await (await loadAndSmokeTest(target)).close();
        await this.artifacts?.putDir(artifactKey.model(version), target);
        const d = probe.describe();
        record = await this.store.addModel({
          version,
          dir: target,
          registeredAt: new Date().toISOString(),
          createdAt: d.createdAt,
          labels: probe.labels.length,
          ...(o.source ? { source: o.source } : {}),
          metrics: { kind: d.kind, modalities: d.modalities, trainingRows: d.training.rows, calibrated: d.calibrated, ...(d.features["text"] !== undefined ? { features: d.features["text"] } : {}) },
        });
      }
    } finally {
      await probe.close();
    }
    if (o.activate) return this.activate(version);
    return record;
  }

  /** Loads and smoke-tests `version`, then makes it live. Unknown → ModelNotFoundError; broken → the error, old model stays. */
  async activate(version: string): Promise<ModelRecord> {
    checkVersionName(version);
    const activated = await this.exclusive(async () => {
      const found = await this.store.getModel(version);
      if (!found) throw new ModelNotFoundError(version);
      const record = await this.local(found);
      const model = await loadAndSmokeTest(record.dir);
      const active = await this.store.activateModel(version);
      this.swap(model, { ...active, dir: record.dir });
      return active;
    });
    await this.publish({ kind: "model", version: activated.version });
    return activated;
  }

  /**
   * Another process changed the live model: load the version the store now marks active and make it live
   * (nothing when it already is). A broken artifact throws and the old model stays.
   */
  async sync(): Promise<void> {
    await this.exclusive(async () => {
      const found = (await this.store.listModels()).find((m) => m.active);
      if (!found || found.version === this.currentRecord?.version) return;
      const active = await this.local(found);
      this.swap(await loadAndSmokeTest(active.dir), active);
    });
  }

  private swap(model: ProductModel, record: ModelRecord): void {
    const old = this.current;
    this.current = model;
    this.currentRecord = record;
    this.onLive(record);
    // The old model's featurizing worker (if any) is not needed by new requests; in-flight ones hold their own reference.
    if (old && old !== model) setTimeout(() => void old.close(), 5000).unref();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.swaps.then(fn, fn);
    this.swaps = run.catch(() => undefined);
    return run;
  }

  /** Activates the version that was active before the current one. */
  async rollback(): Promise<ModelRecord> {
    const history = await this.store.activationHistory(50);
    const currentVersion = this.current?.version ?? history[0];
    const previous = history.find((v) => v !== currentVersion);
    if (!previous) throw new ConflictError("Cannot roll back: no earlier model version was active");
    return this.activate(previous);
  }
}
