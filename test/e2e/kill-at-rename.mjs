// Test-only preload (node --import): kills this process with SIGKILL just before or just after the Nth rename
// whose source or target is named ASSORT_KILL_NAME, leaving on disk exactly what a crash at that step leaves.
import { promises as fs } from "node:fs";
import path from "node:path";

const name = process.env.ASSORT_KILL_NAME;
const at = Number(process.env.ASSORT_KILL_AT);
const when = process.env.ASSORT_KILL_WHEN;
const rename = fs.rename;
let seen = 0;

fs.rename = async (from, to) => {
  const hit = path.basename(String(from)) === name || path.basename(String(to)) === name;
  if (hit) seen++;
  const now = hit && seen === at;
  if (now && when === "before") process.kill(process.pid, "SIGKILL");
  await rename(from, to);
  if (now && when === "after") process.kill(process.pid, "SIGKILL");
};
