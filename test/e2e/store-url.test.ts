// --store URL on `assort import` and `assort serve`: sqlite:DIR apart from --data-dir, memory:, and a clear
// error for a scheme that does not exist (without the URL's password).
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectError } from "./helpers.js";
import { ADMIN_KEY, cli, startServer, tempDir, TRAIN, trainExampleModel } from "./server-helpers.js";

const tmp = tempDir("store-url");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("--store", () => {
  it("imports into the store the URL names; the default is sqlite:<--data-dir>", async () => {
    const dataDir = path.join(tmp, "data");
    const first = await cli(["import", "--data", TRAIN, "--data-dir", dataDir, "--no-classify", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ inserted: 358 });
    const same = await cli(["import", "--data", TRAIN, "--store", `sqlite:${dataDir}`, "--data-dir", path.join(tmp, "elsewhere"), "--no-classify", "--json"]);
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ inserted: 0, unchanged: 358 });
    const db = path.join(tmp, "db");
    const apart = await cli(["import", "--data", TRAIN, "--store", db, "--data-dir", path.join(tmp, "models-only"), "--no-classify", "--json"]);
    expect(JSON.parse(apart.stdout)).toMatchObject({ inserted: 358 });
    expect(existsSync(path.join(db, "catalog.db"))).toBe(true);
    expect(existsSync(path.join(tmp, "models-only", "catalog.db"))).toBe(false);
  });

  it("imports and classifies with a model, and closing cuts the model thread's warm-up short without a warning", async () => {
    // The model thread loads the model in the background; a short import finishes first and closes it.
    const model = await trainExampleModel(path.join(tmp, "model"));
    const r = await cli(["import", "--data", TRAIN, "--data-dir", path.join(tmp, "classified"), "--model", model, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ inserted: 358, classified: 358 });
    expect(r.stderr).not.toContain("model thread");
  });

  it("serves an in-memory store", async () => {
    const server = await startServer(["--store", "memory:", "--data-dir", path.join(tmp, "mem")]);
    try {
      const put = await server.call("/v1/products", { method: "PUT", body: { items: [{ id: "n1", title: "Bosch cordless drill 18V" }] }, key: ADMIN_KEY });
      expect(put.status, put.text).toBe(200);
      expect((await server.call("/v1/products/n1")).json).toMatchObject({ id: "n1" });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(existsSync(path.join(tmp, "mem", "catalog.db"))).toBe(false);
  });

  it("refuses an unknown scheme, naming the known ones", async () => {
    const r = await cli(["import", "--data", TRAIN, "--store", "mysql://shop:s3cret@db.example/catalog", "--data-dir", path.join(tmp, "pg")]);
    expectError(r, 1, "sqlite:DIR", "memory:", "postgres://…", '"mysql:"');
    expect(r.stderr).not.toContain("s3cret");
  });

  it.each(["import", "serve"])("%s --help documents --store", async (verb) => {
    const r = await cli([verb, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--store <url>\s+catalog store URL: sqlite:DIR/);
  });
});
