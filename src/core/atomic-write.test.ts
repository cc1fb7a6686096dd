// Checks the crash-safe writes: files from every kind of data, clean failures, and directory replacement with the
// on-disk states a crash leaves behind (built here by hand: the real kill test is test/e2e/atomic-crash.test.ts).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recoverDir, replaceDirAtomic, writeFileAtomic } from "./atomic-write.js";

const root = mkdtempSync(path.join(tmpdir(), "assort-atomic-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh directory for one test. */
function fresh(): string {
  const d = path.join(root, `t${n++}`);
  mkdirSync(d);
  return d;
}

/** A process id that is not running any more. */
const DEAD_PID = spawnSync(process.execPath, ["-e", ""]).pid;

async function* chunks(parts: (string | Uint8Array)[], failAfter = Infinity): AsyncGenerator<string | Uint8Array> {
  for (const [i, p] of parts.entries()) {
    if (i === failAfter) throw new SyntaxError("bad row 3");
    yield p;
  }
}

describe("writeFileAtomic", () => {
  it("writes strings, bytes, sync and async chunks, and files written by a callback", async () => {
    const d = fresh();
    await writeFileAtomic(path.join(d, "a.txt"), "héllo\n");
    await writeFileAtomic(path.join(d, "b.bin"), Uint8Array.of(1, 2, 3));
    await writeFileAtomic(path.join(d, "c.txt"), ["x", "y", Buffer.from("z"), "w"]);
    await writeFileAtomic(path.join(d, "d.txt"), chunks(["1\n", Uint8Array.of(50, 10), "3\n"]));
    await writeFileAtomic(path.join(d, "e.txt"), (tmp) => writeFileSync(tmp, "by callback"));
    expect(readFileSync(path.join(d, "a.txt"), "utf8")).toBe("héllo\n");
    expect([...readFileSync(path.join(d, "b.bin"))]).toEqual([1, 2, 3]);
    expect(readFileSync(path.join(d, "c.txt"), "utf8")).toBe("xyzw");
    expect(readFileSync(path.join(d, "d.txt"), "utf8")).toBe("1\n2\n3\n");
    expect(readFileSync(path.join(d, "e.txt"), "utf8")).toBe("by callback");
    expect(readdirSync(d).sort()).toEqual(["a.txt", "b.bin", "c.txt", "d.txt", "e.txt"]);
  });

  it("joins many small text chunks into few writes, in order", async () => {
    const d = fresh();
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i}\n`);
    await writeFileAtomic(path.join(d, "v.txt"), lines);
    expect(readFileSync(path.join(d, "v.txt"), "utf8")).toBe(lines.join(""));
  });

  it("replaces an existing file, and on a failing source leaves it untouched with no temporary file", async () => {
    const d = fresh();
    const f = path.join(d, "out.jsonl");
    await writeFileAtomic(f, "old\n");
    await writeFileAtomic(f, "new\n");
    expect(readFileSync(f, "utf8")).toBe("new\n");
    await expect(writeFileAtomic(f, chunks(["a\n", "b\n", "c\n"], 2))).rejects.toThrow("bad row 3");
    expect(readFileSync(f, "utf8")).toBe("new\n");
    expect(readdirSync(d)).toEqual(["out.jsonl"]);
  });

  it("names the target in errors: a missing parent (ENOENT), a directory (EISDIR), a callback that wrote nothing", async () => {
    const d = fresh();
    const missing = path.join(d, "nope", "x.txt");
    await expect(writeFileAtomic(missing, "x")).rejects.toMatchObject({ code: "ENOENT", path: missing });
    await expect(writeFileAtomic(d, "x")).rejects.toMatchObject({ code: "EISDIR", path: d });
    const f = path.join(d, "cb.txt");
    await expect(writeFileAtomic(f, () => undefined)).rejects.toMatchObject({ code: "ENOENT", path: f });
    expect(readdirSync(d)).toEqual([]);
    await writeFileAtomic(missing, "made", { mkdir: true });
    expect(readFileSync(missing, "utf8")).toBe("made");
  });
});

describe("writeFileAtomic after a killed writer", () => {
  it("removes the temporary files (and probes) of dead writers, never a live writer's", async () => {
    const d = fresh();
    const f = path.join(d, "out.jsonl");
    writeFileSync(path.join(d, `.out.jsonl.tmp-${DEAD_PID}-0badf00d`), "half");
    mkdirSync(path.join(d, `.out.jsonl.tmp-${DEAD_PID}-probe`));
    const live = `.out.jsonl.tmp-${process.ppid}-00c0ffee`; // the parent process is alive
    writeFileSync(path.join(d, live), "in progress");
    await writeFileAtomic(f, "whole\n");
    expect(readdirSync(d).sort()).toEqual([live, "out.jsonl"].sort());
    expect(readFileSync(f, "utf8")).toBe("whole\n");
  });
});

describe("replaceDirAtomic", () => {
  const fill = (files: Record<string, string>) => async (tmp: string) => {
    for (const [name, body] of Object.entries(files)) writeFileSync(path.join(tmp, name), body);
  };
  const read = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));

  it("creates, then replaces, leaving nothing beside the target", async () => {
    const d = fresh();
    const out = path.join(d, "out");
    await replaceDirAtomic(out, fill({ "a.json": "1" }));
    await replaceDirAtomic(out, fill({ "b.json": "2" }));
    expect(read(out)).toEqual({ "b.json": "2" });
    expect(readdirSync(d)).toEqual(["out"]);
  });

  it("keeps the old directory when filling fails or the check refuses, and names the target in errors", async () => {
    const d = fresh();
    const out = path.join(d, "out");
    await replaceDirAtomic(out, fill({ "a.json": "1" }));
    await expect(replaceDirAtomic(out, async () => Promise.reject(new Error("disk full")))).rejects.toThrow("disk full");
    await expect(replaceDirAtomic(out, fill({}), { check: () => Promise.reject(new RangeError("not yours")) })).rejects.toThrow("not yours");
    const err = await replaceDirAtomic(out, async (tmp) => void readFileSync(path.join(tmp, "missing.txt"))).catch((e: NodeJS.ErrnoException) => e);
    expect(err).toMatchObject({ code: "ENOENT", path: path.join(out, "missing.txt") });
    expect(read(out)).toEqual({ "a.json": "1" });
    expect(readdirSync(d)).toEqual(["out"]);
    writeFileSync(path.join(d, "file"), "x");
    await expect(replaceDirAtomic(path.join(d, "file"), fill({}))).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(replaceDirAtomic(path.join(d, "no", "out"), fill({}))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("after a crash between its two renames, the next read or write puts the old directory back", async () => {
    const d = fresh();
    const out = path.join(d, "out");
    await replaceDirAtomic(out, fill({ "v.json": "old" }));
    // What a writer killed after moving the old copy aside leaves: no target, the old copy, the complete new one.
    const tag = `${DEAD_PID}-0badf00d`;
    const aside = path.join(d, `.out.old-${tag}`);
    const tmp = path.join(d, `.out.tmp-${tag}`);
    await import("node:fs/promises").then((fs) => fs.rename(out, aside));
    mkdirSync(tmp);
    writeFileSync(path.join(tmp, "v.json"), "new");
    expect(await recoverDir(out)).toBe(true);
    expect(read(out)).toEqual({ "v.json": "old" });
    expect(readdirSync(d)).toEqual(["out"]);
    expect(await recoverDir(out)).toBe(false); // nothing to do
    // The same state again, recovered by the next write instead, which also sweeps a crashed writer's leftovers.
    await import("node:fs/promises").then((fs) => fs.rename(out, aside));
    mkdirSync(path.join(d, `.out.tmp-${DEAD_PID}-00000001`));
    await replaceDirAtomic(out, fill({ "v.json": "newer" }), { check: () => expect(read(out)).toEqual({ "v.json": "old" }) });
    expect(read(out)).toEqual({ "v.json": "newer" });
    expect(readdirSync(d)).toEqual(["out"]);
  });

  it("leaves alone what a running writer has moved aside", async () => {
    const d = fresh();
    const out = path.join(d, "out");
    const aside = path.join(d, `.out.old-${process.ppid}-0badf00d`); // the parent process is alive
    mkdirSync(aside);
    expect(await recoverDir(out)).toBe(false);
    expect(readdirSync(d)).toEqual([path.basename(aside)]);
  });
});
