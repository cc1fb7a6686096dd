// Progress and warning events that long work reports (the CLI draws bars; the server streams them).

/** A progress report: `done` of `total` units of `stage` (total 0 = unknown). */
export interface Progress {
  stage: string;
  done: number;
  total: number;
}

/** A soft problem (no convergence, a class with one example): reported, not thrown. */
export interface Warning {
  code: string;
  message: string;
  /** How many things the warning is about, when it counts something (rows sharing an id, …). */
  count?: number;
}

/** Options every long-running call accepts. */
export interface RunOptions {
  seed?: number;
  signal?: AbortSignal;
  onProgress?(e: Progress): void;
  onWarning?(w: Warning): void;
}
