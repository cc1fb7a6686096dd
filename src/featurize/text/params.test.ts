import { describe, expect, it } from "vitest";
import { TextFeaturizerParams } from "./params.js";
import { DEFAULT_TEXT_PARAMS } from "./params-defaults.js";

describe("text featurizer defaults", () => {
  it("the plain defaults the fit worker hashes with are the schema's, key for key and in its order", () => {
    // fit-worker.ts compares parameter sets by their JSON text: the order of the keys counts too.
    expect(JSON.stringify(DEFAULT_TEXT_PARAMS)).toBe(JSON.stringify(TextFeaturizerParams.parse({})));
  });

  it("parsing gives arrays of its own, not the frozen defaults", () => {
    const p = TextFeaturizerParams.parse({});
    expect(Object.isFrozen(p.wordNgrams)).toBe(false);
    expect(p.wordNgrams).not.toBe(DEFAULT_TEXT_PARAMS.wordNgrams);
  });
});
