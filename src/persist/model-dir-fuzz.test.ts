// Damaged model directories: every hand edit, flipped byte, truncation or wrong manifest shape ends in a
// ModelFormatError naming the directory, never a TypeError or RangeError from deep inside the reader.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cp, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelFormatError } from "../core/errors.js";
import { Random } from "../core/random.js";
import { readModelDir, writeModelDir } from "./model-dir.js";

const root = mkdtempSync(path.join(tmpdir(), "assort-modeldir-fuzz-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const good = path.join(root, "good");
beforeAll(async () => {
  await writeModelDir(good, { kind: "x", labels: ["a", "b"], nested: { c: [1, 2.5, null] } }, { w: Float32Array.from([1, 2, 3]), i: Int32Array.from([4]), b: Uint8Array.from([9, 9, 9]) });
});

let n = 0;
/** A copy of the good model with its manifest.json replaced by `edit(manifest)` (checksum removed unless `keepSum`). */
async function edited(edit: (m: Record<string, unknown>) => unknown, keepSum = false): Promise<string> {
  const dir = path.join(root, `e${n++}`);
  await cp(good, dir, { recursive: true });
  const m = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
  if (!keepSum) delete m["manifestSha256"];
  const out = edit(m);
  writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(out === undefined ? m : out));
  return dir;
}

async function refused(dir: string, message?: RegExp): Promise<void> {
  const e = await readModelDir(dir).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, `read ${dir}`).toBeInstanceOf(ModelFormatError);
  expect((e as Error).message).toContain(`Cannot load model "${dir}"`);
  if (message) expect((e as Error).message).toMatch(message);
}

const arrayOf = (m: Record<string, unknown>) => (m["arrays"] as Record<string, unknown>[])[0]!;

describe("readModelDir on damaged manifests", () => {
  it("a manifest without its checksum (older models) still reads", async () => {
    expect((await readModelDir(await edited(() => undefined))).manifest.kind).toBe("x");
  });

  it("an edit that keeps valid JSON fails the manifest checksum", async () => {
    await refused(await edited((m) => void (m["labels"] = ["a", "c"]), true), /does not match its checksum/);
  });

  const cases: [string, (m: Record<string, unknown>) => unknown, RegExp][] = [
    ["arrays: null", (m) => void (m["arrays"] = null), /no list of arrays/],
    ["arrays: a string", (m) => void (m["arrays"] = "x"), /no list of arrays/],
    ["an array entry null", (m) => void ((m["arrays"] as unknown[])[0] = null), /array 0 has no valid name/],
    ["a negative offset", (m) => void (arrayOf(m)["offset"] = -8), /invalid offset -8/],
    ["a misaligned offset", (m) => void (arrayOf(m)["offset"] = 2), /invalid offset 2/],
    ["a fractional length", (m) => void (arrayOf(m)["length"] = 1.5), /invalid length 1.5/],
    ["a negative length", (m) => void (arrayOf(m)["length"] = -1), /invalid length -1/],
    ["a length past the file", (m) => void (arrayOf(m)["length"] = 1e12), /runs past the end/],
    ["a dtype from Object's prototype", (m) => void (arrayOf(m)["dtype"] = "constructor"), /unknown dtype "constructor"/],
    ["a name __proto__", (m) => void (arrayOf(m)["name"] = "__proto__"), /no valid name/],
    ["the same name twice", (m) => void (m["arrays"] = [arrayOf(m), arrayOf(m)]), /twice/],
    ["arraysBytes null", (m) => void (m["arraysBytes"] = null), /does not describe its arrays/],
    ["formatVersion a string", (m) => void (m["formatVersion"] = "1"), /no valid formatVersion/],
    ["a manifest that is null", () => null, /not a JSON object/],
    ["a manifest that is a list", () => [1, 2], /not a JSON object/],
    ["a manifest that is a number", () => 5, /not a JSON object/],
  ];
  for (const [what, edit, message] of cases) {
    it(what, async () => {
      await refused(await edited(edit), message);
    });
  }

  it("manifest.json or arrays.bin that is a directory", async () => {
    for (const part of ["manifest.json", "arrays.bin"]) {
      const dir = path.join(root, `dir-${part}`);
      await cp(good, dir, { recursive: true });
      rmSync(path.join(dir, part));
      await mkdir(path.join(dir, part));
      await refused(dir, new RegExp(`${part.replace(".", "\\.")} is not a regular file`));
    }
  });
});

describe("readModelDir fuzzed: any damage is a ModelFormatError (or reads back unchanged)", () => {
  const rng = new Random(7);
  const random = () => rng.float();
  it("200 single-byte flips, truncations and random JSON values", async () => {
    const original = readFileSync(path.join(good, "manifest.json"));
    const bin = readFileSync(path.join(good, "arrays.bin"));
    const dir = path.join(root, "fuzz");
    await cp(good, dir, { recursive: true });
    for (let t = 0; t < 200; t++) {
      const kind = t % 4;
      let manifest: Buffer = original;
      let arrays: Buffer = bin;
      if (kind === 0) {
        manifest = Buffer.from(original);
        manifest[Math.floor(random() * manifest.length)] ^= 1 << Math.floor(random() * 8);
      } else if (kind === 1) manifest = original.subarray(0, Math.floor(random() * original.length));
      else if (kind === 2) {
        arrays = Buffer.from(bin);
        arrays[Math.floor(random() * arrays.length)] ^= 0xff;
      } else {
        const m = JSON.parse(original.toString("utf8")) as Record<string, unknown>;
        const keys = Object.keys(m);
        const values = [null, -1, 0.5, 1e308, "x", [], {}, [null], true, [{ name: "w", dtype: "float32", length: 3, offset: -4 }]];
        m[keys[Math.floor(random() * keys.length)]!] = values[Math.floor(random() * values.length)];
        if (random() < 0.7) delete m["manifestSha256"];
        manifest = Buffer.from(JSON.stringify(m));
      }
      writeFileSync(path.join(dir, "manifest.json"), manifest);
      writeFileSync(path.join(dir, "arrays.bin"), arrays);
      const r = await readModelDir(dir).then(
        (x) => ({ arrays: x.arrays, error: undefined }),
        (e: unknown) => ({ arrays: undefined, error: e }),
      );
      if (r.error !== undefined) expect(r.error, `case ${t}: ${String(r.error)}`).toBeInstanceOf(ModelFormatError);
      else if (r.arrays?.["w"] !== undefined) expect(Array.from(r.arrays["w"])).toEqual([1, 2, 3]);
    }
  });
});
