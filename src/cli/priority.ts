// `--nice N` of `assort worker` and `assort import`: the process runs at a lower CPU priority, as under
// `nice -n N`, so that on shared cores the API replicas' requests are scheduled first. Linux keeps a nice
// value per thread: the main thread is set first (threads started afterwards, such as the featurization
// worker threads, inherit it), then every thread the process already has (libuv's pool, V8's helpers).
import { readdirSync } from "node:fs";
import os from "node:os";

export const NICE_HELP = "run at nice N or lower priority (0-19, threads included; never raises it): batch work yields the CPU to API replicas on the same cores";

/** Lowers this process's priority to nice `n` (never raising it: a process started under nice 15 stays there); returns the threads set. */
export function lowerPriority(n: number): number {
  const target = Math.max(n, os.getPriority(0));
  if (n === 0 || target === os.getPriority(0)) return 0;
  n = target;
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
