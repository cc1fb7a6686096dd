// kill -9 during a model write, at every step of the directory swap: afterwards the model at the path is the old
// one or the new one (the next read puts an old copy that was moved aside back), and the next write succeeds.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readModelDir, writeModelDir } from "../../src/index.js";
import { leftovers, ROOT } from "./helpers.js";

const root = mkdtempSync(path.join(tmpdir(), "assort-crash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The compiled library, as the CLI runs it. */
const DIST = pathToFileURL(path.join(ROOT, "dist", "index.js")).href;

/**
 * Writes model "new" to `dir` in a child process that kills itself with SIGKILL around its `at`-th rename:
 * "before" it (the new copy is written, nothing moved yet) or "after" it.
 */
function writeAndDie(dir: string, at: number, when: "before" | "after"): number | null {
  const script = `
    import { promises as fs } from "node:fs";
    const { writeModelDir } = await import(${JSON.stringify(DIST)});
    const rename = fs.rename;
    let calls = 0;
    fs.rename = async (from, to) => {
      calls++;
      if (calls === ${at} && ${JSON.stringify(when)} === "before") process.kill(process.pid, "SIGKILL");
      await rename(from, to);
      if (calls === ${at} && ${JSON.stringify(when)} === "after") process.kill(process.pid, "SIGKILL");
    };
    await writeModelDir(${JSON.stringify(dir)}, { kind: "new" }, { a: Float32Array.of(2) });
  `;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], { stdio: "pipe" }).status;
}

describe("a model write killed at any point", () => {
  // Rename 1 moves the old model aside, rename 2 moves the new one in.
  it.each([
    [1, "before", "new copy complete, old model in place", "old"],
    [1, "after", "old model aside, new one not yet in", "old"],
    [2, "after", "new model in, old one not yet removed", "new"],
  ] as const)("rename %i, killed %s it (%s): reads the %s model", async (at, when, _state, expected) => {
    const dir = path.join(root, `m-${at}-${when}`);
    await writeModelDir(dir, { kind: "old" }, { a: Float32Array.of(1) });
    expect(writeAndDie(dir, at, when)).toBeNull(); // killed by the signal, not exited
    expect(leftovers(root, path.basename(dir)).length).toBeGreaterThan(0); // the crash left something behind
    const back = await readModelDir(dir);
    expect(back.manifest.kind).toBe(expected);
    expect(existsSync(dir)).toBe(true);
    await writeModelDir(dir, { kind: "next" }, { a: Float32Array.of(3) });
    expect((await readModelDir(dir)).manifest.kind).toBe("next");
    expect(leftovers(root, path.basename(dir))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["arrays.bin", "manifest.json"]);
  });
});
