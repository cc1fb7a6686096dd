// Adversarial suite, class 10 (values): input that was once changed without a word. An empty level in a
// category path, a number that overflows to Infinity and fields nested thousands of levels deep are bad rows
// naming line and field; rows sharing an id are reported (count and first lines) and the last one wins;
// taxonomy validate fails on rows without a label; a taxonomy of thousands of categories is announced with
// its time and memory before training starts.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { assort, BIN, ROOT } from "./helpers.js";
import { expectCleanFailure, freshOut, GOOD_ROWS, makeFixtures, pool, VERBS, type Fixtures } from "./hardening-helpers.js";

// Each test runs the CLI (0.9 s start-up) many times; a loaded 2-core machine can need far more than 60 s.
vi.setConfig({ testTimeout: 180_000 });

const root = mkdtempSync(path.join(tmpdir(), "assort-hard-values-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let fx: Fixtures;
beforeAll(async () => {
  fx = await makeFixtures(root);
});

function file(name: string, content: string | Buffer): string {
  const p = path.join(root, name);
  writeFileSync(p, content);
  return p;
}

/** The good rows with `bad` inserted so that it lands on line `at`. */
const withRow = (at: number, bad: string): string => [...GOOD_ROWS.slice(0, at - 1), bad, ...GOOD_ROWS.slice(at - 1)].join("\n") + "\n";
const byName = (...names: string[]) => VERBS.filter((v) => names.includes(v.name));

async function failing(verbs: typeof VERBS, data: string, where: string, ...mentions: (string | RegExp)[]): Promise<void> {
  const runs = await pool(
    verbs.map((v) => async () => {
      const out = freshOut(root);
      return { v, out, r: await assort(v.args(data, out, fx)) };
    }),
  );
  for (const { v, out, r } of runs) {
    try {
      expectCleanFailure(r, where, out, ...mentions);
    } catch (e) {
      throw new Error(`assort ${v.name}: ${(e as Error).message}`);
    }
  }
}

describe("values that were changed silently", () => {
  it('"A >  > B" (an empty level) is a bad row naming line and field, in JSONL and CSV', async () => {
    const jsonl = file("empty-level.jsonl", withRow(7, JSON.stringify({ id: "e1", title: "Lodge skillet", category: "Home & Kitchen >  > Frying Pans" })));
    await failing(byName("train", "evaluate", "import"), jsonl, `${jsonl}:7, field "category": empty level 2 of 3 in category path "Home & Kitchen >  > Frying Pans"`);
    const csv = file("empty-level.csv", "id,title,category\na,Lodge skillet,Home > Pans\nb,Tefal pan,Home > > Pans\nc,Wok,Home\n");
    await failing(byName("train"), csv, `${csv}:3, field "category": empty level 2 of 3`);
  });

  it("1e309 is not a finite number: a bad row naming line and field (not the text \"Infinity\", not null in the store)", async () => {
    const data = file("overflow.jsonl", withRow(5, JSON.stringify({ id: "big", title: "Kettle", category: "Home" }).replace('"Home"', '"Home","price":1e309')));
    await failing(byName("train", "import", "cluster"), data, `${data}:5, field "price": not a finite number`);
    const id = file("overflow-id.jsonl", withRow(3, '{"id":-1e400,"title":"Kettle","category":"Home"}'));
    await failing(byName("classify"), id, `${id}:3, field "id": not a finite number: the value overflows to -Infinity`);
  });

  it("a row with a field nested 10,000 levels deep: a bad row in every verb, no crash", async () => {
    const deep = JSON.stringify({ id: "deep", title: "Pan", category: "Home" }).replace("}", `,"attrs":${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}}`);
    const data = file("deep-row.jsonl", withRow(4, deep));
    await failing(VERBS, data, `${data}:4, field "attrs": nested more than 64 levels deep`);
  });
});

describe("rows that share an id", () => {
  const dupData = (): string => {
    const rows = GOOD_ROWS.slice(0, 30);
    const first = JSON.parse(rows[0]!) as Record<string, unknown>;
    const second = JSON.parse(rows[1]!) as Record<string, unknown>;
    rows.push(JSON.stringify({ ...first, title: `${String(first["title"])} v2` }), JSON.stringify({ ...second }), JSON.stringify({ ...first, title: "third" }));
    return file("dup-ids.jsonl", rows.join("\n") + "\n");
  };

  it("are counted with their first lines on stderr and in --json; one product per id, the last row wins", async () => {
    const data = dupData();
    const out = freshOut(root);
    const [train, imp, cluster] = await pool([
      () => assort(["train", "--data", data, "--out", path.join(out, "m"), "--json", "--calibration", "none"]),
      () => assort(["import", "--data", data, "--data-dir", path.join(out, "store"), "--no-classify", "--json"]),
      () => assort(["cluster", "--data", data, "--k", "3", "--json"]),
    ]);
    const id = (JSON.parse(GOOD_ROWS[0]!) as { id: string }).id;
    for (const r of [train!, imp!, cluster!]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`warning: ${data}: 3 rows repeat the id of an earlier row: "${id}" (lines 1 and 31)`);
      expect(r.stderr).toContain("the last row of each id wins");
      expect(JSON.parse(r.stdout)).toMatchObject({ duplicateIds: 3 });
    }
    expect(JSON.parse(train!.stdout)).toMatchObject({ rows: 30 });
    expect(JSON.parse(imp!.stdout)).toMatchObject({ rows: 33, inserted: 30 });
    expect(JSON.parse(cluster!.stdout)).toMatchObject({ n: 30 });
    const store = SqliteStore.open(path.join(out, "store"));
    try {
      expect((await store.getProduct(id))?.title).toBe("third"); // the id's last row
    } finally {
      await store.close();
    }
  });
});

describe("taxonomy validate and rows without a label", () => {
  it("exits 1 listing the unlabelled rows; with --on-bad-row skip warns and judges the labels", async () => {
    const data = file("some-unlabelled.jsonl", withRow(3, JSON.stringify({ id: "gift", title: "Gift card" })));
    const none = file("none-labelled.jsonl", '{"id":"a","title":"x"}\n{"id":"b","title":"y"}\n');
    const [fail, skip, all] = await pool([
      () => assort(["taxonomy", "validate", "--taxonomy", fx.taxonomy, "--data", data]),
      () => assort(["taxonomy", "validate", "--taxonomy", fx.taxonomy, "--data", data, "--on-bad-row", "skip"]),
      () => assort(["taxonomy", "validate", "--taxonomy", fx.taxonomy, "--data", none, "--json"]),
    ]);
    expectCleanFailure(fail!, `1 row has no label (${data}:3)`, undefined);
    expect(fail!.stdout).toContain(`no label     1 row: ${data}:3`);
    expect(skip!.code, skip!.stderr).toBe(0);
    expect(skip!.stderr).toContain(`warning: skipped 1 row without a label: ${data}:3`);
    expect(all!.code).toBe(1);
    expect(JSON.parse(all!.stdout)).toMatchObject({ valid: false, labels: 0, unlabelled: { count: 2, lines: [1, 2] } });
  });
});

describe("thousands of categories", () => {
  // One-vs-rest is what the estimate is for: --classifier auto would pick nearest-centroid here, which needs no warning
  // (test/e2e/classifier-choice.test.ts).
  it("train --classifier linear-svm announces the time and memory before fitting (killed right after the warning: nothing written)", async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => JSON.stringify({ id: `p${i}`, title: `item ${i} model x${i % 97} size ${i % 13}`, category: `Dept ${i % 40} > Cat ${i}` }));
    const data = file("many-labels.jsonl", rows.join("\n") + "\n");
    const out = freshOut(root);
    const started = performance.now();
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "train", "--classifier", "linear-svm", "--data", data, "--out", path.join(out, "m")], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
      let text = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.stderr.on("data", (b: Buffer) => {
        text += b.toString("utf8");
        if (text.includes("training will take")) child.kill("SIGKILL");
      });
      child.on("error", reject);
      child.on("close", () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    expect(stderr).toMatch(/warning: 4,000 categories × 4,000 products \([\d,]+ features\): training will take roughly [\d.]+ (s|min|h) and [\d.]+ (MB|GB) of memory/);
    expect(performance.now() - started).toBeLessThan(45_000);
    expect(existsSync(path.join(out, "m"))).toBe(false);
    expect(readdirSync(out)).toEqual([]);
  });
});
