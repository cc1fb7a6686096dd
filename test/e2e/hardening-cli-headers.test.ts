// Adversarial suite, class 2: CSV header mistakes and files that are not UTF-8, through every verb that reads
// a catalog. Each bad file has 40 rows (past the 16 at which a bad header once made every verb exit 13 with
// no message and leave classify --out's temporary file). Each run: exit 1, one "error: …" naming the file and
// line 1, no stack trace, nothing left in the output folder. The reader-level matrix (every mistake at
// 1/16/17/100/5000 rows, both formats) is src/catalog/read-hardening.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import { assort } from "./helpers.js";
import { expectCleanFailure, freshOut, makeFixtures, pool, VERBS, type Fixtures, type Verb } from "./hardening-helpers.js";

// Each test runs the CLI (0.9 s start-up) many times; a loaded 2-core machine can need far more than 60 s.
vi.setConfig({ testTimeout: 180_000 });

const root = mkdtempSync(path.join(tmpdir(), "assort-hard-headers-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let fx: Fixtures;
beforeAll(async () => {
  fx = await makeFixtures(root);
});

const ROWS = 40;
const rows = (header: string, row: (i: number) => string): string => [header, ...Array.from({ length: ROWS }, (_, i) => row(i))].join("\n") + "\n";
const GOOD_CSV = rows("id,title,description,category", (i) => `p${i},Tefal pan ${i},non-stick,Home > Kitchen`);

function file(name: string, content: string | Buffer): string {
  const p = path.join(root, name);
  writeFileSync(p, content);
  return p;
}

/** Runs each verb on `data` in a fresh output folder and checks the clean failure at `data:1`. */
async function failsEverywhere(verbs: readonly Verb[], data: string, ...mentions: (string | RegExp)[]): Promise<void> {
  const runs = await pool(
    verbs.map((v) => async () => {
      const out = freshOut(root);
      return { v, out, r: await assort(v.args(data, out, fx)) };
    }),
  );
  for (const { v, out, r } of runs) {
    try {
      expectCleanFailure(r, `${data}:1`, out, ...mentions);
    } catch (e) {
      throw new Error(`assort ${v.name}: ${(e as Error).message}`);
    }
  }
}

const byName = (...names: string[]) => VERBS.filter((v) => names.includes(v.name));

describe("CSV header mistakes, 40 rows, every verb that reads a catalog", () => {
  it("no text column", async () => {
    // classify names the model's first text field; the others say that none of the default fields is there.
    await failsEverywhere(VERBS, file("no-text.csv", rows("id,name,category", (i) => `p${i},Pan ${i},Home > Kitchen`)), /no (text )?column.* in header: id, name, category/);
  });

  it("no label column (the verbs that need labels)", async () => {
    const data = file("no-label.csv", rows("id,title,description", (i) => `p${i},Pan ${i},steel`));
    await failsEverywhere(
      VERBS.filter((v) => v.needsLabel && v.name !== "taxonomy validate"),
      data,
      'field "category"',
      /no column "category" in header/,
    );
  });

  it("a repeated column", async () => {
    await failsEverywhere(byName("train", "import"), file("dup-col.csv", rows("id,title,title,category", (i) => `p${i},a,b,Home`)), /duplicate column "title"/);
  });

  it("a header that is not UTF-8 (Latin-1)", async () => {
    const bytes = Buffer.concat([Buffer.from("id,t\xeftle,description,category\n", "latin1"), Buffer.from(GOOD_CSV.slice(GOOD_CSV.indexOf("\n") + 1))]);
    await failsEverywhere(byName("classify"), file("latin1.csv", bytes), /invalid UTF-8/);
  });
});

describe("files that are not UTF-8 text", () => {
  it("UTF-16 with a byte order mark, every verb", async () => {
    await failsEverywhere(VERBS, file("utf16.csv", Buffer.from("\ufeff" + GOOD_CSV, "utf16le")), "UTF-16 (little-endian) text, not UTF-8");
  });

  it("UTF-16 big-endian, UTF-16 without a mark, UTF-32 (JSONL and CSV)", async () => {
    const jsonl = Array.from({ length: ROWS }, (_, i) => JSON.stringify({ id: `p${i}`, title: "Pan", category: "Home" })).join("\n") + "\n";
    const verbs = byName("train");
    await failsEverywhere(verbs, file("utf16be.csv", Buffer.from("\ufeff" + GOOD_CSV, "utf16le").swap16()), "UTF-16 (big-endian)");
    await failsEverywhere(verbs, file("utf16-bare.jsonl", Buffer.from(jsonl, "utf16le")), /NUL byte at byte 1: this looks like UTF-16 or UTF-32 text/);
    await failsEverywhere(verbs, file("utf32.jsonl", Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from(jsonl, "utf16le")])), "UTF-32 (little-endian)");
  });

  it("a UTF-16 catalog on stdin", async () => {
    const out = freshOut(root);
    const r = await assort(["classify", "--model", fx.model, "--data", "-", "--out", path.join(out, "p.jsonl")], { input: Buffer.from("\ufeff" + GOOD_CSV, "utf16le") });
    expectCleanFailure(r, "<stdin>:1", out, "UTF-16");
  });
});
