// The JSON body parser: strict UTF-8, bounded nesting (named by path), fastify's own checks kept.
import { describe, expect, it } from "vitest";
import { buildServer } from "./build-server.js";
import { jsonNestsDeeper } from "./json-body.js";
import type { CatalogServicePort } from "./service-port.js";

describe("jsonNestsDeeper", () => {
  it("counts objects and arrays, not brackets inside strings or escapes", () => {
    expect(jsonNestsDeeper("[[[1]]]", 3)).toBe(false);
    expect(jsonNestsDeeper("[[[[1]]]]", 3)).toBe(true);
    expect(jsonNestsDeeper('{"a":{"b":[{}]}}', 4)).toBe(false);
    expect(jsonNestsDeeper('{"a":{"b":[{}]}}', 3)).toBe(true);
    expect(jsonNestsDeeper(`["${"[{".repeat(100)}", "\\"[[[[", 1]`, 2)).toBe(false);
    expect(jsonNestsDeeper("[1],[2],[3],[4]", 1)).toBe(false);
    expect(jsonNestsDeeper("[".repeat(1_000_000), 64)).toBe(true);
  });
});

describe("the JSON body parser", () => {
  const service = { classify: (items: { id: unknown }[]) => ({ model: "m", results: items.map((i) => ({ id: String(i.id), categories: [] })) }) } as unknown as CatalogServicePort;
  const post = async (payload: string | Buffer) => {
    const app = await buildServer({ service, limits: { rateLimit: false } });
    const r = await app.inject({ method: "POST", url: "/v1/classify", payload, headers: { "content-type": "application/json" } });
    await app.close();
    return r;
  };

  it("answers 400 for invalid UTF-8 instead of storing U+FFFD", async () => {
    for (const bad of [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      const r = await post(Buffer.concat([Buffer.from('{"items":[{"id":"a","title":"pan '), Buffer.from(bad), Buffer.from('"}]}')]));
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
      expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(r.json().detail).toMatch(/not valid UTF-8/);
    }
    expect((await post(Buffer.from('{"items":[{"id":"a","title":"Pfanne für Größe 28 – 鞋 👟"}]}'))).statusCode).toBe(200);
  });

  it("names the path of a body nested too deep; keeps fastify's empty-body and prototype-poisoning checks", async () => {
    const deep = await post(`{"items":[{"id":"a","title":"t","x":${"[".repeat(40)}${"]".repeat(40)}}]}`);
    expect(deep.statusCode).toBe(400);
    expect(deep.json().errors[0].path).toBe(`body.items.0.x${".0".repeat(31)}`);
    expect((await post("")).statusCode).toBe(400);
    const proto = await post('{"items":[{"id":"a","title":"t"}],"__proto__":{"polluted":true}}');
    expect(proto.statusCode).toBe(400);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
