// Types of bench/load.mjs (the overload tests import it).
export interface LoadSummary {
  answered: number;
  errors: number;
  statusCodes: Record<string, number>;
  okPerSecond: number;
  answeredPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  okP50Ms: number | null;
  okP99Ms: number | null;
  okMaxMs: number | null;
  /** p99 of 2xx latencies counted from when each request was written (without the client's own queue). */
  okP99FromSendMs: number | null;
  seconds: number;
  offeredRate?: number;
  sent?: number;
  connectionsOpened?: number;
  clientQueueMax?: number;
  /** Paced: p99 of how long 2xx requests waited on the client before they were written (from due to send). */
  okClientWaitP99Ms?: number | null;
  /** Paced: answers that came with no request out (e.g. a 408 to an idle connection), not counted above. */
  unsolicited?: number;
  connections?: number;
}
export function httpRequest(url: string, o?: { method?: string; path?: string; body?: string; headers?: Record<string, string> }): Buffer;
export function closedLoop(url: string, o: { connections?: number; seconds?: number; next: (i: number) => Buffer }): Promise<LoadSummary>;
export function paced(url: string, o: { rate: number; seconds?: number; connections?: number; next: (i: number) => Buffer; spin?: boolean }): Promise<LoadSummary>;
