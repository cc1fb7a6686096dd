import { describe, expect, it } from "vitest";
import { FastText } from "./fasttext.js";
import { FastTextModel } from "./fasttext-model.js";
import { formatVec, parseVec } from "./vec-format.js";
import { textTokens } from "./tokens.js";

/** A corpus where "tv" and "television" share every context, and "kettle" lives in other contexts. */
function corpus(): string[][] {
  const lines: string[][] = [];
  const screens = ["samsung", "lg", "sony", "philips"];
  const sizes = ["55", "65", "43", "50"];
  for (let i = 0; i < 160; i++) {
    const brand = screens[i % 4]!;
    const size = sizes[(i >> 2) % 4]!;
    lines.push([brand, size, "inch", i % 2 ? "tv" : "television", "4k", "uhd", "smart", "hdr"]);
    lines.push(["electric", "kettle", "1.7", "litre", "stainless", "steel", i % 3 ? "boil" : "cordless", "jug"]);
  }
  return lines;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < a.length; j++) {
    ab += a[j]! * b[j]!;
    aa += a[j]! * a[j]!;
    bb += b[j]! * b[j]!;
  }
  return ab / Math.sqrt(aa * bb);
}

describe("FastText (unsupervised)", () => {
  it("puts words that share contexts closer than unrelated words (skip-gram and CBOW)", async () => {
    for (const mode of ["skipgram", "cbow"] as const) {
      const m = await new FastText({ mode, dim: 24, epochs: 12, minCount: 1, buckets: 5000, sample: 0, threads: 1 }).fit(corpus(), { seed: 3 });
      const tv = m.wordVector("tv");
      const television = m.wordVector("television");
      const kettle = m.wordVector("kettle");
      expect(cosine(tv, television)).toBeGreaterThan(cosine(tv, kettle) + 0.2);
      expect(m.nearestWords("tv", 12).map((w) => w.word)).toContain("television");
    }
  });

  it("is deterministic for a seed on one thread, and gives unknown words a vector from their n-grams", async () => {
    const spec = new FastText({ dim: 16, epochs: 3, minCount: 1, buckets: 3000, threads: 1 });
    const a = await spec.fit(corpus(), { seed: 7 });
    const b = await spec.fit(corpus(), { seed: 7 });
    expect(a.wordVector("kettle")).toEqual(b.wordVector("kettle"));
    expect(a.words).not.toContain("kettles");
    const oov = a.wordVector("kettles");
    expect(oov.some((v) => v !== 0)).toBe(true);
    expect(cosine(oov, a.wordVector("kettle"))).toBeGreaterThan(cosine(oov, a.wordVector("samsung")));
  });

  it("embeds token lists as unit rows (a line with nothing known gives zeros)", async () => {
    const m = await new FastText({ dim: 8, epochs: 1, minCount: 1, minn: 0, maxn: 0, threads: 1 }).fit(corpus(), { seed: 1 });
    const x = m.embedTokens([["samsung", "tv"], ["zzz"]]);
    let n0 = 0;
    for (let j = 0; j < 8; j++) n0 += x.data[j]! ** 2;
    expect(n0).toBeCloseTo(1, 5);
    expect(Array.from(x.data.subarray(8))).toEqual(new Array(8).fill(0));
  });

  it("round-trips through its artifact and through the .vec format", async () => {
    const m = await new FastText({ dim: 12, epochs: 2, minCount: 1, buckets: 2000, threads: 1 }).fit(corpus(), { seed: 2 });
    const back = FastTextModel.fromArtifact(m.toArtifact());
    expect(back.embedTokens([["sony", "television"], ["kettles"]]).data).toEqual(m.embedTokens([["sony", "television"], ["kettles"]]).data);
    const text = [...formatVec(m.words, m.wordMatrix())].join("");
    expect(text.split("\n")[0]).toBe(`${m.words.length} 12`);
    const fromVec = FastTextModel.fromVec(text);
    expect(fromVec.words).toEqual(m.words);
    const v = fromVec.wordVector("kettle");
    const w = m.wordVector("kettle");
    for (let j = 0; j < 12; j++) expect(v[j]).toBeCloseTo(w[j]!, 4);
  });

  it("rejects bad params and a corpus with no frequent word", async () => {
    expect(() => new FastText({ minn: 5, maxn: 3 })).toThrow(/maxn/);
    expect(() => new FastText({ dim: 1 })).toThrow(/dim/);
    await expect(new FastText({ minCount: 5 }).fit([["a", "b"]])).rejects.toThrow(/minCount/);
  });
});

describe("FastText (supervised)", () => {
  it("separates two obvious classes and gives probabilities that sum to 1", async () => {
    const lines = corpus();
    const labels = lines.map((l) => (l.includes("kettle") ? "Kitchen" : "TV"));
    const m = await new FastText({ mode: "supervised", dim: 10, epochs: 5, lr: 0.5, minCount: 1, buckets: 2000, threads: 1 }).fit(lines, { seed: 1, labels });
    expect(m.labels).toEqual(["Kitchen", "TV"]);
    const pred = m.predict(["Panasonic 40 inch television", "cordless kettle steel"], 2);
    expect(pred[0]![0]!.label).toBe("TV");
    expect(pred[1]![0]!.label).toBe("Kitchen");
    expect(pred[0]![0]!.score + pred[0]![1]!.score).toBeCloseTo(1, 5);
    expect(pred[0]![0]!.score).toBeGreaterThan(0.9);
  });

  it("needs labels", async () => {
    await expect(new FastText({ mode: "supervised" }).fit([["a"]])).rejects.toThrow(/labels/);
  });
});

describe("vec format and tokens", () => {
  it("parses a .vec file and names the bad line", () => {
    const { words, vectors } = parseVec("2 3\nred 1 0 0\nblue 0 1 0.5\n");
    expect(words).toEqual(["red", "blue"]);
    expect(Array.from(vectors.data)).toEqual([1, 0, 0, 0, 1, 0.5]);
    expect(() => parseVec("2 3\nred 1 0 0\nblue 0 1\n", "w.vec")).toThrow(/w\.vec:3: has 2 values, expected 3/);
  });

  it("tokenizes like the rest of assort (jieba for Chinese)", () => {
    expect(textTokens("Apple iPhone 8 <b>64GB</b>")).toEqual(["apple", "iphone", "8", "64gb"]);
    expect(textTokens("华为手机")).toEqual(["华为", "手机"]);
  });
});

describe("FastText (cancellation)", () => {
  it("stops with CancelledError when the signal fires mid-training", async () => {
    const lines = corpus();
    const many = Array.from({ length: 20 }, () => lines).flat();
    const ac = new AbortController();
    const fit = new FastText({ dim: 8, epochs: 50, minCount: 1, buckets: 1000, threads: 1 }).fit(many, {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.stage === "train" && e.done > 0) ac.abort();
      },
    });
    await expect(fit).rejects.toThrow(/cancelled/);
  });
});
