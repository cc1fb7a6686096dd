// loadModel on hand-edited manifests of a real model: whatever a field is replaced with, loading gives the
// model or a ModelFormatError naming the directory, never a TypeError from inside a model class.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCatalogFile } from "../catalog/read-catalog.js";
import { ModelFormatError } from "../core/errors.js";
import { Random } from "../core/random.js";
import { loadModel } from "./model-kinds.js";
import { train } from "./train.js";

const root = mkdtempSync(path.join(tmpdir(), "assort-kinds-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const good = path.join(root, "good");
const TRAIN = new URL("../../examples/catalog/train.jsonl", import.meta.url).pathname;

beforeAll(async () => {
  const { products } = await readCatalogFile(TRAIN, { requireLabel: true });
  const model = await train(products.slice(0, 120), { calibration: "none" });
  await model.save(good);
});

const VALUES: unknown[] = [null, -1, 0, 2.5, 1e308, "", "x", [], {}, [null], [1, "a"], { kind: "nope" }, true];

describe("loadModel on edited manifests", () => {
  it("300 random field replacements (top level and one level down): the model or a ModelFormatError", async () => {
    const rng = new Random(11);
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
    const original = JSON.parse(readFileSync(path.join(good, "manifest.json"), "utf8")) as Record<string, unknown>;
    const dir = path.join(root, "edited");
    await cp(good, dir, { recursive: true });
    let refused = 0;
    for (let t = 0; t < 300; t++) {
      const m = structuredClone(original);
      delete m["manifestSha256"]; // an older model, or a hand edit that also dropped the checksum
      const key = pick(Object.keys(m).filter((k) => !["format", "formatVersion", "arrays", "arraysBytes", "arraysSha256"].includes(k)));
      const inner = m[key];
      if (inner !== null && typeof inner === "object" && !Array.isArray(inner) && Object.keys(inner).length > 0 && rng.float() < 0.6) {
        (inner as Record<string, unknown>)[pick(Object.keys(inner))] = pick(VALUES);
      } else m[key] = pick(VALUES);
      writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(m));
      const r = await loadModel(dir).then(
        async (model) => {
          await model.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      if (r !== undefined) {
        refused++;
        expect(r, `case ${t} (${key}): ${String(r)}`).toBeInstanceOf(ModelFormatError);
        expect((r as Error).message).toContain(`Cannot load model "${dir}"`);
      }
    }
    expect(refused).toBeGreaterThan(50);
  });
});
