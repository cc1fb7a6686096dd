import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Registry } from "./registry.js";
import { ConfigError } from "./errors.js";

const Params = z.object({ k: z.number().int().min(1).default(2) });
const registry = new Registry<{ k: number }, string>("widget", {
  plain: {
    description: "a widget",
    create: (p) => Params.parse(p ?? {}),
    restore: (a) => `restored ${a.kind}`,
  },
});

describe("Registry", () => {
  it("creates specs with validated params and restores by artifact kind", () => {
    expect(registry.create("plain", { k: 5 })).toEqual({ k: 5 });
    expect(registry.create("plain")).toEqual({ k: 2 });
    expect(registry.restore({ kind: "plain", params: {}, meta: {}, arrays: {} })).toBe("restored plain");
    expect(registry.kinds()).toEqual(["plain"]);
  });

  it("names the valid kinds on a miss, including inherited object keys", () => {
    expect(() => registry.entry("fancy")).toThrow('Unknown widget "fancy": choose one of plain');
    expect(() => registry.entry("toString")).toThrow(ConfigError);
  });

  it("turns invalid params into a ConfigError listing each problem", () => {
    const e = (() => {
      try {
        registry.create("plain", { k: 0 });
      } catch (err) {
        return err as ConfigError;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e!.details).toHaveLength(1);
    expect(e!.message).toMatch(/^Invalid parameters for "plain": k: /);
  });
});
