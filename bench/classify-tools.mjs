// Tools of bench/classify.mjs: finding executables, timing a command with its peak RSS, and fastText's input text.
import { statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { run } from "./common.mjs";

/** The first executable named `name` on PATH (or the given absolute candidates first). */
export function which(name, candidates = []) {
  for (const c of candidates) if (isExecutable(c)) return c;
  for (const d of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!d) continue;
    const p = path.join(d, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p) {
  try {
    return statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

// Times one command wall-clock and reports the peak RSS of the command (its process tree's largest
// ru_maxrss, RUSAGE_CHILDREN); stdout goes to a file (or nowhere), stderr is kept for its last lines.
const PY_WRAPPER = `
import json, resource, subprocess, sys, time
out = sys.argv[1]
cmd = sys.argv[2:]
f = open(out, "wb") if out != "-" else subprocess.DEVNULL
t = time.perf_counter()
r = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE)
dt = time.perf_counter() - t
if out != "-": f.close()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": r.returncode, "seconds": dt, "maxRssKb": ru.ru_maxrss,
                  "stderr": r.stderr.decode("utf-8", "replace")[-4000:]}))
`;

/** Runs `cmd` timed with peak RSS (in `env` when given, else this process's); returns { seconds, peakRssMb, stderr }. */
export async function measured(tools, outFile, cmd, env) {
  if (tools.python) {
    const { stdout } = await run(tools.python, ["-c", PY_WRAPPER, outFile ?? "-", ...cmd], { stderr: "pipe", env });
    const r = JSON.parse(stdout.trim().split("\n").pop());
    if (r.rc !== 0) throw new Error(`${cmd.join(" ")} exited with ${r.rc}:\n${r.stderr}`);
    return { seconds: r.seconds, peakRssMb: r.maxRssKb / 1024, stderr: r.stderr };
  }
  // No python3: time from here (includes a little spawn overhead) and use GNU time for RSS when present.
  const fmt = "__MAXRSS_KB__=%M";
  const argv = tools.gnuTime ? [tools.gnuTime, "-f", fmt, ...cmd] : cmd;
  const t = performance.now();
  const { stdout, stderr } = await run(argv[0], argv.slice(1), { stderr: "pipe", env });
  const seconds = (performance.now() - t) / 1000;
  if (outFile) await writeFile(outFile, stdout);
  const m = /__MAXRSS_KB__=(\d+)/.exec(stderr);
  return { seconds, peakRssMb: m ? Number(m[1]) / 1024 : null, stderr };
}

/** fastText's label token for a category: spaces (any whitespace) → "_". */
export const ftLabel = (label) => `__label__${label.replace(/\s/g, "_")}`;
/** CJK characters: peers.md splits Chinese (CJK) text one character per token for every peer. */
const CJK = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])/gu;
/**
 * Text as in peers.md: title + " " + description, newlines removed, and CJK split one character per token
 * (fastText splits on whitespace only, so an unsegmented Chinese review would otherwise be one token).
 */
export const ftText = (p) => p.text.join(" ").replace(/[\r\n]+/g, " ").replace(CJK, " $1 ").replace(/ {2,}/g, " ").trim();
