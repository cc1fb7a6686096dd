import { describe, expect, it } from "vitest";
import { CLASSIFIER_KINDS } from "./kinds.js";
import { classifierKinds } from "./registry.js";

describe("classifier kinds", () => {
  it("the names the CLI offers before loading the classifiers are the registry's, in its order", () => {
    expect([...CLASSIFIER_KINDS]).toEqual(classifierKinds());
  });
});
