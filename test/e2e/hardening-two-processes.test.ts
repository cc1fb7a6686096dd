// Adversarial: two processes, one data directory. A second writer (serve, import) is refused with a message
// naming the first and pointing at its API; a read-only command still reads; a lock left by a process killed
// with SIGKILL is taken over; a lock of another host is never taken over.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "./helpers.js";
import { ADMIN_KEY, cli, startServer, tempDir, trainExampleModel, TEST, TRAIN } from "./server-helpers.js";

const tmp = tempDir("two-processes");
let modelA: string;
let modelB: string;
const lockOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, "assort.lock"), "utf8")) as { pid: number; since: string; command: string; hostname: string };

beforeAll(async () => {
  [modelA, modelB] = await Promise.all([trainExampleModel(path.join(tmp, "a"), 1), trainExampleModel(path.join(tmp, "b"), 2)]);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The refusal a second writer gets: the first process (PID, command, since when) and the live ways in. */
function expectRefused(r: { code: number | null; stdout: string; stderr: string }, dataDir: string, holder: { pid: number; since: string }): void {
  expectError(r, 1, `Cannot write to the data directory "${dataDir}"`, `process ${holder.pid} (`, "serve", `since ${holder.since}`, "use the running server's API (POST /v1/products, /v1/jobs) instead");
  expect(r.stdout).not.toContain("listening on");
}

describe("one writer per data directory", () => {
  it("refuses a second serve and an import while a server runs, lets a read-only command read, and keeps /v1/models consistent", async () => {
    const dataDir = path.join(tmp, "shared");
    const first = await startServer(["--data-dir", dataDir, "--model", modelA]);
    try {
      const holder = lockOf(dataDir);
      expect(holder.pid).toBe(first.child.pid);
      expect(holder.hostname).toBe(hostname());
      expect(holder.command).toMatch(/^assort serve /);
      expect((await first.call("/v1/products", { method: "PUT", body: { items: [{ id: "p1", title: "Tefal frying pan 28 cm" }] }, key: ADMIN_KEY })).status).toBe(200);
      expect((await first.call("/v1/feedback", { body: { productId: "p1", category: "Home > Cookware" }, key: ADMIN_KEY })).status).toBe(200);

      // A second server on the same directory would have served stale corrections: it is refused.
      const second = await cli(["serve", "--port", "0", "--data-dir", dataDir, "--model", modelB], { ASSORT_API_KEY: ADMIN_KEY });
      expectRefused(second, dataDir, holder);
      // `assort import --model` would have re-pointed the active model under the server's feet: refused too.
      const imported = await cli(["import", "--data", TEST, "--data-dir", dataDir, "--model", modelB]);
      expectRefused(imported, dataDir, holder);
      // /v1/models agrees with itself: the live model is the one the registry marks active.
      const models = await first.call("/v1/models");
      expect(models.json.models.filter((m: { active: boolean }) => m.active).map((m: { version: string }) => m.version)).toEqual([models.json.active]);

      // Reading is allowed alongside: the status names the writer.
      const status = await cli(["status", "--data-dir", dataDir, "--json"]);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ writer: { pid: first.child.pid }, products: 1, corrections: 1, models: 1 });
      // The first server still serves its correction.
      const c = await first.call("/v1/classify", { body: { items: [{ id: "p1", title: "anything" }] } });
      expect(c.json.results[0].corrected).toBe(true);
      expect(c.json.results[0].categories[0]).toEqual({ category: "Home > Cookware", score: 1 });
    } finally {
      expect(await first.stop()).toBe(0);
    }
    // Stopped: the lock is gone and the directory is free for the next writer.
    expect(existsSync(path.join(dataDir, "assort.lock"))).toBe(false);
    const after = await cli(["import", "--data", TRAIN, "--data-dir", dataDir, "--json"]);
    expect(after.code, after.stderr).toBe(0);
    expect(existsSync(path.join(dataDir, "assort.lock"))).toBe(false);
  }, 60_000);

  it("takes over the lock of a server killed with SIGKILL, and says so", async () => {
    const dataDir = path.join(tmp, "killed");
    const dead = await startServer(["--data-dir", dataDir, "--model", modelA]);
    expect((await dead.call("/v1/products", { method: "PUT", body: { items: [{ id: "k1", title: "Bosch cordless drill 18V" }] }, key: ADMIN_KEY })).status).toBe(200);
    const pid = dead.child.pid!;
    await dead.stop("SIGKILL");
    expect(lockOf(dataDir).pid).toBe(pid); // left behind

    const next = await startServer(["--data-dir", dataDir]);
    try {
      expect(lockOf(dataDir).pid).toBe(next.child.pid);
      expect(next.stderr()).toContain("took over the data directory's lock from a process that is gone");
      expect(next.stderr()).toContain(`"pid":${pid}`);
      expect((await next.call("/v1/products/k1")).status).toBe(200);
    } finally {
      expect(await next.stop()).toBe(0);
    }
  }, 60_000);

  it("never takes over the lock of another host (it cannot tell whether that process lives)", async () => {
    const dataDir = path.join(tmp, "other-host");
    const imported = await cli(["import", "--data", TRAIN, "--data-dir", dataDir, "--model", modelA, "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    writeFileSync(path.join(dataDir, "assort.lock"), JSON.stringify({ pid: 4242, hostname: "shop-replica-2", command: "assort serve --data-dir /data", since: "2026-12-01T10:00:00.000Z", token: "x" }));
    const r = await cli(["serve", "--port", "0", "--data-dir", dataDir], { ASSORT_API_KEY: ADMIN_KEY });
    expectError(r, 1, 'process 4242 on host "shop-replica-2" ("assort serve --data-dir /data") has held it since 2026-12-01T10:00:00.000Z');
    const status = await cli(["status", "--data-dir", dataDir]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/writer\s+process 4242 on shop-replica-2/);
    expect(status.stdout).toMatch(/products\s+358/);
  }, 60_000);
});
