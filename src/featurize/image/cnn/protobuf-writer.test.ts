import { describe, expect, it } from "vitest";
import { ProtoWriter } from "./protobuf-writer.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("ProtoWriter", () => {
  it("encodes varint fields as in the protobuf encoding guide", () => {
    expect(hex(new ProtoWriter().int64(1, 150).finish())).toBe("089601"); // the guide's own example
    expect(hex(new ProtoWriter().int64(1, 0).finish())).toBe("0800");
    expect(hex(new ProtoWriter().varint(300).finish())).toBe("ac02");
    expect(hex(new ProtoWriter().varint(2 ** 35).finish())).toBe("808080808001");
    expect(hex(new ProtoWriter().int64(20, 7).finish())).toBe("a00107"); // field 20: tag 160 = a0 01
  });

  it("encodes negative int64 as ten-byte two's complement", () => {
    expect(hex(new ProtoWriter().varint(-1).finish())).toBe("ffffffffffffffffff01");
    expect(hex(new ProtoWriter().varint(-2).finish())).toBe("feffffffffffffffff01");
    expect(hex(new ProtoWriter().varint(-(2 ** 32)).finish())).toBe("80808080f0ffffffff01");
  });

  it("encodes strings, bytes, floats and nested messages", () => {
    expect(hex(new ProtoWriter().string(2, "testing").finish())).toBe("120774657374696e67");
    expect(hex(new ProtoWriter().bytes(9, Uint8Array.of(1, 2)).finish())).toBe("4a020102");
    expect(hex(new ProtoWriter().float(2, 1.5).finish())).toBe("150000c03f");
    expect(hex(new ProtoWriter().message(3, (c) => c.int64(1, 150)).finish())).toBe("1a03089601");
    expect(hex(new ProtoWriter().string(1, "é").finish())).toBe("0a02c3a9"); // UTF-8 length, not UTF-16
  });

  it("grows past its initial buffer and rejects unsafe integers", () => {
    const w = new ProtoWriter();
    const big = new Uint8Array(1000).fill(7);
    w.bytes(1, big).int64(2, 1);
    const out = w.finish();
    expect(out.length).toBe(1 + 2 + 1000 + 2);
    expect(hex(out.subarray(0, 3))).toBe("0ae807"); // length 1000 = e8 07
    expect(out[1002]).toBe(7);
    expect(hex(out.subarray(1003))).toBe("1001");
    expect(() => new ProtoWriter().varint(2 ** 53)).toThrow(RangeError);
    expect(() => new ProtoWriter().varint(1.5)).toThrow(RangeError);
  });
});
