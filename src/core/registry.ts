// Estimator registries: kind name → spec factory and artifact restorer, with clear errors on a miss.
import { z } from "zod";
import type { Artifact } from "./contracts.js";
import { ConfigError } from "./errors.js";

/** One registered estimator: what it is, how to make a spec, how to restore a fitted model. */
export interface RegistryEntry<Spec, Model> {
  description: string;
  create(params?: Record<string, unknown>): Spec;
  restore(artifact: Artifact): Model;
}

/**
 * A registry of estimator kinds (Transformers.js' task table, Annif's backends): a new estimator is one
 * file and one entry.
 */
export class Registry<Spec, Model> {
  constructor(
    private readonly what: string,
    private readonly entries: Readonly<Record<string, RegistryEntry<Spec, Model>>>,
  ) {}

  /** Names of the registered kinds. */
  kinds(): string[] {
    return Object.keys(this.entries);
  }

  /** The entry for `kind`; a ConfigError listing the valid kinds on a miss. */
  entry(kind: string): RegistryEntry<Spec, Model> {
    const e = Object.hasOwn(this.entries, kind) ? this.entries[kind] : undefined;
    if (!e) throw new ConfigError(`Unknown ${this.what} "${kind}": choose one of ${this.kinds().join(", ")}`);
    return e;
  }

  /** Creates a spec, turning invalid params into a ConfigError that lists each problem. */
  create(kind: string, params: Record<string, unknown> = {}): Spec {
    const entry = this.entry(kind);
    try {
      return entry.create(params);
    } catch (e) {
      if (e instanceof z.ZodError) {
        throw new ConfigError(`Invalid parameters for "${kind}"`, e.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
      }
      throw e;
    }
  }

  /** Restores a fitted model from its artifact (by the artifact's kind). */
  restore(artifact: Artifact): Model {
    return this.entry(artifact.kind).restore(artifact);
  }
}
