// End-to-end: training on photos alone or with the text, classifying with per-product image problems,
// and the side-by-side evaluation, on the sample catalog's tiny images (examples/catalog/images).
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, assort, expectError, jsonLines } from "./helpers.js";

let dir: string;
let data: string;
const rows = readFileSync(join(CATALOG, "with-images.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-images-"));
  cpSync(join(CATALOG, "images"), join(dir, "images"), { recursive: true });
  // The sample rows twice over (other ids), so that each category with a photo has a few products.
  const more = rows.map((l) => {
    const r = JSON.parse(l) as Record<string, string>;
    return JSON.stringify({ ...r, id: `${r.id}-b`, title: `${r.title} (second offer)` });
  });
  data = join(dir, "train.jsonl");
  writeFileSync(data, [...rows, ...more].join("\n") + "\n");
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("assort train --modalities", () => {
  it("refuses a catalog with a missing photo unless --on-bad-row skip, naming file, line and field", async () => {
    const r = await assort(["train", "--data", data, "--out", join(dir, "refused"), "--modalities", "both", "--image-features", "hog,color"]);
    expectError(r, 1, `${data}:6`, 'field "image"', "kettle-missing.jpg");
  });

  it("trains text + image with --on-bad-row skip, and classifies with the evidence each answer used", async () => {
    const model = join(dir, "both");
    const t = await assort(["train", "--data", data, "--out", model, "--modalities", "both", "--image-features", "hog,color", "--on-bad-row", "skip", "--json"]);
    expect(t.code, t.stderr).toBe(0);
    const summary = JSON.parse(t.stdout) as { modalities: string; rows: number; withImage: number; heldOut: { text: unknown; image: unknown; fused: unknown } };
    expect(summary).toMatchObject({ modalities: "both", rows: 12, withImage: 10 });
    expect(summary.heldOut.text).toBeDefined();
    expect(summary.heldOut.fused).toBeDefined();
    // Each product whose photo is missing is reported once, by line, and falls back to its text.
    expect(t.stderr.split("\n").filter((l) => l.includes("kettle-missing.jpg"))).toHaveLength(2);
    expect(t.stderr).toContain(`${data}:6`);

    const c = await assort(["classify", "--model", model, "--data", join(dir, "train.jsonl"), "--top-k", "2"]);
    expect(c.code, c.stderr).toBe(0);
    const out = jsonLines(c.stdout) as { id: string; categories: { category: string; score: number }[]; evidence: { text: boolean; image: boolean }; imageIssue?: { code: string } }[];
    expect(out).toHaveLength(12);
    const kettle = out.find((p) => p.id === "img06")!;
    expect(kettle.evidence).toEqual({ text: true, image: false });
    expect(kettle.imageIssue?.code).toBe("image_missing");
    const shoe = out.find((p) => p.id === "img01")!;
    expect(shoe.evidence).toEqual({ text: true, image: true });
    expect(shoe.categories[0]!.category).toBe("Clothing & Shoes > Shoes > Running Shoes");
    expect(shoe.categories[0]!.score).toBeGreaterThanOrEqual(shoe.categories[1]!.score);

    const e = await assort(["evaluate", "--model", model, "--data", data, "--json"]);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout) as { rows: number; withImage: number; text: { accuracy: number }; image: { accuracy: number }; fused: { accuracy: number } };
    expect(ev).toMatchObject({ rows: 12, withImage: 10 });
    expect(ev.fused.accuracy).toBeGreaterThan(0.8);
    const table = await assort(["evaluate", "--model", model, "--data", data]);
    expect(table.stdout).toMatch(/text only\s+\d\.\d{3}/);
    expect(table.stdout).toMatch(/image only\s+\d\.\d{3}/);
    expect(table.stdout).toMatch(/fused\s+\d\.\d{3}/);
  });

  it("trains on photos alone: identical photos get the same category", async () => {
    const model = join(dir, "image");
    const t = await assort(["train", "--data", data, "--out", model, "--modalities", "image", "--image-features", "hog,color", "--on-bad-row", "skip", "--quiet"]);
    expect(t.code, t.stderr).toBe(0);
    const c = await assort(["classify", "--model", model, "--data", data, "--quiet"]);
    const out = jsonLines(c.stdout) as { id: string; categories: { category: string }[]; evidence: { image: boolean } }[];
    const byId = new Map(out.map((p) => [p.id, p]));
    expect(byId.get("img01")!.categories[0]!.category).toBe(byId.get("img04")!.categories[0]!.category);
    expect(byId.get("img03")!.categories[0]!.category).toBe("Clothing & Shoes > Tops > T-Shirts");
    expect(byId.get("img06")!.evidence.image).toBe(false);
  });

  it("reports bad photos per product (truncated, outside the data folder, not an image) and trains on the rest", async () => {
    const jpeg = readFileSync(join(CATALOG, "images", "running-shoe.jpg"));
    writeFileSync(join(dir, "images", "truncated.jpg"), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    writeFileSync(join(dir, "images", "notes.jpg"), "not an image at all\n");
    const bad = [
      { id: "bad1", title: "Trail running shoe", category: "Clothing & Shoes > Shoes > Running Shoes", image: "images/truncated.jpg" },
      { id: "bad2", title: "Dome tent for three", category: "Sports & Outdoors > Camping > Tents", image: "../../../etc/passwd" },
      { id: "bad3", title: "Cotton tee", category: "Clothing & Shoes > Tops > T-Shirts", image: "images/notes.jpg" },
    ].map((r) => JSON.stringify(r));
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, [...rows, ...bad].join("\n") + "\n");
    const t = await assort(["train", "--data", file, "--out", join(dir, "bad-model"), "--modalities", "both", "--image-features", "hog,color", "--on-bad-row", "skip", "--json"]);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ rows: 9, withImage: 5 });
    expect(t.stderr).toMatch(/:7, .*bad1.*truncated\.jpg|bad1[^\n]*(corrupt|truncat)/i);
    expect(t.stderr).toMatch(/bad2[^\n]*outside/i);
    expect(t.stderr).toMatch(/bad3[^\n]*(unsupported|not an image|format)/i);
  });
});
