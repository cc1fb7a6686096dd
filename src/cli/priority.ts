// `--nice N` of `assort worker` and `assort import`: the process runs at a lower CPU priority, as under
// `nice -n N`, so that on shared cores the API replicas' requests are scheduled first. Linux keeps a nice
// value per thread: the main thread is set first (threads started afterwards, such as the featurization
// worker threads, inherit it), then every thread the process already has (libuv's pool, V8's helpers).
import { readdirSync } from "node:fs";
import os from "node:os";

export const NICE_HELP = "run at this lower CPU priority (0-19, as nice -n; threads included): batch work yields the CPU to API replicas on the same cores";

/** Lowers this process's priority to nice `n` (0: unchanged); returns how many threads were set. */
export function lowerPriority(n: number): number {
  if (n === 0) return 0;
  os.setPriority(0, n);
  let threads = 1;
  let tids: string[] = [];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return threads; // not Linux: the process priority is the one there is
  }
  for (const tid of tids) {
    if (Number(tid) === process.pid) continue;
    try {
      os.setPriority(Number(tid), n);
      threads++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}
