// End-to-end tests of the assort CLI on bad input: each failure exits non-zero with one "error: …" message
// that names the file (and line and field), shows no stack trace, and never leaves a half-written model.
import { cpSync, existsSync, readFileSync, readdirSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, assort, expectError, jsonLines, leftovers, type RunResult } from "./helpers.js";

const TRAIN = join(CATALOG, "train.jsonl");
const NEW = join(CATALOG, "new-products.jsonl");
/** The first 60 training rows: enough to train on, quick to read. */
const GOOD = readFileSync(TRAIN, "utf8").split("\n").filter((l) => l.trim() !== "").slice(0, 60);

let dir: string;
let model: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-bad-"));
  model = join(dir, "model");
  const r = await assort(["train", "--data", TRAIN, "--out", model, "--quiet"]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Writes a file into the test directory and returns its path. */
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** GOOD rows with `bad` lines inserted so that they land on the given 1-based line numbers. */
function withBadRows(bad: Record<number, string | Buffer>): Buffer {
  const rows: (string | Buffer)[] = [...GOOD];
  for (const line of Object.keys(bad).map(Number).sort((a, b) => a - b)) rows.splice(line - 1, 0, bad[line]!);
  return Buffer.concat(rows.flatMap((r) => [Buffer.isBuffer(r) ? r : Buffer.from(r), Buffer.from("\n")]));
}

/** Runs `train` into a fresh --out directory; returns the result and that directory. */
async function train(data: string, ...extra: string[]): Promise<{ r: RunResult; out: string }> {
  const out = join(dir, `out-${n++}`);
  return { r: await assort(["train", "--data", data, "--out", out, ...extra]), out };
}

/** A failed train: the error, and no model directory (nor its temporary sibling) left behind. */
async function expectTrainFails(data: string, extra: string[], ...mentions: (string | RegExp)[]): Promise<RunResult> {
  const { r, out } = await train(data, ...extra);
  expectError(r, 1, data, ...mentions);
  expect(existsSync(out)).toBe(false);
  expect(leftovers(dir, basename(out))).toEqual([]);
  return r;
}

/** A model copy in the test directory, changed by `damage`. */
function damagedModel(name: string, damage: (copy: string) => void): string {
  const copy = join(dir, name);
  cpSync(model, copy, { recursive: true });
  damage(copy);
  return copy;
}

const json = (o: Record<string, unknown>) => JSON.stringify(o);

describe("bad catalog files", () => {
  it("an empty file", async () => {
    await expectTrainFails(file("empty.jsonl", ""), [], "no rows");
  });

  it("a CSV file with a header and no rows", async () => {
    await expectTrainFails(file("header-only.csv", "id,title,description,category\n"), [], "no rows");
  });

  it("a CSV row with an unclosed quote: names the line", async () => {
    const csv = [
      "id,title,description,category",
      "a1,Hilleberg Akto tent,Kerlon fabric,Sports & Outdoors > Camping > Tents",
      'a2,"Nike Pegasus 41 running shoe,light,Clothing & Shoes > Shoes > Running Shoes',
      "a3,Tefal saucepan,steel,Home & Kitchen > Cookware > Saucepans & Pots",
    ].join("\n");
    const data = file("broken-quote.csv", csv + "\n");
    await expectTrainFails(data, [], `${data}:3`, /quote/i);
  });

  it("invalid UTF-8 in a JSONL line: names the line", async () => {
    const bad = Buffer.concat([
      Buffer.from('{"id":"x1","title":"Caf'),
      Buffer.from([0xe9, 0xff, 0xfe]), // Latin-1 "é" and bytes that are never UTF-8
      Buffer.from('","category":"Home & Kitchen > Bedding"}'),
    ]);
    const data = file("bad-utf8.jsonl", withBadRows({ 7: bad }));
    await expectTrainFails(data, [], `${data}:7`, "UTF-8");
  });

  it("a 1 MB title: names the line and field and the size limit", async () => {
    const big = json({ id: "big", title: "x".repeat(1 << 20), category: "Electronics > Phones > Smartphones" });
    const data = file("big-title.jsonl", withBadRows({ 5: big }));
    await expectTrainFails(data, [], `${data}:5`, '"title"', /limit/i, "65536");
  });

  it("a 1 MB title with --on-bad-row skip: trains on the rest and reports 1 skipped row", async () => {
    const big = json({ id: "big", title: "x".repeat(1 << 20), category: "Electronics > Phones > Smartphones" });
    const data = file("big-title-skip.jsonl", withBadRows({ 5: big }));
    const { r, out } = await train(data, "--on-bad-row", "skip", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("skipped 1 bad row");
    expect(r.stderr).toContain(`${data}:5`);
    const summary = JSON.parse(r.stdout) as { rows: number; skipped: number };
    expect(summary).toMatchObject({ rows: 60, skipped: 1 });
    expect(readdirSync(out).sort()).toEqual(["arrays.bin", "manifest.json"]);
  });

  it("a training row without its label: names the line and the field", async () => {
    const data = file("no-label.jsonl", withBadRows({ 4: json({ id: "nolabel", title: "Ikea duvet cover 150x200" }) }));
    await expectTrainFails(data, [], `${data}:4`, 'field "category"');
  });

  it("a training row without its label with --on-bad-row skip: trains and reports the row", async () => {
    const data = file("no-label-skip.jsonl", withBadRows({ 4: json({ id: "nolabel", title: "Ikea duvet cover 150x200" }) }));
    const { r, out } = await train(data, "--on-bad-row", "skip", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("skipped 1 bad row");
    expect(r.stderr).toContain(`${data}:4`);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 60, skipped: 1 });
    expect(existsSync(join(out, "manifest.json"))).toBe(true);
  });

  it("two bad rows: fail lists both, skip trains and says 'skipped 2 bad rows'", async () => {
    const data = file(
      "two-bad.jsonl",
      withBadRows({ 3: json({ id: "b1", title: "Lodge cast iron skillet" }), 10: '{"id":"b2","title":"broken json' }),
    );
    const failed = await expectTrainFails(data, [], "2 bad rows", `${data}:3`, `${data}:10`);
    expect(failed.stderr).toContain("--on-bad-row skip"); // tells the way out

    const { r, out } = await train(data, "--on-bad-row", "skip", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("skipped 2 bad rows");
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 60, skipped: 2 });
    expect(existsSync(join(out, "arrays.bin"))).toBe(true);
  });

  it("a data file that does not exist", async () => {
    await expectTrainFails(join(dir, "no-such-file.jsonl"), [], "no such file");
  });
});

