// `--nice N` of `assort worker` and `assort import`: the process runs at a lower CPU priority, as under
// `nice -n N`, so that on shared cores the API replicas' requests are scheduled first. Linux keeps a nice
// value per thread: the main thread is set first (threads started afterwards, such as the featurization
// worker threads, inherit it), then every thread the process already has (libuv's pool, V8's helpers).
//
// With Linux's automatic session groups (sched_autogroup_enabled = 1, the default of most distributions'
// kernels) a thread's nice only orders it against the threads of its own session; each session competes with
// the others as one group, at the group's own nice. A worker started from the same shell session as a
// replica then only yields to that replica, and one in a session of its own (setsid, a service manager)
// yields to nobody. So a process that leads its session lowers the session's group too (that lowers nobody
// else: the session is its own); one that does not leaves the group alone, as it would lower the processes
// it shares the session with.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";

export const NICE_HELP = "run at nice N or lower priority (0-19, threads included; never raises it; a session leader, e.g. started by setsid, lowers its session's scheduling group too): batch work yields the CPU to API replicas on the same cores";

/** What {@link lowerPriority} changed. */
export interface Lowered {
  /** Threads set to the new nice (0: none, the process already ran at it or lower). */
  threads: number;
  /** Whether this process's session group (sched_autogroup) was lowered too. */
  sessionGroup: boolean;
}

/** Lowers this process's priority to nice `n` (never raising it: a process started under nice 15 stays there), and its session group's when it leads the session. */
export function lowerPriority(n: number): Lowered {
  const sessionGroup = n > 0 && lowerSessionGroup(n);
  const target = Math.max(n, os.getPriority(0));
  if (n === 0 || target === os.getPriority(0)) return { threads: 0, sessionGroup };
  n = target;
  os.setPriority(0, n);
  let threads = 1;
  let tids: string[] = [];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return { threads, sessionGroup }; // not Linux: the process priority is the one there is
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
  return { threads, sessionGroup };
}

/** Sets this process's session group (/proc/self/autogroup) to nice `n` when it leads its session and the group runs at a higher priority; false where it does not or cannot. */
function lowerSessionGroup(n: number): boolean {
  try {
    if (readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() !== "1") return false;
    const stat = readFileSync("/proc/self/stat", "utf8");
    // After "pid (comm) ": state, ppid, pgrp, session, …
    const session = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
    if (session !== process.pid) return false;
    const current = /nice (-?\d+)/.exec(readFileSync("/proc/self/autogroup", "utf8"));
    if (!current || Number(current[1]) >= n) return false;
    writeFileSync("/proc/self/autogroup", String(n));
    return true;
  } catch {
    return false; // not Linux, no autogroup support, or not permitted
  }
}
