// Adversarial suite, class 10 (sizes and devices): input with no end or no text. /dev/zero was read forever;
// now every verb stops at its first chunk with one error naming the file. Devices and FIFOs stream like files
// within the same bounds (a FIFO with a good catalog trains).
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { assort } from "./helpers.js";
import { expectCleanFailure, freshOut, GOOD_ROWS, makeFixtures, pool, VERBS, type Fixtures } from "./hardening-helpers.js";

// Each test runs the CLI (0.9 s start-up) many times; a loaded 2-core machine can need far more than 60 s.
vi.setConfig({ testTimeout: 180_000 });

const root = mkdtempSync(path.join(tmpdir(), "assort-hard-sizes-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let fx: Fixtures;
beforeAll(async () => {
  fx = await makeFixtures(root);
});

/** Runs every verb on `data` and checks a clean, prompt failure naming `where`. */
async function failsFast(verbs: typeof VERBS, data: string, where: string, ...mentions: (string | RegExp)[]): Promise<void> {
  const runs = await pool(
    verbs.map((v) => async () => {
      const out = freshOut(root);
      const t = performance.now();
      const r = await assort(v.args(data, out, fx));
      return { v, out, r, seconds: (performance.now() - t) / 1000 };
    }),
  );
  for (const { v, out, r, seconds } of runs) {
    try {
      expectCleanFailure(r, where, out, ...mentions);
      expect(seconds, "seconds").toBeLessThan(20); // start-up and a first chunk, not a read of the device
    } catch (e) {
      throw new Error(`assort ${v.name}: ${(e as Error).message}`);
    }
  }
}

describe("devices that never end", () => {
  it("/dev/zero as --data: every verb stops at once", async () => {
    await failsFast(VERBS, "/dev/zero", "/dev/zero:1: NUL byte at byte 0", "binary data, not text");
  });

  it("/dev/urandom as --data, /dev/zero as --taxonomy and --assignments", async () => {
    const [urandom, taxonomy, assignments] = await pool([
      () => assort(["classify", "--model", fx.model, "--data", "/dev/urandom"]),
      () => assort(["taxonomy", "show", "--taxonomy", "/dev/zero"]),
      () => assort(["evaluate-clusters", "--assignments", "/dev/zero", "--data", path.join(root, "good.jsonl"), "--truth-field", "category"]),
    ]);
    expectCleanFailure(urandom!, "/dev/urandom:", undefined, "NUL byte");
    expectCleanFailure(taxonomy!, "/dev/zero:1: NUL byte at byte 0", undefined);
    expectCleanFailure(assignments!, "/dev/zero:1: NUL byte at byte 0", undefined);
  });
});

describe("binary files and streams", () => {
  it("a gzip file named .jsonl, and binary data on stdin", async () => {
    const gz = path.join(root, "catalog.jsonl");
    writeFileSync(gz, gzipSync(GOOD_ROWS.join("\n")));
    const out = freshOut(root);
    const [file, stdin] = await pool([
      () => assort(["train", "--data", gz, "--out", path.join(out, "m")]),
      () => assort(["classify", "--model", fx.model, "--data", "-"], { input: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]) }),
    ]);
    expectCleanFailure(file!, `${gz}:1: NUL byte`, out, "binary data");
    expectCleanFailure(stdin!, "<stdin>:3: NUL byte at byte 8", undefined); // the PNG signature holds two line breaks
  });
});

describe("FIFOs", () => {
  const fifo = (name: string, content: Buffer | string): string => {
    const p = path.join(root, name);
    execFileSync("mkfifo", [p]);
    const w = createWriteStream(p);
    w.on("error", () => undefined); // the reader may stop early
    w.end(content);
    return p;
  };

  it("a FIFO streams like a file: a good catalog trains, binary data fails at once", async () => {
    const out = freshOut(root);
    const good = fifo("good.fifo", GOOD_ROWS.join("\n") + "\n");
    const bad = fifo("bad.fifo", Buffer.alloc(1 << 20));
    const [ok, nul] = await pool([
      () => assort(["train", "--data", good, "--format", "jsonl", "--out", path.join(out, "m"), "--quiet", "--calibration", "none"]),
      () => assort(["classify", "--model", fx.model, "--data", bad]),
    ]);
    expect(ok!.code, ok!.stderr).toBe(0);
    expectCleanFailure(nul!, `${bad}:1: NUL byte at byte 0`, undefined);
  });
});
