// Adversarial suite, class 9: paths and files that are not what an option expects. Each once ended in
// "internal error … this is a bug" (or a stack overflow); now each is one "error: …" naming the path, exit 1
// (2 for an option value that cannot be an address, as for other malformed option values).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { assort, expectError } from "./helpers.js";
import { expectCleanFailure, freshOut, GOOD_ROWS, makeFixtures, pool, VERBS, type Fixtures } from "./hardening-helpers.js";

// Each test runs the CLI (0.9 s start-up) many times; a loaded 2-core machine can need far more than 60 s.
vi.setConfig({ testTimeout: 180_000 });

const root = mkdtempSync(path.join(tmpdir(), "assort-hard-paths-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let fx: Fixtures;
let good: string;
beforeAll(async () => {
  fx = await makeFixtures(root);
  good = path.join(root, "good.jsonl");
});

function file(name: string, content: string | Buffer): string {
  const p = path.join(root, name);
  writeFileSync(p, content);
  return p;
}

describe("--data that is a directory", () => {
  it("every verb that reads a catalog: is a directory, expected a file", async () => {
    const folder = path.join(root, "catalog.jsonl");
    mkdirSync(folder);
    const runs = await pool(
      VERBS.map((v) => async () => {
        const out = freshOut(root);
        return { v, out, r: await assort(v.args(folder, out, fx)) };
      }),
    );
    for (const run of runs) {
      try {
        expectCleanFailure(run.r, `cannot use "${folder}": is a directory, expected a file`, run.out);
      } catch (e) {
        throw new Error(`assort ${run.v.name}: ${(e as Error).message}`);
      }
    }
  });

  it("--taxonomy, --assignments and --model that are not what they should be", async () => {
    const folder = path.join(root, "a-folder");
    mkdirSync(folder);
    const [tax, assign, model] = await pool([
      () => assort(["taxonomy", "show", "--taxonomy", folder]),
      () => assort(["evaluate-clusters", "--assignments", path.join(folder), "--data", good, "--truth-field", "category"]),
      () => assort(["classify", "--model", good, "--data", good]),
    ]);
    expectCleanFailure(tax!, `cannot use "${folder}": is a directory, expected a file`, undefined);
    expectCleanFailure(assign!, `cannot use "${path.join(folder, "assignments.jsonl")}": no such file or directory`, undefined);
    expectCleanFailure(model!, `Cannot load model "${good}": it is a file, not a model directory`, undefined);
  });
});

describe("the data directory and its database", () => {
  it("--data-dir that is a file (sqlite and memory stores, import and serve)", async () => {
    const f = file("not-a-dir", "x");
    const runs = await pool([
      () => assort(["import", "--data", good, "--data-dir", f, "--no-classify"]),
      () => assort(["import", "--data", good, "--data-dir", f, "--store", "memory:", "--no-classify"]),
      () => assort(["serve", "--data-dir", f, "--port", "0", "--log-level", "error"]),
    ]);
    for (const r of runs) expectCleanFailure(r, `"${f}": it is a file, not a directory`, undefined);
  });

  it("a catalog.db that is not a database, or is damaged", async () => {
    // One junk directory for each command: run together on one directory, whichever took its writer's lock first
    // would leave the other the lock's error instead of the database's.
    const junk = path.join(root, "junk-store");
    const junkServe = path.join(root, "junk-store-serve");
    for (const d of [junk, junkServe]) {
      mkdirSync(d);
      writeFileSync(path.join(d, "catalog.db"), Buffer.alloc(8192, 0x5a));
    }
    const real = path.join(root, "real-store");
    const made = await assort(["import", "--data", good, "--data-dir", real, "--no-classify"]);
    expect(made.code, made.stderr).toBe(0);
    const db = readFileSync(path.join(real, "catalog.db"));
    db.fill(0x41, 100, 4096); // the schema page overwritten, the 100-byte header kept
    writeFileSync(path.join(real, "catalog.db"), db);
    rmSync(path.join(real, "catalog.db-wal"), { force: true });
    const runs = await pool([
      () => assort(["import", "--data", good, "--data-dir", junk, "--no-classify"]),
      () => assort(["serve", "--data-dir", junkServe, "--port", "0", "--log-level", "error"]),
      () => assort(["import", "--data", good, "--data-dir", real, "--no-classify"]),
    ]);
    expectCleanFailure(runs[0]!, `Cannot open the catalog database "${path.join(junk, "catalog.db")}": it is not an SQLite database`, undefined, "move it away");
    expectCleanFailure(runs[1]!, `"${path.join(junkServe, "catalog.db")}": it is not an SQLite database`, undefined);
    expectCleanFailure(runs[2]!, `Cannot open the catalog database "${path.join(real, "catalog.db")}"`, undefined, /not an SQLite database|damaged/);
  });
});

describe("--host", () => {
  it('"999.1.1.1" is not an address (a malformed option value: exit 2); a name that does not resolve: exit 1', async () => {
    const [bad, unknown] = await pool([
      () => assort(["serve", "--host", "999.1.1.1", "--port", "0", "--data-dir", path.join(root, "never")]),
      () => assort(["serve", "--host", "no-such-host.invalid", "--port", "0", "--data-dir", path.join(root, "srv"), "--log-level", "error"]),
    ]);
    expectError(bad!, 2, '"999.1.1.1" is not an address');
    expect(bad!.stderr).not.toContain("internal error");
    expectCleanFailure(unknown!, "Cannot listen on no-such-host.invalid:0: not an address", undefined);
  });
});

describe("damaged model manifests", () => {
  const damaged = (name: string, edit: (m: Record<string, unknown>) => unknown, keepSum = false): string => {
    const dir = path.join(root, name);
    cpSync(fx.model, dir, { recursive: true });
    const p = path.join(dir, "manifest.json");
    const m = JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;
    if (!keepSum) delete m["manifestSha256"];
    const out = edit(m);
    writeFileSync(p, JSON.stringify(out === undefined ? m : out));
    return dir;
  };
  const arrays = (m: Record<string, unknown>) => m["arrays"] as Record<string, unknown>[];

  it("arrays: null, a negative offset, a size past the file, a manifest that is not an object, a changed value", async () => {
    const cases: [string, RegExp][] = [
      [damaged("arrays-null", (m) => void (m["arrays"] = null)), /no list of arrays/],
      [damaged("negative-offset", (m) => void (arrays(m)[1]!["offset"] = -8)), /invalid offset -8/],
      [damaged("too-long", (m) => void (arrays(m)[0]!["length"] = 1e9)), /runs past the end of arrays\.bin/],
      [damaged("not-object", () => [1, 2, 3]), /not a JSON object/],
      [damaged("changed-label", (m) => void ((m["labels"] as string[])[0] = "Something else"), true), /does not match its checksum/],
    ];
    const runs = await pool(cases.flatMap(([dir]) => [() => assort(["classify", "--model", dir, "--data", good]), () => assort(["info", "--model", dir])]));
    cases.forEach(([dir, message], i) => {
      for (const r of [runs[2 * i]!, runs[2 * i + 1]!]) {
        expectCleanFailure(r, `Cannot load model "${dir}"`, undefined, message);
        expect(r.stdout).toBe("");
      }
    });
  });
});

describe("a taxonomy JSON nested 5,000 levels deep", () => {
  it("show, validate, train --taxonomy and classify --taxonomy: an error naming the file, no stack overflow", async () => {
    const deep = file("deep.json", '{"name":"x","children":['.repeat(5000) + '{"name":"leaf"}' + "]}".repeat(5000));
    const out = freshOut(root);
    const runs = await pool([
      () => assort(["taxonomy", "show", "--taxonomy", deep]),
      () => assort(["taxonomy", "validate", "--taxonomy", deep, "--data", good]),
      () => assort(["train", "--data", good, "--out", path.join(out, "m"), "--taxonomy", deep]),
      () => assort(["classify", "--model", fx.model, "--data", good, "--taxonomy", deep]),
    ]);
    for (const r of runs) expectCleanFailure(r, `${deep}:1`, out, "nested more than 100 levels deep");
  });

  it("a parent chain 5,000 long in a flat list", async () => {
    const chain = file("chain.json", JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `n${i}`, parent: i === 0 ? null : i - 1 }))));
    expectCleanFailure(await assort(["taxonomy", "show", "--taxonomy", chain]), `${chain}:1`, undefined, "deeper than 100 levels");
  });
});

it("the good rows used above are a valid catalog (the failures are the paths', not the data's)", () => {
  expect(GOOD_ROWS.length).toBe(60);
});