describe("bad models", () => {
  it("a model directory that does not exist", async () => {
    const missing = join(dir, "no-such-model");
    for (const args of [
      ["classify", "--model", missing, "--data", NEW],
      ["evaluate", "--model", missing, "--data", TRAIN],
      ["info", "--model", missing],
    ]) {
      const r = await assort(args);
      expectError(r, 1, missing, "no such model");
      expect(r.stdout).toBe("");
    }
  });

  it("a half-written model (no manifest.json)", async () => {
    const half = damagedModel("half", (m) => unlinkSync(join(m, "manifest.json")));
    const r = await assort(["classify", "--model", half, "--data", NEW]);
    expectError(r, 1, half, "manifest.json");
    expect(r.stdout).toBe("");
  });

  it("a model with a truncated arrays.bin", async () => {
    const cut = damagedModel("truncated", (m) => truncateSync(join(m, "arrays.bin"), 1000));
    const r = await assort(["classify", "--model", cut, "--data", NEW]);
    expectError(r, 1, cut, /truncated|corrupt/);
    expect(r.stdout).toBe("");
  });

  it("a model whose arrays.bin has a flipped byte", async () => {
    const flipped = damagedModel("flipped", (m) => {
      const p = join(m, "arrays.bin");
      const b = readFileSync(p);
      b[b.length >> 1]! ^= 0xff;
      writeFileSync(p, b);
    });
    const r = await assort(["classify", "--model", flipped, "--data", NEW]);
    expectError(r, 1, flipped, "corrupt");
  });

  it("a model of a newer format (formatVersion 999)", async () => {
    const newer = damagedModel("newer", (m) => {
      const p = join(m, "manifest.json");
      writeFileSync(p, JSON.stringify({ ...(JSON.parse(readFileSync(p, "utf8")) as object), formatVersion: 999 }));
    });
    const r = await assort(["classify", "--model", newer, "--data", NEW]);
    expectError(r, 1, newer, "newer", "999");
  });
});

describe("bad options", () => {
  it("--top-k 0 is a usage error", async () => {
    const r = await assort(["classify", "--model", model, "--data", NEW, "--top-k", "0"]);
    expectError(r, 2, "--top-k", '"0"');
    expect(r.stdout).toBe("");
  });

  it("an unknown classifier lists the valid kinds and writes no model", async () => {
    const out = join(dir, "nope-model");
    const r = await assort(["train", "--data", TRAIN, "--out", out, "--classifier", "nope"]);
    // A bad option value; the CLI treats it as a user error (1) today, a usage error (2) would be fine too.
    expect([1, 2]).toContain(r.code);
    expect(r.stderr.startsWith("error:"), r.stderr).toBe(true);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    for (const k of ["nope", "linear-svm", "logistic-regression", "complement-nb"]) expect(r.stderr).toContain(k);
    expect(existsSync(out)).toBe(false);
  });

  it("train --out an existing non-empty directory that is not a model: refused, its files untouched", async () => {
    const notes = join(dir, "my-notes");
    await mkdir(notes);
    writeFileSync(join(notes, "todo.txt"), "do not delete me\n");
    const r = await assort(["train", "--data", TRAIN, "--out", notes]);
    expectError(r, 1, notes, /not empty/);
    expect(readdirSync(notes)).toEqual(["todo.txt"]);
    expect(readFileSync(join(notes, "todo.txt"), "utf8")).toBe("do not delete me\n");
    expect(leftovers(dir, "my-notes")).toEqual([]);
  });

  it("classify --out with bad input writes no output file and no temporary file", async () => {
    const outDir = join(dir, "bad-classify");
    await mkdir(outDir);
    const data = file("bad-classify.jsonl", json({ id: "a", title: "ok" }) + "\n" + '{"id":"b","title":"unclosed\n');
    const r = await assort(["classify", "--model", model, "--data", data, "--out", join(outDir, "out.jsonl")]);
    expectError(r, 1, `${data}:2`);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it("classify --out into a directory that does not exist: a clean error, or the directory is created", async () => {
    const out = join(dir, "missing-parent", "predictions.jsonl");
    const r = await assort(["classify", "--model", model, "--data", NEW, "--out", out]);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    if (r.code === 0) {
      expect(jsonLines(readFileSync(out, "utf8"))).toHaveLength(8);
    } else {
      expectError(r, 1, "missing-parent", "no such file or directory");
      expect(r.stderr).not.toContain(".tmp-");
    }
  });

  it("classify --out an existing directory: the error names that directory, not a temporary file", async () => {
    const target = join(dir, "a-directory");
    await mkdir(target);
    const r = await assort(["classify", "--model", model, "--data", NEW, "--out", target]);
    expectError(r, 1, `"${target}"`);
    expect(r.stderr).not.toContain(".tmp-");
    expect(readdirSync(target)).toEqual([]);
    expect(leftovers(dir, "a-directory")).toEqual([]);
  });
});
