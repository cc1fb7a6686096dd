// Stores by URL: sqlite:DIR and bare paths open SQLite, memory: an in-memory store, anything else is a
// ConfigError naming the known schemes without repeating the URL.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, MemoryStore, UnavailableError } from "../index.js";
import { openStore, parseStoreUrl, storeSchemes } from "./registry.js";
import { SqliteStore, STORE_FILE } from "./sqlite-store.js";

const root = mkdtempSync(path.join(tmpdir(), "assort-registry-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("openStore", () => {
  it("opens SQLite from sqlite:DIR and from a bare path", async () => {
    for (const [url, dir] of [
      [`sqlite:${path.join(root, "a")}`, path.join(root, "a")],
      [path.join(root, "b"), path.join(root, "b")],
      [`SQLite:${path.join(root, "c")}`, path.join(root, "c")],
    ] as const) {
      const store = await openStore(url);
      try {
        expect(store).toBeInstanceOf(SqliteStore);
        expect(existsSync(path.join(dir, STORE_FILE))).toBe(true);
      } finally {
        await store.close();
      }
    }
  });

  it("opens a fresh in-memory store from memory:", async () => {
    const a = await openStore("memory:");
    const b = await openStore("memory:");
    expect(a).toBeInstanceOf(MemoryStore);
    expect(a).not.toBe(b);
  });

  it("opens postgres:// URLs; a database that does not answer is unavailable, the password never echoed", async () => {
    const err = await openStore("postgres://shop:s3cret@127.0.0.1:1/catalog").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).not.toContain("s3cret");
    await expect(openStore("postgres://shop@127.0.0.1:1/catalog?schema=bad-name")).rejects.toBeInstanceOf(ConfigError);
  });

  it("refuses unknown schemes, listing the known ones and never echoing the URL", async () => {
    const err = await openStore("mysql://shop:s3cret@db.example:3306/catalog").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('"mysql:"');
    expect(message).toContain("sqlite:DIR");
    expect(message).toContain("memory:");
    expect(message).toContain("postgres://…");
    expect(message).not.toContain("s3cret");
    await expect(openStore("")).rejects.toBeInstanceOf(ConfigError);
    await expect(openStore("sqlite:")).rejects.toBeInstanceOf(ConfigError);
    await expect(openStore("toString:x")).rejects.toBeInstanceOf(ConfigError);
  });

  it("tells schemes from paths", () => {
    expect(parseStoreUrl("sqlite:./data")).toEqual({ scheme: "sqlite", target: "./data" });
    expect(parseStoreUrl("memory:")).toEqual({ scheme: "memory", target: "" });
    expect(parseStoreUrl("./data:x")).toEqual({ scheme: "sqlite", target: "./data:x" });
    expect(parseStoreUrl("C:\\data")).toEqual({ scheme: "sqlite", target: "C:\\data" });
    expect(parseStoreUrl("redis://h")).toEqual({ scheme: "redis", target: "//h" });
    expect(storeSchemes()).toEqual(["sqlite", "memory", "postgres", "postgresql"]);
  });
});
