import { crc32 } from "@granule/ogg-pages";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** Bit-at-a-time Ogg CRC straight from the definition, to check the sliced tables against. */
function referenceCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

describe("crc32", () => {
  it("gives the check value 0x89A1897F for ASCII 123456789", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0x89a1897f);
  });

  it("is 0 for no bytes and differs from zlib's reflected CRC", () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    // zlib's crc32("123456789") is 0xCBF43926; the Ogg CRC must not be that one.
    expect(crc32(new TextEncoder().encode("123456789"))).not.toBe(0xcbf43926);
  });

  it("matches the bitwise definition for any input length and alignment", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(15), (bytes, shift) => {
        const view = new Uint8Array(bytes.length + shift).subarray(shift);
        view.set(bytes);
        expect(crc32(view)).toBe(referenceCrc(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it("continues across pieces: crc32(b, crc32(a)) equals crc32(a + b)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        const ab = new Uint8Array(a.length + b.length);
        ab.set(a);
        ab.set(b, a.length);
        expect(crc32(b, crc32(a))).toBe(crc32(ab));
      }),
    );
  });
});
